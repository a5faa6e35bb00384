"""Transforms onto structured sets: the simplex, Cholesky factors, SPD and correlation matrices, [0, 1].

As ``torch.distributions.transforms``:

* ``SoftmaxTransform``: ``R^K -> simplex`` by softmax; not injective (adding a constant to
  ``x`` does not change ``y``), so no log-Jacobian; ``transform_to(simplex)``.
* ``StickBreakingTransform``: ``R^(K-1) -> simplex`` (``K`` entries) by breaking a stick:
  each ``sigmoid(x_i - log(K - 1 - i))`` takes its share of what is left. Bijective, with a
  log-Jacobian; ``biject_to(simplex)``.
* ``LowerCholeskyTransform``: a square matrix's strictly lower part plus the exponential of
  its diagonal (the upper part is dropped); ``PositiveDefiniteTransform``: that factor ``L``
  times ``L^T``.
* ``CorrCholeskyTransform``: ``D (D - 1) / 2`` reals to the Cholesky factor of a ``D x D``
  correlation matrix (rows of unit length): ``tanh`` to ``(-1, 1)``, then stick-breaking
  of each row's squared length.
* ``CumulativeDistributionTransform``: a distribution's ``cdf``, onto ``[0, 1]`` (its
  log-Jacobian is the distribution's ``log_prob``).
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd

from ..functional import logsigmoid, pad, softplus
from . import constraints
from .distribution import Distribution
from .transforms import Transform
from .transforms_elementwise import _finfo

__all__ = [
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "SoftmaxTransform",
    "StickBreakingTransform",
]


corr_cholesky = constraints.corr_cholesky  # (LKJCholesky's support: one constraint for both)


def _too_few_dims(name: str, shape: tuple[int, ...], needed: int) -> None:
    if len(shape) < needed:
        raise ValueError(
            f"{name}: too few dimensions on input: shape {tuple(shape)}, needs at least {needed}"
        )


class SoftmaxTransform(Transform):
    """``y = softmax(x)`` over the last dim; inverse ``log y`` (one of the preimages); no log-Jacobian."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        probs = (x - x.detach().amax(dim=-1, keepdim=True)).exp()
        return probs / probs.sum(dim=-1, keepdim=True)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return y.log()

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _too_few_dims("SoftmaxTransform", shape, 1)
        return tuple(shape)

    inverse_shape = forward_shape


def _stick_offset(k: int, like: autograd.Tensor) -> autograd.Tensor:
    """``log(k), log(k - 1), ..., log(1)``: centres the breaks so ``x = 0`` gives the simplex's centre."""
    return autograd.tensor(np.log(np.arange(k, 0, -1, dtype=np.float64)), dtype=like.dtype)


class StickBreakingTransform(Transform):
    """``R^(K-1)`` to the ``K``-simplex by stick-breaking; bijective, with a log-Jacobian.

    ``z_i = sigmoid(x_i - log(K - 1 - i))``, ``y_i = z_i Π_{j<i} (1 - z_j)``, the last entry what is left.
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        info = _finfo(x.dtype)
        z = (
            (x - _stick_offset(x.shape[-1], x))
            .sigmoid()
            .clamp(min=float(info.tiny), max=1.0 - float(info.eps))
        )
        left = (1 - z).cumprod(dim=-1)
        return pad(z, (0, 1), value=1.0) * pad(left, (1, 0), value=1.0)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        crop = y[..., :-1]
        rest = (1 - crop.cumsum(dim=-1)).clamp(min=float(_finfo(y.dtype).tiny))
        return crop.log() - rest.log() + _stick_offset(crop.shape[-1], y)

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        shifted = x - _stick_offset(x.shape[-1], x)
        return (-shifted + logsigmoid(shifted) + y[..., :-1].log()).sum(dim=-1)

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _too_few_dims("StickBreakingTransform", shape, 1)
        return tuple(shape)[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _too_few_dims("StickBreakingTransform", shape, 1)
        return tuple(shape)[:-1] + (shape[-1] - 1,)


class LowerCholeskyTransform(Transform):
    """A square matrix to a Cholesky factor: its strictly lower part plus ``exp`` of its diagonal.

    Not bijective (the upper part is dropped), so no log-Jacobian; ``transform_to(lower_cholesky)``.
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return y.tril(-1) + y.diagonal(dim1=-2, dim2=-1).log().diag_embed()


