"""Parity programs for ``torch.nn``'s breadth: activations, losses, norms, transposed convolutions, cells.

Each takes the framework as ``torch`` and returns ``[(label, numpy array), ...]``
like the programs of ``programs.py`` (whose helpers it uses); ``run.py`` runs
both sets.
"""

from __future__ import annotations

import numpy as np
from programs import numpy, set_weights


def _inputs(torch, seed: int, *shape: int, scale: float = 2.0):
    values = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * scale
    return torch.from_numpy(values).requires_grad_(True)


def activations(torch) -> list:
    """Every activation module's output and input gradient on one batch (weights of the sum: random)."""
    nn = torch.nn
    layers = {
        "ELU": nn.ELU(alpha=0.7),
        "CELU": nn.CELU(alpha=1.3),
        "SELU": nn.SELU(),
        "Hardtanh": nn.Hardtanh(-0.5, 1.5),
        "ReLU6": nn.ReLU6(),
        "Hardsigmoid": nn.Hardsigmoid(),
        "Hardswish": nn.Hardswish(),
        "Mish": nn.Mish(),
        "LogSigmoid": nn.LogSigmoid(),
        "Softsign": nn.Softsign(),
        "Softmin": nn.Softmin(dim=1),
        "GLU": nn.GLU(dim=1),
        "Threshold": nn.Threshold(0.3, -2.0),
        "Hardshrink": nn.Hardshrink(0.6),
        "Softshrink": nn.Softshrink(0.6),
        "Tanhshrink": nn.Tanhshrink(),
        "PReLU": nn.PReLU(6, init=0.1),
        "RReLU (eval)": nn.RReLU(0.1, 0.3).eval(),
    }
    records = []
    for name, layer in layers.items():
        x = _inputs(torch, 3, 4, 6, 5)
        out = layer(x)
        weights = np.random.default_rng(4).standard_normal(tuple(out.shape)).astype(np.float32)
        weights = torch.from_numpy(weights)
        (out * weights).sum().backward()
        records += [(f"{name} output", numpy(out)), (f"{name} input grad", numpy(x.grad))]
        if name == "PReLU":
            records.append(("PReLU weight grad", numpy(layer.weight.grad)))
    return records


def losses(torch) -> list:
    """Every added loss, each reduction: values and the input's gradient."""
    nn = torch.nn
    rng = np.random.default_rng(5)

    def tensor(*shape, scale=1.0, grad=False, positive=False):
        values = rng.standard_normal(shape).astype(np.float32) * scale
        values = np.abs(values) + 0.1 if positive else values
        return torch.from_numpy(values.astype(np.float32)).requires_grad_(grad)

    x, t = tensor(8, 5, scale=2.0, grad=True), tensor(8, 5, scale=2.0)
    signs = torch.from_numpy(np.where(rng.standard_normal(8) > 0, 1.0, -1.0).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 5, 8))
    multilabel = torch.from_numpy((rng.random((8, 5)) > 0.5).astype(np.float32))
    padded = torch.from_numpy(np.array([[3, 0, -1, 1, 2]] * 4 + [[1, -1, 0, 0, 0]] * 4))
    log_probs = torch.log_softmax(tensor(8, 5, grad=True), dim=1)
    cases = {
        "SmoothL1Loss": (nn.SmoothL1Loss, {"beta": 0.5}, lambda: (x, t)),
        "HuberLoss": (nn.HuberLoss, {"delta": 1.5}, lambda: (x, t)),
        "KLDivLoss": (nn.KLDivLoss, {}, lambda: (log_probs, torch.softmax(t, dim=1))),
        "MarginRankingLoss": (nn.MarginRankingLoss, {"margin": 0.2}, lambda: (x[:, 0], x[:, 1], signs)),
        "SoftMarginLoss": (nn.SoftMarginLoss, {}, lambda: (x[:, 0] * 10, signs)),
        "HingeEmbeddingLoss": (nn.HingeEmbeddingLoss, {"margin": 2.0}, lambda: (x[:, 0], signs)),
        "CosineEmbeddingLoss": (nn.CosineEmbeddingLoss, {"margin": 0.1}, lambda: (x, t, signs)),
        "GaussianNLLLoss": (nn.GaussianNLLLoss, {}, lambda: (x, t, torch.exp(t) + 0.1)),
        "PoissonNLLLoss": (nn.PoissonNLLLoss, {}, lambda: (x, torch.abs(t))),
        "TripletMarginLoss": (nn.TripletMarginLoss, {"margin": 1.0}, lambda: (x, t, t.flip(0))),
        "MultiLabelSoftMarginLoss": (nn.MultiLabelSoftMarginLoss, {}, lambda: (x, multilabel)),
        "MultiMarginLoss": (nn.MultiMarginLoss, {"margin": 0.5}, lambda: (x, labels)),
        "MultiLabelMarginLoss": (nn.MultiLabelMarginLoss, {}, lambda: (x, padded)),
    }
    records = []
    for name, (loss_class, options, arguments) in cases.items():
        for reduction in ("batchmean" if name == "KLDivLoss" else "mean", "sum", "none"):
            args = arguments()
            value = loss_class(reduction=reduction, **options)(*args)
            (grad,) = torch.autograd.grad(value.sum(), [x if name != "KLDivLoss" else log_probs])
            records += [(f"{name} {reduction}", numpy(value)), (f"{name} {reduction} grad", numpy(grad))]
    kl = nn.KLDivLoss(reduction="sum", log_target=True)(log_probs, torch.log_softmax(t, dim=1))
    records.append(("KLDivLoss log_target", numpy(kl)))
    return records


