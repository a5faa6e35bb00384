"""Matrix products with PyTorch's rules, NumPy in and out.

``matmul`` follows ``torch.matmul``: 1-D operands are promoted to a row or
column and the extra dimension dropped after; leading (batch) dimensions
broadcast. It runs on BLAS through ``np.matmul`` (about 190 GFLOP/s float32
on this 2-core machine for large square products): cost ``2*m*k*n`` flops per
batch element.
"""

from __future__ import annotations

import numpy as np

from .dtypes import promote_operands


def matmul(a: np.ndarray, b: np.ndarray, op: str = "matmul") -> np.ndarray:
    """Matrix product of ``a`` and ``b`` with batch broadcasting; mixed dtypes promote as in PyTorch."""
    # BEGIN SOLUTION 01
    # TODO: PyTorch's matmul: 1-D operands are promoted to matrices and the added dim removed after,
    #   batch dims broadcast (§ Exercises, "Matrix products"; § How it is built shows the shape error).
    # APPROACH: refuse 0-d; check the inner sizes and the batch shapes (np.broadcast_shapes) with errors
    #   naming both shapes; promote the dtypes (promote_operands); then np.matmul.
    # EXAMPLE: (2, 3) @ (3,) -> (2,); (5, 1, 2, 3) @ (4, 3, 7) -> (5, 4, 2, 7).
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{op}: both arguments need at least 1 dimension, got shapes {a.shape} and {b.shape}"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if inner_a != inner_b:
        raise RuntimeError(
            f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied ({inner_a} != {inner_b}): "
            "the last dim of the first must equal the second-to-last dim of the second"
        )
    if a.dtype != b.dtype:
        a, b = promote_operands(a, b)
    try:
        out = np.matmul(a, b)
    except ValueError:
        raise RuntimeError(
            f"{op}: batch shapes of {a.shape} and {b.shape} cannot be broadcast together"
        ) from None
    return out if type(out) is np.ndarray else np.asarray(out)  # vector . vector gives a NumPy scalar
    # END SOLUTION


def check_ndim(op: str, a: np.ndarray, b: np.ndarray, ndim_a: int, ndim_b: int) -> None:
    """``mm``, ``bmm``, ``dot`` and ``mv`` insist on exact ranks (and ``bmm`` on equal batch sizes);
    check those and the inner sizes, naming ``op``."""
    # BEGIN SOLUTION 01
    # TODO: the rank checks of mm (2-D, 2-D), bmm (3-D, 3-D, equal batch), mv and dot: a RuntimeError
    #   naming op and both shapes when the ranks, the inner sizes or bmm's batch sizes disagree.
    if a.ndim != ndim_a or b.ndim != ndim_b:
        raise RuntimeError(
            f"{op}: expected {ndim_a}-D and {ndim_b}-D tensors, got shapes {a.shape} and {b.shape}"
        )
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != inner_b:
        raise RuntimeError(
            f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied ({a.shape[-1]} != {inner_b})"
        )
    if ndim_a == ndim_b == 3 and a.shape[0] != b.shape[0]:
        raise RuntimeError(f"{op}: batch sizes of {a.shape} and {b.shape} must be equal")
    # END SOLUTION
