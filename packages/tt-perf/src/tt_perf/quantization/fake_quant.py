"""Fake quantization for quantization-aware training: round in the forward pass, pass the gradient through.

Training a model that will run in INT8 is easiest if the float model
already *sees* the rounding: each weight and each layer input is replaced by
its quantized-then-dequantized value,

    ``fq(x) = (clamp(round(x / s) + z, q_min, q_max) − z) · s``,

a float tensor holding only the values the INT8 engine can represent. The
loss then measures the INT8 model's error and the optimiser learns weights
that survive the rounding.

``fq`` is a staircase: its derivative is 0 almost everywhere, which would
stop all learning. The **straight-through estimator** (STE) uses, in the
backward pass, the derivative of the clamp alone — as if the rounding were
the identity:

    ``∂fq/∂x = 1`` where ``q_min ≤ round(x / s) + z ≤ q_max``, else ``0``.

This is PyTorch's rule (``torch.fake_quantize_per_tensor_affine``): the mask
is taken on the *rounded* value, so an input up to half a step beyond the
range's end, which rounds onto ``q_max``, still passes its gradient. Values
that saturate get no gradient: moving them would not change the output.

* :func:`fake_quantize_per_tensor_affine`, :func:`fake_quantize_per_channel_affine`
  — the differentiable operation (one scale, or one per slice along ``axis``);
* :class:`FakeQuantize` — a module holding an observer and the current
  ``scale``/``zero_point``: each call shows the input to the observer, updates
  the parameters, and fake-quantizes with them (``torch.ao.quantization.FakeQuantize``);
* :func:`enable_observer`, :func:`disable_observer`, :func:`enable_fake_quant`,
  :func:`disable_fake_quant` — for ``model.apply(...)``: freeze the ranges, or
  observe without rounding.

Cost: per call, one division, rounding and clamp pass over the tensor (plus
the observer's reductions) and a boolean mask kept for backward.

Example:
    >>> import tt_autograd as autograd
    >>> x = autograd.tensor([-0.3, 0.26, 2.0], requires_grad=True)
    >>> y = fake_quantize_per_tensor_affine(x, scale=0.1, zero_point=0, quant_min=-128, quant_max=127)
    >>> [round(float(v), 2) for v in y.detach().numpy()]
    [-0.3, 0.3, 2.0]
    >>> y.sum().backward(); x.grad.numpy().tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor, from_numpy
from tt_autograd.higher_order import backward_slopes
from tt_nn import Module

from .observers import MovingAverageMinMaxObserver
from .qtensor import QDTYPES


class FakeQuantizeFunction(Function):
    """``(clamp(round(x / s) + z, lo, hi) − z) · s``; the gradient passes where ``lo ≤ round(x/s)+z ≤ hi``."""

    @staticmethod
    def forward(ctx, x, scale, zero_point, quant_min, quant_max):
        # BEGIN SOLUTION 15
        # TODO: quantize and dequantize in float (§ Quantization-aware training):
        #   q = clip(round(x / scale) + zero_point, quant_min, quant_max), out = (q - zero_point) * scale;
        #   save where the rounded q was in range.
        # HINT: the in-range mask is taken before the clip (PyTorch's rule).
        zero_point = zero_point.astype(x.dtype)  # int32 + float32 would promote to float64
        q = np.rint(x / scale) + zero_point  # scale is float32: x's dtype wins for float32 and float64
        mask = (q >= quant_min) & (q <= quant_max)  # PyTorch's rule: on the rounded value
        ctx.save_for_backward(mask)
        np.clip(q, quant_min, quant_max, out=q)
        return (q - zero_point) * scale
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 15
        # TODO: the straight-through estimator: pass grad where the forward's rounded value was in range,
        #   zero elsewhere (§ Quantization-aware training).
        (mask,) = ctx.saved_tensors
        return (np.where(mask, grad, grad.dtype.type(0)),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # grad times the in-range mask, a constant (PyTorch's rule too)
        return (grad * backward_slopes(ctx, grad),)


def _check_range(op: str, scale: np.ndarray, zero_point: np.ndarray, quant_min: int, quant_max: int) -> None:
    if not quant_min < quant_max:
        raise ValueError(f"{op}: quant_min ({quant_min}) must be below quant_max ({quant_max})")
    if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise ValueError(f"{op}: scale must be positive and finite, got {scale}")
    if np.any(zero_point < quant_min) or np.any(zero_point > quant_max):
        raise ValueError(
            f"{op}: zero_point must lie in [quant_min, quant_max] = [{quant_min}, {quant_max}], "
            f"got {zero_point}"
        )


def fake_quantize_per_tensor_affine(
    input: Tensor,
    scale: float,
    zero_point: int,
    quant_min: int,
    quant_max: int,  # noqa: A002
) -> Tensor:
    """``input`` rounded onto ``(q − zero_point) · scale``, ``q ∈ [quant_min, quant_max]``; STE gradient.

    ``torch.fake_quantize_per_tensor_affine``. Shape: any; the result has
    ``input``'s shape and dtype.
    """
    scale_a, zero_a = np.asarray(scale, dtype=np.float32), np.asarray(zero_point, dtype=np.int32)
    if scale_a.size != 1 or zero_a.size != 1:
        raise ValueError(
            "fake_quantize_per_tensor_affine: scale and zero_point must be single numbers, got shapes "
            f"{scale_a.shape} and {zero_a.shape}; use fake_quantize_per_channel_affine for one per channel"
        )
    _check_range("fake_quantize_per_tensor_affine", scale_a, zero_a, quant_min, quant_max)
    return FakeQuantizeFunction.apply(
        input,
        scale=scale_a.reshape(()),
        zero_point=zero_a.reshape(()),
        quant_min=quant_min,
        quant_max=quant_max,
    )


def fake_quantize_per_channel_affine(
    input: Tensor,
    scale,
    zero_point,
    axis: int,
    quant_min: int,
    quant_max: int,  # noqa: A002
) -> Tensor:
    """One scale and zero point per slice of ``input`` along ``axis``; otherwise as the per-tensor form.

    ``torch.fake_quantize_per_channel_affine``. ``scale`` and ``zero_point``
    have ``input.shape[axis]`` entries.
    """
    ndim = len(input.shape)
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"fake_quantize_per_channel_affine: axis {axis} is out of range for an input of shape "
            f"{tuple(input.shape)}"
        )
    axis %= ndim
    scale_a = np.asarray(scale, dtype=np.float32).reshape(-1)
    zero_a = np.asarray(zero_point, dtype=np.int32).reshape(-1)
    if scale_a.shape != (input.shape[axis],) or zero_a.shape != scale_a.shape:
        raise ValueError(
            f"fake_quantize_per_channel_affine: {scale_a.size} scales and {zero_a.size} zero points for "
            f"{input.shape[axis]} channels along axis {axis} of shape {tuple(input.shape)}"
        )
    _check_range("fake_quantize_per_channel_affine", scale_a, zero_a, quant_min, quant_max)
    shape = [1] * ndim
    shape[axis] = -1
    return FakeQuantizeFunction.apply(
        input, scale=scale_a.reshape(shape), zero_point=zero_a.reshape(shape),
        quant_min=quant_min, quant_max=quant_max,
    )  # fmt: skip


class FakeQuantize(Module):
    """An observer and fake quantization with its current parameters (``torch.ao.quantization.FakeQuantize``).

    Each call, in this order: if the observer is enabled, the input is shown
    to it and ``scale``/``zero_point`` are recomputed; if fake quantization
    is enabled, the input is fake-quantized with them (else passed through).

    Args:
        observer: an observer class or factory (default
            :class:`~tt_perf.quantization.MovingAverageMinMaxObserver`, affine ``quint8``:
            activations); a per-channel observer (with ``ch_axis``) makes the
            quantization per channel along that axis, as for weights.
        **observer_kwargs: passed to ``observer``.

    The integer range is the observer's dtype's (``quint8`` ``[0, 255]``, ``qint8``
    ``[−128, 127]``), so that the layers :func:`~tt_perf.quantization.convert`
    makes compute exactly what was trained.

    The observer is a plain object, not a module: its running range is not in
    the state dict (PyTorch's is). Convert a QAT model in the process that
    trained it, and save the converted model.

    Attributes:
        activation_post_process: the observer (PyTorch's name).
        scale, zero_point: buffers, float32 and int32; one entry per tensor or per channel.
        observer_enabled, fake_quant_enabled: booleans.
    """

    def __init__(self, observer=MovingAverageMinMaxObserver, **observer_kwargs) -> None:
        super().__init__()
        self.activation_post_process = observer(**observer_kwargs)
        dtype = getattr(self.activation_post_process, "dtype", None)
        if dtype not in QDTYPES:
            raise TypeError(
                f"FakeQuantize: the observer {type(self.activation_post_process).__name__} has no quantized "
                f"dtype (expected one of {sorted(QDTYPES)}); pass an observer class such as MinMaxObserver"
            )
        self.dtype = dtype
        self.quant_min, self.quant_max = QDTYPES[dtype][:2]
        self.ch_axis = getattr(self.activation_post_process, "ch_axis", None)
        self.register_buffer("scale", from_numpy(np.ones(1, dtype=np.float32)))
        self.register_buffer("zero_point", from_numpy(np.zeros(1, dtype=np.int32)))
        self.observer_enabled = True
        self.fake_quant_enabled = True
        self.observed = False

    def calculate_qparams(self) -> tuple[np.ndarray, np.ndarray]:
        """``(scale, zero_point)`` from the observer (raises if it has seen nothing)."""
        return self.activation_post_process.calculate_qparams()

    def forward(self, x: Tensor) -> Tensor:
        if self.observer_enabled:
            # BEGIN SOLUTION 15
            # TODO: feed the observer the detached input, then store its scale and zero point as tensors
            #   (§ Quantization-aware training).
            self.activation_post_process(x.detach())
            scale, zero_point = self.calculate_qparams()
            self.scale = from_numpy(np.array(scale, dtype=np.float32).reshape(-1))
            self.zero_point = from_numpy(np.array(zero_point, dtype=np.int32).reshape(-1))
            self.observed = True
            # END SOLUTION
        if not self.fake_quant_enabled:
            return x
        if not self.observed:
            raise RuntimeError(
                "FakeQuantize: fake quantization is enabled but the observer is disabled and has seen no "
                "values, so there is no scale; enable the observer for at least one batch first"
            )
        scale, zero_point = self.scale.numpy(), self.zero_point.numpy()
        if self.ch_axis is None:
            return fake_quantize_per_tensor_affine(x, scale, zero_point, self.quant_min, self.quant_max)
        return fake_quantize_per_channel_affine(
            x, scale, zero_point, self.ch_axis, self.quant_min, self.quant_max
        )

    def extra_repr(self) -> str:
        return (
            f"observer={type(self.activation_post_process).__name__}, dtype={self.dtype}, "
            f"quant_min={self.quant_min}, quant_max={self.quant_max}, "
            f"observer_enabled={self.observer_enabled}, "
            f"fake_quant_enabled={self.fake_quant_enabled}"
        )


def enable_observer(module: Module) -> None:
    """For ``model.apply``: a :class:`FakeQuantize` observes again (its range follows the data)."""
    if isinstance(module, FakeQuantize):
        module.observer_enabled = True


def disable_observer(module: Module) -> None:
    """For ``model.apply``: freeze the scale and zero point of a :class:`FakeQuantize` (to evaluate)."""
    if isinstance(module, FakeQuantize):
        module.observer_enabled = False


def enable_fake_quant(module: Module) -> None:
    """For ``model.apply``: a :class:`FakeQuantize` rounds again."""
    if isinstance(module, FakeQuantize):
        module.fake_quant_enabled = True


def disable_fake_quant(module: Module) -> None:
    """For ``model.apply``: a :class:`FakeQuantize` only observes (calibration without rounding)."""
    if isinstance(module, FakeQuantize):
        module.fake_quant_enabled = False
