"""``out=``: the output argument of PyTorch's top-level functions (``torch.add(a, b, out=c)``).

Most ``torch.*`` functions take ``out=``: a tensor (a tuple of tensors for the functions that
return several) that receives the result and is returned. TinyTorch's functions live in their
packages without it; :func:`install` wraps the ones to which PyTorch 2.13 gives ``out=``
(``NAMES``, read off its signatures and checked by calling them; ``SUBMODULE_NAMES`` for
``torch.linalg``, ``torch.special`` and ``torch.fft``) where ``import tinytorch`` puts them, so
``tinytorch.add`` and ``tinytorch.linalg.solve`` take ``out=`` and ``tt_autograd.add`` stays as it is.

PyTorch's rules, kept:

* The result is computed as without ``out``, then written in: ``out`` takes the result's shape,
  resized when it differs (with a warning when it had elements: PyTorch deprecates resizing a
  non-empty ``out``), and keeps its own dtype. The result is cast into it unless the cast goes
  down a kind (bool < integer < float < complex): ``torch.eq(a, b, out=floats)`` is fine,
  ``torch.add(floats, floats, out=longs)`` raises.
* Creation functions (``zeros``, ``arange``, ``randn``, ...) given no ``dtype`` make their values
  in ``out``'s dtype.
* ``out=`` is not differentiable: a result that would require grad (an input requiring grad, in
  grad mode), or an ``out`` that requires grad, raises a ``RuntimeError``, as in PyTorch.
* Functions that return several tensors (``max(x, dim)``, ``sort``, ``topk``, ``svd``, ...) take a
  tuple of as many tensors and return it as their own (named) tuple type.
* ``out`` may be one of the inputs (``torch.add(a, b, out=a)``): the result is complete before
  anything is written.

Where TinyTorch differs: PyTorch's kernels write into ``out``'s memory directly; here the result
is made, then copied in, so ``out=`` saves no memory and costs one copy of the result.
Cost without ``out``: one extra Python call (the wrapper's) per call of a wrapped top-level function.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable

from tt_autograd import Tensor, is_grad_enabled, no_grad
from tt_tensor.caller import user_stacklevel

#: The top-level functions to which PyTorch 2.13 gives ``out=`` and TinyTorch has (``narrow_copy``,
#: which takes ``out=`` itself, is not wrapped again).
NAMES = """
abs absolute acos acosh add addbmm addcdiv addcmul addmm addmv addr all amax amin aminmax angle any
arange arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin argsort asin asinh atan
atan2 atanh baddbmm bernoulli bitwise_and bitwise_left_shift bitwise_not bitwise_or
bitwise_right_shift bitwise_xor bmm bucketize cat ceil chain_matmul cholesky cholesky_inverse
cholesky_solve clamp clamp_max clamp_min clip column_stack complex concat concatenate conj_physical
copysign cos cosh cross cummax cummin cumprod cumsum deg2rad diag diff digamma div divide dot dstack
empty eq erf erfc erfinv exp exp2 expm1 eye fix float_power floor floor_divide fmax fmin fmod frac
frexp frobenius_norm full gather gcd ge geqrf ger greater greater_equal gt hardshrink heaviside
histc histogram histogramdd hstack hypot i0 igamma igammac index_add index_copy index_reduce
index_select inner inverse isin isneginf isposinf kron kthvalue lcm ldexp le lerp less less_equal
lgamma linspace log log10 log1p log2 log_softmax logaddexp logaddexp2 logcumsumexp logical_and
logical_not logical_or logical_xor logit logspace logsumexp lt lu lu_solve lu_unpack masked_select
matmul matrix_power max maximum mean median min minimum mm mode msort mul multinomial multiply mv
mvlgamma nan_to_num nanmean nanmedian nanquantile nansum ne neg negative nextafter nonzero norm
normal not_equal nuclear_norm ones ormqr outer polar polygamma pow prod qr quantile rad2deg rand
randint randn randperm range reciprocal remainder renorm round row_stack rsqrt scatter searchsorted
sgn sigmoid sign signbit sin sinc sinh slogdet softmax sort sqrt square stack std std_mean sub
subtract sum svd take take_along_dim tan tanh tensordot threshold topk triangular_solve tril triu
true_divide trunc var var_mean vdot vstack where xlogy zeros
""".split()

#: ``torch.linalg``'s, ``torch.special``'s and ``torch.fft``'s functions that take ``out=`` (PyTorch 2.13's).
SUBMODULE_NAMES = {
    "linalg": """
        cholesky cholesky_ex cond cross det eig eigh eigvals eigvalsh householder_product inv inv_ex lu
        lu_factor lu_factor_ex lu_solve matmul matrix_norm matrix_power matrix_rank multi_dot norm pinv
        qr slogdet solve solve_ex solve_triangular svd svdvals tensorinv tensorsolve vecdot vector_norm
    """.split(),
    "special": """
        bessel_j0 bessel_j1 bessel_y0 bessel_y1 digamma entr erf erfc erfcx erfinv exp2 expit expm1
        gammainc gammaincc gammaln i0 i0e i1 i1e log1p log_ndtr logit logsumexp modified_bessel_i0
        modified_bessel_i1 modified_bessel_k0 modified_bessel_k1 multigammaln ndtr ndtri polygamma psi
        round scaled_modified_bessel_k0 scaled_modified_bessel_k1 sinc spherical_bessel_j0 xlog1py xlogy
        zeta
    """.split(),
    "fft": """
        fft fft2 fftfreq fftn hfft ifft ifft2 ifftn ihfft irfft irfft2 irfftn rfft rfft2 rfftfreq rfftn
    """.split(),
}

#: Creation functions: without ``dtype`` they make their values in ``out``'s dtype, as PyTorch's.
CREATION = frozenset(
    "empty zeros ones full arange range linspace logspace eye rand randn randint randperm"
    " fftfreq rfftfreq".split()
)

_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < float < complex


def install(namespace: dict) -> None:
    """Give every function of ``NAMES`` in ``namespace`` (``tinytorch``'s globals) ``out=``, and those of
    ``SUBMODULE_NAMES`` in ``tinytorch.linalg``, ``.special`` and ``.fft`` (TinyTorch's own modules)."""
    for names, where in ((NAMES, namespace), *((n, vars(namespace[m])) for m, n in SUBMODULE_NAMES.items())):
        for name in names:
            function = where.get(name)
            if function is not None:
                where[name] = with_out(name, function)


def with_out(name: str, function: Callable) -> Callable:
    """``function`` taking PyTorch's keyword-only ``out=`` (module docstring: the rules)."""

    @functools.wraps(function)
    def call(*args, out=None, **kwargs):
        if out is None:
            return function(*args, **kwargs)
        if name in CREATION and "dtype" not in kwargs and isinstance(out, Tensor):
            kwargs["dtype"] = out.dtype
        result = function(*args, **kwargs)
        return write_out(name, result, out)

    call.__signature__ = _with_out_parameter(function)
    return call


def _with_out_parameter(function: Callable) -> inspect.Signature | None:
    """``function``'s signature with the keyword-only ``out=None`` (before a ``**kwargs``), as
    ``inspect.signature`` shows the wrapper; None where ``function`` has no signature."""
    try:
        found = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    parameters = list(found.parameters.values())
    if "out" in found.parameters:
        return found
    at = len(parameters) - (parameters[-1].kind is inspect.Parameter.VAR_KEYWORD if parameters else 0)
    parameters.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    return found.replace(parameters=parameters)


def write_out(name: str, result: object, out: object) -> object:
    """Write ``result`` (a tensor, or a tuple of them) into ``out``; return ``out`` (as ``result``'s type)."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(
                f"{name}(): out must be a tuple of {len(result)} tensors (the function returns "
                f"{len(result)}), got {_described(out)}"
            )
        for part, target in zip(result, out):
            _write_one(name, part, target)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be a Tensor, got {_described(out)}")
    _write_one(name, result, out)
    return out


def _write_one(name: str, result: Tensor, out: object) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): every element of out must be a Tensor, got {_described(out)}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, but one of "
            "the arguments requires grad; call it without out=, or under tt.no_grad()"
        )
    have, want = result.array.dtype, out.array.dtype
    if _KIND_RANK[have.kind] > _KIND_RANK[want.kind]:
        raise RuntimeError(
            f"{name}(): result type {result.dtype} can't be cast to the desired output type {out.dtype}; "
            f"give an out tensor of dtype {result.dtype}"
        )
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(
                f"{name}(): an output with {out.numel()} elements was resized from shape "
                f"{list(out.shape)} to the result's {list(result.shape)}; PyTorch deprecates resizing a "
                "non-empty out (give an empty one, or out.resize_(0) first)",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        out.resize_(tuple(result.shape))
    with no_grad():
        out.copy_(result)


def _described(value: object) -> str:
    return (
        type(value).__name__
        if not isinstance(value, (tuple, list))
        else f"a {type(value).__name__} of {len(value)}"
    )
