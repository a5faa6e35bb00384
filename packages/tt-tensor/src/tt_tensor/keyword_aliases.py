"""NumPy's keyword names that PyTorch's argument parser takes for its own: ``axis`` for ``dim``,
``keepdims`` for ``keepdim`` (``x.sum(axis=1, keepdims=True)``, ``torch.cat(ts, axis=1)``).

PyTorch's C-bound functions and methods accept both spellings; its Python-level methods
(``Tensor.split``, ``norm``, ``unflatten``, ``unique``, ``unique_consecutive``) and ``torch.nn.functional``
do not, and neither do these. :func:`numpy_keyword_names` is a class decorator: each tensor class applies
it to itself (``tt_tensor.Tensor``, tt-autograd's ``Tensor``), wrapping every public method of the class
(its own or its mixins') that has a ``dim`` or ``keepdim`` parameter; :func:`with_numpy_names` wraps one
function (``cat``, ``stack``). Giving both spellings is refused as PyTorch does
(``sum() got an unexpected keyword argument 'axis'``).

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


def with_numpy_names(function: Callable) -> Callable:
    """``function`` taking ``axis``/``keepdims`` for those of its ``dim``/``keepdim`` parameters it has."""
    parameters = inspect.signature(function).parameters
    aliases = {alias: name for alias, name in ALIASES.items() if name in parameters}
    if not aliases:
        return function

    @functools.wraps(function)
    def call(*args: object, **kwargs: object) -> object:
        if kwargs and not kwargs.keys().isdisjoint(aliases):
            kwargs = _renamed(function.__name__, aliases, kwargs)
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
    """Class decorator: ``cls``'s public methods with a ``dim``/``keepdim`` parameter (defined on ``cls``
    or inherited from its mixins, not yet wrapped) take NumPy's names too; set on ``cls`` itself."""
    for name in dir(cls):
        if name.startswith("_") or name in PYTHON_METHODS:
            continue
        method = inspect.getattr_static(cls, name)
        if not isinstance(method, types.FunctionType) or getattr(method, "numpy_names", False):
            continue
        try:
            wrapped = with_numpy_names(method)
        except (TypeError, ValueError):  # (no signature: nothing to alias)
            continue
        if wrapped is not method:
            setattr(cls, name, wrapped)
    return cls
