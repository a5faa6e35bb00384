"""An inference plan: a chain of layers frozen into NumPy kernels on preallocated buffers.

At batch 1 a small CNN spends much of its time outside arithmetic: every
layer builds ``Tensor`` objects, checks arguments, records (or declines to
record) a graph node and allocates its output; batch norm and ReLU each make
another pass over the activations. :func:`optimize_for_inference` (after
``torch.jit.optimize_for_inference``, which freezes a scripted model, folds
conv + batch norm and moves convolutions to channels-last) turns a
``Sequential`` of supported layers into an :class:`InferencePlan` that computes
the same function with none of that:

* batch norm folded into the convolution before it
  (:func:`~tt_perf.quantization.fuse_conv_bn_eval`);
* each convolution with its batch norm, ReLU and max pool as **one step**:
  im2col as one strided copy into a preallocated channels-last buffer,
  one GEMM against a weight matrix transposed once at build time, then the
  pool (before the bias and the ReLU, which commute with a max: a quarter of
  the elementwise work after a 2×2 pool), all with ``out=`` into arrays
  allocated once per input shape;
* activations stay channels-last ``(N, H, W, C)`` between steps; the
  ``Linear`` after a ``Flatten`` has its columns permuted once to read the
  channels-last order, so no transpose is made at run time;
* no autograd: the plan is for inference only (its output carries no graph).

The outputs equal the module's up to float32 rounding (the GEMMs sum in
another order: ~1e-6 relative).

**INT8 weight storage.** ``optimize_for_inference(model, weight_dtype="qint8")``
(or a model whose layers are already ``"weight_only"`` INT8 from
:func:`~tt_perf.quantization.quantize_weights`) keeps each weight in the plan's
``state_dict`` as ``int8`` with one float32 scale per output channel — a
quarter of the bytes on disk or on the wire — and dequantizes it **once**,
when the plan is built or loaded, into a float32 copy the GEMMs use. Memory at
run time therefore holds float32 weights (the int8 ones too); the arithmetic
is float32. It is storage compression, not integer arithmetic (that is module
15's static path, :func:`~tt_perf.quantization.convert`).

Compiled into steps: ``Conv2d`` (``groups=1``, zero padding) with a
``BatchNorm2d``, ``ReLU`` and ``MaxPool2d`` (kernel = stride, no padding,
dilation 1, no ``ceil_mode``) after it, ``Flatten``, ``Linear`` (+ ``ReLU``),
``ReLU``, ``"weight_only"`` ``QuantizedConv2d``/``QuantizedLinear``;
``Dropout`` and ``Identity`` vanish. Any other layer (a static INT8 layer, a
grouped convolution, a GELU, ...) runs as itself in a :class:`ModuleStep`, on
channels-first ``Tensor`` s: correct, but without the plan's savings — look
at ``plan.steps()`` to see what was compiled.

Example:
    >>> import numpy as np, tt_autograd as autograd, tt_nn as nn
    >>> from tt_vision import BatchNorm2d, Conv2d, MaxPool2d
    >>> model = nn.Sequential(Conv2d(3, 8, 3, padding=1), BatchNorm2d(8), nn.ReLU(), MaxPool2d(2),
    ...                       nn.Flatten(), nn.Linear(8 * 4 * 4, 10)).eval()
    >>> plan = optimize_for_inference(model)
    >>> x = autograd.randn(2, 3, 8, 8)
    >>> bool(np.allclose(plan(x).numpy(), model(x).detach().numpy(), atol=1e-5))
    True
    >>> [type(step).__name__ for step in plan.steps()]
    ['ConvStep', 'FlattenStep', 'LinearStep']
"""

from __future__ import annotations

import copy

import numpy as np
from numpy.lib.stride_tricks import as_strided
from tt_autograd import Tensor, from_numpy, no_grad
from tt_nn import Dropout, Flatten, Identity, Linear, Module, ReLU, Sequential
from tt_vision import BatchNorm2d, BatchNormReLU2d, BatchNormReLUMaxPool2d, Conv2d, MaxPool2d