class PositiveDefiniteTransform(Transform):
    """A square matrix to ``L L^T`` with ``L = LowerCholeskyTransform()(x)``; inverse by Cholesky."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = object.__hash__

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        factor = LowerCholeskyTransform()(x)
        return factor @ factor.mT

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return LowerCholeskyTransform().inv(autograd.linalg.cholesky(y))


def _tril_selector(d: int, diagonal: int, dtype: object) -> tuple[autograd.Tensor, int]:
    """A 0/1 matrix ``S`` of shape ``(n, d*d)`` with ``vec @ S`` the ``d x d`` matrix holding ``vec`` below
    ``diagonal`` in row-major order (``np.tril_indices``), and ``n``."""
    rows, cols = np.tril_indices(d, k=diagonal)
    select = np.zeros((len(rows), d * d))
    select[np.arange(len(rows)), rows * d + cols] = 1.0
    return autograd.tensor(select, dtype=dtype), len(rows)


def vec_to_tril_matrix(vec: autograd.Tensor, d: int, diagonal: int = -1) -> autograd.Tensor:
    """The ``d x d`` matrices with ``vec``'s last dim laid below ``diagonal``, row by row; zeros elsewhere."""
    select, _ = _tril_selector(d, diagonal, vec.dtype)
    return (vec @ select).reshape(tuple(vec.shape[:-1]) + (d, d))


def tril_matrix_to_vec(mat: autograd.Tensor, diagonal: int = -1) -> autograd.Tensor:
    """The entries of ``mat``'s last two dims below ``diagonal``, row by row (the inverse of the above)."""
    d = mat.shape[-1]
    select, _ = _tril_selector(d, diagonal, mat.dtype)
    return mat.reshape(tuple(mat.shape[:-2]) + (d * d,)) @ select.mT


def _corr_size(n: int) -> int:
    """``D`` with ``D (D - 1) / 2 == n``."""
    d = round((0.25 + 2 * n) ** 0.5 + 0.5)
    if d * (d - 1) // 2 != n:
        raise ValueError(
            f"CorrCholeskyTransform: the last dim ({n}) is not D (D - 1) / 2 for any D "
            "(3 for 3 x 3, 6 for 4 x 4, ...)"
        )
    return d


class CorrCholeskyTransform(Transform):
    """``D (D - 1) / 2`` reals to the Cholesky factor of a ``D x D`` correlation matrix; bijective.

    ``tanh`` maps each entry to ``(-1, 1)`` (kept ``eps`` inside); row ``i`` is then the unit
    vector whose entries left of the diagonal are those, each scaled by the length left over
    (``sqrt`` of one minus the squares before it), and whose diagonal is the rest.
    """

    domain = constraints.real_vector
    codomain = corr_cholesky
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CorrCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        eps = float(_finfo(x.dtype).eps)
        d = _corr_size(x.shape[-1])
        r = vec_to_tril_matrix(x.tanh().clamp(min=-1 + eps, max=1 - eps), d)
        left = (1 - r.pow(2)).sqrt().cumprod(dim=-1)
        r = r + autograd.eye(d, dtype=x.dtype)
        return r * pad(left[..., :-1], (1, 0), value=1.0)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        rest = 1 - (y * y).cumsum(dim=-1)
        rest = pad(rest[..., :-1], (1, 0), value=1.0)
        t = tril_matrix_to_vec(y) / tril_matrix_to_vec(rest).sqrt()
        return (t.log1p() - (-t).log1p()) / 2

    def log_abs_det_jacobian(
        self, x: autograd.Tensor, y: autograd.Tensor, intermediates: object = None
    ) -> autograd.Tensor:
        """The stick-breaking part ``1/2 Σ log(1 - Σ_{k<j} y_ik²)`` plus ``tanh``'s (as ``TanhTransform``).

        ``intermediates`` is PyTorch's cache of a forward partial sum, passed by its own callers only;
        it is accepted and the sum recomputed from ``y`` (the same values)."""
        rest = 1 - (y * y).cumsum(dim=-1)
        stick = 0.5 * tril_matrix_to_vec(rest, diagonal=-2).log().sum(dim=-1)
        tanh = -2 * (x + softplus(-2 * x) - math.log(2.0)).sum(dim=-1)
        return stick + tanh

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _too_few_dims("CorrCholeskyTransform", shape, 1)
        d = _corr_size(shape[-1])
        return tuple(shape)[:-1] + (d, d)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _too_few_dims("CorrCholeskyTransform", shape, 2)
        if shape[-2] != shape[-1]:
            raise ValueError(f"CorrCholeskyTransform: the input is not square: shape {tuple(shape)}")
        d = shape[-1]
        return tuple(shape)[:-2] + (d * (d - 1) // 2,)


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)``: onto ``[0, 1]``, increasing; log-Jacobian ``distribution.log_prob(x)``.

    Args:
        distribution: a distribution with ``cdf``, ``icdf`` and ``log_prob`` (e.g. ``Normal``).
        cache_size: 0 or 1.
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = 1

    def __init__(self, distribution: Distribution, cache_size: int = 0) -> None:
        if not isinstance(distribution, Distribution):
            raise TypeError(
                f"CumulativeDistributionTransform: distribution must be a Distribution, got "
                f"{type(distribution).__name__}"
            )
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self) -> constraints.Constraint:
        return self.distribution.support

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return self.distribution.cdf(x)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return self.distribution.log_prob(x)
