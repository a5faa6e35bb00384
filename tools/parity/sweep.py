"""``nox -s parity-sweep``: every name TinyTorch shares with PyTorch, called both ways on a grid of inputs.

Where :mod:`run` replays whole programs, this sweeps the API: each Tensor method, each
``nn.functional`` function, each optimizer option and each distribution property that both
frameworks have is called on the same float64 inputs, and the results (values, dtypes, shapes,
and the input gradients of a random weighting of the outputs) must agree to 1e-6 relative.
It found, in session 24, ``norm(0)`` dividing by zero, ``var(False)`` read as a dim, clamp's
tie gradients, ``tensor_split`` of a 0-d tensor, NaN through ``diag_embed``, and
``MultiheadAttention`` weights without a gradient.

A call PyTorch refuses is skipped; one TinyTorch alone refuses is listed as a gap. A
difference is an error unless :data:`ACCEPTED` names it with the reason. Opt-in (it imports
torch), never part of the default tests.

Usage:
    python tools/parity/sweep.py [--group methods|gradients|dtypes|float16|reductions|transforms|linalg|
                                          distributions|optimizers|modules|views]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable

import numpy as np
import sweep_dtypes  # (tools/parity is the script's directory)
import sweep_libraries
import sweep_views

RNG = np.random.default_rng(0)
BASES = {
    "matrix": RNG.standard_normal((3, 4)),
    "positive": np.abs(RNG.standard_normal((3, 4))) + 0.5,
    "square": RNG.standard_normal((4, 4)) + 4 * np.eye(4),
    "vector": RNG.standard_normal(5),
    "cube": RNG.standard_normal((2, 3, 4)),
    "integers": RNG.integers(-5, 6, (3, 4)),
    "ties": np.array([[0.0, 1.0, 1.0], [-2.0, 0.0, 3.0]]),
    "nan": np.array([[np.nan, 1.0, 2.0], [3.0, np.nan, -1.0]]),
    "inf": np.array([[np.inf, 1.0, -2.0], [3.0, -np.inf, 0.0]]),
}
OTHERS = {"other": RNG.standard_normal((3, 4)), "square": BASES["square"], "integers": BASES["integers"]}
PATTERNS = [(), (0,), (-1,), (1,), (2,), (0.5,), ("other",), ("square",), ("integers",), (0, True), (1, True)]
#: (name, a substring of the case) -> why the difference is PyTorch's quirk or a documented choice.
ACCEPTED = {
    (
        "logit",
        "(1,)",
    ): "eps=1 clamps to [1, 0]; PyTorch's order of clamping gives -inf, ours +inf (nonsense eps)",
    ("logit_", "(1,)"): "as logit",
    ("histogram", "ties"): "bin edges differ by one rounding; PyTorch's put an edge 1e-16 above 0",
    ("histc", ""): "as histogram",
    ("mode", "nan"): "the mode of rows holding NaN: PyTorch returns NaN, ours the smallest value",
    ("eigh", ""): "eigenvectors are unique up to sign",
    ("resize_as_", ""): "growing leaves the new elements uninitialised in both (np.empty; PyTorch's)",
    ("svd", ""): "singular vectors are unique up to sign",
    ("qr", ""): "Q and R are unique up to signs",
    ("geqrf", "nan"): "LAPACK's Householder reflections of a matrix holding NaN or inf: NaNs in other places",
    ("geqrf", "inf"): "as geqrf of NaN",
    ("cholesky_inverse", ""): "PyTorch's gradient fills the triangle the forward never reads; ours is exact",
    ("cholesky_solve", ""): "as cholesky_inverse",
    ("softmax", "inf"): "a row with +inf: PyTorch gives NaN everywhere, ours NaN at the inf and 0 elsewhere",
    ("log_softmax", "inf"): "as softmax",
    ("topk", "integers"): "which of equal values comes first (indices of ties)",
    ("kthvalue", "integers"): "as topk",
    ("half", ""): "the gradient through a cast to float16 is not rounded to float16",
    ("ldexp", "integers"): "PyTorch's gradient 2**e is computed in integers: 0 for a negative e",
    ("logit", ""): "outside [0, 1] (no eps) PyTorch's gradient is NaN, ours 1/p + 1/(1-p)",
    ("pinverse", "0.5"): "with rcond cutting singular values PyTorch's gradient formula assumes none is cut",
}


def _accepted(name: str, case: str) -> bool:
    return sweep_dtypes.listed(ACCEPTED, name, case)


def _plain(value: object) -> object:
    """A framework-neutral form of a result: arrays, tuples of them, or Python values."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        if getattr(value, "is_sparse", False):  # (both frameworks' sparse tensors say so)
            return ("sparse",)
        return np.asarray(value.detach().numpy())
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if type(value).__name__ in ("dtype", "DType", "device", "layout"):
        return str(value).split(".")[-1].replace("device(type='cpu')", "cpu")
    return value


