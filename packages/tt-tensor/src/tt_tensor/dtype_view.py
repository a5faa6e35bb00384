"""``x.view(dtype)``: the same bytes read as another dtype (PyTorch's ``Tensor.view(dtype)``).

No element is converted or copied: a float32 ``1.0`` read as int32 is ``1065353216``, its bit
pattern. With equal element sizes the shape stays; otherwise the last dimension is cut into
(or merged from) the smaller elements: float32 ``(2, 4)`` read as uint8 is ``(2, 16)``, read as
float64 ``(2, 2)``. That needs the last dimension's elements side by side in memory (stride 1),
its size divisible by the ratio when merging, and at least one dimension, as PyTorch checks
(a last dimension of size 1 is taken whatever its stride: NumPy gives such a dimension stride 0
where PyTorch gives 1, e.g. after ``unsqueeze(-1)``, so its stride says nothing here).
The result shares the array: writing one writes the other. Reading bits is not differentiable
(PyTorch's neither): the result records no gradient.

Cost: O(1), a NumPy ``ndarray.view``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["view_dtype"]


def view_dtype(a: np.ndarray, dtype: object, op: str = "view") -> np.ndarray:
    """``a``'s bytes as ``dtype`` (a tt dtype, with ``.numpy``): shape rules above; errors as PyTorch's,
    naming ``op`` (``view``, or ``view_copy`` for tt-autograd's ``torch.view_copy(x, dtype)``)."""
    target = np.dtype(getattr(dtype, "numpy", dtype))
    if target.itemsize == a.itemsize:
        return a.view(target)
    what = f"{op}: a {a.dtype} tensor of shape {a.shape} cannot be read as {dtype} (different element sizes)"
    if a.ndim == 0:
        raise RuntimeError(f"{what}: it needs at least one dimension; reshape it to (1,) first")
    if a.shape[-1] != 1 and a.strides[-1] != a.itemsize:
        raise RuntimeError(
            f"{what}: its last dimension must have stride 1, got {a.strides[-1] // a.itemsize}; "
            "call .contiguous() first"
        )
    if target.itemsize > a.itemsize and (a.shape[-1] * a.itemsize) % target.itemsize:
        raise RuntimeError(
            f"{what}: the last dimension's size {a.shape[-1]} must be divisible by "
            f"{target.itemsize // a.itemsize}"
        )
    return a.view(target)
