"""Observers: watch the values a tensor takes, then choose its scale and zero point.

Names and behaviour after ``torch.ao.quantization``: call the observer on
arrays (it records their range and passes them through), then
``calculate_qparams()`` returns ``(scale, zero_point)``.

* :class:`MinMaxObserver` — the running min and max over everything seen;
  ``qscheme="affine"`` maps ``[min, max]`` (widened to include 0, so zero is
  exact) onto ``[0, 255]``; ``"symmetric"`` maps ``[−m, m]`` with
  ``m = max(|min|, |max|)`` onto ``[−127, 127]``.
* :class:`PerChannelMinMaxObserver` — the same per slice along ``ch_axis``
  (weights: one scale per output channel).

A constant-zero input would give a zero scale; the observers use the
smallest positive float32 step instead, so quantization stays defined.

Example:
    >>> observer = MinMaxObserver()
    >>> _ = observer(np.array([0.0, 2.0, 5.1]))
    >>> scale, zero_point = observer.calculate_qparams()
    >>> round(float(scale), 4), int(zero_point)
    (0.02, 0)
"""

from __future__ import annotations

import numpy as np

EPS = np.finfo(np.float32).eps
QSCHEMES = ("affine", "symmetric")


def _qparams(low: np.ndarray, high: np.ndarray, qscheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Scale(s) and zero point(s) for ranges ``[low, high]``."""
    # BEGIN SOLUTION 15
    low, high = np.minimum(low, 0.0), np.maximum(high, 0.0)  # 0.0 must be representable exactly
    if qscheme == "symmetric":
        scale = np.maximum(np.maximum(-low, high) / 127.0, EPS)
        return scale.astype(np.float32), np.zeros(np.shape(scale), dtype=np.int32)
    scale = np.maximum((high - low) / 255.0, EPS)
    zero_point = np.clip(np.rint(-low / scale), 0, 255).astype(np.int32)
    return scale.astype(np.float32), zero_point
    # END SOLUTION


class MinMaxObserver:
    """Track the min and max of every array seen; ``qscheme``: ``"affine"`` (quint8) or ``"symmetric"``."""

    def __init__(self, qscheme: str = "affine") -> None:
        if qscheme not in QSCHEMES:
            raise ValueError(f"MinMaxObserver: qscheme must be one of {QSCHEMES}, got {qscheme!r}")
        self.qscheme = qscheme
        self.min_val, self.max_val = np.inf, -np.inf

    @property
    def dtype(self) -> str:
        return "qint8" if self.qscheme == "symmetric" else "quint8"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(getattr(x, "_array", x))
        if x.size:
            self.min_val = min(self.min_val, float(x.min()))
            self.max_val = max(self.max_val, float(x.max()))
        return x

    def calculate_qparams(self) -> tuple[np.ndarray, np.ndarray]:
        if self.min_val > self.max_val:
            raise RuntimeError(
                "MinMaxObserver: no values observed yet; run calibration data through it first"
            )
        return _qparams(np.float32(self.min_val), np.float32(self.max_val), self.qscheme)


class PerChannelMinMaxObserver(MinMaxObserver):
    """Min and max per slice along ``ch_axis`` (default 0: a weight's output channels)."""

    def __init__(self, ch_axis: int = 0, qscheme: str = "symmetric") -> None:
        super().__init__(qscheme)
        self.ch_axis = ch_axis
        self.min_val = self.max_val = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(getattr(x, "_array", x))
        axes = tuple(i for i in range(x.ndim) if i != self.ch_axis % x.ndim)
        low, high = x.min(axis=axes), x.max(axis=axes)
        if self.min_val is not None and self.min_val.shape != low.shape:
            raise ValueError(f"PerChannelMinMaxObserver: {low.size} channels now, {self.min_val.size} before")
        self.min_val = low if self.min_val is None else np.minimum(self.min_val, low)
        self.max_val = high if self.max_val is None else np.maximum(self.max_val, high)
        return x

    def calculate_qparams(self) -> tuple[np.ndarray, np.ndarray]:
        if self.min_val is None:
            raise RuntimeError("PerChannelMinMaxObserver: no values observed yet")
        return _qparams(self.min_val.astype(np.float32), self.max_val.astype(np.float32), self.qscheme)
