"""More groups of ``nox -s parity-sweep``: dtypes and edge values, float16, reductions, transforms.

:mod:`sweep` calls every shared name on float64 inputs. These groups cover what that grid
misses, each a table of calls made both ways and compared (dtype, shape, values):

* ``dtypes``: element-wise functions on every dtype (float16/32/64, int32/64, uint8, bool) and
  every pair of them, and with Python scalars, on IEEE edge values (±0, ±inf, NaN, 1e30, ...).
  It found, in session 31, an integer tensor beside a float16 one giving float32 (atan2, copysign,
  xlogy, hypot, logaddexp), ``logit`` of uint8 wrapping around, float16 ``erf`` giving NaN.
* ``float16``: each float16 result must be the float32 result rounded (PyTorch's CPU kernels
  compute half precision in float32); found float16 GELU/erf/ndtr NaN, ``sinc(1) = 3e-4``.
* ``reductions``: sum, mean, prod, cumsum, norm, ... over dims, keepdim and ``dtype=`` on every
  dtype; found ``cumsum`` of uint8 failing, ``prod(dtype=)`` missing, ``mean(dtype=int64)`` garbage.
* ``transforms``: ``torch.func`` transforms composed two deep (grad, jacrev, jacfwd, hessian, vmap,
  jvp, vjp, grad_and_value, linearize) on two functions; found ``jacfwd`` of ``grad_and_value``'s
  value and every transform over ``linearize`` giving zeros.

A call PyTorch refuses is skipped; one only TinyTorch refuses is a gap; a difference is an error
unless :data:`ACCEPTED` names it with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

EDGES = np.array(
    [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, np.inf, -np.inf, np.nan, 1e-30, 1e30, 7.0, -7.0, 100.0, -0.75]
)
INTEGERS = np.array([0, 1, -1, 2, -3, 5, 7, -8, 100, -100, 3, 4, 6, -6, 9, 10])
with np.errstate(over="ignore"):  # (float16 holds 1e30 as inf)
    SOURCES = {
        "float32": EDGES.astype(np.float32),
        "float64": EDGES,
        "float16": EDGES.astype(np.float16),
        "int64": INTEGERS,
        "int32": INTEGERS.astype(np.int32),
        "uint8": (INTEGERS % 256).astype(np.uint8),
        "bool": INTEGERS % 2 == 0,
    }
UNARY = (
    "abs neg sign sgn exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin acos atan sinh cosh "
    "tanh asinh acosh atanh sigmoid floor ceil round trunc frac reciprocal square erf erfc erfinv lgamma "
    "digamma isnan isinf isfinite isposinf isneginf signbit logical_not bitwise_not nan_to_num relu deg2rad "
    "rad2deg i0 sinc logit positive fix angle"
).split()
BINARY = (
    "add sub mul div true_divide floor_divide remainder fmod pow atan2 maximum minimum fmax fmin eq ne lt le "
    "gt ge logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor hypot copysign nextafter "
    "xlogy logaddexp logaddexp2 heaviside ldexp gcd lcm bitwise_left_shift bitwise_right_shift float_power"
).split()
SCALARS = (2, 2.5, -3, True)
ACCEPTED = {
    (
        "pow",
        "int",
    ): "an integer tensor to a negative integer power: NumPy's refusal; PyTorch computes 0 or ±1",
    ("pow", "bool"): "bool ** int: PyTorch gives int64 (bool ** True: bool); ours keeps NumPy's bool/int8",
    ("ldexp", "float16"): "an infinite float16 exponent: PyTorch's x * 2**e gives NaN for x = -0, ours -0",
    ("logit", "float16"): "PyTorch rounds log(p) and log1p(-p) to float16 before subtracting; ours once",
    ("mode", "float"): "the mode of rows holding NaN: PyTorch returns NaN, ours the smallest value",
    ("unique", "dim"): "rows holding NaN are ordered differently (NaN compares unequal)",
    ("nansum", "dtype=int64"): "inf converted to int64: undefined in C; NumPy and PyTorch differ",
    ("all", "uint8"): "PyTorch keeps uint8 for all/any of uint8 (legacy); ours is bool, as for every dtype",
    ("any", "uint8"): "as all",
}


def listed(table: dict, name: str, case: str) -> bool:
    """Whether ``table`` accepts the difference of ``name`` on ``case`` (a substring of the case)."""
    return any(name == n and part in case for (n, part) in table)


def accepted(name: str, case: str) -> bool:
    return listed(ACCEPTED, name, case)


def _result(value: object) -> object:
    """``(dtype name, shape, float64 values)`` of a tensor; tuples of them; other values as they are."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        array = np.asarray(value.detach().numpy())
        return str(value.dtype).split(".")[-1], array.shape, array.astype(np.float64)
    if isinstance(value, (tuple, list)):
        return tuple(_result(v) for v in value)
    return value