from ..quantization import QuantizedConv2d, QuantizedLinear, fuse_conv_bn_eval, quantize_weight

WEIGHT_DTYPES = ("float32", "qint8")


def _pair(value) -> tuple[int, int]:
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value), int(value))


class _WeightStep(Module):
    """A step with a weight ``(C_out, K)`` (float32, or int8 + row scales), run as float32 ``(K, C_out)``.

    ``self.matrix`` (float32, ``(K, C_out)``, contiguous) is a plain attribute,
    not state: it is made from the stored weight at build time and again by
    :meth:`InferencePlan.load_state_dict`.
    """

    def _store(self, weight: np.ndarray, bias: np.ndarray | None, dtype: str, scale=None) -> None:
        weight = np.asarray(weight, dtype=np.float32).reshape(len(weight), -1)
        if dtype == "qint8":
            q = quantize_weight(weight) if scale is None else None
            ints = q.int_repr if q is not None else np.asarray(weight, dtype=np.int8)
            scales = q.scale if q is not None else np.asarray(scale, dtype=np.float32)
            self.register_buffer("weight_int8", from_numpy(np.ascontiguousarray(ints, dtype=np.int8)))
            self.register_buffer("weight_scale", from_numpy(np.asarray(scales, dtype=np.float32).reshape(-1)))
        else:
            self.register_buffer("weight", from_numpy(np.ascontiguousarray(weight)))
        self.weight_dtype = dtype
        bias = np.zeros(len(weight), np.float32) if bias is None else np.asarray(bias, dtype=np.float32)
        self.register_buffer("bias", from_numpy(bias.copy()))
        self.refresh()

    def float_weight(self) -> np.ndarray:
        """The weight as float32 ``(C_out, K)``: the stored one, or int8 · scale (a new array)."""
        if self.weight_dtype == "qint8":
            return self.weight_int8.numpy().astype(np.float32) * self.weight_scale.numpy()[:, None]
        return self.weight.numpy()

    def refresh(self) -> None:
        """Rebuild the float32 GEMM matrix from the stored weight (after loading a state dict)."""
        self.matrix = np.ascontiguousarray(self.float_weight().T, dtype=np.float32)