def _differs(a: object, b: object) -> str | None:
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            return f"{len(a)} vs {len(b)} results"
        return next((d for d in map(_differs, a, b) if d), None)
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape:
            return f"shape {a.shape} vs {b.shape}"
        if a.dtype != b.dtype:
            return f"dtype {a.dtype} vs {b.dtype}"
        if a.dtype.kind == "f":
            close = np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
            return None if close else f"values differ by {np.nanmax(np.abs(a - b)) if a.size else 0:.3g}"
        return None if np.array_equal(a, b) else "values differ"
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:  # NaN and NaN
        return None
    try:
        return None if a == b else f"{a!r} vs {b!r}"
    except Exception:  # noqa: BLE001  (an uncomparable pair is a difference)
        return f"{type(a).__name__} vs {type(b).__name__}"


def _call(function: Callable[[object], object]) -> tuple[str, object]:
    try:
        return "ok", function()
    except Exception as error:  # noqa: BLE001  (a refusal is a result here)
        return "error", f"{type(error).__name__}: {str(error)[:100]}"


def _both(torch: object, tiny: object, make: Callable[[object], object]) -> tuple[tuple, tuple]:
    return _call(lambda: _plain(make(torch))), _call(lambda: _plain(make(tiny)))


def sweep_methods(torch: object, tiny: object) -> list[tuple[str, str, str]]:
    """Every Tensor method both have, on each base and argument pattern: values, dtypes, shapes."""
    skip = {
        "backward",
        "register_hook",
        "data_ptr",
        "storage",
        "untyped_storage",
        "share_memory_",
        "pin_memory",
    }
    skip |= {
        n for n in dir(torch.Tensor) if n.endswith("_") and ("random" in n or n in ("uniform_", "normal_"))
    }
    skip |= {"bernoulli", "multinomial", "new_empty", "empty_like", "cauchy_", "exponential_", "geometric_"}
    skip |= {"log_normal_", "element_size", "record_stream", "map_", "map2_", "apply_", "bernoulli_"}
    names = sorted(n for n in dir(torch.Tensor) if not n.startswith("_") and hasattr(tiny.Tensor, n))
    found = []
    for name in names:
        if name in skip:
            continue
        for base_name, base in BASES.items():
            for pattern in PATTERNS:
                args = [OTHERS[a] if isinstance(a, str) else a for a in pattern]

                def make(lib, base=base, args=args, name=name):
                    attr = getattr(lib.tensor(base.copy()), name)
                    return (
                        attr(*[lib.tensor(a.copy()) if isinstance(a, np.ndarray) else a for a in args])
                        if callable(attr)
                        else attr
                    )

                theirs, ours = _both(torch, tiny, make)
                case = f"{base_name} {pattern}"
                if theirs[0] == "ok" and ours[0] == "error":
                    found.append((name, case, f"TinyTorch refuses: {ours[1]}"))
                elif theirs[0] == ours[0] == "ok" and (d := _differs(theirs[1], ours[1])):
                    found.append((name, case, d))
    return found


