"""``Wishart``: the law of ``Σᵢ xᵢ xᵢᵀ`` for ``df`` vectors ``xᵢ ~ N(0, Σ)`` (``torch.distributions``).

Parameters: ``df`` (``ν > p - 1`` for ``p × p`` matrices; any real ``ν``, not only whole
numbers) and exactly one of ``covariance_matrix`` ``Σ``, ``precision_matrix`` ``Σ⁻¹`` or
``scale_tril`` ``L`` (``Σ = L Lᵀ``); every formula works on ``L``. The density of a
positive-definite ``X`` is

    log p(X) = -ν (p log 2 / 2 + log det L) - log Γ_p(ν / 2) + (ν - p - 1) / 2 · log det X
               - tr(Σ⁻¹ X) / 2

(``Γ_p`` the multivariate gamma, :func:`tt_nn.special.mvlgamma`). ``mean = ν Σ``,
``mode = (ν - p - 1) Σ`` (NaN where ``ν ≤ p + 1``), ``variance`` of entry ``ij`` is
``ν (Σᵢⱼ² + Σᵢᵢ Σⱼⱼ)``. ``rsample`` is Bartlett's decomposition: ``X = L A Aᵀ Lᵀ`` with ``A``
lower triangular, ``Aᵢᵢ = √χ²(ν - i)`` and standard normal entries below the diagonal, so
gradients reach ``df`` (through the chi-square draws) and the matrix. A draw that comes out
singular (possible for ``ν < p``, where PyTorch warns when the distribution is made) is drawn
again, up to ``max_try_correction`` times, with a warning.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import tt_autograd as autograd
from tt_autograd import linalg

from ..special import digamma, mvlgamma
from . import constraints
from .chi2 import Chi2
from .distribution import extended_shape
from .exp_family import ExponentialFamily
from .multivariate_normal import CholeskyMatrices, half_log_det, one_matrix, scale_tril_of

_LOG_2 = math.log(2)


def _mvdigamma(x: autograd.Tensor, p: int) -> autograd.Tensor:
    """``Σ_{j<p} digamma(x - j/2)``, the derivative of ``mvlgamma(x, p)``."""
    shifts = autograd.tensor(np.arange(p) / 2, dtype=x.dtype)
    return digamma(x.unsqueeze(-1) - shifts).sum(dim=-1)


def _matrix(name: str, value: object) -> autograd.Tensor:
    if not isinstance(value, autograd.Tensor):
        raise TypeError(f"Wishart: {name} must be a tensor, got {type(value).__name__}")
    if value.dim() < 2 or value.shape[-1] != value.shape[-2]:
        raise ValueError(
            f"Wishart: {name} must be a square matrix (p, p), with optional leading batch dims, "
            f"got shape {tuple(value.shape)}"
        )
    return value


class Wishart(CholeskyMatrices, ExponentialFamily):
    """The Wishart distribution over ``p × p`` positive-definite matrices.

    Args:
        df: the degrees of freedom ``ν > p - 1`` (a number or a tensor of batch shape).
        covariance_matrix: ``Σ``, symmetric positive-definite, ``(*, p, p)``.
        precision_matrix: ``Σ⁻¹``, symmetric positive-definite, ``(*, p, p)``.
        scale_tril: ``L``, lower triangular with a positive diagonal, ``(*, p, p)``.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Shape:
        ``batch_shape`` is the broadcast of ``df``'s shape and the matrix's ``shape[:-2]``;
        ``event_shape`` is ``(p, p)``.

    Example:
        >>> import tt_autograd as autograd
        >>> m = Wishart(3.0, covariance_matrix=autograd.eye(2))
        >>> m.mean
        tensor([[3., 0.],
                [0., 3.]])
    """

    support = constraints.positive_definite
    has_rsample = True

    @property
    def arg_constraints(self) -> dict:
        """The matrices' constraints and ``df > p - 1`` (which depends on ``p``)."""
        return {
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
            "df": constraints.greater_than(self._event_shape[-1] - 1),
        }

    def __init__(
        self,
        df: object,
        covariance_matrix: autograd.Tensor | None = None,
        precision_matrix: autograd.Tensor | None = None,
        scale_tril: autograd.Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        name, matrix = one_matrix("Wishart", covariance_matrix, precision_matrix, scale_tril)
        matrix = _matrix(name, matrix)
        size = matrix.shape[-1]
        if isinstance(df, autograd.Tensor):
            try:
                batch_shape = np.broadcast_shapes(matrix.shape[:-2], df.shape)
            except ValueError:
                raise ValueError(
                    f"Wishart: the shape of df {tuple(df.shape)} and the batch dims of {name} "
                    f"{tuple(matrix.shape)} "
                    "do not broadcast"
                ) from None
            self.df = df.expand(*batch_shape)
        elif isinstance(df, numbers.Real) and not isinstance(df, bool):
            batch_shape = matrix.shape[:-2]
            self.df = autograd.tensor(float(df), dtype=matrix.dtype)
        else:
            raise TypeError(f"Wishart: df must be a number or a tensor, got {type(df).__name__}")
        if (self.df.detach().numpy() <= size - 1).any():
            raise ValueError(f"Wishart: df must be greater than p - 1 = {size - 1} (p = {size}), got {df}")
        if (self.df.detach().numpy() < size).any():
            warnings.warn(
                "Wishart: df < p (low df values): singular samples are likely for p - 1 < df < p",
                stacklevel=2,
            )
        self._given = name
        setattr(self, name, matrix.expand(*batch_shape, size, size))
        super().__init__(batch_shape, (size, size), validate_args=validate_args)
        self._unbroadcasted_scale_tril = scale_tril_of(name, matrix)

    def expand(self, batch_shape: tuple[int, ...]) -> Wishart:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        matrix = getattr(self, self._given).expand(*shape, *self._event_shape)
        with warnings.catch_warnings():  # made already: its low-df warning was given then
            warnings.simplefilter("ignore")
            return Wishart(self.df.expand(*shape), **{self._given: matrix}, validate_args=self._validate_args)

    # ------------------------------------------------------------------ moments
    def _df_matrix(self) -> autograd.Tensor:
        """``df`` with two trailing dims, to scale a batch of matrices."""
        return self.df.expand(*self._batch_shape).reshape(*self._batch_shape, 1, 1)

    @property
    def mean(self) -> autograd.Tensor:
        """``ν Σ``."""
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self) -> autograd.Tensor:
        """``(ν - p - 1) Σ``, NaN where ``ν ≤ p + 1`` (the density has no maximum inside then)."""
        factor = self._df_matrix() - (self._event_shape[-1] + 1)
        factor = autograd.where(factor > 0, factor, autograd.full((), float("nan"), dtype=factor.dtype))
        return factor * self.covariance_matrix

    @property
    def variance(self) -> autograd.Tensor:
        """Entry-wise: ``ν (Σᵢⱼ² + Σᵢᵢ Σⱼⱼ)``."""
        covariance = self.covariance_matrix
        diagonal = covariance.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (covariance.pow(2) + diagonal.unsqueeze(-1) * diagonal.unsqueeze(-2))

    # ------------------------------------------------------------------ sampling
    def _bartlett(self, shape: tuple[int, ...]) -> autograd.Tensor:
        """``L A Aᵀ Lᵀ`` for ``shape + batch_shape`` draws of Bartlett's ``A``."""
        size = self._event_shape[-1]
        dtype = self._unbroadcasted_scale_tril.dtype
        chi2_df = self.df.unsqueeze(-1) - autograd.tensor(np.arange(size, dtype=np.float64), dtype=dtype)
        chi2 = Chi2(chi2_df.expand(*self._batch_shape, size), validate_args=False)
        diagonal = chi2.rsample(shape).sqrt().clamp(min=float(np.finfo(dtype.numpy).eps))
        below = autograd.randn((*shape, *self._batch_shape, size, size), dtype=dtype).tril(-1)
        factor = self._unbroadcasted_scale_tril @ (autograd.diag_embed(diagonal) + below)
        return factor @ factor.mT

    def rsample(self, sample_shape: object = (), max_try_correction: int | None = None) -> autograd.Tensor:
        """Bartlett draws of shape ``sample_shape + batch_shape + (p, p)``, differentiable in the parameters.

        A draw that is not positive-definite is drawn again, up to ``max_try_correction``
        times (default 10); one still singular after that is returned as it is (its
        ``log_prob`` is ``-inf`` or NaN).
        """
        tries = 10 if max_try_correction is None else max_try_correction
        shape = extended_shape(sample_shape)
        sample = self._bartlett(shape)
        singular = ~self.support.check(sample.detach().numpy())
        if singular.any():
            warnings.warn("Wishart: singular sample detected; drawing it again", stacklevel=2)
        for _ in range(tries):
            if not singular.any():
                break
            again = self._bartlett(shape)
            sample = autograd.where(autograd.tensor(singular[..., None, None]), again, sample)
            singular = ~self.support.check(sample.detach().numpy())
        return sample

    # ------------------------------------------------------------------ densities
    def _log_normaliser_part(self) -> autograd.Tensor:
        """``p log 2 / 2 + log det L``, the term ``log_prob`` and ``entropy`` share."""
        size = self._event_shape[-1]
        return size * _LOG_2 / 2 + half_log_det(self._unbroadcasted_scale_tril)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-ν (p log 2 / 2 + log det L) - log Γ_p(ν/2) + (ν - p - 1)/2 log det X - tr(Σ⁻¹ X)/2``."""
        if self._validate_args:
            self._validate_sample(value)
        nu, size = self.df, self._event_shape[-1]
        factor = self._unbroadcasted_scale_tril
        whitened = linalg.solve_triangular(factor, value, upper=False)  # L⁻¹ X
        inner = linalg.solve_triangular(factor, whitened.mT, upper=False)  # L⁻¹ Xᵀ L⁻ᵀ: trace tr(Σ⁻¹ X)
        trace = inner.diagonal(dim1=-2, dim2=-1).sum(dim=-1)
        return (
            -nu * self._log_normaliser_part()
            - mvlgamma(nu / 2, p=size)
            + (nu - size - 1) / 2 * linalg.slogdet(value).logabsdet
            - trace / 2
        )

    def entropy(self) -> autograd.Tensor:
        """``(p + 1)(p log 2 / 2 + log det L) + log Γ_p(ν/2) - (ν - p - 1)/2 ψ_p(ν/2) + ν p / 2``."""
        nu, size = self.df, self._event_shape[-1]
        return (
            (size + 1) * self._log_normaliser_part()
            + mvlgamma(nu / 2, p=size)
            - (nu - size - 1) / 2 * _mvdigamma(nu / 2, size)
            + nu * size / 2
        )

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[autograd.Tensor, autograd.Tensor]:
        """``(-Σ⁻¹ / 2, (ν - p - 1) / 2)``, the weights of ``X`` and ``log det X``."""
        return -self.precision_matrix / 2, (self.df - self._event_shape[-1] - 1) / 2

    def _log_normalizer(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        """``(y + (p + 1)/2) (p log 2 - log det(-2x)) + log Γ_p(y + (p + 1)/2)``."""
        size = self._event_shape[-1]
        shifted = y + (size + 1) / 2
        return shifted * (size * _LOG_2 - linalg.slogdet(-2 * x).logabsdet) + mvlgamma(shifted, p=size)
