"""PyTorch's observers, fake quantizers and qconfigs by their ``torch.ao.quantization`` names and arguments.

Module 15's observers (``observers.py``) take a ``qscheme`` string; PyTorch's
take ``dtype=torch.quint8, qscheme=torch.per_tensor_affine, reduce_range,
quant_min, quant_max, eps``, are modules (``print(model)`` shows them), are
configured through ``.with_args(...)`` factories, and return tensors from
``calculate_qparams()``. The classes here take PyTorch's arguments and hold a
module-15 observer (``.observer``) that does the arithmetic:

* ``quint8`` with ``per_tensor_affine`` / ``per_channel_affine``: range ``[0, 255]``, any zero point;
* ``qint8`` with ``per_tensor_symmetric`` / ``per_channel_symmetric``: ``[−128, 127]``, zero point 0.

Where they differ from PyTorch, and why:

* (not a difference) ``quant_min``/``quant_max`` and ``reduce_range`` give PyTorch's integer range
  (:func:`calculate_qmin_qmax`): ``reduce_range=True`` halves it (``quint8`` ``[0, 127]``, ``qint8``
  ``[−64, 63]``), as do ``default_observer`` and the x86/fbgemm qconfigs, and the scale spans the
  range over those steps. PyTorch halves it to avoid an overflow of x86's ``VPMADDUBSW``; module 15's
  integer products are exact (``int_gemm.py``) and would not need it, but the qparams are PyTorch's.
* other combinations (``qint8`` affine, ``quint8`` symmetric, ``qint32``) raise a
  ``ValueError`` that names the supported ones.
* ``HistogramObserver`` cuts the range at a percentile of the histogram where
  PyTorch searches it for the least quantization error (module 15's choice).
* ``eps`` and ``factory_kwargs`` are accepted; the scale's floor is float32's epsilon.

Example:
    >>> observer = MinMaxObserver.with_args(dtype=quint8, qscheme=per_tensor_affine)()
    >>> _ = observer(np.array([0.0, 2.0, 5.1], dtype=np.float32))
    >>> [round(float(v), 4) for v in observer.calculate_qparams()]
    [0.02, 0.0]
"""

from __future__ import annotations

from functools import partial

import numpy as np
from tt_autograd import from_numpy
from tt_nn import Module

from . import observers as module15
from .eager_qtensor import (
    QRANGE,
    per_channel_affine,
    per_channel_symmetric,
    per_tensor_affine,
    per_tensor_symmetric,
    qdtype_name,
    qint8,
    quint8,
)
from .fake_quant import FakeQuantize as Module15FakeQuantize
from .qat import QConfig as Module15QConfig

EPS = float(np.finfo(np.float32).eps)
#: (dtype, qscheme) → module 15's qscheme.
SCHEMES = {
    ("quint8", per_tensor_affine): "affine",
    ("quint8", per_channel_affine): "affine",
    ("qint8", per_tensor_symmetric): "symmetric",
    ("qint8", per_channel_symmetric): "symmetric",
}


class _PartialWrapper:
    """What ``with_args`` returns: a factory with the arguments bound, that ``with_args`` can extend."""

    def __init__(self, factory: partial) -> None:
        self.factory = factory

    def __call__(self, *args, **kwargs):
        return self.factory(*args, **kwargs)

    def with_args(self, **kwargs) -> _PartialWrapper:
        return _PartialWrapper(partial(self.factory, **kwargs))

    def __repr__(self) -> str:
        return repr(self.factory)


def _with_args(cls, **kwargs) -> _PartialWrapper:
    """``Observer.with_args(dtype=..., ...)``: a factory making the observer with these arguments."""
    return _PartialWrapper(partial(cls, **kwargs))


def _scheme(op: str, dtype, qscheme, per_channel: bool) -> str:
    """Module 15's qscheme for PyTorch's ``dtype`` and ``qscheme``; refuses what module 15 cannot compute."""
    name = qdtype_name(op, dtype)
    if (name, qscheme) not in SCHEMES or (
        qscheme in (per_channel_affine, per_channel_symmetric)
    ) != per_channel:
        kinds = "per_channel" if per_channel else "per_tensor"
        raise ValueError(
            f"{op}: dtype {dtype!r} with qscheme {qscheme!r} is not supported; use dtype=torch.quint8 with "
            f"torch.{kinds}_affine (activations) or dtype=torch.qint8 with torch.{kinds}_symmetric (weights)"
        )
    return SCHEMES[(name, qscheme)]


