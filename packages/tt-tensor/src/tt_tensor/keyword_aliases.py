"""NumPy's keyword names that PyTorch's argument parser takes for its own: ``axis`` for ``dim``,
``keepdims`` for ``keepdim`` (``x.sum(axis=1, keepdims=True)``, ``torch.cat(ts, axis=1)``).

PyTorch's C-bound functions and methods accept both spellings; its Python-level methods
(``Tensor.split``, ``norm``, ``unflatten``, ``unique``, ``unique_consecutive``) and ``torch.nn.functional``
do not, and neither do these. :func:`numpy_keyword_names` is a class decorator: each tensor class applies
it to itself (``tt_tensor.Tensor``, tt-autograd's ``Tensor``), wrapping every public method of the class
(its own or its mixins') that has a ``dim`` or ``keepdim`` parameter; :func:`with_numpy_names` wraps one
function (``cat``, ``stack``). Giving both spellings is refused as PyTorch does
(``sum() got an unexpected keyword argument 'axis'``). The same wrapper takes the int list of the
methods that read it from ``*args`` (``x.view(2, 3)``) by PyTorch's name too (``x.view(size=(2, 3))``,
``x.permute(dims=...)``, ``torch.flip(x, dims=[1])``: :data:`LIST_NAMES`).

Cost: one Python call per call of a wrapped method, and a dictionary test when keywords are given.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable

#: NumPy's name -> PyTorch's.
ALIASES = {"axis": "dim", "keepdims": "keepdim"}
#: PyTorch's tensor methods written in Python, which take no NumPy names.
PYTHON_METHODS = frozenset({"norm", "split", "unflatten", "unique", "unique_consecutive"})
#: The methods whose int list TinyTorch takes as ``*args`` (``x.view(2, 3)``) and PyTorch also by name
#: (``x.view(size=(2, 3))``, ``torch.flip(x, dims=[1])``): method -> PyTorch's name of the list.
LIST_NAMES = {
    "permute": "dims",
    "flip": "dims",
    "tile": "dims",
    "reshape": "shape",
    "view": "size",
    "expand": "size",
    "new_zeros": "size",
    "new_ones": "size",
    "new_empty": "size",
    "sum_to_size": "size",
    "resize_": "size",
    "repeat": "repeats",
    "squeeze": "dim",
    "count_nonzero": "dim",
    "broadcast_to": "size",
}


def with_numpy_names(function: Callable, list_name: str | None = None) -> Callable:
    """``function`` taking ``axis``/``keepdims`` for those of its ``dim``/``keepdim`` parameters it has
    and, for a method whose int list is its ``*args``, the list by PyTorch's ``list_name``."""
    parameters = inspect.signature(function).parameters
    aliases = {alias: name for alias, name in ALIASES.items() if name in parameters}
    if not any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters.values()):
        list_name = None
    if not aliases and list_name is None:
        return function

    @functools.wraps(function)
    def call(*args: object, **kwargs: object) -> object:
        if kwargs:
            if not kwargs.keys().isdisjoint(aliases):
                kwargs = _renamed(function.__name__, aliases, kwargs)
            if list_name is not None and list_name in kwargs:
                if len(args) > 1:  # (self, then the list by position too)
                    raise TypeError(f"{function.__name__}() got multiple values for argument {list_name!r}")
                kwargs = dict(kwargs)
                args = (*args, kwargs.pop(list_name))
        return function(*args, **kwargs)

    call.numpy_names = True
    return call


def _renamed(op: str, aliases: dict[str, str], kwargs: dict) -> dict:
    renamed = dict(kwargs)
    for alias, name in aliases.items():
        if alias in renamed:
            if name in renamed:  # (PyTorch's message when both spellings come)
                raise TypeError(f"{op}() got an unexpected keyword argument {alias!r}")
            renamed[name] = renamed.pop(alias)
    return renamed


def numpy_keyword_names(cls: type) -> type:
    """Class decorator: ``cls``'s public methods with a ``dim``/``keepdim`` parameter or in :data:`LIST_NAMES`
    (defined on ``cls`` or inherited from its mixins, not yet wrapped) take NumPy's names (and the list by
    name) too; set on ``cls`` itself."""
    for name in dir(cls):
        if name.startswith("_") or name in PYTHON_METHODS:
            continue
        method = inspect.getattr_static(cls, name)
        if not isinstance(method, types.FunctionType) or getattr(method, "numpy_names", False):
            continue
        try:
            wrapped = with_numpy_names(method, LIST_NAMES.get(name))
        except (TypeError, ValueError):  # (no signature: nothing to alias)
            continue
        if wrapped is not method:
            if wrapped.__doc__ is None:  # an undocumented override: the docstring where a base defines it
                wrapped.__doc__ = _inherited_doc(cls, name)
            setattr(cls, name, wrapped)
    return cls


def _inherited_doc(cls: type, name: str) -> str | None:
    """The first docstring of ``name`` along ``cls``'s MRO (the wrapper, set on ``cls`` itself, is what
    ``inspect.getdoc`` then finds; the method it wraps may live on a mixin whose bases lack the docstring)."""
    for base in cls.__mro__:
        doc = getattr(vars(base).get(name), "__doc__", None)
        if doc:
            return doc
    return None
