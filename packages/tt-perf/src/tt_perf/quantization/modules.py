"""INT8 layers: ``QuantizedLinear`` and ``QuantizedConv2d``, built from float ones with ``from_float``.

Each stores its weight as ``int8`` with one symmetric scale per output
channel (``weight_int8``, ``weight_scale``; a quarter of the float bytes) and
its bias in float32, as PyTorch does. What happens to the *input* is the
layer's ``mode``:

* ``"dynamic"`` (``torch.ao.nn.quantized.dynamic``): each call quantizes its
  input per tensor, ``quint8``, with a scale from that batch's own min and max;
* ``"static"`` (``torch.ao.nn.quantized``): the input's scale and zero point
  were fixed by calibration (:func:`~tt_perf.quantization.prepare` /
  :func:`~tt_perf.quantization.convert`) and are stored as buffers;
* ``"weight_only"``: the input stays float; the weight is dequantized and the
  float kernel runs (:func:`~tt_perf.quantization.quantize_weights`).

In the two integer modes the layer computes as an INT8 engine would: input
integers ``q_x − z_x`` times weight integers ``q_w``, summed into an int32
accumulator — exactly, through float32 BLAS in chunks (``int_gemm.py``) — and
the accumulator dequantized once: ``y = acc · (s_x · s_w[c]) + bias[c]``
(float32). The convolution runs that product through tt-vision's public
``conv2d`` on the integer-valued float32 arrays, in slices of input channels
short enough that each slice's sums stay exact, so the float and the INT8
layers share one convolution kernel and differ only in the quantization.

Module 14's FLOP counter learns these layers here (``register_flop_rule``):
they do their float twins' arithmetic, so they count like them.

These layers are for inference: their output carries no gradient (as in
PyTorch, where quantized kernels have no autograd formulas).

Example:
    >>> import tt_autograd as autograd, tt_nn as nn
    >>> layer = nn.Linear(16, 4)
    >>> int8 = QuantizedLinear.from_float(layer)          # mode="dynamic"
    >>> x = autograd.randn(3, 16)
    >>> bool(np.abs(int8(x).numpy() - layer(x).detach().numpy()).max() < 0.05)
    True
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Tensor, from_numpy, no_grad
from tt_nn import Linear, Module
from tt_nn import functional as nn_f
from tt_vision import Conv2d
from tt_vision import functional as vision_f

from ..profiling import conv2d_flops, linear_flops, register_flop_rule
from .int_gemm import exact_chunk, int_matmul
from .observers import PerChannelMinMaxObserver, calculate_qparams
from .qtensor import QTensor, dequantize, quantize_per_channel

MODES = ("dynamic", "static", "weight_only")
#: Largest |q − zero_point| of a quint8 activation, and largest |q| of a qint8 weight ([−128, 127]).
ACTIVATION_BOUND, WEIGHT_BOUND = 255, 128


def quantize_weight(weight: np.ndarray, scales: np.ndarray | None = None) -> QTensor:
    """Symmetric per-output-channel ``qint8`` (axis 0) of a float weight.

    The scales come from the weight's own range, or are given (one per output
    channel, or one for all): a QAT layer's weight fake quantizer's, so the
    stored integers are those training saw.
    """
    if scales is not None:
        scales = np.broadcast_to(np.asarray(scales, dtype=np.float32).reshape(-1), (weight.shape[0],))
        return quantize_per_channel(
            weight, scales, np.zeros(weight.shape[0], np.int32), axis=0, dtype="qint8"
        )
    # BEGIN SOLUTION 15
    # TODO: the weight as symmetric per-output-channel qint8 (axis 0), scales from its own range
    #   (PerChannelMinMaxObserver, then quantize_per_channel).
    observer = PerChannelMinMaxObserver(ch_axis=0, qscheme="symmetric")
    observer(weight)
    scales, zero_points = observer.calculate_qparams()
    return quantize_per_channel(weight, scales, zero_points, axis=0, dtype="qint8")
    # END SOLUTION


def quantize_input(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """The ``quint8`` integers of ``x`` minus the zero point, ``q − z ∈ [−z, 255 − z]``, as float32.

    Held in float32 so that BLAS can multiply them (exactly: they are small
    integers). Subtracting the zero point here means zero padding (0.0) is
    the integer 0, and the product needs no zero-point correction term.

    Cost: one division, one rounding and one clip pass over ``x``, into one new array.
    """
    # BEGIN SOLUTION 15
    # TODO: round(x / scale) clipped to [-z, 255 - z]: the quint8 integers minus the zero point, as float32.
    # HINT: in place after one np.divide (np.rint and np.clip with out=): no extra temporaries.
    q = np.divide(x, np.float32(scale), dtype=np.float32)
    np.rint(q, out=q)
    return np.clip(q, -zero_point, 255 - zero_point, out=q)
    # END SOLUTION


def dynamic_qparams(x: np.ndarray) -> tuple[np.float32, int]:
    """Per-tensor ``quint8`` scale and zero point from ``x``'s own min and max (a dynamic layer's input)."""
    if x.size == 0:
        return np.float32(1.0), 0
    scale, zero_point = calculate_qparams(x.min(), x.max(), "affine")
    return np.float32(scale), int(zero_point)


class _QuantizedLayer(Module):
    """What both INT8 layers share: the weight and input buffers, the mode, the input's quantization."""

    def _init_storage(self, weight_shape: tuple[int, ...], bias: bool, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"{type(self).__name__}: mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self.register_buffer("weight_int8", from_numpy(np.zeros(weight_shape, dtype=np.int8)))
        self.register_buffer("weight_scale", from_numpy(np.ones(weight_shape[0], dtype=np.float32)))
        bias_array = np.zeros(weight_shape[0], dtype=np.float32) if bias else None
        self.register_buffer("bias", None if bias_array is None else from_numpy(bias_array))
        if mode == "static":
            self.register_buffer("input_scale", from_numpy(np.ones((), dtype=np.float32)))
            self.register_buffer("input_zero_point", from_numpy(np.zeros((), dtype=np.int32)))

    def set_weight(self, weight: np.ndarray, bias: np.ndarray | None, weight_scale=None) -> None:
        """Quantize a float ``weight`` (per output channel) into this layer, and copy the float ``bias``.

        ``weight_scale``: the symmetric scales to use (default: from the weight's own range).
        """
        weight = np.asarray(weight.detach().numpy() if isinstance(weight, Tensor) else weight)
        if weight.shape != self.weight_int8.shape:
            raise ValueError(
                f"{type(self).__name__}.set_weight: weight of shape {weight.shape}, expected "
                f"{tuple(self.weight_int8.shape)}"
            )
        if (bias is None) != (self.bias is None):
            raise ValueError(f"{type(self).__name__}.set_weight: bias given and declared must agree")
        q = quantize_weight(weight, weight_scale)
        self.weight_int8.numpy()[...] = q.int_repr
        self.weight_scale.numpy()[...] = q.scale
        if bias is not None:
            bias = bias.detach().numpy() if isinstance(bias, Tensor) else bias
            self.bias.numpy()[...] = np.asarray(bias, dtype=np.float32)

    def set_input_qparams(self, scale: float, zero_point: int) -> None:
        """Fix the input's ``quint8`` scale and zero point (static mode), e.g. from a calibrated observer."""
        if self.mode != "static":
            raise RuntimeError(f"{type(self).__name__}: input qparams are only stored in mode 'static'")
        if not np.isfinite(scale) or scale <= 0 or not 0 <= int(zero_point) <= 255:
            raise ValueError(
                f"{type(self).__name__}.set_input_qparams: need scale > 0 and zero_point in [0, 255], "
                f"got {scale} and {zero_point}"
            )
        self.input_scale.numpy()[...] = scale
        self.input_zero_point.numpy()[...] = zero_point

    def weight(self) -> Tensor:
        """The dequantized float32 weight (a new array each call: nothing float is kept)."""
        q = QTensor(self.weight_int8.numpy(), self.weight_scale.numpy(), np.zeros(1, np.int32), 0, "qint8")
        return from_numpy(dequantize(q))

    def _input_qparams(self, x: np.ndarray) -> tuple[np.float32, int]:
        if self.mode == "static":
            return np.float32(self.input_scale.numpy()), int(self.input_zero_point.numpy())
        return dynamic_qparams(x)

    def _multiplier(self, input_scale: np.float32) -> np.ndarray:
        """``s_x · s_w[c]``: what turns the int32 accumulator of output channel ``c`` back into floats."""
        return (input_scale * self.weight_scale.numpy()).astype(np.float32)

    def _mode_repr(self) -> str:
        return f"weight=qint8 per channel, input={self.mode}"


def _array_of(op: str, x) -> np.ndarray:
    array = np.asarray(x.detach().numpy() if isinstance(x, Tensor) else x)
    if array.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating-point input, got dtype {array.dtype}")
    return array


class QuantizedLinear(_QuantizedLayer):
    """``Linear`` with an INT8 per-channel weight; ``QuantizedLinear.from_float(linear, mode)`` builds it.

    Args:
        in_features, out_features, bias: as for ``Linear`` (the weight starts at zero; use
            :meth:`from_float` or ``load_state_dict``).
        mode: ``"dynamic"`` (default), ``"static"`` or ``"weight_only"`` — see the module docstring.

    Shape:
        input ``(*, in_features)`` float, output ``(*, out_features)`` float32.

    Cost (integer modes): one quantization pass over the input, the GEMM in
    ``⌈in_features / 518⌉`` exact float32 pieces, one pass to dequantize the output.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, mode: str = "dynamic") -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self._init_storage((out_features, in_features), bias, mode)

    @classmethod
    def from_float(
        cls, linear: Linear, mode: str = "dynamic", observer=None, weight_observer=None
    ) -> QuantizedLinear:
        """The INT8 twin of ``linear``; mode ``"static"`` takes the input's qparams from ``observer``.

        ``weight_observer``: a symmetric observer that has seen the weight (a QAT
        layer's); its scales replace the weight's own range.
        """
        if not isinstance(linear, Linear):
            raise TypeError(f"QuantizedLinear.from_float: expected a Linear, got {type(linear).__name__}")
        layer = cls(linear.in_features, linear.out_features, linear.bias is not None, mode)
        layer.set_weight(
            linear.weight.detach().numpy(), _bias_of(linear), _weight_scale(layer, weight_observer)
        )
        _set_static_qparams(layer, mode, observer)
        return layer

    def forward(self, input):  # noqa: A002
        if self.mode == "weight_only":
            return nn_f.linear(input, self.weight(), self.bias)
        x = _array_of("QuantizedLinear", input)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise RuntimeError(
                f"QuantizedLinear(in_features={self.in_features}): input of shape {x.shape} does not end "
                f"in {self.in_features} features"
            )
        # BEGIN SOLUTION 15
        # TODO: quantize the input, integer GEMM with the int8 weight (int_matmul), rescale by
        #   input scale * weight scale per output, add the float bias (§ How it is built, modules.py).
        scale, zero_point = self._input_qparams(x)
        xq = quantize_input(x.reshape(-1, self.in_features), scale, zero_point)
        weight = self.weight_int8.numpy().T.astype(np.float32)  # (in, out): integers, for BLAS
        out = int_matmul(xq, weight, ACTIVATION_BOUND, WEIGHT_BOUND, dtype=np.float32)
        out *= self._multiplier(scale)
        if self.bias is not None:
            out += self.bias.numpy()
        return from_numpy(out.reshape(*x.shape[:-1], self.out_features))
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, {self._mode_repr()}"


class QuantizedConv2d(_QuantizedLayer):
    """``Conv2d`` with an INT8 per-channel weight; ``QuantizedConv2d.from_float(conv, mode)`` builds it.

    Args: those of ``Conv2d`` (``padding_mode`` ``'zeros'`` only), plus ``mode`` as for
    :class:`QuantizedLinear`.

    Shape:
        input ``(N, C_in, H, W)`` float, output ``(N, C_out, H_out, W_out)`` float32 (channels-last
        underneath, like tt-vision's layers).

    Cost (integer modes): per image slice, one quantization pass over the input,
    the im2col copy and the GEMM in ``⌈kh·kw·C_in / 518⌉`` exact pieces, one pass to
    dequantize; slices run on tt-vision's worker threads.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, mode: str = "dynamic") -> None:  # fmt: skip
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"QuantizedConv2d: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
                f"be divisible by groups ({groups})"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)
        self.padding = padding if isinstance(padding, str) else _pair(padding)
        self.dilation = _pair(dilation)
        self._init_storage((out_channels, in_channels // groups, *self.kernel_size), bias, mode)

    @classmethod
    def from_float(
        cls, conv: Conv2d, mode: str = "dynamic", observer=None, weight_observer=None
    ) -> QuantizedConv2d:
        """The INT8 twin of ``conv``; mode ``"static"`` takes the input's qparams from ``observer``.

        ``weight_observer``: as for :meth:`QuantizedLinear.from_float`.
        """
        if not isinstance(conv, Conv2d):
            raise TypeError(f"QuantizedConv2d.from_float: expected a Conv2d, got {type(conv).__name__}")
        if conv.padding_mode != "zeros":
            raise ValueError(
                f"QuantizedConv2d: padding_mode {conv.padding_mode!r} is not supported, only 'zeros'"
            )
        layer = cls(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                    conv.dilation, conv.groups, conv.bias is not None, mode)  # fmt: skip
        layer.set_weight(conv.weight.detach().numpy(), _bias_of(conv), _weight_scale(layer, weight_observer))
        _set_static_qparams(layer, mode, observer)
        return layer

    def forward(self, input):  # noqa: A002
        if self.mode == "weight_only":
            return vision_f.conv2d(
                input, self.weight(), self.bias, self.stride, self.padding, self.dilation, self.groups
            )
        x = _array_of("QuantizedConv2d", input)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise RuntimeError(
                f"QuantizedConv2d({self.in_channels}, {self.out_channels}): expected an input of shape "
                f"(N, {self.in_channels}, H, W), got {x.shape}"
            )
        # BEGIN SOLUTION 15
        # TODO: as QuantizedLinear: quantize the input (zero padding is the integer 0), integer convolution
        #   (_int_conv2d), rescale per output channel, add the bias.
        scale, zero_point = self._input_qparams(x)
        xq = quantize_input(x, scale, zero_point)  # zero padding is the integer 0 now
        accumulator = _int_conv2d(xq, self.weight_int8.numpy().astype(np.float32), self)
        out = accumulator.astype(np.float32) if accumulator.dtype != np.float32 else accumulator
        out *= self._multiplier(scale)[:, None, None]
        if self.bias is not None:
            out += self.bias.numpy()[:, None, None]
        return from_numpy(out)
        # END SOLUTION

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, {self._mode_repr()}"
        )


def _pair(value) -> tuple[int, int]:
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value), int(value))


def _int_conv2d(xq: np.ndarray, wq: np.ndarray, layer: QuantizedConv2d) -> np.ndarray:
    """The exact integer convolution of integer-valued float32 ``xq`` ``(N, C, H, W)`` and ``wq``.

    Each output is a sum of ``(C / groups) · kh · kw`` products of at most
    ``255 · 128``; tt-vision's ``conv2d`` (one float32 GEMM) is exact while that
    stays within :func:`exact_chunk`. Longer sums run over slices of each
    group's input channels, and the slices' results are added in int32.

    Returns:
        ``(N, C_out, H_out, W_out)``: float32 when one slice suffices (already exact), else int32.
    """
    groups, per_group = layer.groups, wq.shape[1]
    taps = layer.kernel_size[0] * layer.kernel_size[1]
    step = max(1, exact_chunk(ACTIVATION_BOUND, WEIGHT_BOUND) // taps)  # input channels per exact slice
    n, _, h, w = xq.shape
    grouped = xq.reshape(n, groups, per_group, h, w)
    accumulator = None
    with no_grad():
        for first in range(0, per_group, step):
            part = slice(first, first + step)
            inputs = grouped[:, :, part].reshape(n, -1, h, w)
            result = vision_f.conv2d(
                from_numpy(np.ascontiguousarray(inputs)), from_numpy(wq[:, part].copy()),
                None, layer.stride, layer.padding, layer.dilation, groups,
            ).numpy()  # fmt: skip
            if step >= per_group:
                return np.array(result, dtype=np.float32)  # one slice: the float32 result is exact
            if accumulator is None:
                accumulator = result.astype(np.int32)
            else:
                accumulator += result.astype(np.int32)
    return accumulator


def _bias_of(module: Module) -> np.ndarray | None:
    return None if module.bias is None else module.bias.detach().numpy()


def _weight_scale(layer: _QuantizedLayer, observer) -> np.ndarray | None:
    """The scales of a symmetric weight observer (``None``: none given, use the weight's own range)."""
    if observer is None:
        return None
    if observer.qscheme != "symmetric":
        raise ValueError(
            f"{type(layer).__name__}.from_float: the weight observer must be symmetric (qint8), got qscheme "
            f"{observer.qscheme!r}"
        )
    scale, zero_point = observer.calculate_qparams()
    if np.any(np.asarray(zero_point) != 0):
        raise ValueError(f"{type(layer).__name__}.from_float: symmetric weights need zero points 0")
    return scale


def _set_static_qparams(layer: _QuantizedLayer, mode: str, observer) -> None:
    if mode != "static":
        if observer is not None:
            raise ValueError(f"{type(layer).__name__}.from_float: an observer is only used in mode 'static'")
        return
    if observer is None:
        raise ValueError(
            f"{type(layer).__name__}.from_float: mode 'static' needs the observer that watched this layer's "
            "inputs during calibration (see prepare/convert)"
        )
    if observer.dtype != "quint8":
        raise ValueError(
            f"{type(layer).__name__}.from_float: the input observer must be affine (quint8), got "
            f"qscheme {observer.qscheme!r}"
        )
    scale, zero_point = observer.calculate_qparams()
    layer.set_input_qparams(float(scale), int(zero_point))


register_flop_rule(QuantizedLinear, linear_flops)  # integer or dequantized weights: the same arithmetic
register_flop_rule(QuantizedConv2d, conv2d_flops)
