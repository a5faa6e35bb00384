"""PyTorch's two eager-mode quantization tutorials, their calls unchanged, on ``import tinytorch as torch``.

* "(beta) Static Quantization with Eager Mode in PyTorch": a MobileNetV2 (here three blocks
  deep, on 16 × 16 images) with ``QuantStub``/``DeQuantStub``, ``fuse_model()`` through
  ``fuse_modules``, ``model.qconfig = get_default_qconfig(backend)``, ``prepare``, calibration,
  ``convert``; for the ``x86`` and ``qnnpack`` backends; and its quantization-aware training
  (``fuse_model(is_qat=True)``, ``get_default_qat_qconfig``, ``prepare_qat``, a few steps, ``convert``).
* "Dynamic Quantization": ``quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)`` on a
  word-language-model-like network (embedding, tanh hidden layer, decoder), and the LSTM word
  language model tutorial's ``quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)``
  (and the same with its ``GRU`` variant).

Each prints the largest difference between the quantized and the float model's outputs, as a
fraction of the float output's range, and the model sizes (``state_dict`` bytes). The weights are
random (no training data needed): the point is the API and the INT8 error, not accuracy.

Run it with ``python examples/quantization_tutorials.py``; it takes a few seconds.
"""

from __future__ import annotations

import io

import numpy as np

import tinytorch as torch

nn = torch.nn


class ConvBNReLU(nn.Sequential):
    """The tutorial's block: convolution, batch norm, ReLU."""

    def __init__(
        self, in_planes: int, out_planes: int, kernel_size: int = 3, stride: int = 1, groups: int = 1
    ):
        padding = (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, groups=groups, bias=False),
            nn.BatchNorm2d(out_planes, momentum=0.1),
            nn.ReLU(inplace=False),
        )


class InvertedResidual(nn.Module):
    """The tutorial's MobileNetV2 block; its residual sum goes through ``FloatFunctional.add``."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        self.conv = nn.Sequential(
            ConvBNReLU(inp, hidden, kernel_size=1),
            ConvBNReLU(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup, momentum=0.1),
        )
        self.skip_add = nn.quantized.FloatFunctional()

    def forward(self, x):
        if self.use_res_connect:
            return self.skip_add.add(x, self.conv(x))
        return self.conv(x)


class TutorialNet(nn.Module):
    """The static tutorial's MobileNetV2, three blocks deep, with its stubs and ``fuse_model``."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            ConvBNReLU(3, 8, stride=2), InvertedResidual(8, 8, 1, 2), InvertedResidual(8, 16, 2, 2)
        )
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(16, 10))
        self.quant = torch.ao.quantization.QuantStub()
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.features(x)
        x = x.mean([2, 3])
        x = self.classifier(x)
        return self.dequant(x)

    def fuse_model(self, is_qat: bool = False):
        fuse_modules = (
            torch.ao.quantization.fuse_modules_qat if is_qat else torch.ao.quantization.fuse_modules
        )
        for m in self.modules():
            if type(m) is ConvBNReLU:
                fuse_modules(m, ["0", "1", "2"], inplace=True)
            if type(m) is InvertedResidual:
                for idx in range(len(m.conv)):
                    if type(m.conv[idx]) is nn.Conv2d:
                        fuse_modules(m.conv, [str(idx), str(idx + 1)], inplace=True)


class WordLM(nn.Module):
    """A word-language-model-like network: the dynamic tutorial quantizes its ``Linear`` layers."""

    def __init__(self, tokens: int = 30, embedding: int = 16, hidden: int = 32):
        super().__init__()
        self.encoder = nn.Embedding(tokens, embedding)
        self.hidden = nn.Linear(embedding, hidden)
        self.decoder = nn.Linear(hidden, tokens)

    def forward(self, tokens):
        return self.decoder(torch.tanh(self.hidden(self.encoder(tokens))))


class LSTMModel(nn.Module):
    """The LSTM word-language-model tutorial's model: encoder, LSTM (or, its ``rnn_type``, GRU), decoder
    (smaller)."""

    def __init__(self, ntoken: int = 30, ninp: int = 8, nhid: int = 12, nlayers: int = 2,
                 rnn_type: str = "LSTM", **lstm):  # fmt: skip
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, **lstm)
        width = lstm.get("proj_size") or nhid
        self.decoder = nn.Linear(width * (2 if lstm.get("bidirectional") else 1), ntoken)

    def forward(self, tokens):
        output, _ = self.rnn(self.encoder(tokens))
        return self.decoder(output)


def tutorial_model(seed: int = 0) -> tuple:
    """``(model in eval mode, a test batch, a calibration batch)``, the weights drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    model = TutorialNet()
    state = {}
    for key, value in model.state_dict().items():
        shape = tuple(value.shape)
        if key.endswith("num_batches_tracked"):
            state[key] = value
        elif key.endswith("running_var") or (key.endswith("weight") and len(shape) == 1):
            state[key] = torch.tensor(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        else:
            scale = 0.1 if key.endswith("running_mean") else 0.3
            state[key] = torch.tensor(rng.normal(0.0, scale, shape).astype(np.float32))
    model.load_state_dict(state)
    batch = torch.tensor(rng.normal(0.0, 1.0, (16, 3, 16, 16)).astype(np.float32))
    calibration = torch.tensor(rng.normal(0.0, 1.0, (64, 3, 16, 16)).astype(np.float32))
    return model.eval(), batch, calibration


def size_of_model(model: nn.Module) -> int:
    """The tutorial's ``print_size_of_model``: the bytes ``torch.save(model.state_dict())`` writes."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def relative_error(out, reference) -> float:
    """The largest absolute difference as a fraction of the reference's range."""
    out, reference = np.asarray(out), np.asarray(reference)
    return float(np.abs(out - reference).max() / (reference.max() - reference.min()))


