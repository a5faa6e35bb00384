"""Norms and distances: ``F.normalize``, ``F.cosine_similarity``, ``F.pairwise_distance``, ``F.pdist``.

Composed from recorded tt-autograd primitives, so their gradients come from
the primitives'. The 2-norm is taken as ``sqrt(max(sum(x**2), eps**2))``,
which equals ``max(||x||, eps)`` and keeps the gradient finite at ``x = 0``
(``sqrt``'s derivative is infinite at 0).
"""

from __future__ import annotations

import numpy as np
from tt_autograd import cdist
from tt_tensor.checks import check_number, normalize_dim

from ._checks import float_arg, number_args


def _norm(x, p: float, dim: int, eps: float):
    """``max(||x||_p, eps)`` along ``dim``, kept as a size-1 dim."""
    if p == 2:
        return (x * x).sum(dim, keepdim=True).clamp(min=eps * eps).sqrt()
    return x.norm(p, dim, keepdim=True).clamp(min=eps)


@number_args("normalize", "eps")  # (p=None is the 2-norm, as PyTorch)
def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):  # noqa: A002
    """``x / max(||x||_p, eps)`` along ``dim``: unit vectors, like ``torch.nn.functional.normalize``.

    Shape: input ``(*)``, output ``(*)``. Cost: 3 passes over ``x``.
    """
    input = float_arg("normalize", input)  # noqa: A001
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the returned tensor")
    dim = normalize_dim("normalize", dim, input.ndim)
    return input / _norm(input, p, dim, eps)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast).

    Shape: ``x1`` and ``x2`` broadcast to ``(*)``; output ``(*)`` without ``dim``.
    """
    x1, x2 = float_arg("cosine_similarity", x1, "x1"), float_arg("cosine_similarity", x2, "x2")
    try:
        shape = tuple(np.broadcast_shapes(x1.shape, x2.shape))
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity: x1 {tuple(x1.shape)} and x2 {tuple(x2.shape)} cannot be broadcast together"
        ) from None
    dim = normalize_dim("cosine_similarity", dim, len(shape))
    return ((x1 / _norm(x1, 2, dim, eps)) * (x2 / _norm(x2, 2, dim, eps))).sum(dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """``||x1 - x2 + eps||_p`` over the last dim, like ``torch.nn.functional.pairwise_distance``."""
    x1, x2 = float_arg("pairwise_distance", x1, "x1"), float_arg("pairwise_distance", x2, "x2")
    diff = x1 - x2 + eps
    return diff.norm(p, -1, keepdim)


def pdist(input, p: float = 2.0):  # noqa: A002
    """``torch.nn.functional.pdist``: the ``p``-norm distance between each pair of rows of ``input``.

    Shape: ``(N (N - 1) / 2,)``, the pairs ``(i, j)`` with ``i < j`` in row-major order (the upper
    triangle of ``cdist(input, input)``, read row by row). Differentiable, with gradient 0 where two
    rows coincide, as PyTorch. Each distance is taken from the differences (no matrix-product
    shortcut, whose rounding would blur near-equal rows). Cost: the full ``N x N`` table of
    ``cdist``, so twice the pairs, ``O(N^2 M)``.
    """
    input = float_arg("pdist", input)  # noqa: A001
    if input.ndim != 2:
        raise RuntimeError(f"pdist: only supports 2D tensors (N, M), got shape {tuple(input.shape)}")
    if check_number("pdist", "p", p) < 0:
        raise RuntimeError(f"pdist: only supports non-negative p values, got {p}")
    rows, cols = np.triu_indices(input.shape[0], 1)
    return cdist(input, input, p, compute_mode="donot_use_mm_for_euclid_dist")[rows, cols]
