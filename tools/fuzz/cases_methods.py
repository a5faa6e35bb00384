"""Every ``Tensor`` method called with a junk first argument (None, a string, a plain ``object()``).

The methods are found, not listed: each public method of a ``(3, 4)`` float
tensor that takes a positional argument gets a case for each junk value, so a
method added later is checked too. A clear error names the method, its
in-place form's base name (``eq_`` -> ``eq``), or the op it runs (``divide`` ->
``div``, listed in ``RUNS``). Where PyTorch accepts the junk value (None as
``dim`` of a reduction), the case is a right-result case instead: the answer
must equal the method's answer without the argument (``ACCEPTED``, each with
its reason). Methods whose first argument is not data (hooks, ``to``) are left
out (``NOT_DATA``).

``STILL_FAILING`` lists the cases that are not fine yet, each with what it
does today; ``tests/test_fuzz_subset.py`` checks every other case, and that
each listed one still fails (so a fix must also remove it from the list).
"""

from __future__ import annotations

import inspect

import numpy as np

import tinytorch as tt

from .cases_api import Case

GROUP = "tensor methods (junk)"

JUNK_INPUTS = {"None": None, "str": "abc", "object": object()}

#: Methods whose first argument is a function, a type or a device, or that take no data at all.
NOT_DATA = {
    "register_hook", "register_post_accumulate_grad_hook", "apply_", "map_", "map2_", "new", "type", "to",
    "backward", "tolist", "item", "numpy", "requires_grad_", "retain_grad", "detach_",
}  # fmt: skip

#: ``(method, junk)`` that PyTorch 2.13 accepts: the result must equal the method's without the argument.
ACCEPTED = {
    **{
        (name, "None"): "None is the dim: reduce over every element, as with no argument"
        for name in "all any amax amin argmax argmin count_nonzero mean nanmean nansum sum std var".split()
    },
    ("logit", "None"): "None is eps: no clamping",
    ("logit_", "None"): "None is eps: no clamping",
    ("size", "None"): "None is dim: the whole size",
    ("nan_to_num", "None"): "None is nan: replaced by 0, the default",
    ("nan_to_num_", "None"): "None is nan: replaced by 0, the default",
    ("norm", "None"): "None is p: the 2-norm, the default",
    ("stride", "None"): "None is dim: every stride",
}

#: Methods whose error names the op they run rather than themselves (PyTorch's aliases).
RUNS = {
    "divide": "div", "true_divide": "div", "multiply": "mul", "subtract": "sub", "greater": "gt",
    "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne", "arctan2": "atan2",
    "clip": "clamp", "clamp_min": "clamp", "clamp_max": "clamp", "argsort": "sort", "nansum": "sum",
    "std": "var", "unbind": "split", "take_along_dim": "gather", "ger": "outer", "swapaxes": "transpose",
    "moveaxis": "movedim", "arccos": "acos", "arccosh": "acosh", "arcsin": "asin", "arcsinh": "asinh",
    "arctan": "atan", "arctanh": "atanh", "fix": "trunc", "broadcast_to": "expand",
    "unsafe_chunk": "chunk", "unsafe_split": "split", "unsafe_split_with_sizes": "split_with_sizes",
    "hsplit": "tensor_split", "vsplit": "tensor_split", "dsplit": "tensor_split",
}  # fmt: skip

#: Cases that are neither a clear error nor the right result today, with what each does.
STILL_FAILING: dict[str, str] = {}


def _same(result: object, expected: object) -> bool:
    """Equal values (NaN equal to NaN), for tensors, tuples of ints and named tuples alike."""
    if isinstance(result, tuple) and isinstance(expected, tuple):
        return len(result) == len(expected) and all(map(_same, result, expected))
    if isinstance(result, tt.Tensor) and isinstance(expected, tt.Tensor):
        return result.shape == expected.shape and bool(np.array_equal(result.numpy(), expected.numpy(), True))
    return result == expected


def _takes_an_argument(method: object) -> bool:
    try:
        parameters = list(inspect.signature(method).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind in kinds or p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters)


def method_names() -> list[str]:
    """The public methods of a tensor that take a positional argument (properties left out)."""
    names = []
    for name in sorted(dir(tt.Tensor)):
        if name.startswith("_") or name in NOT_DATA:
            continue
        static = inspect.getattr_static(tt.Tensor, name)
        method = getattr(tt.Tensor, name)
        if isinstance(static, property) or not callable(method) or not _takes_an_argument(method):
            continue
        names.append(name)
    return names


def _case(name: str, junk_name: str, junk: object) -> Case:
    label = f"t.{name}({junk_name})"
    if (name, junk_name) in ACCEPTED:

        def both(n: str = name, j: object = junk) -> tuple[object, object]:
            x = tt.randn(3, 4)
            return getattr(x.clone(), n)(j), getattr(x.clone(), n)()

        return Case(GROUP, label, both, (), lambda pair: _same(*pair))
    base = name.rstrip("_")
    names = (name, base, *((RUNS[base],) if base in RUNS else ()))
    return Case(GROUP, label, lambda n=name, j=junk: getattr(tt.randn(3, 4), n)(j), names)


def all_cases() -> list[Case]:
    return [
        _case(name, junk_name, junk) for name in method_names() for junk_name, junk in JUNK_INPUTS.items()
    ]