def _differs(theirs: object, ours: object, rtol: float) -> str | None:
    if isinstance(theirs, tuple) and theirs and isinstance(theirs[0], str) and len(theirs) == 3:
        if not (isinstance(ours, tuple) and len(ours) == 3 and isinstance(ours[0], str)):
            return f"{theirs[0]} tensor vs {type(ours).__name__}"
        if theirs[:2] != ours[:2]:
            return f"{theirs[0]}{list(theirs[1])} vs {ours[0]}{list(ours[1])}"
        if not np.allclose(theirs[2], ours[2], rtol=rtol, atol=rtol / 10, equal_nan=True):
            bad = ~np.isclose(theirs[2], ours[2], rtol=rtol, atol=rtol / 10, equal_nan=True)
            return f"values: {theirs[2][bad][:3].tolist()} vs {ours[2][bad][:3].tolist()}"
        return None
    if isinstance(theirs, tuple) and isinstance(ours, tuple) and len(theirs) == len(ours):
        return next((d for d in (_differs(a, b, rtol) for a, b in zip(theirs, ours)) if d), None)
    return None if repr(theirs) == repr(ours) else f"{theirs!r} vs {ours!r}"


def compare(
    torch,
    tiny,
    name: str,
    case: str,
    make: Callable[[object], object],
    rtol: float,
    found: list,
    pytorch_wrong: Callable[[object], bool] = lambda theirs: False,
) -> None:
    """Call ``make(torch)`` and ``make(tiny)``; add a gap or a difference to ``found`` (none where
    ``pytorch_wrong(their result)`` says PyTorch's own answer is the known-wrong one)."""
    outcomes = []
    for lib in (torch, tiny):
        try:
            with np.errstate(all="ignore"):
                outcomes.append(("ok", _result(make(lib))))
        except Exception as error:  # noqa: BLE001  (a refusal is a result here)
            outcomes.append(("error", f"{type(error).__name__}: {str(error)[:90]}"))
    (theirs_kind, theirs), (ours_kind, ours) = outcomes
    if theirs_kind == "ok" and ours_kind == "error":
        found.append((name, case, f"TinyTorch refuses: {ours}"))
    elif theirs_kind == ours_kind == "ok" and (difference := _differs(theirs, ours, rtol)):
        if not pytorch_wrong(theirs):
            found.append((name, case, difference))


def sweep_dtypes(torch, tiny) -> list[tuple[str, str, str]]:
    """Unary functions on each dtype; binary ones on each pair of dtypes and with Python scalars."""
    found: list[tuple[str, str, str]] = []
    for (kind, values), name in itertools.product(SOURCES.items(), UNARY):

        def unary(lib, values=values, name=name):
            return getattr(lib, name)(lib.tensor(values))

        compare(torch, tiny, name, kind, unary, 2e-3, found)
    for (kind, values), (other_kind, other), name in itertools.product(
        SOURCES.items(), SOURCES.items(), BINARY
    ):

        def make(lib, values=values, other=other, name=name):
            return getattr(lib, name)(lib.tensor(values), lib.tensor(other[::-1].copy()))

        compare(torch, tiny, name, f"{kind}, {other_kind}", make, 2e-3, found)
    for (kind, values), scalar, name in itertools.product(
        SOURCES.items(), SCALARS, BINARY[:8] + ["maximum", "eq", "lt"]
    ):

        def with_scalar(lib, values=values, scalar=scalar, name=name):
            return getattr(lib, name)(lib.tensor(values), scalar)

        compare(torch, tiny, name, f"{kind}, {scalar!r}", with_scalar, 2e-3, found)
    return found


def sweep_float16(torch, tiny) -> list[tuple[str, str, str]]:
    """Each float16 result must be TinyTorch's own float32 result rounded to float16 (one ulp)."""
    grid = np.concatenate([np.linspace(-12.0, 12.0, 2401), [0.0, -0.0, 1e-4, 6.0e4, -6.0e4, np.inf, -np.inf]])
    grid = grid.astype(np.float16)
    functional = [
        "gelu",
        "silu",
        "mish",
        "softplus",
        "elu",
        "selu",
        "celu",
        "logsigmoid",
        "hardswish",
        "tanhshrink",
        "softsign",
    ]
    ops = [(name, getattr(tiny, name)) for name in UNARY if name not in ("bitwise_not", "nan_to_num")]
    ops += [
        (f"special.{name}", getattr(tiny.special, name))
        for name in ("erf", "erfc", "ndtr", "log_ndtr", "expit", "i0e", "i1", "entr")
    ]
    ops += [(f"nn.functional.{name}", getattr(tiny.nn.functional, name)) for name in functional]
    ops += [("linalg.vector_norm", lambda x: tiny.linalg.vector_norm(x.reshape(7, -1), dim=1))]
    found = []
    for name, op in ops:
        try:
            with np.errstate(all="ignore"):
                half = op(tiny.tensor(grid))
                single = op(tiny.tensor(grid.astype(np.float32)))
        except Exception as error:  # noqa: BLE001
            found.append((name, "float16", f"TinyTorch refuses: {type(error).__name__}: {str(error)[:80]}"))
            continue
        if half.dtype != tiny.float16 and single.dtype == tiny.float32:
            found.append((name, "float16", f"dtype {half.dtype}"))
            continue
        rounded = single.detach().numpy().astype(np.float16).astype(np.float64)
        got = half.detach().numpy().astype(np.float64)
        ulp = np.spacing(np.abs(rounded).astype(np.float16)).astype(np.float64)
        good = (got == rounded) | (np.isnan(got) & np.isnan(rounded)) | (np.abs(got - rounded) <= ulp)
        if not good.all():
            where = np.flatnonzero(~good)[:3]
            found.append(
                (name, "float16", f"x={grid.ravel()[where].tolist()}: {got.ravel()[where].tolist()}")
            )
    return found


