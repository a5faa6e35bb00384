"""``ParameterList`` and ``ParameterDict``: parameters in a list or a dict, registered (not course material).

A Python list of parameters assigned to a module is invisible to
``parameters()`` and ``state_dict``; these containers register each entry on
themselves, as ``ModuleList`` and ``ModuleDict`` do for modules. As in
PyTorch, a plain tensor put in one becomes a ``Parameter`` (sharing its data),
any other object is kept as a plain attribute, and the state-dict keys are the
positions ``"0"``, ``"1"``, … or the dict's keys.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tt_tensor import Tensor

from .module import Module
from .parameter import Parameter


def _as_parameter(value: Any) -> Any:
    """A plain tensor becomes a ``Parameter`` sharing its data; parameters and other objects are kept."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(value: Any, type_name: str) -> str:
    """One entry of the containers' reprs: ``Parameter containing: [<type> of size 2x3]``, as PyTorch's."""
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    size = "x".join(str(n) for n in value.shape)
    return f"{kind} containing: [{type_name} of size {size}]"


class ParameterList(Module):
    """A list of parameters, registered under the names ``"0"``, ``"1"``, … so that modules find them.

    Args:
        values: an iterable of parameters (plain tensors become parameters).

    Example:
        >>> weights = ParameterList(Parameter(tt_autograd.randn(4, 4)) for _ in range(3))  # doctest: +SKIP
        >>> list(weights.state_dict())  # doctest: +SKIP
        ['0', '1', '2']
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _position(self, idx: object) -> int:
        """``idx`` (an int, possibly negative) as a position in ``range(len(self))``, or an IndexError."""
        index = operator.index(idx)
        if not -self._size <= index < self._size:
            raise IndexError(f"ParameterList: index {index} is out of range for {self._size} entries")
        return index % self._size

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ParameterList(list(self)[idx])
        return getattr(self, str(self._position(idx)))

    def __setitem__(self, idx: int, value: Any) -> None:
        setattr(self, str(self._position(idx)), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (getattr(self, str(i)) for i in range(self._size))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end; returns the list."""
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values``; returns the list."""
        if isinstance(values, (str, bytes, Tensor)) or not isinstance(values, Iterable):
            raise TypeError(
                f"ParameterList.extend: expected an iterable of parameters, got {type(values).__name__}"
            )
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:  # (Module's repr puts a one-entry list on one line, as PyTorch's)
        return "\n".join(
            f"  ({i}): {_describe(value, str(getattr(value, 'dtype', '')))}" for i, value in enumerate(self)
        )


class ParameterDict(Module):
    """A dictionary of parameters with string keys, registered under those keys so that modules find them.

    Args:
        parameters: a mapping or an iterable of ``(key, parameter)`` pairs. A
            plain ``dict`` is added in sorted key order, an ``OrderedDict``,
            ``ParameterDict`` or list of pairs in its own order (as in PyTorch).

    A missing key raises ``KeyError`` (PyTorch raises ``AttributeError``, an
    artefact of its attribute storage; a ``KeyError`` is what ``dict`` users expect).

    Example:
        >>> scales = ParameterDict({"a": Parameter(tt_autograd.ones(3))})  # doctest: +SKIP
        >>> list(scales.state_dict())  # doctest: +SKIP
        ['a']
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def _key(self, key: object) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be strings, got {key!r} of type {type(key).__name__}")
        return key

    def __getitem__(self, key: str) -> Any:
        if self._key(key) not in self._keys:
            raise KeyError(f"ParameterDict has no key {key!r}; its keys are {list(self._keys)}")
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._keys[self._key(key)] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        self[key]  # noqa: B018  (the KeyError for a missing key)
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        """The keys, in order."""
        return list(self._keys)

    def values(self) -> Iterable[Any]:
        """The parameters, in key order."""
        return [self[key] for key in self._keys]

    def items(self) -> Iterable[tuple[str, Any]]:
        """``(key, parameter)`` pairs, in order."""
        return [(key, self[key]) for key in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]`` if present, else ``default``."""
        return self[key] if key in self else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``self[key]``, first set to ``default`` if absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str) -> Any:
        """Remove ``key`` and return its parameter."""
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last ``(key, parameter)`` pair."""
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace entries from a mapping (a plain ``dict``: sorted keys) or ``(key, value)`` pairs."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = []
            for number, pair in enumerate(parameters):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(
                        f"ParameterDict.update: element {number} of the iterable must be a (key, parameter) "
                        f"pair, got {pair!r}"
                    )
                pairs.append(tuple(pair))
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"  ({key}): {_describe(value, _type_name(value))}" for key, value in self.items())


def _type_name(value: Any) -> str:
    """``torch.FloatTensor``-style names, as PyTorch's ``ParameterDict`` repr shows them."""
    return value.type() if isinstance(value, Tensor) else ""
