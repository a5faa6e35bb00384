"""Padding layers, like ``torch.nn``'s ``ZeroPad2d``, ``ReflectionPad1d``, ...: thin modules around ``F.pad``.

Four modes, each in 1-D, 2-D and 3-D form (the number of trailing dims padded):

* ``ConstantPadNd(padding, value)`` and ``ZeroPadNd(padding)``: fill with a value;
  negative sizes crop. Any input with at least ``N`` dims.
* ``ReflectionPadNd``: mirror without repeating the edge (each pad smaller than the size).
* ``ReplicationPadNd``: repeat the edge value.
* ``CircularPadNd``: wrap around.

The last three take PyTorch's inputs only: an unbatched ``(C, *spatial)`` or a
batched ``(N, C, *spatial)`` tensor, so ``N + 1`` or ``N + 2`` dims.

``padding`` is an int (the same on every side) or a tuple of ``2 * N`` ints in
``F.pad``'s order, last dim first: ``(left, right, top, bottom, front, back)``.
The gradient comes from ``F.pad``'s resampling ``Function``. Cost: one pass per
padded dim over the output.

Example:
    >>> ZeroPad2d((1, 1, 2, 0))  # doctest: +SKIP
    ZeroPad2d((1, 1, 2, 0))
    >>> ReflectionPad1d(2)(tt_autograd.tensor([[0.0, 1.0, 2.0, 3.0]]))  # doctest: +SKIP
    tensor([[2., 1., 0., 1., 2., 3., 2., 1.]])
"""

from __future__ import annotations

from tt_tensor.checks import check_tensor

from . import functional as F
from .module import Module


def _padding_tuple(name: str, padding, dims: int) -> tuple[int, ...]:
    """``padding`` as ``2 * dims`` ints: an int repeated, or a sequence of exactly that many ints."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * dims)
    if isinstance(padding, (tuple, list)) and all(
        isinstance(p, int) and not isinstance(p, bool) for p in padding
    ):
        if len(padding) == 2 * dims:
            return tuple(padding)
    raise ValueError(
        f"{name}: padding must be an int or a tuple of {2 * dims} ints "
        f"(left, right{', top, bottom' if dims > 1 else ''}{', front, back' if dims > 2 else ''}), "
        f"got {padding!r}"
    )


class _PadNd(Module):
    """The shared machinery: ``DIMS`` trailing dims padded in ``MODE``; checks the input's rank."""

    DIMS = 1
    MODE = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _padding_tuple(type(self).__name__, padding, self.DIMS)

    def _check_input(self, input) -> None:  # noqa: A002
        check_tensor(type(self).__name__, input)
        spatial = ("L", "H, W", "D, H, W")[self.DIMS - 1]
        if input.ndim not in (self.DIMS + 1, self.DIMS + 2):
            raise ValueError(
                f"{type(self).__name__}: expected a {self.DIMS + 1}-D (C, {spatial}) or {self.DIMS + 2}-D "
                f"(N, C, {spatial}) input, got shape {tuple(input.shape)}"
            )

    def forward(self, input):  # noqa: A002
        self._check_input(input)
        return F.pad(input, self.padding, mode=self.MODE)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Constant padding: ``value`` outside the input; any input with at least ``DIMS`` dims."""

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _check_input(self, input) -> None:  # noqa: A002
        check_tensor(type(self).__name__, input)
        if input.ndim < self.DIMS:
            raise ValueError(
                f"{type(self).__name__}: pads the last {self.DIMS} dims, so the input needs at least "
                f"{self.DIMS} dims; got shape {tuple(input.shape)}"
            )

    def forward(self, input):  # noqa: A002
        self._check_input(input)
        return F.pad(input, self.padding, mode="constant", value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``(*, L)`` -> ``(*, L + left + right)``.

    Args:
        padding: an int, or ``(left, right)``; negative sizes crop.
        value: the fill.
    """

    DIMS = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: ``(*, H, W)`` -> ``(*, H + top + bottom, W + left + right)``.

    Args:
        padding: an int, or ``(left, right, top, bottom)``; negative sizes crop.
        value: the fill.
    """

    DIMS = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``: ``(*, D, H, W)`` grows by the pads of each dim.

    Args:
        padding: an int, or ``(left, right, top, bottom, front, back)``; negative sizes crop.
        value: the fill.
    """

    DIMS = 3


class _ZeroPadNd(_ConstantPadNd):
    """Constant padding with zeros; printed with its padding only, as PyTorch does."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros.

    Args:
        padding: an int, or ``(left, right)``; negative sizes crop.

    Shape:
        ``(*, L)`` -> ``(*, L + left + right)``.
    """

    DIMS = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros.

    Args:
        padding: an int, or ``(left, right, top, bottom)``; negative sizes crop.

    Shape:
        ``(*, H, W)`` -> ``(*, H + top + bottom, W + left + right)``.
    """

    DIMS = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros.

    Args:
        padding: an int, or ``(left, right, top, bottom, front, back)``; negative sizes crop.

    Shape:
        ``(*, D, H, W)`` -> ``(*, D + front + back, H + top + bottom, W + left + right)``.
    """

    DIMS = 3


class ReflectionPad1d(_PadNd):
    """Mirror the last dim without repeating the edge: ``[0 1 2 3]`` padded by 2 is ``[2 1 0 1 2 3 2 1]``.

    Args:
        padding: an int, or ``(left, right)``; each smaller than the input's size.

    Shape:
        ``(C, L)`` or ``(N, C, L)`` -> ``L + left + right``.
    """

    DIMS, MODE = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims.

    Args:
        padding: an int, or ``(left, right, top, bottom)``; each smaller than its dim's size.

    Shape:
        ``(C, H, W)`` or ``(N, C, H, W)``.
    """

    DIMS, MODE = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims.

    Args:
        padding: an int, or ``(left, right, top, bottom, front, back)``; each smaller than its dim's size.

    Shape:
        ``(C, D, H, W)`` or ``(N, C, D, H, W)``.
    """

    DIMS, MODE = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge of the last dim: ``[0 1 2]`` padded by 2 is ``[0 0 0 1 2 2 2]``.

    Args:
        padding: an int, or ``(left, right)``.

    Shape:
        ``(C, L)`` or ``(N, C, L)``.
    """

    DIMS, MODE = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edges of the last two dims.

    Args:
        padding: an int, or ``(left, right, top, bottom)``.

    Shape:
        ``(C, H, W)`` or ``(N, C, H, W)``.
    """

    DIMS, MODE = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edges of the last three dims.

    Args:
        padding: an int, or ``(left, right, top, bottom, front, back)``.

    Shape:
        ``(C, D, H, W)`` or ``(N, C, D, H, W)``.
    """

    DIMS, MODE = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap the last dim around: ``[0 1 2]`` padded by 2 is ``[1 2 0 1 2 0 1]``.

    Args:
        padding: an int, or ``(left, right)``.

    Shape:
        ``(C, L)`` or ``(N, C, L)``.
    """

    DIMS, MODE = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dims around.

    Args:
        padding: an int, or ``(left, right, top, bottom)``.

    Shape:
        ``(C, H, W)`` or ``(N, C, H, W)``.
    """

    DIMS, MODE = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap the last three dims around.

    Args:
        padding: an int, or ``(left, right, top, bottom, front, back)``.

    Shape:
        ``(C, D, H, W)`` or ``(N, C, D, H, W)``.
    """

    DIMS, MODE = 3, "circular"
