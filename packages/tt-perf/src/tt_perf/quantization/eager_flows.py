"""PyTorch's eager-mode quantization flows by PyTorch's signatures: ``prepare``, ``convert``, ...

What a PyTorch tutorial runs, unchanged::

    model.qconfig = torch.ao.quantization.get_default_qconfig("x86")
    torch.ao.quantization.fuse_modules(model, [["conv", "bn", "relu"]], inplace=True)
    torch.ao.quantization.prepare(model, inplace=True)
    calibrate(model)                                        # eval mode, a few batches
    torch.ao.quantization.convert(model, inplace=True)

* :func:`propagate_qconfig_` — each module's ``qconfig`` is its own if it has one
  (``None`` included: that subtree stays float), else its parent's;
* :func:`prepare` — an observer (``qconfig.activation()``) on the output of every
  ``QuantStub``, ``Linear``, ``Conv2d`` and fused module with a qconfig (a forward hook, as
  PyTorch's), on each ``FloatFunctional``'s results, and — this package's addition — one on
  the input of each quantizable layer (see ``eager_modules.py`` for why);
* :func:`convert` — those modules swapped for ``torch.ao.nn.quantized`` ones
  (``QuantStub`` → ``Quantize``, ``Linear`` → ``QLinear``, ...), their weights quantized by
  ``qconfig.weight()``; the model itself is never swapped, only its descendants (PyTorch's rule);
* :func:`prepare_qat` — ``Linear``/``Conv2d`` (and fused ``LinearReLU``/``ConvReLU2d``) swapped
  for module 15's QAT layers, ``ConvBn2d``/``ConvBnReLU2d`` for ``eager_qat_convbn``'s, then
  :func:`prepare` with fake quantizers;
* :func:`quantize_dynamic` — ``Linear`` → ``DynamicLinear``, ``LSTM`` → ``DynamicLSTM`` (and ``GRU``,
  ``RNNCell``, ``LSTMCell``, ``GRUCell``) for the types (or names) given;
* :func:`fuse_modules` / :func:`fuse_modules_qat` — lists of names fused into
  ``torch.ao.nn.intrinsic`` modules (eval: batch norm folded into the convolution).

Where these differ from PyTorch, and why: ``convert`` before ``prepare`` (PyTorch: silently
nothing) raises an error that says what to run; ``is_reference=True`` and custom-module configs
are refused. Module types without a quantized version here (``ReLU6``,
``BatchNorm2d`` alone, ...) stay float, which works because the converted model
passes float values on each point's grid.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
from tt_autograd import Tensor, from_numpy
from tt_nn import Identity, Linear, Module, ReLU, Sequential
from tt_text import GRU, LSTM, GRUCell, LSTMCell, RNNCell
from tt_vision import BatchNorm2d, Conv2d

from .eager_dynamic_rnn import DynamicGRU, DynamicGRUCell, DynamicLSTM, DynamicLSTMCell, DynamicRNNCell
from .eager_modules import (
    ConvBn2d,
    ConvBnReLU2d,
    ConvReLU2d,
    DeQuantize,
    DeQuantStub,
    DynamicLinear,
    FloatFunctional,
    LinearReLU,
    QATConvReLU2d,
    QATLinearReLU,
    QConv2d,
    QConvReLU2d,
    QFunctional,
    QLinear,
    QLinearReLU,
    Quantize,
    QuantStub,
)
from .eager_observers import ObserverBase, default_dynamic_qconfig
from .eager_qat_convbn import QATConvBn2d, QATConvBnReLU2d
from .eager_qtensor import qdtype_name
from .fake_quant import FakeQuantize as Module15FakeQuantize
from .fuse import fuse_conv_bn_eval
from .qat import QATConv2d, QATLinear

#: Modules that get an observer on their output (and, the layers, one on their input) in ``prepare``.
OBSERVED = (
    QuantStub,
    Linear,
    Conv2d,
    LinearReLU,
    ConvReLU2d,
    QATLinear,
    QATConv2d,
    QATLinearReLU,
    QATConvReLU2d,
    QATConvBn2d,
    QATConvBnReLU2d,
)
#: Float (or QAT) type → the converted type, for ``convert``.
STATIC_MAPPING = {
    QuantStub: Quantize, DeQuantStub: DeQuantize, Linear: QLinear, Conv2d: QConv2d, LinearReLU: QLinearReLU,
    ConvReLU2d: QConvReLU2d, FloatFunctional: QFunctional, QATLinear: QLinear, QATConv2d: QConv2d,
    QATLinearReLU: QLinearReLU, QATConvReLU2d: QConvReLU2d, QATConvBn2d: QConv2d,
    QATConvBnReLU2d: QConvReLU2d,
}  # fmt: skip
QAT_MAPPING = {
    Linear: QATLinear, Conv2d: QATConv2d, LinearReLU: QATLinearReLU, ConvReLU2d: QATConvReLU2d,
    ConvBn2d: QATConvBn2d, ConvBnReLU2d: QATConvBnReLU2d,
}  # fmt: skip
#: The recurrent types ``quantize_dynamic`` converts with their ``from_float`` (PyTorch's default set).
RECURRENT = {LSTM: DynamicLSTM, GRU: DynamicGRU, RNNCell: DynamicRNNCell, LSTMCell: DynamicLSTMCell,
             GRUCell: DynamicGRUCell}  # fmt: skip
DYNAMIC_MAPPING = {Linear: DynamicLinear, **RECURRENT}
#: Layers that get an input observer too (a QAT layer fake-quantizes its own input).
STATIC_LAYERS = (Linear, Conv2d, LinearReLU, ConvReLU2d)
_IN, _OUT = "input_activation_post_process", "activation_post_process"


def _copy(model: Module, inplace: bool) -> Module:
    return model if inplace else copy.deepcopy(model)


def propagate_qconfig_(
    module: Module, qconfig_dict: dict | None = None, prepare_custom_config_dict=None
) -> None:
    """Give every module a ``qconfig``: its own, else ``qconfig_dict``'s (by name or type), else its parent's.

    ``qconfig_dict`` maps module types or dotted names to qconfigs (a name wins over a type).
    """

    def visit(child: Module, parent_qconfig, prefix: str) -> None:
        qconfig = qconfig_dict.get(type(child), parent_qconfig) if qconfig_dict else parent_qconfig
        qconfig = qconfig_dict.get(prefix, qconfig) if qconfig_dict else qconfig
        qconfig = getattr(child, "qconfig", qconfig)
        child.qconfig = qconfig
        for name, grandchild in child.named_children():
            if not isinstance(grandchild, (ObserverBase, Module15FakeQuantize)):
                visit(grandchild, qconfig, f"{prefix}.{name}" if prefix else name)

    visit(module, None, "")


def _output_hook(module: Module, inputs: tuple, output):
    return getattr(module, _OUT)(output)


def _input_hook(module: Module, inputs: tuple) -> None:
    getattr(module, _IN)(inputs[0])


def _activation(path: str, module: Module) -> Module:
    """``module.qconfig.activation()``, checked to be an affine ``quint8`` observer or fake quantizer."""
    observer = module.qconfig.activation()
    dtype = getattr(observer, "dtype", None)
    if (
        not isinstance(observer, (ObserverBase, Module15FakeQuantize))
        or qdtype_name("prepare", dtype) != "quint8"
    ):
        raise ValueError(
            f"prepare: the qconfig of {path or '(the model)'} makes {type(observer).__name__} with dtype "
            f"{dtype!r} for activations; static quantization needs an affine torch.quint8 observer "
            "(e.g. HistogramObserver, MinMaxObserver) or FakeQuantize"
        )
    return observer


def _add_observers(model: Module) -> int:
    """Attach the observers of :func:`prepare` below ``model``; returns how many modules got one."""
    count = 0

    def visit(module: Module, path: str) -> None:
        nonlocal count
        if isinstance(module, (ObserverBase, Module15FakeQuantize)):
            return
        qconfig = getattr(module, "qconfig", None)  # None: this module stays float; its children may not
        if isinstance(module, FloatFunctional):
            if qconfig is not None:
                module.activation_post_process = _activation(path, module)
                count += 1
            return
        if type(module) in OBSERVED:  # fused and QAT modules are observed whole, not inside
            if qconfig is None:
                return
            if not hasattr(module, _OUT):
                module.activation_post_process = _activation(path, module)
                module.register_forward_hook(_output_hook)
                count += 1
            if type(module) in STATIC_LAYERS and not hasattr(module, _IN):
                setattr(module, _IN, _activation(path, module))
                module.register_forward_pre_hook(_input_hook)
            return
        for name, child in list(module.named_children()):
            visit(child, f"{path}.{name}" if path else name)

    visit(model, "")
    return count


def prepare(model: Module, inplace: bool = False, allow_list=None, observer_non_leaf_module_list=None,
            prepare_custom_config_dict=None) -> Module:  # fmt: skip
    """Propagate qconfigs and attach observers (static quantization, step 1): calibrate the result next.

    Args:
        model: a float model whose ``qconfig`` (or its children's) is set; eval mode for post-training.
        inplace: change ``model`` itself instead of a deep copy.
        allow_list, observer_non_leaf_module_list, prepare_custom_config_dict: PyTorch's; only ``None``.
    """
    if allow_list is not None or observer_non_leaf_module_list is not None or prepare_custom_config_dict:
        raise NotImplementedError(
            "prepare: allow_list, observer_non_leaf_module_list and prepare_custom_config_dict are not "
            "supported; set qconfig attributes (None to keep a module float) instead"
        )
    model = _copy(model, inplace)
    propagate_qconfig_(model)
    if _add_observers(model) == 0:
        warnings.warn(
            "None of the submodule got qconfig applied. Make sure you passed correct configuration through "
            "`qconfig_dict` or by assigning the `.qconfig` attribute directly on submodules",
            stacklevel=2,
        )
    return model


def _qparams(path: str, observer) -> tuple[float, int]:
    """``(scale, zero_point)`` of an observer or fake quantizer; (1.0, 0) if it saw nothing (PyTorch's)."""
    try:
        scale, zero_point = observer.calculate_qparams()  # for its quant_min/quant_max (reduce_range)
    except RuntimeError:  # PyTorch warns and uses the defaults: a module never run in calibration
        warnings.warn(
            f"convert: the observer of {path} saw no data (the module did not run during calibration); "
            "using scale 1.0 and zero_point 0 as PyTorch does",
            stacklevel=1,  # convert re-issues it at its caller
        )
        return 1.0, 0
    return float(_array(scale).item()), int(_array(zero_point).item())


def _array(values) -> np.ndarray:
    """An observer's result (a tensor from PyTorch-named observers, an array from module 15's) as an array."""
    return np.asarray(values.numpy() if isinstance(values, Tensor) else values)


def _weight_scales(path: str, module: Module, layer: Module, weight):
    """The symmetric scales of ``weight``: the QAT fake quantizer's, else a new ``qconfig.weight()``'s."""
    if isinstance(layer, (QATLinear, QATConv2d, QATConvBn2d)):
        wrapper = layer.weight_fake_quant
    else:
        wrapper = module.qconfig.weight()  # an observer, or a fake quantizer (a QAT qconfig)
        wrapper(from_numpy(weight))
    fake = isinstance(wrapper, Module15FakeQuantize)
    observer = wrapper.activation_post_process if fake else wrapper.observer
    if observer.qscheme != "symmetric":
        raise ValueError(
            f"convert: {path}: weights must be observed as torch.qint8 symmetric (per tensor or channel), "
            f"got {observer.dtype}; use default_weight_observer or default_per_channel_weight_observer"
        )
    return _array(wrapper.calculate_qparams()[0]).astype(np.float32)


def _from_float(path: str, module: Module, target: type) -> Module:
    """The converted module of type ``target`` for the prepared (or QAT) ``module`` at ``path``."""
    if target is DeQuantize:
        return DeQuantize()
    if not hasattr(module, _OUT):
        raise RuntimeError(
            f"convert: {path} ({type(module).__name__}) has a qconfig but no observer: call "
            "torch.ao.quantization.prepare(model) (or prepare_qat) and run calibration data through it first"
        )
    if target is Quantize:
        return Quantize(*_qparams(path, module.activation_post_process))
    if target is QFunctional:
        return QFunctional(*_qparams(path, module.activation_post_process))
    if isinstance(module, QATConvBn2d):  # the batch norm folded in, the weight as training quantized it
        fake_quantized, layer = module, module.conv
        weight, bias = module.folded()
    else:
        fake_quantized = layer = module[0] if isinstance(module, Sequential) else module
        weight = layer.weight.detach().numpy()
        bias = None if layer.bias is None else layer.bias.detach().numpy()
    if target in (QLinear, QLinearReLU):
        new = target(layer.in_features, layer.out_features, bias is not None)
    else:
        new = target(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                     layer.dilation, layer.groups, bias is not None, layer.padding_mode)  # fmt: skip
    new.set_weight(weight, bias, _weight_scales(path, module, fake_quantized, weight))
    qat = isinstance(fake_quantized, (QATLinear, QATConv2d, QATConvBn2d))
    inputs = fake_quantized.activation_fake_quant if qat else getattr(module, _IN)
    new.set_input_qparams(*_qparams(path, inputs))
    new.set_output_qparams(*_qparams(path, module.activation_post_process))
    return new


def _swap_children(model: Module, make) -> None:
    """Replace each descendant (never ``model``) for which ``make(path, module)`` returns a module."""

    def visit(module: Module, prefix: str) -> None:
        for name, child in list(module.named_children()):
            path = f"{prefix}.{name}" if prefix else name
            if isinstance(child, (ObserverBase, Module15FakeQuantize)):
                continue
            new = make(path, child)
            if new is None:
                visit(child, path)
            else:
                setattr(module, name, new)

    visit(model, "")


def _remove_qconfig(model: Module) -> None:
    for module in model.modules():
        if "qconfig" in vars(module):
            del module.qconfig


def convert(module: Module, mapping=None, inplace: bool = False, remove_qconfig: bool = True,
            is_reference: bool = False, convert_custom_config_dict=None,
            use_precomputed_fake_quant: bool = False) -> Module:  # fmt: skip
    """Swap every prepared (or QAT) module with a qconfig for its quantized version (static, step 3).

    Args:
        module: a model after :func:`prepare` and calibration, or after :func:`prepare_qat` and training.
        mapping: float type → quantized type (default: ``STATIC_MAPPING``).
        inplace: change ``module`` itself instead of a deep copy.
        remove_qconfig: delete the ``qconfig`` attributes afterwards.
        is_reference, convert_custom_config_dict: PyTorch's; only the defaults.

    Raises:
        RuntimeError: a module has a qconfig but was not prepared (an observer that saw no data is
            a warning and scale 1.0, zero point 0, as in PyTorch).
    """
    if is_reference or convert_custom_config_dict:
        raise NotImplementedError("convert: is_reference and convert_custom_config_dict are not supported")
    mapping = STATIC_MAPPING if mapping is None else mapping
    module = _copy(module, inplace)
    prepared = any(hasattr(m, _OUT) and not isinstance(m, FloatFunctional) for m in module.modules())
    if not prepared and any(getattr(m, "qconfig", None) is not None for m in module.modules()):
        raise RuntimeError(
            "convert: the model has a qconfig but no observers; call torch.ao.quantization.prepare(model) "
            "(or prepare_qat) and run calibration data through it before convert"
        )

    def make(path: str, child: Module) -> Module | None:
        if getattr(child, "qconfig", None) is None or type(child) not in mapping:
            return None
        return _from_float(path, child, mapping[type(child)])

    with warnings.catch_warnings(record=True) as unseen:  # re-issued below, pointing at the caller
        warnings.simplefilter("always")
        _swap_children(module, make)
    for warning in unseen:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    if remove_qconfig:
        _remove_qconfig(module)
    return module


def _qat_from_float(path: str, module: Module) -> Module:
    if isinstance(module, (ConvBn2d, ConvBnReLU2d)):
        return QAT_MAPPING[type(module)].from_float(module)
    if isinstance(module, (LinearReLU, ConvReLU2d)):
        qat = QATLinearReLU if isinstance(module, LinearReLU) else QATConvReLU2d
        twin = QAT_MAPPING[type(module[0])].from_float(module[0], module.qconfig)
        fused = qat(twin, module[1])
        fused.qconfig = module.qconfig
        return fused
    return QAT_MAPPING[type(module)].from_float(module, module.qconfig)  # module 15's sets its qconfig


def prepare_qat(model: Module, mapping=None, inplace: bool = False) -> Module:
    """Swap ``Linear``/``Conv2d`` and the fused modules for QAT layers, then :func:`prepare`.

    ``ConvBn2d``/``ConvBnReLU2d`` (from ``fuse_modules_qat``) become
    :class:`~tt_perf.quantization.eager_qat_convbn.QATConvBn2d` / ``QATConvBnReLU2d``.

    Train the result as usual (the optimiser on its ``parameters()``), then ``convert(model.eval())``.
    """
    if not model.training:
        raise RuntimeError("prepare_qat only works on models in training mode (call model.train() first)")
    if mapping is not None:
        raise NotImplementedError("prepare_qat: a custom mapping is not supported")
    model = _copy(model, inplace)
    propagate_qconfig_(model)

    def make(path: str, child: Module) -> Module | None:
        if getattr(child, "qconfig", None) is None or type(child) not in QAT_MAPPING:
            return None
        return _qat_from_float(path, child)

    _swap_children(model, make)
    _add_observers(model)
    return model


def quantize(model: Module, run_fn, run_args, mapping=None, inplace: bool = False) -> Module:
    """Post-training static quantization in one call: ``eval``, :func:`prepare`, ``run_fn(model, *run_args)``
    (the calibration), :func:`convert`. ``model`` needs its ``qconfig``.
    """
    model = _copy(model, inplace)
    model.eval()
    prepare(model, inplace=True)
    run_fn(model, *run_args)
    return convert(model, mapping, inplace=True)


def quantize_qat(model: Module, run_fn, run_args, inplace: bool = False) -> Module:
    """Quantization-aware training in one call: ``train``, :func:`prepare_qat`, ``run_fn(model, *run_args)``
    (the training), then :func:`convert` of the model in eval mode.
    """
    model = _copy(model, inplace)
    model.train()
    prepare_qat(model, inplace=True)
    run_fn(model, *run_args)
    return convert(model.eval(), inplace=True)


def quantize_dynamic(
    model: Module, qconfig_spec=None, dtype=None, mapping=None, inplace: bool = False
) -> Module:
    """``Linear`` and recurrent layers (those ``qconfig_spec`` names) swapped for INT8-weight twins.

    Args:
        model: any float model; it is not itself swapped, only its descendants (PyTorch's rule).
        qconfig_spec: a set of module types (``{nn.Linear}``), or a dict of types or dotted names
            to qconfigs (``None`` keeps that one float). Default PyTorch's: ``Linear``, ``LSTM``,
            ``GRU``, ``RNNCell``, ``LSTMCell``, ``GRUCell``.
        dtype: ``torch.qint8`` (the default; the only one supported).
        mapping: float type → dynamic type (default ``Linear`` → :class:`DynamicLinear`, ``LSTM`` →
            :class:`~tt_perf.quantization.eager_dynamic_rnn.DynamicLSTM`, ``GRU`` → ``DynamicGRU``, ...).
        inplace: change ``model`` itself instead of a deep copy.
    """
    if dtype is not None and getattr(dtype, "name", dtype) != "qint8":
        raise ValueError(
            f"Don't know how to quantize with default settings for {dtype}. Provide full qconfig please "
            "(quantize_dynamic supports dtype=torch.qint8 only)"
        )
    mapping = DYNAMIC_MAPPING if mapping is None else mapping
    if qconfig_spec is None:
        qconfig_spec = {Linear, *RECURRENT}
    if not isinstance(qconfig_spec, dict):
        qconfig_spec = dict.fromkeys(qconfig_spec, default_dynamic_qconfig)
    for key in qconfig_spec:
        if isinstance(key, type) and key not in mapping:
            warnings.warn(
                f"quantize_dynamic: {key.__name__} has no dynamic INT8 version in TinyTorch; it stays float "
                f"(supported: {[k.__name__ for k in mapping]})",
                stacklevel=2,
            )
    model = _copy(model, inplace)
    propagate_qconfig_(model, qconfig_spec)

    def make(path: str, child: Module) -> Module | None:
        if getattr(child, "qconfig", None) is None or type(child) not in mapping:
            return None
        if type(child) in RECURRENT:
            return mapping[type(child)].from_float(child, child.qconfig.weight)
        weight = child.weight.detach().numpy()
        layer = mapping[type(child)](child.in_features, child.out_features, child.bias is not None)
        bias = None if child.bias is None else child.bias.detach().numpy()
        layer.set_weight(weight, bias, _weight_scales(path, child, child, weight))
        return layer

    _swap_children(model, make)
    _remove_qconfig(model)
    return model


def _get(model: Module, dotted: str) -> tuple[Module, str]:
    parent, _, name = dotted.rpartition(".")
    owner = model
    for part in parent.split(".") if parent else []:
        owner = getattr(owner, part)
    if not isinstance(getattr(owner, name, None), Module):
        raise AttributeError(f"fuse_modules: {type(model).__name__} has no submodule {dotted!r}")
    return owner, name


def fuse_known_modules(mod_list: list[Module], is_qat: bool = False, additional_fuser_method_mapping=None):
    """The fused module for ``mod_list`` (first) and ``Identity`` for the others (PyTorch's function)."""
    kinds = tuple(type(m) for m in mod_list)
    training = [m.training for m in mod_list]
    if kinds in ((Conv2d, BatchNorm2d), (Conv2d, BatchNorm2d, ReLU)):
        if len(set(training[:2])) != 1:
            raise AssertionError("Conv and BN both must be in the same mode (train or eval).")
        if is_qat:
            fused = ConvBn2d(*mod_list) if len(kinds) == 2 else ConvBnReLU2d(*mod_list)
        else:
            folded = fuse_conv_bn_eval(mod_list[0], mod_list[1])
            fused = folded if len(kinds) == 2 else ConvReLU2d(folded, mod_list[2])
    elif kinds == (Conv2d, ReLU):
        fused = ConvReLU2d(*mod_list)
    elif kinds == (Linear, ReLU):
        fused = LinearReLU(*mod_list)
    else:
        raise NotImplementedError(
            f"Cannot fuse modules: {tuple(k.__name__ for k in kinds)}; supported: (Conv2d, BatchNorm2d), "
            "(Conv2d, BatchNorm2d, ReLU), (Conv2d, ReLU), (Linear, ReLU)"
        )
    return [fused] + [Identity() for _ in mod_list[1:]]


def _fuse(model: Module, modules_to_fuse, inplace: bool, fuser_func, is_qat: bool) -> Module:
    model = _copy(model, inplace)
    groups = (
        modules_to_fuse if all(isinstance(g, (list, tuple)) for g in modules_to_fuse) else [modules_to_fuse]
    )
    for group in groups:
        places = [_get(model, name) for name in group]
        new = fuser_func([getattr(owner, name) for owner, name in places], is_qat)
        for (owner, name), module in zip(places, new):
            setattr(owner, name, module)
    return model


def fuse_modules(model: Module, modules_to_fuse, inplace: bool = False, fuser_func=fuse_known_modules,
                 fuse_custom_config_dict=None) -> Module:  # fmt: skip
    """Fuse each list of module names (``[["conv", "bn", "relu"], ...]``) in an eval-mode model.

    Conv+BN folds the batch norm into the convolution; with a ReLU it becomes ``ConvReLU2d``;
    Conv+ReLU and Linear+ReLU become ``ConvReLU2d`` / ``LinearReLU``. The other names become ``Identity``.
    """
    return _fuse(model, modules_to_fuse, inplace, fuser_func, is_qat=False)


def fuse_modules_qat(model: Module, modules_to_fuse, inplace: bool = False, fuser_func=fuse_known_modules,
                     fuse_custom_config_dict=None) -> Module:  # fmt: skip
    """As :func:`fuse_modules`, in training mode: Conv+BN stays apart (``ConvBn2d`` / ``ConvBnReLU2d``)."""
    return _fuse(model, modules_to_fuse, inplace, fuser_func, is_qat=True)
