"""``tt.nn.utils.skip_init``: a module whose weights will be overwritten anyway (``torch.nn.utils.init``)."""

from __future__ import annotations

import inspect
from typing import Any

from tt_nn import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Module:
    """``module_cls(*args, **kwargs)`` whose parameters are to be overwritten (e.g. loaded) anyway.

    PyTorch builds the module on the ``meta`` device and then allocates empty storage, so its
    parameters hold arbitrary values; TinyTorch has no meta device and builds the module as usual —
    its default initialization is one of those arbitrary values. As PyTorch, the class must take a
    ``device`` argument (``device`` defaults to ``"cpu"``).
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.setdefault("device", "cpu")
    return module_cls(*args, **kwargs)
