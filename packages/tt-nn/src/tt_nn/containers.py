"""Containers (module 04): ``Sequential``, ``ModuleList`` and ``ModuleDict``.

They hold child modules under string keys in ``_modules``, so everything
``Module`` does (parameters, ``state_dict``, ``train``) reaches the children.
``Sequential`` and ``ModuleList`` use the keys ``"0"``, ``"1"``, … — the keys
in their state dicts — and renumber after a deletion or insertion, as PyTorch does.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module


def _index(container: Module, idx: object) -> int:
    """A non-negative position for ``idx`` (an int, possibly negative), or an IndexError."""
    index = operator.index(idx)
    size = len(container._modules)
    if not -size <= index < size:
        raise IndexError(f"{type(container).__name__}: index {index} is out of range for {size} modules")
    return index % size


def _renumber(container: Module, modules: Iterable[Module]) -> None:
    """Replace the children by ``modules`` under the keys "0", "1", ..."""
    container._modules.clear()
    for i, module in enumerate(modules):
        container.add_module(str(i), module)


class Sequential(Module):
    """Chain modules: ``Sequential(a, b, c)(x)`` is ``c(b(a(x)))``.

    Args:
        *args: the modules, keyed ``"0"``, ``"1"``, …; or one ``OrderedDict``
            of name to module.

    Example:
        >>> model = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))  # doctest: +SKIP
        >>> list(model.state_dict())  # doctest: +SKIP
        ['0.weight', '0.bias', '2.weight', '2.bias']
        >>> model[0], len(model), model[-1]  # doctest: +SKIP
    """

    def __init__(self, *args: Module) -> None:
        super().__init__()
        # BEGIN SOLUTION 04
        # TODO: register the given modules as children "0", "1", ... or, for one OrderedDict, under its keys
        #   (§ How it is built, "Containers").
        # HINT: add_module(name, module) does the registration (and the checks).
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)
        # END SOLUTION

    def forward(self, input):  # noqa: A002
        # BEGIN SOLUTION 04
        # TODO: feed input through each child in order; return the last
        #   output (§ How it is built, "Containers").
        for module in self._modules.values():
            input = module(input)
        return input
        # END SOLUTION

    def __getitem__(self, idx: int | slice) -> Module:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(self, idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(self, idx)]
        setattr(self, key, module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        for key in keys[idx] if isinstance(idx, slice) else [keys[_index(self, idx)]]:
            del self._modules[key]
        _renumber(self, list(self._modules.values()))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns the container."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Append each module of ``sequential`` (any iterable of modules; PyTorch's parameter name)."""
        for module in sequential:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` and renumber."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)
        return self


class ModuleList(Module):
    """A list of modules, registered so their parameters are found; it has no ``forward``.

    Args:
        modules: an iterable of modules, keyed ``"0"``, ``"1"``, …

    Example:
        >>> blocks = ModuleList(Linear(8, 8) for _ in range(3))  # doctest: +SKIP
        >>> for block in blocks: x = block(x)  # doctest: +SKIP
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Module | ModuleList:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return list(self._modules.values())[_index(self, idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_index(self, idx)), module)

    def __delitem__(self, idx: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[idx if isinstance(idx, slice) else _index(self, idx)]
        _renumber(self, modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns the list."""
        # BEGIN SOLUTION 04
        # TODO: add module at the end, under the next index as its name; return the list (so calls chain).
        self.add_module(str(len(self)), module)
        return self
        # END SOLUTION

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of ``modules``."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` and renumber."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)

    def __repr__(self) -> str:
        """Runs of identical children are shown once, as ``(0-2): 3 x Linear(...)``, like PyTorch."""
        reprs = [repr(module) for module in self]
        name = type(self).__name__  # a subclass (ParametrizationList) shows its own name, as in PyTorch
        if not reprs:
            return f"{name}()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for first, last, text in runs:
            head = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            lines.append((f"{head}: {text}" if first == last else f"{head} {text}").replace("\n", "\n  "))
        return f"{name}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dictionary of modules with string keys, registered so their parameters are found.

    Args:
        modules: a mapping or an iterable of ``(name, module)`` pairs; order is kept.

    Example:
        >>> heads = ModuleDict({"cls": Linear(8, 10), "box": Linear(8, 4)})  # doctest: +SKIP
        >>> heads["cls"](x)  # doctest: +SKIP
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules."""
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(name, module)`` pairs."""
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or from ``(name, module)`` pairs."""
        # BEGIN SOLUTION 04
        # TODO: add or replace entries from a mapping or from (name, module) pairs.
        # HINT: self[key] = module registers it; a Mapping's pairs are .items().
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module
        # END SOLUTION

    def pop(self, key: str) -> Module:
        """Remove the entry ``key`` and return its module."""
        module = self._modules[key]
        del self._modules[key]
        return module

    def clear(self) -> None:
        """Remove every entry."""
        self._modules.clear()
