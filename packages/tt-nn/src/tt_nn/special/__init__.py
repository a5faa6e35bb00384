"""``torch.special``: error, gamma and Bessel functions, differentiable, on tt-autograd tensors.

NumPy has no ``erf`` or gamma function, and TinyTorch depends on NumPy alone, so these are
written here from the classical formulas (each file's docstring gives its algorithm and its
measured accuracy), building on module 03's ``erf``/``erfc`` (:mod:`tt_nn.functional.erf`):

* :mod:`.error_functions`: ``erf``, ``erfc``, ``erfinv``, ``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``;
* :mod:`.gamma_functions`: ``lgamma`` (``gammaln``), ``digamma`` (``psi``), ``polygamma``,
  ``mvlgamma`` (``multigammaln``);
* :mod:`.incomplete_gamma`: ``gammainc``, ``gammaincc`` (``igamma``/``igammac`` at the top level);
* :mod:`.zeta`: Hurwitz's ``zeta``;
* :mod:`.bessel_functions`: ``i0``, ``i0e``, ``i1``, ``i1e``;
* :mod:`.bessel_j_y`: ``bessel_j0``, ``bessel_j1``, ``bessel_y0``, ``bessel_y1``, ``spherical_bessel_j0``;
* :mod:`.bessel_k`: ``modified_bessel_k0``/``k1``, their scaled forms, ``modified_bessel_i0``/``i1``;
* :mod:`.misc`: ``entr``, ``sinc``, ``xlog1py``, and the names ``torch.special`` shares with the
  top level (``expit``, ``logit``, ``xlogy``, ``exp2``, ``expm1``, ``log1p``, ``softmax``,
  ``log_softmax``, ``logsumexp``), and ``round`` with PyTorch's ``decimals``.

Each is one fused ``Function`` (``ErfFunction``, ``LgammaFunction``, ...) with the analytic
derivative as its backward; results keep the input's float dtype and integer tensors are
promoted to float32, as in PyTorch. Functions only: PyTorch's tensor methods (``x.erf()``,
``x.lgamma()``) are not provided, since tt-autograd's ``Tensor`` cannot import tt-nn and
nothing is patched onto it at import; write ``torch.erf(x)`` or ``torch.special.erf(x)``.

The Bessel ``j``/``y``/``k`` functions have no gradient (PyTorch defines none; their outputs do
not require grad), and ``gammainc``/``zeta`` differentiate in their second argument only.
Not in TinyTorch yet: ``airy_ai`` and the orthogonal polynomials.

Example:
    >>> import tt_autograd
    >>> from tt_nn import special
    >>> x = tt_autograd.tensor([0.5, 2.0], requires_grad=True)
    >>> special.lgamma(x).sum().backward()
    >>> x.grad  # digamma(0.5), digamma(2)
    tensor([-1.9635,  0.4228])
"""

from __future__ import annotations

from tt_autograd import exp2, expm1, log1p, logit, logsumexp, xlogy
from tt_autograd import sigmoid as expit

from ..functional import log_softmax, softmax
from .bessel_functions import i0, i0e, i1, i1e
from .bessel_j_y import bessel_j0, bessel_j1, bessel_y0, bessel_y1, spherical_bessel_j0
from .bessel_k import (
    modified_bessel_i0,
    modified_bessel_i1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
)
from .error_functions import erf, erfc, erfcx, erfinv, log_ndtr, ndtr, ndtri
from .gamma_functions import digamma, lgamma, mvlgamma, polygamma
from .incomplete_gamma import gammainc, gammaincc
from .misc import entr, round, sinc, xlog1py  # noqa: A004  (PyTorch's name)
from .zeta import zeta

gammaln = lgamma
psi = digamma
multigammaln = mvlgamma

__all__ = [
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "lgamma",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "multigammaln",
    "mvlgamma",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "sinc",
    "softmax",
    "spherical_bessel_j0",
    "xlog1py",
    "xlogy",
    "zeta",
]
