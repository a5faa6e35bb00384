"""Every layer of ``tinytorch.nn`` called with an input that is not a tensor.

The layers are found, not listed: each class in ``tinytorch.nn`` that is a
``Module`` and can be built from its required arguments all set to 4 (a size,
a count or a kernel) gets a case for each junk input below, so a layer added
later is checked too. A clear error names the layer or the functional op it
calls (``MaxPool2d: …``, or ``interpolate: argument 'input' must be a Tensor`` from
``Upsample``).
Containers, which take anything, and a few layers whose first argument is not
an input tensor are left out.
"""

from __future__ import annotations

import inspect
import re

from tinytorch import nn

from .cases_api import Case

GROUP = "layer inputs (all layers)"

#: Modules that hold or wrap others, or whose forward takes something other than a tensor first.
NOT_LAYERS = {
    "Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Parameter",
    "Buffer", "UninitializedParameter", "Identity", "DataParallel", "EmbeddingBag",
}  # fmt: skip

JUNK_INPUTS = {"None": None, "str": "abc", "object": object()}


def _snake(name: str) -> str:
    """``MaxPool2d`` -> ``max_pool2d``: the functional op a layer usually calls."""
    return re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", "_", name).lower()


def _built(cls: type) -> object | None:
    """``cls`` with each required argument set to 4, or None if that does not build it."""
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    required = [p for p in parameters if p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD]
    try:
        return cls(*([4] * len(required)))
    except Exception:  # noqa: BLE001  (a layer whose arguments cannot all be 4 is not covered here)
        return None


def all_cases() -> list[Case]:
    cases = []
    for name in sorted(dir(nn)):
        cls = getattr(nn, name)
        if name in NOT_LAYERS or not inspect.isclass(cls) or not issubclass(cls, nn.Module):
            continue
        layer = _built(cls)
        if layer is None:
            continue
        names = (name, _snake(name), "argument 'input' must be a tensor")  # that message starts with the op
        for junk_name, junk in JUNK_INPUTS.items():
            cases.append(Case(GROUP, f"{name}(...)({junk_name})", lambda m=layer, j=junk: m(j), names))
    return cases