def norms(torch) -> list:
    """RMSNorm, GroupNorm, InstanceNorm2d and LocalResponseNorm in a small CNN (Adam); tracked statistics."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.group = nn.GroupNorm(4, 8)
            self.instance = nn.InstanceNorm2d(8, affine=True)
            self.local = nn.LocalResponseNorm(3)
            self.rms = nn.RMSNorm(8)
            self.head = nn.Linear(8, 4)

        def forward(self, x):
            x = self.local(self.instance(self.group(self.conv(x)).relu()) + x.mean(dim=1, keepdim=True))
            return self.head(self.rms(x.amax(dim=(2, 3))))

    model = Net()
    set_weights(torch, model, 6)
    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.standard_normal((6, 3, 8, 8)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 4, 6))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    records = []
    for step in range(5):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        records.append((f"loss {step}", numpy(loss)))
        records.append((f"conv weight grad {step}", numpy(model.conv.weight.grad)))
        optimizer.step()
    tracking = nn.InstanceNorm2d(3, momentum=0.3, track_running_stats=True)
    for _ in range(3):
        tracking(x * 2.0 + 1.0)
    tracking.eval()
    records += [("instance running_var", numpy(tracking.running_var)), ("instance eval", numpy(tracking(x)))]
    return records


def generator_cnn(torch) -> list:
    """A DCGAN-style generator: ConvTranspose2d, BatchNorm2d, PixelShuffle, padding, Upsample; Adam steps."""
    nn = torch.nn
    model = nn.Sequential(
        nn.ConvTranspose2d(6, 8, 4, stride=1, padding=0, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.ConvTranspose2d(8, 8, 4, stride=2, padding=1, output_padding=0, groups=2),
        nn.ELU(),
        nn.ReflectionPad2d(1),
        nn.Conv2d(8, 12, 3),
        nn.PixelShuffle(2),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.ZeroPad2d((1, 1, 0, 2)),
        nn.Conv2d(3, 3, 3),
        nn.Tanh(),
    )
    set_weights(torch, model, 8, scale=0.3)
    rng = np.random.default_rng(9)
    noise = torch.from_numpy(rng.standard_normal((4, 6, 1, 1)).astype(np.float32))
    target = torch.from_numpy(rng.uniform(-1, 1, (4, 3, 32, 32)).astype(np.float32))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002, betas=(0.5, 0.999))
    records = []
    for step in range(4):
        loss = nn.functional.smooth_l1_loss(model(noise), target)
        optimizer.zero_grad()
        loss.backward()
        records.append((f"loss {step}", numpy(loss)))
        records.append((f"first weight grad {step}", numpy(model[0].weight.grad)))
        optimizer.step()
    return records


def sequence_cells(torch) -> list:
    """pytorch/examples' time-sequence prediction, smaller: LSTMCells, GRUCell, RNNCell, L-BFGS steps."""
    nn = torch.nn

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, 12)
            self.lstm2 = nn.LSTMCell(12, 12)
            self.gru = nn.GRUCell(12, 8)
            self.rnn = nn.RNNCell(8, 8, nonlinearity="relu")
            self.linear = nn.Linear(8, 1)

        def forward(self, series):
            h1 = c1 = torch.zeros(series.size(0), 12, dtype=torch.double)
            h2 = c2 = torch.zeros(series.size(0), 12, dtype=torch.double)
            h3 = h4 = torch.zeros(series.size(0), 8, dtype=torch.double)
            outputs = []
            for x in series.split(1, dim=1):
                h1, c1 = self.lstm1(x, (h1, c1))
                h2, c2 = self.lstm2(h1, (h2, c2))
                h3 = self.gru(h2, h3)
                h4 = self.rnn(h3, h4)
                outputs.append(self.linear(h4))
            return torch.cat(outputs, dim=1)

    model = Sequence()
    set_weights(torch, model, 10, scale=0.3)
    model.double()  # as the example: float64 throughout, trained by L-BFGS
    steps = np.arange(20, dtype=np.float64)
    phases = np.random.default_rng(11).uniform(0, 6, (5, 1))
    series = torch.from_numpy(np.sin(steps / 3 + phases))
    optimizer = torch.optim.LBFGS(model.parameters(), lr=0.8, max_iter=6, history_size=5)
    records = []

    def closure():
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(series[:, :-1]), series[:, 1:])
        loss.backward()
        records.append((f"closure loss {len(records)}", numpy(loss)))
        return loss

    for _ in range(2):
        optimizer.step(closure)
    records.append(("lstm1 weight_hh", numpy(model.lstm1.weight_hh)))
    return records


