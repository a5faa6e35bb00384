"""Affine INT8 quantization of arrays: ``q = clamp(round(x / scale) + zero_point)``, and back.

A float32 number takes 4 bytes; an int8 takes 1. Quantization maps a range
of real values onto the 256 integers: ``x ≈ (q − zero_point) · scale``. The
*scale* is the width of one step, the *zero point* the integer that stands
for 0.0 (so zero padding and ReLU zeros are exact). Two schemes, as in
``torch.ao.quantization``:

* **symmetric** (``qint8``, zero point 0, range ``[−128, 127]``): for
  weights, which are centred on zero; per output channel, because channels'
  ranges differ by orders of magnitude and one shared scale would waste most
  of the 256 levels on the widest;
* **affine** (``quint8``, range ``[0, 255]``, any zero point): for
  activations, e.g. after a ReLU, which are one-sided.

Inside the range the error of a value is at most ``scale / 2``; outside it
the value saturates at the nearest end.

Example:
    >>> x = np.array([-1.0, 0.0, 0.5, 1.0], dtype=np.float32)
    >>> q = quantize_per_tensor(x, scale=1 / 128, zero_point=0, dtype="qint8")
    >>> q.int_repr.tolist(), [round(float(v), 3) for v in dequantize(q)]  # 1.0 saturates at 127
    ([-128, 0, 64, 127], [-1.0, 0.0, 0.5, 0.992])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Integer range and storage dtype of each quantized dtype (PyTorch's: ``qint8`` is ``[−128, 127]``).
QDTYPES = {"qint8": (-128, 127, np.int8), "quint8": (0, 255, np.uint8)}


@dataclass
class QTensor:
    """Quantized values and how to read them: ``x ≈ (int_repr − zero_point) · scale``.

    Attributes:
        int_repr: the integers (``int8`` or ``uint8``), the tensor's shape.
        scale: one float (per tensor) or one per slice along ``axis``.
        zero_point: like ``scale``, integers.
        axis: ``None`` for per-tensor, else the per-channel axis.
        dtype: ``"qint8"`` or ``"quint8"``.
    """

    int_repr: np.ndarray
    scale: np.ndarray
    zero_point: np.ndarray
    axis: int | None
    dtype: str

    @property
    def shape(self) -> tuple[int, ...]:
        return self.int_repr.shape

    @property
    def nbytes(self) -> int:
        """Bytes of the integers plus the scales and zero points."""
        return self.int_repr.nbytes + self.scale.nbytes + self.zero_point.nbytes


def _check(op: str, scale: np.ndarray, zero_point: np.ndarray, dtype: str) -> tuple[int, int, type]:
    if dtype not in QDTYPES:
        raise ValueError(f"{op}: dtype must be one of {sorted(QDTYPES)}, got {dtype!r}")
    low, high, storage = QDTYPES[dtype]
    if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise ValueError(f"{op}: scales must be positive and finite, got {scale}")
    if np.any(zero_point < low) or np.any(zero_point > high):
        raise ValueError(f"{op}: zero points must lie in [{low}, {high}] for {dtype}, got {zero_point}")
    return low, high, storage


def _quantize(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, low: int, high: int, storage):
    # BEGIN SOLUTION 15
    # TODO: round(x / scale) + zero_point, clipped to [low, high], in the storage dtype.
    q = np.rint(np.asarray(x, dtype=np.float32) / scale) + zero_point
    return np.clip(q, low, high).astype(storage)
    # END SOLUTION


def quantize_per_tensor(x: np.ndarray, scale: float, zero_point: int, dtype: str = "quint8") -> QTensor:
    """One scale and zero point for the whole array (``torch.quantize_per_tensor``)."""
    scale_a = np.asarray(scale, dtype=np.float32)
    zero_a = np.asarray(zero_point, dtype=np.int32)
    low, high, storage = _check("quantize_per_tensor", scale_a, zero_a, dtype)
    return QTensor(_quantize(x, scale_a, zero_a, low, high, storage), scale_a, zero_a, None, dtype)


def quantize_per_channel(
    x: np.ndarray, scales: np.ndarray, zero_points: np.ndarray, axis: int, dtype: str = "qint8"
) -> QTensor:
    """One scale and zero point per slice along ``axis`` (``torch.quantize_per_channel``)."""
    x = np.asarray(x)
    axis = axis % x.ndim
    scales = np.asarray(scales, dtype=np.float32).reshape(-1)
    zero_points = np.asarray(zero_points, dtype=np.int32).reshape(-1)
    if scales.shape != (x.shape[axis],) or zero_points.shape != scales.shape:
        raise ValueError(
            f"quantize_per_channel: {scales.size} scales and {zero_points.size} zero points for "
            f"{x.shape[axis]} channels along axis {axis} of shape {x.shape}"
        )
    low, high, storage = _check("quantize_per_channel", scales, zero_points, dtype)
    shape = [1] * x.ndim
    shape[axis] = -1
    q = _quantize(x, scales.reshape(shape), zero_points.reshape(shape), low, high, storage)
    return QTensor(q, scales, zero_points, axis, dtype)


def dequantize(q: QTensor) -> np.ndarray:
    """``(int_repr − zero_point) · scale`` as float32, broadcast per channel when ``q.axis`` is set."""
    # BEGIN SOLUTION 15
    # TODO: (int_repr - zero_point) * scale as float32, scale and
    #   zero point reshaped along q.axis per channel.
    scale, zero = q.scale, q.zero_point
    if q.axis is not None:
        shape = [1] * q.int_repr.ndim
        shape[q.axis] = -1
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return ((q.int_repr.astype(np.float32) - zero.astype(np.float32)) * scale).astype(np.float32)
    # END SOLUTION