def static_tutorial(backend: str) -> dict:
    """The static tutorial's calls; returns the fusion gap, the INT8 error and the model."""
    model, batch, calibration = tutorial_model()
    with torch.no_grad():
        reference = model(batch).numpy()
    model.fuse_model()
    with torch.no_grad():
        fused = model(batch).numpy()
    model.qconfig = torch.ao.quantization.get_default_qconfig(backend)
    torch.ao.quantization.prepare(model, inplace=True)
    with torch.no_grad():
        model(calibration)  # calibrate
    torch.ao.quantization.convert(model, inplace=True)
    with torch.no_grad():
        out = model(batch).numpy()
    return {
        "fusion": float(np.abs(fused - reference).max()),
        "error": relative_error(out, reference),
        "model": model,
    }


def qat_tutorial(steps: int = 4, backend: str = "x86") -> dict:
    """The static tutorial's quantization-aware training: ``fuse_model(is_qat=True)``, ``prepare_qat``,
    a few SGD steps (observers off and batch norms frozen part-way, as the tutorial does), ``convert``.

    Returns how far the converted model is from the fake-quantized one it was trained as, and the
    trained model's outputs against the float model's before training (the training moved them).
    With ``backend="x86"`` (``reduce_range``) training clamps activations at ``quant_max = 127`` and the
    converted model at quint8's 255, as PyTorch's do, so the two differ wherever training saturated.
    """
    model, batch, calibration = tutorial_model()
    targets = torch.randint(0, 10, (64,), generator=torch.Generator().manual_seed(0))  # (whatever ran before)
    model.train()
    model.fuse_model(is_qat=True)
    model.qconfig = torch.ao.quantization.get_default_qat_qconfig(backend)
    torch.ao.quantization.prepare_qat(model, inplace=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for step in range(steps):
        if step == steps // 2:
            model.apply(torch.ao.quantization.disable_observer)
            model.apply(torch.ao.nn.intrinsic.qat.freeze_bn_stats)
        loss = nn.functional.cross_entropy(model(calibration), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        trained = model(batch).numpy()
    quantized = torch.ao.quantization.convert(model, inplace=False)
    with torch.no_grad():
        out = quantized(batch).numpy()
    return {"gap": relative_error(out, trained), "loss": float(loss), "model": quantized}


def dynamic_tutorial(model: nn.Module, types: set, seed: int = 0) -> dict:
    """``quantize_dynamic(model, types, dtype=torch.qint8)``; returns the error and both models."""
    torch.manual_seed(seed)
    model = model.eval()
    quantized = torch.ao.quantization.quantize_dynamic(model, types, dtype=torch.qint8)
    tokens = torch.randint(0, 30, (4, 7))
    with torch.no_grad():
        error = relative_error(quantized(tokens).numpy(), model(tokens).numpy())
    return {"error": error, "float": model, "quantized": quantized}


def main() -> None:
    for backend in ("x86", "qnnpack"):
        result = static_tutorial(backend)
        print(
            f"static ({backend}): fused vs unfused max |diff| {result['fusion']:.1e}; INT8 vs float "
            f"{100 * result['error']:.1f}% of the output range; classifier "
            f"{type(result['model'].classifier[1]).__name__}"
        )
    for backend in ("x86", "qnnpack"):  # x86 trains on reduce_range's [0, 127]; its convert clamps at 255
        result = qat_tutorial(backend=backend)
        print(
            f"qat ({backend}): converted vs the fake-quantized model it trained {result['gap']:.1e} of the "
            f"output range; last loss {result['loss']:.3f}; first block "
            f"{type(result['model'].features[0][0]).__name__}"
        )
    for name, make, types in (
        ("{nn.Linear}", WordLM, {nn.Linear}),
        ("{nn.LSTM, nn.Linear}", LSTMModel, {nn.LSTM, nn.Linear}),
        ("{nn.GRU, nn.Linear}", lambda: LSTMModel(rnn_type="GRU"), {nn.GRU, nn.Linear}),
    ):
        torch.manual_seed(0)
        result = dynamic_tutorial(make(), types)
        float_size, int8_size = size_of_model(result["float"]), size_of_model(result["quantized"])
        swapped = ", ".join(
            f"{child} {type(module).__name__}" for child, module in result["quantized"].named_children()
            if type(module) is not type(getattr(result["float"], child))
        )  # fmt: skip
        print(
            f"dynamic ({name}): {swapped}; INT8 vs float {100 * result['error']:.2f}% of the output range; "
            f"size {float_size} -> {int8_size} bytes"
        )


if __name__ == "__main__":
    main()
