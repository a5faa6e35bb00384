"""Reparameterised Gamma(α, 1) draws: ``StandardGammaFunction`` (PyTorch's ``_standard_gamma``).

A Gamma draw is not a smooth function of ``α`` and a fixed noise (NumPy's
sampler rejects and retries), so the gradient is taken *implicitly*: a draw
``x`` is the quantile ``F⁻¹(u; α)`` of some uniform ``u``, and holding ``u``
fixed, ``F(x(α); α) = u`` gives

    dx/dα = -(∂F/∂α)(x; α) / f(x; α),

with ``F = P(α, x)`` the regularized lower incomplete gamma function and
``f = x^(α-1) e^(-x) / Γ(α)`` the density (Figurnov et al. 2018, "Implicit
reparameterization gradients"). ``∂P/∂α`` is computed here in float64 from the
two classical expansions of ``P``, differentiated term by term in ``α`` by
:func:`tt_nn.special.incomplete_gamma.incomplete_gamma_expansion` (``S'``, ``h'``
below). The prefactors cancel in the ratio:

* ``x < α + 1``: the series ``P = x^α e^(-x) / Γ(α+1) · S``, so
  ``dx/dα = -(x / α) (S (log x - ψ(α+1)) + S')``;
* ``x ≥ α + 1``: the continued fraction ``Q = 1 - P = x^α e^(-x) / Γ(α) · h``,
  so ``dx/dα = x (h (log x - ψ(α)) + h')``.

Draws below the dtype's smallest normal number are clamped to it (as PyTorch),
so ``log x`` stays finite.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_autograd import Function

from ..special import digamma
from ..special.incomplete_gamma import incomplete_gamma_expansion


def standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dα`` of Gamma(α, 1) draws ``x`` at fixed CDF level, element-wise in float64."""
    alpha, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    series, value, slope = incomplete_gamma_expansion(alpha, x, derivative=True)
    shifted = autograd.tensor(np.where(series, alpha + 1.0, alpha), dtype=autograd.float64)
    common = value * (np.log(x) - digamma(shifted).numpy()) + slope
    return np.where(series, -(x / alpha) * common, x * common)


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
