"""The condition number: ``linalg.cond``, composed of recorded ops (so it differentiates).

* ``p=None`` or ``2``: ``sigma_max / sigma_min`` from :func:`~tt_autograd.linalg.svdvals`
  (any ``m x n``); ``p=-2``: ``sigma_min / sigma_max``. A singular matrix gives a huge number
  or inf (``sigma_min`` rounded or exactly 0), a zero matrix nan (``0 / 0``), as PyTorch.
* ``p`` in ``'fro'``, ``'nuc'``, ``1``, ``-1``, ``inf``, ``-inf`` (square matrices only):
  ``||A||_p ||A^{-1}||_p`` by :func:`~tt_autograd.linalg.matrix_norm` and
  :func:`~tt_autograd.linalg.inv_ex`. A singular matrix (an exact zero LU pivot) gives inf, as
  PyTorch for ``1``, ``-1``, ``inf``, ``-inf``; PyTorch 2.13's ``'fro'`` and ``'nuc'`` give inf, nan or
  a huge number there depending on the path taken (batched or not), so we keep inf for all.

Example:
    >>> import tt_autograd as autograd
    >>> autograd.linalg.cond(autograd.tensor([[2.0, 0.0], [0.0, 0.5]]))
    tensor(4.)
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._common import float_matrices
from .info_results import inv_ex
from .norms import matrix_norm
from .spectral import svdvals

NORM_ORDS = ("fro", "nuc", 1, -1, math.inf, -math.inf)


def cond(A, p=None) -> Tensor:
    """``torch.linalg.cond``: the condition number of each matrix of ``A`` in the norm ``p``.

    Args:
        A: ``(..., m, n)`` float or complex; square unless ``p`` is None, 2 or -2.
        p: None (2), 2, -2, ``'fro'``, ``'nuc'``, 1, -1, ``inf`` or ``-inf``.

    Shape: ``(...)``, ``A``'s dtype (its real dtype for complex ``A``); an empty input gives zeros
    (outside the graph, as PyTorch).
    Cost: one SVD per matrix (``p`` None, ``+-2``), else an LU, an inverse and two norms.
    """
    valid = p is None or (not isinstance(p, bool) and (p in (2, -2) or p in NORM_ORDS))
    if not valid:
        raise ValueError(
            f"linalg.cond got an invalid norm type: {p}; use None, 2, -2, 'fro', 'nuc', 1, -1, inf or -inf"
        )
    spectral = p is None or p in (2, -2)
    op = "linalg.cond" if spectral else f"linalg.cond(ord={p})"
    A = float_matrices(op, A, square=not spectral, complex_ok=True)
    if A.numel() == 0:  # as PyTorch: zeros, outside the graph, for any empty input (an empty batch too)
        return Tensor.from_array(np.zeros(A.shape[:-2], dtype=np.real(A.array[:0]).dtype))
    if spectral:
        values = svdvals(A)
        largest, smallest = values[..., 0], values[..., -1]
        with np.errstate(divide="ignore", invalid="ignore"):  # inf for a singular matrix, nan for 0
            return smallest / largest if p == -2 else largest / smallest
    inverse, info = inv_ex(A)
    singular = info.array > 0
    norm = matrix_norm(A, p)
    inverse_norm = matrix_norm(inverse.masked_fill(info.from_array(singular[..., None, None]), 0.0), p)
    return (norm * inverse_norm).masked_fill(info.from_array(singular), math.inf)
