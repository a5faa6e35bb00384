"""Junk arguments for ``nn.init``, the parameter-vector helpers, and ``save`` / ``load``.

Every function of ``tinytorch.nn.init`` (found, not listed) gets each junk
value as its tensor, and a string for its first number; the parameter-vector
helpers get junk parameters; ``save`` and ``load`` get things that are neither
a path nor a file object. A clear error names the function.
"""

from __future__ import annotations

import inspect

import tinytorch as tt
from tinytorch import nn

from .cases_api import JUNK, Case, t

GROUP = "init, vectors, save/load"


def init_cases() -> list[Case]:
    cases = []
    for name in sorted(dir(nn.init)):
        function = getattr(nn.init, name)
        if name.startswith("_") or not inspect.isfunction(function) or not name.endswith("_"):
            continue  # the fills (uniform_, ...), not calculate_gain
        for junk_name, junk in JUNK.items():
            cases.append(Case(GROUP, f"init.{name}({junk_name})", lambda f=function, j=junk: f(j), (name,)))
        cases.append(
            Case(GROUP, f"init.{name}(t(3, 4), 'abc')", lambda f=function: f(t(3, 4), "abc"), (name,))
        )
    return cases


def other_cases() -> list[Case]:
    cases = []
    for name in ("parameters_to_vector", "clip_grad_norm_", "clip_grad_value_"):
        function = getattr(nn.utils, name)
        for junk_name, junk in JUNK.items():
            cases.append(
                Case(GROUP, f"nn.utils.{name}({junk_name})", lambda f=function, j=junk: f(j), (name,))
            )
    for junk_name, junk in {"None": None, "int": 5, "object": object()}.items():
        cases.append(Case(GROUP, f"tt.save(t, {junk_name})", lambda j=junk: tt.save(t(2), j), ("save",)))
        cases.append(Case(GROUP, f"tt.load({junk_name})", lambda j=junk: tt.load(j), ("load",)))
    return cases


def all_cases() -> list[Case]:
    return init_cases() + other_cases()