def sweep_gradients(torch: object, tiny: object) -> list[tuple[str, str, str]]:
    """Every non-in-place Tensor method whose float64 results both give: the input gradients."""
    names = sorted(
        n
        for n in dir(torch.Tensor)
        if not n.startswith("_") and not n.endswith("_") and hasattr(tiny.Tensor, n)
    )
    names = [
        n
        for n in names
        if n not in {"backward", "register_hook", "bernoulli", "multinomial", "detach", "numpy"}
    ]
    found = []
    for name in names:
        for base_name in ("matrix", "positive", "square"):
            for pattern in PATTERNS[:9]:
                args = [OTHERS[a] if isinstance(a, str) else a for a in pattern]

                def make(lib, base=BASES[base_name], args=args, name=name):
                    leaves = [lib.tensor(base.copy(), requires_grad=True)]
                    leaves += [
                        lib.tensor(a.copy(), requires_grad=True)
                        for a in args
                        if isinstance(a, np.ndarray) and a.dtype.kind == "f"
                    ]
                    extra = iter(leaves[1:])
                    call = [
                        next(extra) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args
                    ]
                    out = getattr(leaves[0], name)(
                        *[lib.tensor(a) if isinstance(a, np.ndarray) else a for a in call]
                    )
                    # each output weighted by its position, so both sides weight the same outputs alike
                    outs = list(enumerate(out if isinstance(out, (tuple, list)) else [out]))
                    outs = [(k, o) for k, o in outs if getattr(o, "requires_grad", False)]
                    if not outs:
                        raise LookupError("no differentiable output")
                    total = sum(
                        (o * lib.tensor(np.random.default_rng(k).standard_normal(tuple(o.shape)))).sum()
                        for k, o in outs
                    )
                    return lib.autograd.grad(total, leaves, allow_unused=True)

                theirs, ours = _both(torch, tiny, make)
                if theirs[0] == ours[0] == "ok":
                    pairs = [(a, b) for a, b in zip(theirs[1], ours[1]) if not (a is None and b is None)]
                    for a, b in pairs:
                        a = np.zeros_like(b) if a is None else a
                        b = np.zeros_like(a) if b is None else b
                        if d := _differs(a, b):
                            found.append((name, f"{base_name} {pattern}", f"gradient: {d}"))
                            break
    return found


def run(groups: list[str], show_gaps: bool = False) -> int:
    import torch

    import tinytorch

    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    sweeps = (
        {"methods": sweep_methods, "gradients": sweep_gradients}
        | sweep_dtypes.SWEEPS
        | sweep_libraries.SWEEPS
        | sweep_views.SWEEPS
    )
    failures = 0
    for group in groups:
        found = sweeps[group](torch, tinytorch)
        is_accepted = (
            _accepted
            if group in ("methods", "gradients")
            else sweep_libraries.accepted
            if group in sweep_libraries.SWEEPS
            else sweep_views.accepted
            if group in sweep_views.SWEEPS
            else sweep_dtypes.accepted
        )
        unexpected = [
            f for f in found if not is_accepted(f[0], f[1]) and not f[2].startswith("TinyTorch refuses")
        ]
        gaps = [f for f in found if f[2].startswith("TinyTorch refuses")]
        accepted = len(found) - len(unexpected) - len(gaps)
        print(
            f"{group}: {len(unexpected)} differences, {accepted} accepted, {len(gaps)} taken by PyTorch alone"
        )
        for name, case, what in unexpected + (gaps if show_gaps else []):
            print(f"  {name} [{case}]: {what}")
        failures += len(unexpected)
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    groups = ["methods", "gradients", *sweep_dtypes.SWEEPS, *sweep_libraries.SWEEPS, *sweep_views.SWEEPS]
    parser.add_argument("--group", action="append", choices=groups, help="default: all")
    parser.add_argument("--gaps", action="store_true", help="also list the calls only PyTorch takes")
    args = parser.parse_args(argv)
    return run(args.group or groups, args.gaps)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