def calculate_qmin_qmax(op: str, dtype, quant_min, quant_max, reduce_range: bool) -> tuple[int, int]:
    """PyTorch's integer range of an observer: ``quant_min``/``quant_max`` if both are given, else the
    dtype's (``quint8`` ``[0, 255]``, ``qint8`` ``[−128, 127]``); ``reduce_range`` halves either
    (``q // 2`` at both ends: ``[0, 127]``, ``[−64, 63]``).
    """
    name = qdtype_name(op, dtype)
    low, high = QRANGE[name]
    if quant_min is not None and quant_max is not None:
        if not low <= quant_min <= 0 <= quant_max <= high or quant_min == quant_max:
            raise ValueError(
                f"{op}: quant_min/quant_max ({quant_min}, {quant_max}) must include 0, differ, and lie in "
                f"{name}'s range [{low}, {high}]"
            )
        low, high = quant_min, quant_max
    return (low // 2, high // 2) if reduce_range else (low, high)


def range_qparams(low, high, qscheme: str, quant_min: int, quant_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Scale(s) and zero point(s) mapping ``[low, high]`` (widened to include 0) onto the integers
    ``[quant_min, quant_max]``.

    PyTorch's ``_calculate_qparams``: affine ``scale = (high − low) / (quant_max − quant_min)``,
    ``zero_point = quant_min − round(low / scale)`` clamped to the range; symmetric
    ``scale = max(−low, high) / ((quant_max − quant_min) / 2)``, zero point 0. On the full 8-bit
    ranges this is module 15's :func:`~tt_perf.quantization.observers.calculate_qparams`.
    Returns float32 scales and int32 zero points, shaped like ``low``.
    """
    low = np.minimum(np.asarray(low, dtype=np.float64), 0.0)
    high = np.maximum(np.asarray(high, dtype=np.float64), 0.0)
    if qscheme == "symmetric":
        scale = np.maximum(np.maximum(-low, high) / ((quant_max - quant_min) / 2), EPS)
        return scale.astype(np.float32), np.zeros(np.shape(scale), dtype=np.int32)
    scale = np.maximum((high - low) / (quant_max - quant_min), EPS).astype(np.float32)
    zero_point = np.clip(quant_min - np.rint(low / scale), quant_min, quant_max).astype(np.int32)
    return scale, zero_point


def observed_range(observer) -> tuple:
    """The ``(low, high)`` a module-15 observer quantizes: a histogram's clipped range, else min and max."""
    if isinstance(observer, module15.HistogramObserver):
        return observer.clip_range()
    observer._require_observed()
    return observer.min_val, observer.max_val


class ObserverBase(Module):
    """What PyTorch's observers share: a module that shows its input to ``observer`` and passes it on.

    Attributes:
        observer: module 15's observer doing the arithmetic.
        dtype, qscheme, reduce_range: as given (PyTorch's).
    """

    with_args = classmethod(_with_args)

    def _setup(self, make, dtype, qscheme, reduce_range, quant_min, quant_max, per_channel=False) -> None:
        op = type(self).__name__
        scheme = _scheme(op, dtype, qscheme, per_channel)
        self.observer = make(qscheme=scheme)
        self.dtype, self.qscheme, self.reduce_range = dtype, qscheme, reduce_range
        self.quant_min, self.quant_max = calculate_qmin_qmax(op, dtype, quant_min, quant_max, reduce_range)

    def forward(self, x):
        return self.observer(x)

    @property
    def min_val(self):
        return self.observer.min_val

    @property
    def max_val(self):
        return self.observer.max_val

    def calculate_qparams(self):
        """``(scale, zero_point)`` as tensors (float32 and int64) for ``[quant_min, quant_max]``: one entry,
        or one per channel."""
        low, high = observed_range(self.observer)
        scale, zero_point = range_qparams(low, high, self.observer.qscheme, self.quant_min, self.quant_max)
        return from_numpy(np.asarray(scale, np.float32)), from_numpy(np.asarray(zero_point, np.int64))

    def extra_repr(self) -> str:
        return f"min_val={self.observer.min_val}, max_val={self.observer.max_val}"


class MinMaxObserver(ObserverBase):
    """The running min and max of everything seen (``torch.ao.quantization.MinMaxObserver``)."""

    def __init__(self, dtype=quint8, qscheme=per_tensor_affine, reduce_range=False, quant_min=None,
                 quant_max=None, factory_kwargs=None, eps=EPS, is_dynamic=False,
                 **kwargs) -> None:  # fmt: skip
        super().__init__()
        self._setup(module15.MinMaxObserver, dtype, qscheme, reduce_range, quant_min, quant_max)


class MovingAverageMinMaxObserver(ObserverBase):
    """Min and max as moving averages with ``averaging_constant`` (PyTorch's default for QAT activations)."""

    def __init__(self, averaging_constant=0.01, dtype=quint8, qscheme=per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, eps=EPS, is_dynamic=False, **kwargs) -> None:  # fmt: skip
        super().__init__()
        make = partial(module15.MovingAverageMinMaxObserver, averaging_constant)
        self._setup(make, dtype, qscheme, reduce_range, quant_min, quant_max)


class PerChannelMinMaxObserver(ObserverBase):
    """Min and max per slice along ``ch_axis`` (weights: one scale per output channel)."""

    def __init__(self, ch_axis=0, dtype=quint8, qscheme=per_channel_affine, reduce_range=False,
                 quant_min=None, quant_max=None, factory_kwargs=None, eps=EPS, is_dynamic=False,
                 **kwargs) -> None:  # fmt: skip
        super().__init__()
        make = partial(module15.PerChannelMinMaxObserver, ch_axis)
        self._setup(make, dtype, qscheme, reduce_range, quant_min, quant_max, per_channel=True)
        self.ch_axis = ch_axis


class MovingAveragePerChannelMinMaxObserver(ObserverBase):
    """Per-channel min and max as moving averages (PyTorch's default for QAT weights)."""

    def __init__(self, averaging_constant=0.01, ch_axis=0, dtype=quint8, qscheme=per_channel_affine,
                 reduce_range=False, quant_min=None, quant_max=None, eps=EPS, is_dynamic=False,
                 **kwargs) -> None:  # fmt: skip
        super().__init__()
        make = partial(module15.MovingAveragePerChannelMinMaxObserver, averaging_constant, ch_axis)
        self._setup(make, dtype, qscheme, reduce_range, quant_min, quant_max, per_channel=True)
        self.ch_axis = ch_axis


class HistogramObserver(ObserverBase):
    """A histogram of everything seen; the range is cut at module 15's percentile (see the docstring)."""

    def __init__(self, bins=2048, dtype=quint8, qscheme=per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, factory_kwargs=None, eps=EPS, is_dynamic=False,
                 **kwargs) -> None:  # fmt: skip
        super().__init__()
        make = partial(module15.HistogramObserver, bins)
        self._setup(make, dtype, qscheme, reduce_range, quant_min, quant_max)


class PlaceholderObserver(Module):
    """Observes nothing; it carries ``dtype`` (PyTorch's marker for dynamic quantization's activations)."""

    with_args = classmethod(_with_args)

    def __init__(self, dtype=None, custom_op_name="", compute_dtype=None, quant_min=None, quant_max=None,
                 qscheme=None, eps=None, is_dynamic=False) -> None:  # fmt: skip
        super().__init__()
        self.dtype, self.qscheme, self.is_dynamic = dtype, qscheme, is_dynamic

    def forward(self, x):
        return x

    def calculate_qparams(self):
        raise RuntimeError(
            "PlaceholderObserver: calculate_qparams should not be called (it observes nothing)"
        )


class FakeQuantize(Module15FakeQuantize):
    """Observe, then fake-quantize (``torch.ao.quantization.FakeQuantize``), with PyTorch's arguments.

    Args:
        observer: one of the observer classes above (or a ``with_args`` factory).
        quant_min, quant_max, **observer_kwargs: passed to ``observer``.

    ``activation_post_process`` is module 15's observer (the arithmetic);
    ``observer_module`` the PyTorch-named module around it.
    """

    with_args = classmethod(_with_args)

    def __init__(self, observer=MovingAverageMinMaxObserver, quant_min=None, quant_max=None, is_dynamic=False,
                 **observer_kwargs) -> None:  # fmt: skip
        wrapper = observer(quant_min=quant_min, quant_max=quant_max, **observer_kwargs)
        super().__init__(observer=lambda: wrapper.observer)
        self.observer_module = wrapper
        self.quant_min, self.quant_max = wrapper.quant_min, wrapper.quant_max  # the clamp of training

    def calculate_qparams(self) -> tuple[np.ndarray, np.ndarray]:
        """``(scale, zero_point)`` for the observer's ``[quant_min, quant_max]`` (PyTorch's)."""
        scale, zero_point = self.observer_module.calculate_qparams()
        return scale.numpy(), zero_point.numpy().astype(np.int32)


class FusedMovingAvgObsFakeQuantize(FakeQuantize):
    """PyTorch's fused observe-and-fake-quantize kernel (QAT qconfig version 1): the same arithmetic here."""


class QConfig(Module15QConfig):
    """``QConfig(activation=..., weight=...)``: factories (classes or ``with_args``) of the two observers.

    ``activation`` observes (or fake-quantizes) a module's output, ``weight`` its weight.
    """

    __slots__ = ()

    def __new__(cls, activation, weight):
        if isinstance(activation, Module) or isinstance(weight, Module):
            raise ValueError(
                "QConfig received observer instance, please pass observer class instead. Use "
                "MyObserver.with_args(x=1) to override arguments to constructor if needed"
            )
        return super().__new__(cls, activation, weight)


default_observer = MinMaxObserver.with_args(quant_min=0, quant_max=127)
default_weight_observer = MinMaxObserver.with_args(dtype=qint8, qscheme=per_tensor_symmetric)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(
    dtype=qint8, qscheme=per_channel_symmetric
)
default_histogram_observer = HistogramObserver.with_args(quant_min=0, quant_max=127)
default_placeholder_observer = PlaceholderObserver
default_dynamic_quant_observer = PlaceholderObserver.with_args(
    dtype=quint8, quant_min=0, quant_max=255, is_dynamic=True
)
default_fake_quant = FakeQuantize.with_args(
    observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255, dtype=quint8,
    qscheme=per_tensor_affine, reduce_range=True,
)  # fmt: skip
default_weight_fake_quant = FakeQuantize.with_args(
    observer=MovingAverageMinMaxObserver, quant_min=-128, quant_max=127, dtype=qint8,
    qscheme=per_tensor_symmetric, reduce_range=False,
)  # fmt: skip
default_per_channel_weight_fake_quant = FakeQuantize.with_args(
    observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128, quant_max=127, dtype=qint8,
    qscheme=per_channel_symmetric, reduce_range=False, ch_axis=0,
)  # fmt: skip
default_qconfig = QConfig(activation=default_observer, weight=default_weight_observer)
default_per_channel_qconfig = QConfig(activation=default_observer, weight=default_per_channel_weight_observer)
default_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer, weight=default_weight_observer)
per_channel_dynamic_qconfig = QConfig(
    activation=default_dynamic_quant_observer, weight=default_per_channel_weight_observer
)
default_qat_qconfig = QConfig(activation=default_fake_quant, weight=default_weight_fake_quant)
BACKENDS = ("fbgemm", "x86", "qnnpack", "onednn")


def _check_backend(op: str, backend: str, version: int, versions: tuple[int, ...]) -> None:
    if backend not in BACKENDS:
        raise AssertionError(f"backend: {backend} not supported. backend must be one of {list(BACKENDS)}")
    if version not in versions:
        raise AssertionError(
            f"Version number: {version} in {op} is not supported. Version number must be one of {versions}"
        )


def get_default_qconfig(backend: str = "x86", version: int = 0) -> QConfig:
    """PyTorch's post-training qconfig for ``backend``: histogram activations, symmetric qint8 weights.

    ``x86``, ``fbgemm`` and ``onednn`` quantize weights per output channel, ``qnnpack`` per tensor.
    """
    _check_backend("get_default_qconfig", backend, version, (0,))
    reduce_range = backend in ("x86", "fbgemm")
    weight = default_weight_observer if backend == "qnnpack" else default_per_channel_weight_observer
    return QConfig(activation=HistogramObserver.with_args(reduce_range=reduce_range), weight=weight)


def get_default_qat_qconfig(backend: str = "x86", version: int = 1) -> QConfig:
    """PyTorch's quantization-aware-training qconfig for ``backend``: moving-average fake quantizers.

    Version 1 (PyTorch's fused fake quantizers) and 0 compute the same here.
    """
    _check_backend("get_default_qat_qconfig", backend, version, (0, 1))
    fake_quant = FusedMovingAvgObsFakeQuantize if version == 1 else FakeQuantize
    activation = fake_quant.with_args(
        observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
        reduce_range=backend in ("x86", "fbgemm"),
    )  # fmt: skip
    if backend == "qnnpack":
        return QConfig(activation=activation, weight=default_weight_fake_quant)
    return QConfig(activation=activation, weight=default_per_channel_weight_fake_quant)