class ConvStep(_WeightStep):
    """Conv2d [+ folded BatchNorm2d] [+ MaxPool2d] [+ ReLU] on channels-last ``(N, H, W, C)`` arrays.

    Input ``(N, H, W, C_in)`` (or ``(N, C_in, H, W)`` for the plan's first
    step, ``nchw=True``), output ``(N, H', W', C_out)``. Cost per call:
    one copy of the input into a zero-bordered buffer, one strided copy of
    its windows (im2col), one GEMM ``(N·Ho·Wo, kh·kw·C_in) @ (kh·kw·C_in, C_out)``, ``k²−1``
    maxima for a ``k×k`` pool, one bias add and one ReLU on the pooled output.
    """

    def __init__(self, conv, weight_dtype: str, pool: int = 0, relu: bool = False, nchw: bool = False):
        super().__init__()
        self.in_channels, self.out_channels = conv.in_channels, conv.out_channels
        self.kernel_size, self.stride = _pair(conv.kernel_size), _pair(conv.stride)
        self.padding, self.dilation = _pair(conv.padding), _pair(conv.dilation)
        self.pool, self.relu, self.nchw = pool, relu, nchw
        if isinstance(conv, QuantizedConv2d):  # its int8 integers and scales, as stored
            weight = conv.weight_int8.numpy().transpose(0, 2, 3, 1)  # (C_out, kh, kw, C_in): im2col's order
            self._store(weight.reshape(conv.out_channels, -1), _numpy(conv.bias), "qint8",
                        scale=conv.weight_scale.numpy())  # fmt: skip
        else:
            weight = conv.weight.detach().numpy().transpose(0, 2, 3, 1)
            self._store(weight.reshape(conv.out_channels, -1), _numpy(conv.bias), weight_dtype)

    def buffers_for(self, shape: tuple[int, ...]) -> tuple[dict, tuple[int, ...]]:
        """The arrays one call on an input of ``shape`` writes into, and the output's shape."""
        if len(shape) != 4 or shape[1 if self.nchw else 3] != self.in_channels:
            layout = f"(N, {self.in_channels}, H, W)" if self.nchw else f"(N, H, W, {self.in_channels})"
            raise ValueError(f"InferencePlan: {self!r} expects an input {layout}, got {shape}")
        n, h, w = (shape[0], *shape[2:]) if self.nchw else shape[:3]
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.kernel_size, self.stride, self.padding, self.dilation
        ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        if ho < 1 or wo < 1 or (self.pool and (ho < self.pool or wo < self.pool)):
            raise ValueError(f"InferencePlan: input {shape} is too small for {self!r}")
        space = {
            "padded": np.zeros((n, h + 2 * ph, w + 2 * pw, self.in_channels), np.float32),
            "cols": np.empty((n, ho, wo, kh, kw, self.in_channels), np.float32),
            "out": np.empty((n, ho, wo, self.out_channels), np.float32),
            "geometry": (h, w, ho, wo),
        }
        padded, (b, r, c, e) = space["padded"], space["padded"].strides  # windows[n, y, x, i, j] = a view
        space["windows"] = as_strided(
            padded, space["cols"].shape, (b, r * sh, c * sw, r * dh, c * dw, e), writeable=False
        )
        if self.pool:
            k = self.pool
            space["pooled"] = np.empty((n, ho // k, wo // k, self.out_channels), np.float32)
        return space, space["pooled" if self.pool else "out"].shape

    def run(self, x: np.ndarray, space: dict) -> np.ndarray:
        h, w, ho, wo = space["geometry"]
        ph, pw = self.padding
        padded, cols, out = space["padded"], space["cols"], space["out"]
        np.copyto(padded[:, ph : ph + h, pw : pw + w], x.transpose(0, 2, 3, 1) if self.nchw else x)
        np.copyto(cols, space["windows"])  # im2col: one strided copy of every window
        np.matmul(cols.reshape(-1, self.matrix.shape[0]), self.matrix, out=out.reshape(-1, self.out_channels))
        if self.pool:  # max first: the bias and the ReLU commute with it, and run on k² times fewer values
            k, result = self.pool, space["pooled"]
            po, qo = result.shape[1:3]
            np.copyto(result, out[:, 0 : po * k : k, 0 : qo * k : k])
            for i in range(k):
                for j in range(k):
                    if i or j:
                        np.maximum(result, out[:, i : po * k : k, j : qo * k : k], out=result)
            out = result
        out += self.bias.numpy()
        if self.relu:
            np.maximum(out, 0, out=out)
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, pool={self.pool}, relu={self.relu}, "
            f"weights={self.weight_dtype}"
        )


class LinearStep(_WeightStep):
    """Linear [+ ReLU] on ``(N, in_features)``: one GEMM into a preallocated ``(N, out_features)``.

    ``channels_last``: ``(C, H·W)`` — the input is a flattened channels-last
    map, so the columns were permuted at build time from PyTorch's
    channel-major order.
    """

    def __init__(self, linear, weight_dtype: str, relu: bool = False, channels_last: int = 0):
        super().__init__()
        self.in_features, self.out_features, self.relu = linear.in_features, linear.out_features, relu
        quantized = isinstance(linear, QuantizedLinear)
        weight = linear.weight_int8.numpy() if quantized else linear.weight.detach().numpy()
        if channels_last:  # column c·HW + p of the NCHW flattening is column p·C + c of the NHWC one
            weight = (
                weight.reshape(len(weight), channels_last, -1).transpose(0, 2, 1).reshape(len(weight), -1)
            )
        scale = linear.weight_scale.numpy() if quantized else None
        self._store(weight, _numpy(linear.bias), "qint8" if quantized else weight_dtype, scale=scale)

    def buffers_for(self, shape: tuple[int, ...]) -> tuple[dict, tuple[int, ...]]:
        if len(shape) != 2 or shape[1] != self.in_features:
            raise ValueError(f"InferencePlan: {self!r} expects (N, {self.in_features}), got {shape}")
        return {"out": np.empty((shape[0], self.out_features), np.float32)}, (shape[0], self.out_features)

    def run(self, x: np.ndarray, space: dict) -> np.ndarray:
        out = np.matmul(x, self.matrix, out=space["out"])
        out += self.bias.numpy()
        if self.relu:
            np.maximum(out, 0, out=out)
        return out

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, relu={self.relu}, weights={self.weight_dtype}"


class FlattenStep(Module):
    """``(N, ...) → (N, -1)``; from channels-last, in channels-last order (the next Linear is permuted)."""

    def buffers_for(self, shape: tuple[int, ...]) -> tuple[dict, tuple[int, ...]]:
        return {}, (shape[0], int(np.prod(shape[1:])))

    def run(self, x: np.ndarray, space: dict) -> np.ndarray:
        return x.reshape(len(x), int(np.prod(x.shape[1:])))


class ReluStep(Module):
    """A ReLU that could not be fused into the step before it: into a preallocated array."""

    def buffers_for(self, shape: tuple[int, ...]) -> tuple[dict, tuple[int, ...]]:
        return {"out": np.empty(shape, np.float32)}, shape

    def run(self, x: np.ndarray, space: dict) -> np.ndarray:
        return np.maximum(x, 0, out=space["out"])


class ToChannelsFirstStep(Module):
    """The plan's last step when it ends on a feature map: ``(N, H, W, C) → (N, C, H, W)`` (a view)."""

    def buffers_for(self, shape: tuple[int, ...]) -> tuple[dict, tuple[int, ...]]:
        return {}, (shape[0], shape[3], shape[1], shape[2])

    def run(self, x: np.ndarray, space: dict) -> np.ndarray:
        return x.transpose(0, 3, 1, 2)


class ModuleStep(Module):
    """A layer the plan does not compile, run as itself (``Tensor`` in and out, no graph), channels-first.

    The fallback that keeps a plan whole: a static INT8 layer, a grouped
    convolution, a GELU, a batch norm with no convolution before it... Its
    parameters and buffers stay its own (and in the plan's ``state_dict``).
    """

    def __init__(self, module: Module) -> None:
        super().__init__()
        self.module = module

    def buffers_for(self, shape: tuple[int, ...]) -> tuple[dict, tuple[int, ...]]:
        with no_grad():  # one call on zeros tells the output's shape
            return {}, tuple(self.module(from_numpy(np.zeros(shape, np.float32))).shape)

    def run(self, x: np.ndarray, space: dict) -> np.ndarray:
        with no_grad():
            return self.module(from_numpy(np.ascontiguousarray(x))).numpy()


class InferencePlan(Module):
    """A frozen chain of steps (:class:`ConvStep`, :class:`LinearStep`, ...) run as NumPy kernels.

    Built by :func:`optimize_for_inference`. ``plan(x)``: ``x`` ``(N, C, H, W)``
    (or ``(N, features)`` for a plan starting with a ``Linear``), any batch
    size, float32 output as the module's; run in chunks of at most
    ``max_batch`` images so the im2col buffers stay small (a batch of 500
    32×32 images would need ~150 MB for the second convolution's). The
    buffers for each input shape are made on its first call and reused (a few
    shapes are kept). The ``state_dict`` holds the (folded, permuted) weights
    as stored — float32, or int8 + scales — and the biases.

    Cost per call: the steps' GEMMs and copies, no autograd, no allocation
    after the first call for a shape (the output is copied once, so calls
    never share results). The buffers are shared by every call: one call at
    a time (two threads need two plans, ``copy.deepcopy``).
    """

    def __init__(self, steps: list[Module], max_batch: int = 32) -> None:
        super().__init__()
        if max_batch < 1:
            raise ValueError(f"InferencePlan: max_batch must be at least 1, got {max_batch}")
        for i, step in enumerate(steps):
            self.add_module(str(i), step)
        self.max_batch = max_batch
        self._spaces: dict[tuple[int, ...], list[dict]] = {}

    def steps(self) -> list[Module]:
        return list(self.children())

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_spaces"] = {}  # a copy makes its own buffers
        return state

    def buffers_for(self, shape: tuple[int, ...]) -> list[dict]:
        """Each step's buffers for a chunk of ``shape``, made on first use (and kept for the next)."""
        if shape not in self._spaces:
            if len(self._spaces) >= 4:
                self._spaces.clear()
            spaces, current = [], shape
            for step in self.steps():
                space, current = step.buffers_for(current)
                spaces.append(space)
            self._spaces[shape] = spaces
        return self._spaces[shape]

    def forward(self, input):  # noqa: A002
        x = _numpy(input)
        if x.dtype != np.float32:
            x = x.astype(np.float32)
        outputs = []
        for start in range(0, max(len(x), 1), self.max_batch):  # an empty batch runs once, with 0 rows
            h = x[start : start + self.max_batch]
            for step, space in zip(self.steps(), self.buffers_for(h.shape)):
                h = step.run(h, space)
            outputs.append(np.array(h, dtype=np.float32))  # a copy: the buffers are reused by the next call
        return from_numpy(outputs[0] if len(outputs) == 1 else np.concatenate(outputs))

    def load_state_dict(self, state_dict, strict: bool = True):
        result = super().load_state_dict(state_dict, strict)
        for step in self.steps():
            if isinstance(step, _WeightStep):
                step.refresh()  # the float32 copies follow the loaded weights
        return result

    def weight_dtype(self, dtype: str) -> InferencePlan:
        """A copy whose weights are stored as ``dtype`` (``"float32"`` or ``"qint8"``); see the module doc."""
        if dtype not in WEIGHT_DTYPES:
            raise ValueError(
                f"InferencePlan.weight_dtype: dtype must be one of {WEIGHT_DTYPES}, got {dtype!r}"
            )
        plan = copy.deepcopy(self)
        for step in plan.steps():
            if isinstance(step, _WeightStep) and step.weight_dtype != dtype:
                weight, bias = step.float_weight().copy(), step.bias.numpy().copy()
                for name in ("weight", "weight_int8", "weight_scale", "bias"):
                    if name in step._buffers:
                        delattr(step, name)
                step._store(weight, bias, dtype)
        return plan


def optimize_for_inference(
    model: Module, weight_dtype: str = "float32", max_batch: int = 32
) -> InferencePlan:
    """The :class:`InferencePlan` of an eval-mode ``Sequential`` (see the module doc); the model is unchanged.

    Args:
        model: a ``Sequential`` of supported layers in eval mode, or an
            :class:`InferencePlan` (re-stored with ``weight_dtype``).
        weight_dtype: ``"float32"``, or ``"qint8"`` to store every weight as
            int8 with per-output-channel scales (dequantized once, here).
            Layers that are already ``"weight_only"`` INT8 keep their integers.
        max_batch: the largest chunk of a batch run at once.
    """
    if weight_dtype not in WEIGHT_DTYPES:
        raise ValueError(
            f"optimize_for_inference: weight_dtype must be one of {WEIGHT_DTYPES}, got {weight_dtype!r}"
        )
    if isinstance(model, InferencePlan):
        return model.weight_dtype(weight_dtype)
    if not isinstance(model, Sequential):
        raise TypeError(f"optimize_for_inference: expected an nn.Sequential, got {type(model).__name__}")
    if model.training:
        raise RuntimeError("optimize_for_inference: call model.eval() first; a plan computes evaluation mode")
    layers = [layer for layer in model if not isinstance(layer, (Dropout, Identity))]
    steps: list[Module] = []
    layout, channels, i = "nchw", 0, 0  # the activations' layout between steps
    while i < len(layers):
        layer, i = layers[i], i + 1
        if _plannable_conv(layer):
            relu = pool = 0
            if i < len(layers) and isinstance(layers[i], BatchNorm2d) and isinstance(layer, Conv2d):
                fused = layers[i]  # tt_vision.fuse_batch_norm_relu's layers end in a ReLU (and a pool)
                relu = isinstance(fused, BatchNormReLU2d)  # BatchNormReLUMaxPool2d is one too
                pool = 2 if isinstance(fused, BatchNormReLUMaxPool2d) else 0
                layer, i = fuse_conv_bn_eval(layer, layers[i]), i + 1
            for kind in (ReLU, MaxPool2d, ReLU):  # conv [bn] [relu] [pool] [relu]
                done = relu if kind is ReLU else pool
                if i < len(layers) and isinstance(layers[i], kind) and not done:
                    if kind is MaxPool2d and not (pool := _pool_size(layers[i])):
                        break  # a pool the step cannot fuse runs as itself
                    relu, i = relu or kind is ReLU, i + 1
            steps.append(ConvStep(layer, weight_dtype, pool, relu, nchw=layout in ("nchw", "any")))
            layout, channels = "nhwc", layer.out_channels
        elif isinstance(layer, Flatten) and (layer.start_dim, layer.end_dim) == (1, -1):
            if layout == "nhwc" and not (i < len(layers) and _plannable_linear(layers[i])):
                steps.append(ToChannelsFirstStep())  # the flattened order must be PyTorch's
                layout = "nchw"
            steps.append(FlattenStep())
            layout = "flat-nhwc" if layout == "nhwc" else "flat"
        elif _plannable_linear(layer) and (layout.startswith("flat") or not steps):
            relu = i < len(layers) and isinstance(layers[i], ReLU)
            steps.append(LinearStep(layer, weight_dtype, relu, channels if layout == "flat-nhwc" else 0))
            layout, i = "flat", i + relu
        elif isinstance(layer, ReLU):
            steps.append(ReluStep())
        else:  # anything else runs as itself, on channels-first Tensors
            if layout == "nhwc":
                steps.append(ToChannelsFirstStep())
            steps.append(ModuleStep(layer))
            layout = "any"  # channels-first, or whatever the layer returns
    if layout == "nhwc":
        steps.append(ToChannelsFirstStep())
    return InferencePlan(steps, max_batch)


def _plannable_conv(conv) -> bool:
    if isinstance(conv, QuantizedConv2d) and conv.mode != "weight_only":
        return False  # the integer modes keep their own kernels
    return (
        isinstance(conv, (Conv2d, QuantizedConv2d))
        and conv.groups == 1
        and not isinstance(conv.padding, str)
        and getattr(conv, "padding_mode", "zeros") == "zeros"
    )


def _plannable_linear(linear) -> bool:
    return isinstance(linear, Linear) or (
        isinstance(linear, QuantizedLinear) and linear.mode == "weight_only"
    )


def _pool_size(pool: MaxPool2d) -> int:
    """The pool's square kernel if a conv step can fuse it (stride = kernel, no padding/dilation), else 0."""
    kernel, stride = (
        _pair(pool.kernel_size),
        _pair(pool.stride if pool.stride is not None else pool.kernel_size),
    )
    plain = _pair(pool.padding) == (0, 0) and _pair(pool.dilation) == (1, 1) and not pool.ceil_mode
    if kernel[0] != kernel[1] or stride != kernel or not plain or getattr(pool, "return_indices", False):
        return 0
    return kernel[0]


def _numpy(value) -> np.ndarray | None:
    if value is None:
        return None
    return value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)
