"""Module-level forms of the methods beyond the exercises: ``tt.log1p(x)``, ``tt.atan2(y, x)``, ...

Not course material. Each calls the method of the same name on its first
argument (see :mod:`tt_tensor.functional`), so tt-autograd's recorded
override is the one that runs.
"""

from __future__ import annotations

from .functional import _method

# element-wise, one tensor
log1p, expm1, log2, log10, exp2 = (_method(n) for n in ("log1p", "expm1", "log2", "log10", "exp2"))
sinh, cosh, tan, asin, acos, atan = (_method(n) for n in ("sinh", "cosh", "tan", "asin", "acos", "atan"))
asinh, acosh, atanh = (_method(n) for n in ("asinh", "acosh", "atanh"))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
trunc, fix, frac, logit, nan_to_num = (_method(n) for n in ("trunc", "fix", "frac", "logit", "nan_to_num"))
# element-wise, several tensors
atan2, hypot, logaddexp, xlogy, copysign, fmod = (
    _method(n) for n in ("atan2", "hypot", "logaddexp", "xlogy", "copysign", "fmod")
)
arctan2 = atan2
lerp, addcmul, addcdiv = (_method(n) for n in ("lerp", "addcmul", "addcdiv"))
# products, diagonals, differences and cumulative functions
addmm, baddbmm, mv, tensordot, inner, kron, cross = (
    _method(n) for n in ("addmm", "baddbmm", "mv", "tensordot", "inner", "kron", "cross")
)
diagonal, trace, diag_embed, diff, cumprod, logcumsumexp = (
    _method(n) for n in ("diagonal", "trace", "diag_embed", "diff", "cumprod", "logcumsumexp")
)

__all__ = sorted(
    name for name, value in dict(globals()).items() if callable(value) and not name.startswith("_")
)
