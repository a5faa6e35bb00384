"""Reparameterised Gamma(α, 1) draws: ``StandardGammaFunction`` (PyTorch's ``_standard_gamma``).

A Gamma draw is not a smooth function of ``α`` and a fixed noise (NumPy's
sampler rejects and retries), so the gradient is taken *implicitly*: a draw
``x`` is the quantile ``F⁻¹(u; α)`` of some uniform ``u``, and holding ``u``
fixed, ``F(x(α); α) = u`` gives

    dx/dα = -(∂F/∂α)(x; α) / f(x; α),

with ``F = P(α, x)`` the regularized lower incomplete gamma function and
``f = x^(α-1) e^(-x) / Γ(α)`` the density (Figurnov et al. 2018, "Implicit
reparameterization gradients"). ``∂P/∂α`` is computed here in float64 from the
two classical expansions of ``P``, each differentiated term by term in ``α``
(forward-mode: every term carries its derivative):

* ``x < α + 1``: the series ``P = x^α e^(-x) / Γ(α+1) · S`` with
  ``S = Σ_k t_k``, ``t_0 = 1``, ``t_k = t_(k-1) x / (α + k)``. Dividing by the
  density, ``dx/dα = -(x / α) (S (log x - ψ(α+1)) + S')``: the prefactor cancels.
* ``x ≥ α + 1``: the continued fraction ``Q = 1 - P = x^α e^(-x) / Γ(α) · h``
  (evaluated by the modified Lentz method), so ``dx/dα = x (h (log x - ψ(α)) + h')``.

Each expansion is iterated on all elements at once until every term is below
float64 rounding (a loop over terms, not elements; at most ``_MAX_TERMS``).
Draws below the dtype's smallest normal number are clamped to it (as PyTorch),
so ``log x`` stays finite.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_autograd import Function

from ..special import digamma

_MAX_TERMS = 5000
_TOLERANCE = 1e-15
_TINY = 1e-300


def _digamma(values: np.ndarray) -> np.ndarray:
    return digamma(autograd.tensor(values, dtype=autograd.float64)).numpy()


def _series_gradient(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dα`` from the power series of ``P(α, x)`` (accurate for ``x < α + 1``)."""
    term, term_derivative = np.ones_like(x), np.zeros_like(x)
    total, total_derivative = np.ones_like(x), np.zeros_like(x)
    for k in range(1, _MAX_TERMS):
        step = x / (alpha + k)
        term_derivative = step * (term_derivative - term / (alpha + k))
        term = term * step
        total, total_derivative = total + term, total_derivative + term_derivative
        if np.all(term <= _TOLERANCE * total):
            break
    return -(x / alpha) * (total * (np.log(x) - _digamma(alpha + 1)) + total_derivative)


def _continued_fraction_gradient(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dα`` from the continued fraction of ``Q(α, x)`` (accurate for ``x ≥ α + 1``).

    Modified Lentz: ``b_k = x + 1 - α + 2k``, ``a_k = -k (k - α)``; each of ``b``, ``c``,
    ``d`` and ``h`` carries its derivative in ``α`` (``b' = -1``, ``a_k' = k``). Lentz's guard
    against a zero denominator is left out: for ``x ≥ α + 1`` the denominators of ``c`` and
    ``d`` stay above 3 (measured over ``α`` from 1e-3 to 1e4 and ``x - α - 1`` from 2e-9 to 1e5).
    """
    b = x + 1 - alpha
    d, d_derivative = 1 / b, 1 / b**2  # d = 1/b, d' = -b'/b^2
    c, c_derivative = np.full_like(x, 1 / _TINY), np.zeros_like(x)
    h, h_derivative = d.copy(), d_derivative.copy()
    for k in range(1, _MAX_TERMS):
        a, a_derivative = -k * (k - alpha), float(k)
        b = b + 2
        d_denominator = a * d + b
        d_denominator_derivative = a_derivative * d + a * d_derivative - 1
        d, d_derivative = 1 / d_denominator, -d_denominator_derivative / d_denominator**2
        c_derivative = -1 + (a_derivative - a * c_derivative / c) / c  # of c = b + a / c, with the old c
        c = b + a / c
        delta = d * c
        delta_derivative = d_derivative * c + d * c_derivative
        h, h_derivative = h * delta, h_derivative * delta + h * delta_derivative
        if np.all(np.abs(delta - 1) <= _TOLERANCE):
            break
    return x * (h * (np.log(x) - _digamma(alpha)) + h_derivative)


def standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dα`` of Gamma(α, 1) draws ``x`` at fixed CDF level, element-wise in float64."""
    alpha, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    use_series = x < alpha + 1
    out = np.empty_like(x)
    out[use_series] = _series_gradient(alpha[use_series], x[use_series])
    out[~use_series] = _continued_fraction_gradient(alpha[~use_series], x[~use_series])
    return out


class StandardGammaFunction(Function):
    """Gamma(α, 1) draws (given, from the generator) with the implicit gradient ``dx/dα`` as backward."""

    @staticmethod
    def forward(ctx, alpha, draws):
        ctx.save_for_backward(alpha, draws)
        return draws

    @staticmethod
    def backward(ctx, grad):
        alpha, draws = ctx.saved_tensors
        return (grad * standard_gamma_grad(alpha, draws).astype(grad.dtype, copy=False), None)


def standard_gamma(alpha: autograd.Tensor) -> autograd.Tensor:
    """Gamma(α, 1) draws of ``alpha``'s shape and dtype, differentiable in ``alpha`` (implicitly).

    NumPy's ``standard_gamma`` (Marsaglia-Tsang) on TinyTorch's default generator, in
    float64, rounded to ``alpha``'s dtype and clamped below at its smallest normal number.

    Example:
        >>> alpha = autograd.tensor([0.5, 3.0], requires_grad=True)
        >>> standard_gamma(alpha).sum().backward()  # doctest: +SKIP
    """
    values = alpha.detach().numpy()
    draws = np.asarray(autograd.default_generator.numpy.standard_gamma(values.astype(np.float64)))
    draws = np.maximum(draws.astype(values.dtype), np.finfo(values.dtype).tiny)
    return StandardGammaFunction.apply(alpha, draws)
