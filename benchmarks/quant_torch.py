"""PyTorch's own quantization flows on TinyTorch's models, for ``perf_quantization.py --torch``.

The yardstick only (the framework never imports torch): each model is rebuilt
in PyTorch holding the *same* float weights, then quantized the way PyTorch's
eager mode does it, with the ``x86`` engine (fbgemm kernels):

* **dynamic** — ``torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)``;
* **static** — ``QuantStub``/``DeQuantStub`` around what runs in INT8,
  ``Conv2d``/``Linear`` fused with the ``ReLU`` after them, ``get_default_qconfig("x86")``,
  ``prepare`` → the same calibration batches → ``convert``. For the MLP and
  the CNN the whole network runs in INT8 between the stubs (PyTorch's usual
  flow); for the GPT each ``Linear`` gets its own stubs (the rest —
  embeddings, LayerNorm, attention — has no eager INT8 kernel), which is
  the scheme of TinyTorch's static flow;
* **QAT** — the same preparation with ``get_default_qat_qconfig("x86")`` and
  ``prepare_qat``, the same fine-tuning batches and optimiser settings as
  TinyTorch's QAT, then ``convert``.

Sizes are the bytes of ``torch.save(model.state_dict())`` (a few KiB of
pickle framing included).
"""

from __future__ import annotations

import copy
import io
import warnings

import numpy as np
import torch  # opt-in yardstick only
from torch import nn
from torch.ao import quantization

ENGINE = "x86"
warnings.filterwarnings("ignore", module="torch.ao")  # deprecation notes about reduce_range in the defaults


def twin(model) -> nn.Module:
    """A ``torch.nn.Sequential`` with the layers of a TinyTorch ``Sequential`` and its weights."""
    import tt_nn
    import tt_vision

    layers = []
    for layer in model:
        if isinstance(layer, tt_vision.Conv2d):
            layers.append(nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                                    layer.stride, layer.padding, layer.dilation, layer.groups,
                                    layer.bias is not None))  # fmt: skip
        elif isinstance(layer, tt_nn.Linear):
            layers.append(nn.Linear(layer.in_features, layer.out_features, layer.bias is not None))
        elif isinstance(layer, tt_vision.MaxPool2d):
            layers.append(nn.MaxPool2d(layer.kernel_size, layer.stride))
        else:
            kinds = {"ReLU": nn.ReLU, "Flatten": nn.Flatten, "Identity": nn.Identity, "Dropout": nn.Dropout}
            layers.append(kinds[type(layer).__name__]())
    body = nn.Sequential(*layers)
    body.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()})
    return body.eval()


def gpt_twin(model) -> nn.Module:
    """Milestone 05's GPT in PyTorch with the same weights (``benchmarks/text.py``'s twin)."""
    from text import torch_model  # benchmarks/text.py

    return torch_model(model).eval()


def size_bytes(model: nn.Module) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


class _Stubbed(nn.Sequential):
    """``QuantStub → module → DeQuantStub``: float in, float out, INT8 inside."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__(quantization.QuantStub(), module, quantization.DeQuantStub())


def _fuse_pairs(body: nn.Sequential, qat: bool) -> nn.Sequential:
    """``Conv2d``/``Linear`` fused with the ``ReLU`` after it (an ``Identity`` may sit between)."""
    names = list(body._modules)
    pairs = []
    for i, name in enumerate(names):
        if isinstance(body[i], (nn.Conv2d, nn.Linear)):
            j = i + 1
            while j < len(names) and isinstance(body[j], nn.Identity):
                j += 1
            if j < len(names) and isinstance(body[j], nn.ReLU):
                pairs.append([name, names[j]])
    fuse = quantization.fuse_modules_qat if qat else quantization.fuse_modules
    return fuse(body, pairs) if pairs else body


def _wrap_linears(model: nn.Module, qconfig) -> nn.Module:
    """Every ``nn.Linear`` inside its own stubs, with ``qconfig`` on the wrapper only."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Linear:
                wrapped = _Stubbed(child)
                wrapped.qconfig = qconfig
                setattr(parent, name, wrapped)
    return model


def _prepared(model: nn.Module, kind: str, qat: bool) -> nn.Module:
    torch.backends.quantized.engine = ENGINE
    make = quantization.get_default_qat_qconfig if qat else quantization.get_default_qconfig
    qconfig = make(ENGINE)
    model = copy.deepcopy(model)
    if kind == "gpt":
        model = _wrap_linears(model, qconfig)
    else:
        model.train(qat)
        model = _Stubbed(_fuse_pairs(model.eval() if not qat else model, qat))
        model.qconfig = qconfig
    model.train(qat)
    return quantization.prepare_qat(model) if qat else quantization.prepare(model)


def dynamic(model: nn.Module) -> nn.Module:
    torch.backends.quantized.engine = ENGINE
    return quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)


def static(model: nn.Module, kind: str, calibration: list[np.ndarray]) -> nn.Module:
    prepared = _prepared(model, kind, qat=False)
    with torch.no_grad():
        for x in calibration:
            prepared(torch.from_numpy(x))
    return quantization.convert(prepared.eval())


def qat(model: nn.Module, kind: str, batches, steps: int, lr: float, adam: bool) -> nn.Module:
    """Fine-tune with fake quantization (``batches(step) -> (x, y)`` NumPy), then ``convert``."""
    prepared = _prepared(model, kind, qat=True)
    optimizer = (torch.optim.AdamW(prepared.parameters(), lr=lr, weight_decay=0.0) if adam
                 else torch.optim.SGD(prepared.parameters(), lr=lr, momentum=0.9))  # fmt: skip
    for step in range(steps):
        x, y = batches(step)
        logits = prepared(torch.from_numpy(x))
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), torch.from_numpy(y).reshape(-1)
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return quantization.convert(prepared.eval())


def predictor(model: nn.Module):
    """``x (NumPy) -> logits (NumPy)`` in inference mode."""

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(x)).numpy()

    return predict