REDUCTIONS = (
    "sum mean prod std var amax amin max min argmax argmin logsumexp nansum nanmean median nanmedian cumsum "
    "cumprod cummax cummin all any count_nonzero norm aminmax logcumsumexp var_mean std_mean"
).split()


def sweep_reductions(torch, tiny) -> list[tuple[str, str, str]]:
    """Reductions on each dtype (with a NaN and an inf in the floats) over dims, keepdim and ``dtype=``."""
    rng = np.random.default_rng(0)
    base = rng.integers(-3, 4, size=(3, 4, 2)).astype(np.float64)
    base[0, 1, 0], base[2, 2, 1] = np.nan, np.inf
    finite = np.nan_to_num(base, nan=0.0, posinf=5.0)
    sources = {kind: base.astype(kind) for kind in ("float32", "float64", "float16")}
    sources |= {kind: finite.astype(kind) for kind in ("int64", "int32")}
    sources |= {"uint8": np.abs(finite).astype(np.uint8), "bool": finite > 0}
    found: list[tuple[str, str, str]] = []
    for (kind, values), name in itertools.product(sources.items(), REDUCTIONS):
        for options in ({}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"dim": (0, 2)}):

            def reduced(lib, values=values, name=name, options=options):
                return getattr(lib.tensor(values), name)(**options)

            compare(torch, tiny, name, f"{kind} {options}", reduced, 2e-3, found)
        if name in ("sum", "prod", "cumsum", "cumprod", "mean", "nansum", "nanmean"):
            for dtype in ("float64", "int64", "float32"):

                def in_dtype(lib, values=values, name=name, dtype=dtype):
                    return getattr(lib.tensor(values), name)(1, dtype=getattr(lib, dtype))

                compare(torch, tiny, name, f"{kind} dtype={dtype}", in_dtype, 2e-3, found)
    return found


def _transforms(lib) -> dict[str, Callable]:
    func, v = lib.func, lib.tensor(np.array([0.3, -0.2, 0.5]))

    def total(h):
        return lambda x: h(x).sum()

    return {
        "grad": lambda h: func.grad(total(h)),
        "jacrev": func.jacrev,
        "jacfwd": func.jacfwd,
        "hessian": lambda h: func.hessian(total(h)),
        "vmap": lambda h: lambda x: func.vmap(h)(lib.stack([x, x * 2])).sum(0),
        "jvp": lambda h: lambda x: func.jvp(h, (x,), (v,))[1],
        "vjp": lambda h: lambda x: func.vjp(h, x)[1](lib.ones_like(h(x)))[0],
        "grad_and_value": lambda h: lambda x: func.grad_and_value(total(h))(x)[1],
        "linearize": lambda h: lambda x: func.linearize(h, x)[1](v),
    }


def sweep_transforms(torch, tiny) -> list[tuple[str, str, str]]:
    """Every pair of transforms, outer over inner, on a scalar and a vector function of a 3-vector."""
    functions = {
        "scalar": lambda x: (x.sin() * x.exp()).sum() * x[0],
        "vector": lambda x: x.tanh() * x.cos().sum() + x**3,
    }
    found: list[tuple[str, str, str]] = []
    for outer, inner in itertools.product(_transforms(torch), repeat=2):
        for function_name, function in functions.items():

            def make(lib, outer=outer, inner=inner, function=function):
                transforms = _transforms(lib)
                return transforms[outer](transforms[inner](function))(lib.tensor(np.linspace(-0.7, 0.9, 3)))

            known = zeros_of_linearize if "linearize" in (outer, inner) else (lambda theirs: False)
            compare(torch, tiny, f"{outer}({inner})", function_name, make, 1e-6, found, known)
    return found


def zeros_of_linearize(theirs: object) -> bool:
    """PyTorch's linearize under another transform returns zeros (or denormal garbage, ~1e-309) where
    the derivative is not zero; TinyTorch's returns the derivative."""
    return isinstance(theirs, tuple) and len(theirs) == 3 and bool(np.all(np.abs(theirs[2]) < 1e-300))


SWEEPS = {
    "dtypes": sweep_dtypes,
    "float16": sweep_float16,
    "reductions": sweep_reductions,
    "transforms": sweep_transforms,
}