def lbfgs(torch) -> list:
    """LBFGS on a small tanh MLP regression (float64), without and with the strong-Wolfe line search."""
    nn = torch.nn
    rng = np.random.default_rng(12)
    x = torch.from_numpy(rng.standard_normal((32, 4)))
    y = torch.from_numpy(np.sin(rng.standard_normal((32, 1))))
    records = []
    for line_search in (None, "strong_wolfe"):
        model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
        set_weights(torch, model, 13, scale=0.5)
        model.double()  # float64: float32 rounding, amplified over 30 iterations, would hide the algorithm
        optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=5, history_size=4,
                                      line_search_fn=line_search)  # fmt: skip

        def closure(model=model, optimizer=optimizer, line_search=line_search):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            records.append((f"{line_search} closure loss {len(records)}", numpy(loss)))
            return loss

        for _ in range(3):
            optimizer.step(closure)
        records.append((f"{line_search} final weight", numpy(model[2].weight)))
    return records


def packed_bidirectional(torch) -> list:
    """Padded sentences packed into a bidirectional, projected LSTM and a bidirectional GRU; Adam steps."""
    nn = torch.nn
    utils = torch.nn.utils.rnn

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3)
            self.gru = nn.GRU(6, 5, bidirectional=True, batch_first=True)
            self.linear = nn.Linear(10, 2)

        def forward(self, padded, lengths):
            packed = utils.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
            hidden, (h_n, c_n) = self.lstm(packed)
            hidden, g_n = self.gru(hidden)
            unpacked, _ = utils.pad_packed_sequence(hidden, batch_first=True, total_length=padded.shape[1])
            return self.linear(unpacked), h_n.sum() + c_n.sum() + g_n.sum()

    model = Tagger()
    set_weights(torch, model, 14, scale=0.4)
    padded = torch.from_numpy(np.random.default_rng(15).standard_normal((4, 6, 4)).astype(np.float32))
    lengths = [3, 6, 1, 4]
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    records = []
    for step in range(3):
        optimizer.zero_grad()
        logits, states = model(padded, lengths)
        loss = (logits**2).mean() + 0.1 * states
        loss.backward()
        records.append((f"loss {step}", numpy(loss)))
        records.append(
            (f"lstm weight_hr_l1_reverse grad {step}", numpy(model.lstm.weight_hr_l1_reverse.grad))
        )
        optimizer.step()
    records.append(("logits", numpy(logits)))
    return records


PROGRAMS_NN = {
    "activations": (activations, "every added activation module: outputs and input gradients"),
    "losses": (losses, "every added loss, each reduction: values and gradients"),
    "norms": (norms, "RMSNorm, GroupNorm, InstanceNorm2d, LocalResponseNorm in a CNN, Adam"),
    "generator_cnn": (generator_cnn, "DCGAN-style ConvTranspose2d generator, PixelShuffle, pads, Upsample"),
    "lbfgs": (lbfgs, "LBFGS (float64) with and without the strong-Wolfe line search: every closure loss"),
    "sequence_cells": (sequence_cells, "time-sequence example: LSTMCell, GRUCell, RNNCell, float64, LBFGS"),
    "packed_bidirectional": (
        packed_bidirectional,
        "pack_padded_sequence into bidirectional LSTM (proj_size) and GRU, pad_packed_sequence, Adam",
    ),
}
