"""Junk first arguments for every distribution, learning-rate scheduler and sampler.

Found, not listed, like :mod:`tools.fuzz.cases_layers`: each ``Distribution`` of
``tinytorch.distributions`` with its first parameter set to a junk value (the
others left at their defaults), each scheduler of ``tinytorch.optim.lr_scheduler``
given junk for its optimizer, and the samplers and dataset wrappers of
``tinytorch.utils.data`` given junk for their data. A clear error names the
class (or, for ``OneHotCategorical`` and its straight-through form, the ``Categorical``
they are built on). The abstract bases (``Distribution``, ``ExponentialFamily``) are left out.
"""

from __future__ import annotations

import inspect

import tinytorch as tt

from .cases_api import Case

JUNK = {"None": None, "str": "abc", "object": object(), "-1.0": -1.0}

#: Classes whose errors come from the class they are built on.
BUILT_ON = {"OneHotCategorical": "Categorical", "OneHotCategoricalStraightThrough": "Categorical"}

#: ``tinytorch.utils.data`` classes whose first argument is data; a string is data for
#: ``DataLoader`` and ``ConcatDataset`` (it has a length and items), as in PyTorch.
DATA_CLASSES = ("TensorDataset", "Subset", "RandomSampler", "SequentialSampler", "BatchSampler",
                "WeightedRandomSampler", "SubsetRandomSampler", "random_split")  # fmt: skip


def _first_parameter(cls: type) -> str | None:
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    named = [p for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD]
    return named[0].name if named else None


def distribution_cases() -> list[Case]:
    cases = []
    distributions = tt.distributions
    for name in sorted(dir(distributions)):
        cls = getattr(distributions, name)
        if not inspect.isclass(cls) or not issubclass(cls, distributions.Distribution):
            continue
        first = _first_parameter(cls)
        if cls in (distributions.Distribution, distributions.ExponentialFamily) or first is None:
            continue
        names = (name, BUILT_ON.get(name, name))
        for junk_name, junk in JUNK.items():
            run = lambda c=cls, p=first, j=junk: c(**{p: j})  # noqa: E731
            cases.append(Case("distributions", f"{name}({first}={junk_name})", run, names))
    return cases


def scheduler_cases() -> list[Case]:
    cases = []
    schedulers = tt.optim.lr_scheduler
    for name in sorted(dir(schedulers)):
        cls = getattr(schedulers, name)
        if name.startswith("_") or name == "LRScheduler" or not inspect.isclass(cls):
            continue
        for junk_name, junk in JUNK.items():
            cases.append(Case("schedulers", f"{name}({junk_name})", lambda c=cls, j=junk: c(j), (name,)))
    return cases


def data_cases() -> list[Case]:
    cases = []
    for name in (*DATA_CLASSES, "ConcatDataset"):
        cls = getattr(tt.utils.data, name)
        for junk_name, junk in JUNK.items():
            if name == "ConcatDataset" and junk_name == "str":
                continue  # a string is an iterable of datasets of one character each, as in PyTorch
            cases.append(
                Case("samplers and datasets", f"{name}({junk_name})", lambda c=cls, j=junk: c(j), (name,))
            )
    return cases


def all_cases() -> list[Case]:
    return distribution_cases() + scheduler_cases() + data_cases()
