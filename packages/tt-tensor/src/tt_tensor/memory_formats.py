"""Memory formats: the order in which a tensor's elements sit in memory (``torch.channels_last``, ...).

A 4-d image batch ``(N, C, H, W)`` may be stored row-major (``contiguous_format``:
each channel's plane in one block) or ``channels_last`` (each pixel's C values
together, the NHWC order some kernels prefer); ``channels_last_3d`` is the same
for 5-d ``(N, C, D, H, W)``. The *logical* shape and every value are the same
either way; only ``stride()`` and speed differ. A TinyTorch tensor is a NumPy
array, so a format is a real stride pattern: ``x.contiguous(memory_format=
tt.channels_last)`` makes a copy whose strides are ``(H·W·C, 1, W·C, C)``, as in
PyTorch, and NumPy's element-wise ops keep that layout in their results.
``preserve_format`` (the default of ``clone`` and the ``*_like`` factories) keeps
a dense input's strides and makes anything else row-major.

``layout`` is the other axis of PyTorch's storage description; TinyTorch has the
one dense layout, ``strided`` (its sparse tensors are a separate class).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "channels_last",
    "channels_last_3d",
    "contiguous_format",
    "layout",
    "memory_format",
    "preserve_format",
    "strided",
]


class memory_format:  # noqa: N801  (PyTorch's class name: torch.memory_format)
    """One of the four formats below; compare with ``is`` or ``==``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class layout:  # noqa: N801  (PyTorch's class name: torch.layout)
    """A tensor's storage layout; TinyTorch tensors are ``strided``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
strided = layout("strided")

#: The axis order, outermost first, of each channels-last format's memory.
_ORDERS = {channels_last: (0, 2, 3, 1), channels_last_3d: (0, 2, 3, 4, 1)}


def check_format(op: str, fmt: object, ndim: int) -> memory_format:
    """``fmt`` if it is a memory format that fits a tensor of ``ndim`` dims, else a clear error."""
    if not isinstance(fmt, memory_format):
        raise TypeError(
            f"{op}: memory_format must be torch.contiguous_format, torch.channels_last, "
            f"torch.channels_last_3d or torch.preserve_format, got {fmt!r}"
        )
    if fmt in _ORDERS and ndim != len(_ORDERS[fmt]):
        raise RuntimeError(
            f"{op}: required rank {len(_ORDERS[fmt])} tensor to use {fmt} format, got a {ndim}-d tensor"
        )
    return fmt


def checked_or_none(op: str, fmt: object, ndim: int) -> memory_format | None:
    """``fmt`` checked as :func:`check_format` does, or None (``memory_format=None``: the default)."""
    return None if fmt is None else check_format(op, fmt, ndim)


def suggested(array: np.ndarray) -> memory_format:
    """The format ``array``'s strides suggest (PyTorch's ``suggest_memory_format``): channels_last (3d)
    for a 4-d (5-d) array laid out so and not also plain contiguous, else contiguous_format."""
    for fmt, order in _ORDERS.items():
        if array.ndim == len(order) and not array.flags.c_contiguous and has_format(array, fmt):
            return fmt
    return contiguous_format


def has_format(array: np.ndarray, fmt: memory_format) -> bool:
    """True if ``array``'s memory is laid out densely in ``fmt``'s order."""
    if fmt is contiguous_format or fmt is preserve_format:
        return array.flags.c_contiguous
    return array.ndim == len(_ORDERS[fmt]) and array.transpose(_ORDERS[fmt]).flags.c_contiguous


def arranged(array: np.ndarray, fmt: memory_format) -> np.ndarray:
    """A new array with ``array``'s values laid out in ``fmt`` (``preserve_format``: its own, if dense)."""
    if fmt is preserve_format:
        return np.array(array, copy=True, order="K" if _dense(array) else "C")  # K: the strides kept
    if fmt is contiguous_format:
        return np.array(array, copy=True, order="C")
    order = _ORDERS[fmt]
    return np.ascontiguousarray(array.transpose(order)).transpose(np.argsort(order))


def like(values: np.ndarray, template: np.ndarray, fmt: object, op: str) -> np.ndarray:
    """``values`` (a new row-major array of ``template``'s shape) in ``fmt``; ``preserve_format`` or None:
    in ``template``'s layout if that is dense (the ``*_like`` factories' rule), else row-major."""
    if fmt is None or fmt is preserve_format:
        if template.flags.c_contiguous or not _dense(template) or template.shape != values.shape:
            return values  # (shapes differ for a batched template inside vmap: its array holds the batch)
        out = np.empty_like(template, dtype=values.dtype)  # NumPy's K order: the template's strides
        out[...] = values
        return out
    fmt = check_format(op, fmt, template.ndim)
    return values if has_format(values, fmt) else arranged(values, fmt)


def _dense(array: np.ndarray) -> bool:
    """True if ``array`` fills its memory with no gaps or overlaps, in any axis order (a permuted C array)."""
    expected = array.itemsize
    for axis in sorted(range(array.ndim), key=lambda a: abs(array.strides[a])):
        if array.shape[axis] == 1:
            continue
        if array.strides[axis] != expected:
            return False
        expected *= array.shape[axis]
    return True
