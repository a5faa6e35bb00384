"""``F.one_hot``: class indices to one-hot rows (int64), like ``torch.nn.functional.one_hot``."""

from __future__ import annotations

import numpy as np

from ._checks import tensor_arg


def one_hot(tensor, num_classes: int = -1):
    """``out[..., c] = 1`` where ``c = tensor[...]``, else 0; int64, not differentiable.

    Args:
        tensor: an integer tensor of class indices ``(*)``.
        num_classes: the length of each row; -1 takes ``tensor.max() + 1``.

    Shape: ``(*)`` -> ``(*, num_classes)``. Cost: one write per element.
    """
    tensor = tensor_arg("one_hot", tensor, "tensor")
    indices = tensor.array
    if indices.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: expected an integer tensor of class indices, got dtype {tensor.dtype.name}"
        )
    if num_classes == -1:
        if indices.size == 0:
            raise RuntimeError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes")
        num_classes = int(indices.max()) + 1
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise RuntimeError(
            f"one_hot: class values must be in [0, {num_classes}), got values from {indices.min()} to "
            f"{indices.max()}"
        )
    out = (indices[..., None] == np.arange(num_classes)).astype(np.int64)
    return tensor.from_array(out)  # (batched like tensor inside vmap; the class gives a plain one)
