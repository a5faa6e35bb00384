"""Whole-model flows: dynamic quantization, static post-training quantization, weight-only INT8, size.

After ``torch.ao.quantization``'s eager mode:

* :func:`quantize_dynamic` — chosen layer types (``{Linear}`` by default)
  become INT8 layers that quantize each input batch with its own scale. No
  calibration; the scale costs a min and a max per call.
* static post-training quantization, in three steps:

  1. :func:`prepare` attaches an observer to every ``Linear`` and ``Conv2d``:
     a forward pre-hook shows it each input;
  2. you run calibration batches through the prepared model (eval mode,
     no gradient) — the observers record the inputs' ranges;
  3. :func:`convert` swaps each observed layer for a ``"static"`` INT8 layer
     whose input scale and zero point are fixed from its observer.

* quantization-aware training (QAT): :func:`prepare_qat` swaps every
  ``Linear``/``Conv2d`` of a model in training mode for its QAT twin
  (:class:`~tt_perf.quantization.QATLinear`, ``QATConv2d``), which
  fake-quantizes its input and weight; you fine-tune it as usual; then
  :func:`convert` (in eval mode) makes the same ``"static"`` INT8 layers as
  post-training quantization, from the fake quantizers' scales and zero points.
* :func:`quantize_weights` — INT8 weights, float arithmetic: the size saving
  without touching the activations (no PyTorch twin; the closest is a
  weight-only qconfig).

All of them follow PyTorch's convention ``inplace=False``: the model is
deep-copied and the copy changed and returned; with ``inplace=True`` the
model's own children are swapped (and it is returned too). A model that *is*
a target layer (a bare ``Linear``) cannot be swapped in place: the
quantized layer is returned.

Fold batch norms into their convolutions first (:func:`~tt_perf.quantization.fuse_conv_bn`):
the folded weights then carry the normalisation and are quantized once.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn
    >>> model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).eval()
    >>> prepared = prepare(model)
    >>> with autograd.no_grad():
    ...     _ = prepared(autograd.randn(64, 8))          # calibration
    >>> int8 = convert(prepared)
    >>> type(int8[0]).__name__, int8[0].mode, model_size_bytes(int8) < model_size_bytes(model)
    ('QuantizedLinear', 'static', True)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import numpy as np
from tt_autograd import Tensor
from tt_nn import Linear, Module
from tt_vision import Conv2d

from .modules import QuantizedConv2d, QuantizedLinear
from .observers import MinMaxObserver
from .qat import QAT_MODULES, QATConv2d, QATLinear, QConfig

#: Float layer type → its INT8 twin.
QUANTIZED = {Linear: QuantizedLinear, Conv2d: QuantizedConv2d}
_HANDLE = "_input_observer_handle"


def _swap(model: Module, make: Callable[[str, Module], Module | None], inplace: bool) -> Module:
    """Replace every descendant for which ``make(path, module)`` returns a module; the root too."""
    model = model if inplace else copy.deepcopy(model)
    replacement = make("", model)
    if replacement is not None:
        return replacement
    for path, parent in list(model.named_modules()):
        for name, child in list(parent._modules.items()):
            if child is None:
                continue
            new = make(f"{path}.{name}" if path else name, child)
            if new is not None:
                setattr(parent, name, new)
    return model


def _layer_types(op: str, types: Iterable[type]) -> tuple[type, ...]:
    types = tuple(types)
    for kind in types:
        if kind not in QUANTIZED:
            raise ValueError(
                f"{op}: cannot quantize {getattr(kind, '__name__', kind)}; supported layer types are "
                f"{[k.__name__ for k in QUANTIZED]}"
            )
    return types


def quantize_dynamic(model: Module, qconfig_spec=None, dtype: str = "qint8", inplace: bool = False) -> Module:
    """Every layer of the given types replaced by its ``"dynamic"`` INT8 twin (``torch.ao.quantization``).

    Args:
        model: any module tree.
        qconfig_spec: a set of layer types to quantize (default ``{Linear}``; ``Conv2d`` also works).
        dtype: the weights' dtype; only ``"qint8"`` (symmetric, per output channel).
        inplace: change ``model`` itself instead of a deep copy.
    """
    if dtype != "qint8":
        raise ValueError(f"quantize_dynamic: only dtype 'qint8' weights are supported, got {dtype!r}")
    types = _layer_types("quantize_dynamic", {Linear} if qconfig_spec is None else qconfig_spec)

    def make(path: str, module: Module) -> Module | None:
        # BEGIN SOLUTION 15
        # TODO: the quantized replacement of a module whose type was asked for (QUANTIZED[type].from_float,
        #   mode "dynamic"), None to leave it (§ How it is built, flows.py).
        if type(module) in types:
            return QUANTIZED[type(module)].from_float(module, mode="dynamic")
        return None
        # END SOLUTION

    return _swap(model, make, inplace)


def quantize_weights(model: Module, inplace: bool = False) -> Module:
    """Every ``Linear`` and ``Conv2d`` replaced by its ``"weight_only"`` INT8 twin: a quarter of the bytes.

    The arithmetic stays float32 (the weight is dequantized on each call), so
    outputs differ from the float model's only by the weights' rounding.
    """

    def make(path: str, module: Module) -> Module | None:
        if type(module) in QUANTIZED:
            return QUANTIZED[type(module)].from_float(module, mode="weight_only")
        return None

    return _swap(model, make, inplace)


def _observe_input(module: Module, inputs: tuple) -> None:
    """The forward pre-hook of a prepared layer: show its input to its observer."""
    module.input_observer(inputs[0])


def prepare(model: Module, observer=MinMaxObserver, layers=(Linear, Conv2d), inplace: bool = False) -> Module:
    """Attach an input observer to every ``Linear``/``Conv2d`` (static quantization, step 1).

    Args:
        model: a float model in eval mode (calibrating in training mode would update batch-norm
            statistics and apply dropout).
        observer: a class or factory making one affine observer per layer (default
            :class:`MinMaxObserver`; :class:`HistogramObserver` clips outliers).
        layers: the layer types to prepare.
        inplace: change ``model`` itself instead of a deep copy.

    Each prepared layer gets an attribute ``input_observer`` and a forward
    pre-hook that feeds it; run calibration batches through the result, then
    call :func:`convert`.
    """
    if model.training:
        raise RuntimeError(
            "prepare: call model.eval() first; post-training quantization calibrates in evaluation mode"
        )
    types = _layer_types("prepare", layers)
    model = model if inplace else copy.deepcopy(model)
    # BEGIN SOLUTION 15
    # TODO: give every Linear/Conv2d (of the asked types) an input observer and a forward pre-hook that feeds
    #   it, once each (§ How it is built, flows.py: static quantization, step 1).
    for module in model.modules():
        if type(module) in types and not hasattr(module, "input_observer"):
            module.input_observer = observer()
            setattr(module, _HANDLE, module.register_forward_pre_hook(_observe_input))
    return model
    # END SOLUTION


def prepare_qat(
    model: Module, qconfig: QConfig | None = None, layers=(Linear, Conv2d), inplace: bool = False
) -> Module:
    """Each ``Linear``/``Conv2d`` swapped for its QAT twin, to fine-tune (PyTorch's ``prepare_qat``).

    Args:
        model: a float model in training mode (QAT fine-tunes it).
        qconfig: the fake quantizers (default :data:`~tt_perf.quantization.default_qat_qconfig`;
            ``model.qconfig`` if the model has one).
        layers: the layer types to swap.
        inplace: change ``model`` itself instead of a deep copy.

    The QAT layers share nothing with ``model`` unless ``inplace``: build the
    optimiser on the result's ``parameters()``. After training, call
    ``model.eval()`` and :func:`convert`.
    """
    if not model.training:
        raise RuntimeError(
            "prepare_qat: call model.train() first; quantization-aware training fine-tunes the model "
            "(for post-training quantization of an eval-mode model use prepare)"
        )
    types = _layer_types("prepare_qat", layers)
    qconfig = getattr(model, "qconfig", None) if qconfig is None else qconfig

    def make(path: str, module: Module) -> Module | None:
        # BEGIN SOLUTION 15
        # TODO: the QAT twin of a layer whose type is to be prepared, None for any other module
        #   (§ Quantization-aware training).
        if type(module) in types:
            return QAT_MODULES[type(module)].from_float(module, qconfig)
        return None
        # END SOLUTION

    return _swap(model, make, inplace)


def _convert_qat(path: str, module: QATLinear | QATConv2d) -> Module:
    """The ``"static"`` INT8 layer computing what the QAT layer ``module`` fake-quantized."""
    for fake_quant in (module.activation_fake_quant, module.weight_fake_quant):
        if not fake_quant.observed:
            raise RuntimeError(
                f"convert: QAT layer {path or '(the model)'} has not run yet (its FakeQuantize saw no "
                "values); fine-tune or calibrate the prepared model before converting"
            )
    quantized = QuantizedLinear if isinstance(module, QATLinear) else QuantizedConv2d
    # BEGIN SOLUTION 15
    # TODO: the static INT8 layer of a trained QAT layer, with the scales its fake quantizers' observers saw
    #   (§ Quantization-aware training), so the stored integers are the ones training used.
    return quantized.from_float(
        module, mode="static", observer=module.activation_fake_quant.activation_post_process,
        weight_observer=module.weight_fake_quant.activation_post_process,
    )  # fmt: skip
    # END SOLUTION


def convert(model: Module, inplace: bool = False) -> Module:
    """Swap every prepared or QAT layer for a ``"static"`` INT8 layer (static quantization, step 3).

    A layer prepared by :func:`prepare` takes its input scale and zero point
    from its calibrated observer, its weight's from the weight's range; a QAT
    layer (:func:`prepare_qat`) takes both from its fake quantizers, so the
    INT8 layer holds the integers training saw. Raises if a layer saw no data.
    """

    def make(path: str, module: Module) -> Module | None:
        if isinstance(module, (QATLinear, QATConv2d)):
            return _convert_qat(path, module)
        if not hasattr(module, "input_observer"):
            return None
        try:
            module.input_observer.calculate_qparams()
        except RuntimeError as error:
            raise RuntimeError(f"convert: layer {path or '(the model)'}: {error}") from None
        # BEGIN SOLUTION 15
        # TODO: the static quantized module built from the float one and the range its observer saw.
        return QUANTIZED[type(module)].from_float(module, mode="static", observer=module.input_observer)
        # END SOLUTION

    return _swap(model, make, inplace)


def model_size_bytes(model: Module) -> int:
    """Bytes of every array in ``model.state_dict()``: what the model takes saved (int8 is one byte).

    An array listed under two names (tied weights: a GPT's token embedding and
    output projection) is counted once.

    Example: a float ``Linear(4, 2)`` is ``(8 + 2) · 4 = 40`` bytes.
    """
    values = model.state_dict().values()
    arrays = (v.detach().numpy() if isinstance(v, Tensor) else np.asarray(v) for v in values)
    unique = {(array.__array_interface__["data"][0], array.shape, array.dtype.str): array for array in arrays}
    return int(sum(array.nbytes for array in unique.values()))
