"""Memory layout: the public API speaks NCHW, the kernels work channels-last.

PyTorch's convention is ``(N, C, H, W)``. NumPy copies and element-wise
passes cost roughly one inner loop per contiguous run, so a kernel that walks
runs of ``C`` channels (NHWC) beats one that walks runs of ``W`` pixels, and a
pooling reshape that is free in NHWC costs a strided copy in NCHW
(`../shared/PERF-NOTES.md`: max-pool 78 ms in NCHW against 6 ms in NHWC).

So every vision kernel here *stores* its 4-d results channels-last and hands
them out as a transposed view: the tensor's shape is ``(N, C, H, W)``, exactly
PyTorch's, but its strides are those of an ``(N, H, W, C)`` array — what
PyTorch calls ``torch.channels_last`` memory format. Element-wise ops (ReLU,
add) keep that layout because NumPy's ufuncs allocate their output in the
input's memory order; ``flatten`` copies into NCHW order, as it must. The
next kernel reads its input back with :func:`to_nhwc`, which is free when the
layout is already channels-last and one copy otherwise (e.g. at the network's
input). Nothing about the layout is visible through the API.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np


def to_nhwc(a: np.ndarray) -> np.ndarray:
    """``(N, C, H, W)`` → a C-contiguous ``(N, H, W, C)`` array (a view when the layout allows)."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def from_nhwc(a: np.ndarray) -> np.ndarray:
    """``(N, H, W, C)`` → the ``(N, C, H, W)`` view the API returns (no copy)."""
    return a.transpose(0, 3, 1, 2)


def pair(op: str, name: str, value: int | Sequence[int], minimum: int = 1) -> tuple[int, int]:
    """``3`` → ``(3, 3)``; ``(2, 3)`` stays; checked to be ints ``>= minimum``."""
    return ints(op, name, value, 2, minimum)  # type: ignore[return-value]


def ints(op: str, name: str, value: int | Sequence[int], count: int, minimum: int = 1) -> tuple[int, ...]:
    """``3`` → ``(3,) * count``; a sequence of ``count`` stays; checked to be ints ``>= minimum``."""
    kind = {2: "a pair", 3: "a triple"}.get(count, f"{count}")
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    if any(isinstance(v, bool) for v in values):
        raise TypeError(f"{op}: {name} must be an int or {kind} of ints, got {value!r}")
    if len(values) != count:
        raise ValueError(f"{op}: {name} must be an int or {kind} of ints, got {value!r}")
    try:
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or {kind} of ints, got {value!r}") from None
    if min(values) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return values


def conv_padding(
    op: str,
    padding: int | Sequence[int] | str,
    kernel: tuple[int, int],
    dilation: tuple[int, int],
    stride: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Padding as ``(top, bottom, left, right)``; accepts an int, a pair, ``'valid'`` or ``'same'``.

    ``'same'`` pads so the output has the input's size (stride 1 only); when
    the total is odd the extra row or column goes at the bottom/right, as in
    PyTorch.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if stride != (1, 1):
            raise ValueError(
                f"{op}: padding='same' is not supported for strided convolutions (stride={stride})"
            )
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return (totals[0] // 2, totals[0] - totals[0] // 2, totals[1] // 2, totals[1] - totals[1] // 2)
    ph, pw = pair(op, "padding", padding, minimum=0)
    return (ph, ph, pw, pw)


def output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int, dilation: int) -> int:
    """Number of window positions along one axis: ``(size + pads - d(k-1) - 1) // s + 1``."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def check_input(op: str, x: np.ndarray, channels: int | None = None) -> None:
    """Insist on a 4-d ``(N, C, H, W)`` input, optionally with ``channels`` channels."""
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-d input (N, C, H, W), got shape {tuple(x.shape)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{op}: input has {x.shape[1]} channels (shape {tuple(x.shape)}) "
            f"but the weight expects {channels}"
        )
