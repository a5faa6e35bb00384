"""PyTorch's legacy typed constructors (``torch.LongTensor(data)``, ``torch.FloatTensor(2, 3)``, ...).

Older scripts (``pytorch/examples``' word-language model among them) build tensors
with these. ``LongTensor([1, 2])`` is ``tensor([1, 2], dtype=int64)``; with sizes
instead of data (``FloatTensor(2, 3)``) PyTorch returns uninitialised memory, and this
returns zeros, which are as valid a value for memory nobody has written yet.

Also from that era: ``torch.set_default_tensor_type`` (now ``set_default_dtype``) and
``torch.typename``, which names a tensor by its legacy type (``"torch.FloatTensor"``).
"""

from __future__ import annotations

from typing import Any

import tt_autograd
from tt_autograd import bool_, float16, float32, float64, int8, int16, int32, int64, tensor, uint8, zeros


def _typed(name: str, dtype: Any):
    def make(*args: Any) -> Any:
        if len(args) == 1 and not isinstance(args[0], int):
            return tensor(args[0], dtype=dtype)
        if all(isinstance(size, int) and not isinstance(size, bool) for size in args):
            return zeros(*args, dtype=dtype)
        raise TypeError(f"{name}: expected data (a list, array or tensor) or sizes (ints), got {args!r}")

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"``torch.{name}(data)`` or ``torch.{name}(*sizes)``: a {dtype} tensor."
    make.dtype = dtype  # (as PyTorch's tensor types: what x.type(torch.DoubleTensor) converts to)
    return make


LongTensor = _typed("LongTensor", int64)
FloatTensor = _typed("FloatTensor", float32)
DoubleTensor = _typed("DoubleTensor", float64)
HalfTensor = _typed("HalfTensor", float16)
IntTensor = _typed("IntTensor", int32)
ShortTensor = _typed("ShortTensor", int16)
CharTensor = _typed("CharTensor", int8)
ByteTensor = _typed("ByteTensor", uint8)
BoolTensor = _typed("BoolTensor", bool_)

_FLOAT_TYPES = {"FloatTensor": float32, "DoubleTensor": float64, "HalfTensor": float16}


def set_default_tensor_type(t: Any) -> None:
    """``torch.set_default_tensor_type(torch.DoubleTensor)`` (or its name): ``set_default_dtype``.

    Deprecated in PyTorch (use ``torch.set_default_dtype``); only floating-point types
    can be the default, as there.
    """
    name = (t if isinstance(t, str) else getattr(t, "__name__", repr(t))).removeprefix("torch.")
    if name not in _FLOAT_TYPES:
        raise TypeError(
            f"set_default_tensor_type: only floating-point types are supported as the default type, "
            f"got {t!r} (use torch.FloatTensor, torch.DoubleTensor or torch.HalfTensor)"
        )
    tt_autograd.set_default_dtype(_FLOAT_TYPES[name])


def typename(obj: Any) -> str:
    """``torch.typename``: a tensor's legacy type (``"torch.FloatTensor"``), else the object's class path."""
    if isinstance(obj, tt_autograd.Tensor):
        return obj.type()
    cls = obj if isinstance(obj, type) else type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"
