"""PyTorch's legacy typed constructors: ``torch.LongTensor(data)``, ``torch.FloatTensor(data)``.

Older scripts (``pytorch/examples``' word-language model among them) build tensors
with these. ``LongTensor([1, 2])`` is ``tensor([1, 2], dtype=int64)``; with sizes
instead of data (``FloatTensor(2, 3)``) PyTorch returns uninitialised memory, and this
returns zeros, which are as valid a value for memory nobody has written yet.
"""

from __future__ import annotations

from typing import Any

from tt_autograd import float32, int64, tensor, zeros


def _typed(name: str, dtype: Any):
    def make(*args: Any) -> Any:
        if len(args) == 1 and not isinstance(args[0], int):
            return tensor(args[0], dtype=dtype)
        if all(isinstance(size, int) and not isinstance(size, bool) for size in args):
            return zeros(*args, dtype=dtype)
        raise TypeError(f"{name}: expected data (a list, array or tensor) or sizes (ints), got {args!r}")

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"``torch.{name}(data)`` or ``torch.{name}(*sizes)``: a {dtype} tensor."
    return make


LongTensor = _typed("LongTensor", int64)
FloatTensor = _typed("FloatTensor", float32)
