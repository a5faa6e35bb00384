"""Observers: watch the values a tensor takes, then choose its scale and zero point.

Names and behaviour after ``torch.ao.quantization``: call an observer on
arrays (it records what it needs and passes them through unchanged), then
``calculate_qparams()`` returns ``(scale, zero_point)``. They differ in *which
range* they pick:

* :class:`MinMaxObserver` — the running min and max over everything seen;
* :class:`MovingAverageMinMaxObserver` — an exponential moving average of
  each batch's min and max (one odd batch moves the range a little, not all
  the way);
* :class:`PerChannelMinMaxObserver` — min and max per slice along
  ``ch_axis`` (weights: one scale per output channel);
* :class:`HistogramObserver` — a histogram of everything seen; the range is
  cut at a percentile, so a few outliers do not stretch the scale for all the
  other values.

Two schemes map the chosen range ``[low, high]`` onto integers:
``"affine"`` onto ``[0, 255]`` (``quint8``, any zero point; for activations)
and ``"symmetric"`` ``[−m, m]``, ``m = max(|low|, |high|)``, onto ``[−128, 127]``
(``qint8``, zero point 0, ``scale = m / 127.5`` as PyTorch computes it; for weights).
The range is always widened to include 0, so that 0.0 — zero padding, ReLU zeros — is exactly representable.
An all-zero tensor would give a zero scale; the observers use float32's
machine epsilon instead (as PyTorch does), so quantization stays defined.

Example:
    >>> observer = MinMaxObserver()
    >>> _ = observer(np.array([0.0, 2.0, 5.1]))
    >>> scale, zero_point = observer.calculate_qparams()
    >>> round(float(scale), 4), int(zero_point)
    (0.02, 0)
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Tensor

EPS = np.float32(np.finfo(np.float32).eps)
QSCHEMES = ("affine", "symmetric")


def calculate_qparams(low, high, qscheme: str = "affine") -> tuple[np.ndarray, np.ndarray]:
    """Scale(s) and zero point(s) that map the range(s) ``[low, high]`` onto the integers of ``qscheme``.

    Args:
        low, high: floats or arrays of the same shape (one range per channel).
        qscheme: ``"affine"`` (``[0, 255]``) or ``"symmetric"`` (``[−128, 127]``, zero point 0).

    Returns:
        ``(scale float32, zero_point int32)``, shaped like ``low``.
    """
    if qscheme not in QSCHEMES:
        raise ValueError(f"calculate_qparams: qscheme must be one of {QSCHEMES}, got {qscheme!r}")
    # BEGIN SOLUTION 15
    # TODO: scale and zero point mapping [low, high] (widened to include 0.0) onto 0..255 ("affine") or a
    #   range symmetric around 0 ("symmetric", zero point 0) (§ How it is built, observers.py).
    # EXAMPLE: affine [-1, 3]: scale 4 / 255, zero point round(1 / scale) = 64.
    low = np.minimum(np.asarray(low, dtype=np.float64), 0.0)  # 0.0 must be representable exactly
    high = np.maximum(np.asarray(high, dtype=np.float64), 0.0)
    if qscheme == "symmetric":
        scale = np.maximum(np.maximum(-low, high) / 127.5, EPS)  # half of the 255 steps each side
        return scale.astype(np.float32), np.zeros(np.shape(scale), dtype=np.int32)
    scale = np.maximum((high - low) / 255.0, EPS).astype(np.float32)
    zero_point = np.clip(np.rint(-low / scale), 0, 255).astype(np.int32)
    return scale, zero_point
    # END SOLUTION


def _values(op: str, x) -> np.ndarray:
    """``x`` (a tensor or an array) as an array, refusing NaN and infinities (they have no range)."""
    array = np.asarray(x.detach().numpy() if isinstance(x, Tensor) else x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: expected a numeric array or tensor, got dtype {array.dtype}")
    if array.size and not (np.isfinite(array.min()) and np.isfinite(array.max())):
        raise ValueError(
            f"{op}: the observed values contain NaN or infinity (shape {array.shape}); a range cannot be "
            "chosen for them — look for a diverged layer or an unnormalised input"
        )
    return array


class MinMaxObserver:
    """The running min and max of every array seen (``torch.ao.quantization.MinMaxObserver``).

    Args:
        qscheme: ``"affine"`` (``quint8``, the default: activations) or ``"symmetric"`` (``qint8``).

    Cost: two reductions over each array seen.
    """

    def __init__(self, qscheme: str = "affine") -> None:
        if qscheme not in QSCHEMES:
            raise ValueError(f"{type(self).__name__}: qscheme must be one of {QSCHEMES}, got {qscheme!r}")
        self.qscheme = qscheme
        self.min_val, self.max_val = np.inf, -np.inf

    @property
    def dtype(self) -> str:
        """The quantized dtype the parameters are for: ``"qint8"`` or ``"quint8"``."""
        return "qint8" if self.qscheme == "symmetric" else "quint8"

    def __call__(self, x):
        array = _values(type(self).__name__, x)
        if array.size:
            self._observe(array)
        return x

    def _observe(self, x: np.ndarray) -> None:
        # BEGIN SOLUTION 15
        # TODO: widen the running [min_val, max_val] by this batch's minimum and maximum.
        self.min_val = min(self.min_val, float(x.min()))
        self.max_val = max(self.max_val, float(x.max()))
        # END SOLUTION

    def _require_observed(self) -> None:
        if self.min_val is None or np.any(np.asarray(self.min_val) > np.asarray(self.max_val)):
            raise RuntimeError(
                f"{type(self).__name__}: no values observed yet; run calibration data through it "
                "before calculate_qparams()"
            )

    def calculate_qparams(self) -> tuple[np.ndarray, np.ndarray]:
        """``(scale, zero_point)`` for the range seen so far."""
        self._require_observed()
        return calculate_qparams(self.min_val, self.max_val, self.qscheme)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(min_val={self.min_val}, max_val={self.max_val}, qscheme={self.qscheme!r})"
        )


class MovingAverageMinMaxObserver(MinMaxObserver):
    """Min and max as exponential moving averages of each array's: ``m ← m + c · (batch_m − m)``.

    The first array sets them; ``averaging_constant`` ``c`` (PyTorch's default 0.01)
    is how far each later batch pulls them.
    """

    def __init__(self, averaging_constant: float = 0.01, qscheme: str = "affine") -> None:
        super().__init__(qscheme)
        if not 0.0 < averaging_constant <= 1.0:
            raise ValueError(
                "MovingAverageMinMaxObserver: averaging_constant must lie in (0, 1], "
                f"got {averaging_constant}"
            )
        self.averaging_constant = averaging_constant

    def _observe(self, x: np.ndarray) -> None:
        low, high = float(x.min()), float(x.max())
        # BEGIN SOLUTION 15
        # TODO: the first batch sets the range; later ones move it by averaging_constant towards the batch's.
        if self.min_val > self.max_val:  # the first batch
            self.min_val, self.max_val = low, high
            return
        self.min_val += self.averaging_constant * (low - self.min_val)
        self.max_val += self.averaging_constant * (high - self.max_val)
        # END SOLUTION


class PerChannelMinMaxObserver(MinMaxObserver):
    """Min and max per slice along ``ch_axis`` (default 0: a weight's output channels).

    ``calculate_qparams`` returns one scale and zero point per channel. The
    default scheme is ``"symmetric"``, the one weights use.
    """

    def __init__(self, ch_axis: int = 0, qscheme: str = "symmetric") -> None:
        super().__init__(qscheme)
        self.ch_axis = ch_axis
        self.min_val = self.max_val = None

    def __call__(self, x):
        array = _values("PerChannelMinMaxObserver", x)
        if not -array.ndim <= self.ch_axis < array.ndim:
            raise ValueError(
                f"PerChannelMinMaxObserver: ch_axis {self.ch_axis} is out of range for an array of shape "
                f"{array.shape}"
            )
        axis = self.ch_axis % array.ndim
        if self.min_val is not None and self.min_val.shape != (array.shape[axis],):
            raise ValueError(
                f"PerChannelMinMaxObserver: {array.shape[axis]} channels along axis {axis} now, "
                f"{self.min_val.size} before (shape {array.shape})"
            )
        if array.size:
            self._observe_channels(array, axis)
        return x

    def _observe_channels(self, x: np.ndarray, axis: int) -> None:
        # BEGIN SOLUTION 15
        # TODO: the per-channel min and max over every axis but axis, merged with the running ones.
        others = tuple(i for i in range(x.ndim) if i != axis)
        low, high = x.min(axis=others), x.max(axis=others)
        self.min_val = low if self.min_val is None else np.minimum(self.min_val, low)
        self.max_val = high if self.max_val is None else np.maximum(self.max_val, high)
        # END SOLUTION


class HistogramObserver(MinMaxObserver):
    """A histogram of every value seen; the range is cut at percentiles, clipping rare outliers.

    A single activation of 50 among millions below 3 makes a min–max scale
    17× coarser for all the others. This observer keeps ``bins`` counts over
    the running ``[min, max]`` (widened to include 0) and picks the range
    from the ``100 − percentile`` and ``percentile`` points of the
    distribution: values beyond them saturate, everything else gets finer
    steps. PyTorch's ``HistogramObserver`` searches the histogram for the
    range with the least quantization error instead; a percentile is the
    simpler rule with the same purpose.

    When a new array widens the range, the old counts are redistributed over
    the new bins assuming values spread evenly inside each old bin (one
    interpolation of the cumulative counts), so the percentiles are accurate
    to about one bin width.

    Args:
        bins: number of histogram bins (default 2048).
        percentile: the upper point kept, in percent (default 99.99); the lower is ``100 − percentile``.
        qscheme: ``"affine"`` (default) or ``"symmetric"``.

    Cost: one ``np.histogram`` pass per array seen, plus O(bins) to rebin.
    """

    def __init__(self, bins: int = 2048, percentile: float = 99.99, qscheme: str = "affine") -> None:
        super().__init__(qscheme)
        if bins < 2:
            raise ValueError(f"HistogramObserver: bins must be at least 2, got {bins}")
        if not 50.0 < percentile <= 100.0:
            raise ValueError(f"HistogramObserver: percentile must lie in (50, 100], got {percentile}")
        self.bins, self.percentile = int(bins), float(percentile)
        self.histogram = np.zeros(self.bins, dtype=np.float64)
        self.min_val, self.max_val = 0.0, 0.0  # the histogram's range; always contains 0
        self.count = 0

    def _edges(self) -> np.ndarray:
        return np.linspace(self.min_val, self.max_val, self.bins + 1)

    def _observe(self, x: np.ndarray) -> None:
        low, high = min(self.min_val, float(x.min())), max(self.max_val, float(x.max()))
        # BEGIN SOLUTION 15
        # TODO: add the batch to a histogram over the widest range seen; when the range grows, re-spread the
        #   old counts over the new bins (interpolate their cumulative sum) before adding.
        if (low, high) != (self.min_val, self.max_val):  # wider: spread the old counts over the new bins
            new_edges = np.linspace(low, high, self.bins + 1)
            if self.max_val > self.min_val:
                cumulative = np.concatenate([[0.0], np.cumsum(self.histogram)])
                self.histogram = np.diff(np.interp(new_edges, self._edges(), cumulative))
            else:  # all the mass seen so far sits at 0.0
                zero_bin = min(int((0.0 - low) / (high - low) * self.bins), self.bins - 1)
                self.histogram = np.zeros(self.bins)
                self.histogram[zero_bin] = self.count
            self.min_val, self.max_val = low, high
        if high > low:
            self.histogram += np.histogram(x, bins=self.bins, range=(low, high))[0]
        self.count += x.size
        # END SOLUTION

    def _require_observed(self) -> None:
        if self.count == 0:
            raise RuntimeError(
                "HistogramObserver: no values observed yet; run calibration data through it "
                "before calculate_qparams()"
            )

    def clip_range(self) -> tuple[float, float]:
        """The ``(100 − percentile, percentile)`` points of the values seen, from the histogram."""
        self._require_observed()
        if self.max_val == self.min_val:
            return 0.0, 0.0
        # BEGIN SOLUTION 15
        # TODO: the (100 - percentile, percentile) points of the values seen, read from the cumulative
        #   histogram with linear interpolation inside the bin each falls in.
        cumulative = np.cumsum(self.histogram)
        total = cumulative[-1]  # not histogram.sum(): rounded pairwise, it can pass the running sum's end
        targets = np.array([1.0 - self.percentile / 100.0, self.percentile / 100.0]) * total
        index = np.searchsorted(cumulative, targets)  # the bin each point falls in: targets <= total
        before = np.where(index > 0, cumulative[index - 1], 0.0)
        inside = np.clip((targets - before) / np.maximum(self.histogram[index], 1e-300), 0.0, 1.0)
        width = (self.max_val - self.min_val) / self.bins
        low, high = self.min_val + (index + inside) * width
        return float(low), float(high)
        # END SOLUTION

    def calculate_qparams(self) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.clip_range()
        return calculate_qparams(low, high, self.qscheme)


class MovingAveragePerChannelMinMaxObserver(PerChannelMinMaxObserver):
    """Per-channel min and max as moving averages: ``m ← m + c · (batch_m − m)`` for each channel.

    PyTorch's default observer for weights in quantization-aware training: the
    weights move a little each step, and the range follows them without
    keeping the widest value they ever took. The first array sets the range.

    Args:
        averaging_constant: ``c`` in (0, 1] (PyTorch's default 0.01).
        ch_axis, qscheme: as for :class:`PerChannelMinMaxObserver`.
    """

    def __init__(
        self, averaging_constant: float = 0.01, ch_axis: int = 0, qscheme: str = "symmetric"
    ) -> None:
        super().__init__(ch_axis, qscheme)
        if not 0.0 < averaging_constant <= 1.0:
            raise ValueError(
                "MovingAveragePerChannelMinMaxObserver: averaging_constant must lie in (0, 1], "
                f"got {averaging_constant}"
            )
        self.averaging_constant = averaging_constant

    def _observe_channels(self, x: np.ndarray, axis: int) -> None:
        others = tuple(i for i in range(x.ndim) if i != axis)
        low, high = x.min(axis=others), x.max(axis=others)
        # BEGIN SOLUTION 15
        # TODO: a per-channel moving average of the minimum and maximum: the first batch sets them, each later
        #   batch moves them by averaging_constant towards its own (§ How it is built).
        if self.min_val is None:
            self.min_val, self.max_val = low, high
            return
        self.min_val = self.min_val + self.averaging_constant * (low - self.min_val)
        self.max_val = self.max_val + self.averaging_constant * (high - self.max_val)
        # END SOLUTION
