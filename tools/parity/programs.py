"""Small PyTorch programs for ``nox -s parity``, each written once against a ``torch`` module argument.

Every program takes the framework (``torch`` itself, or ``tinytorch``) and
returns what it computed, step by step, as ``[(label, numpy array), ...]``;
``run.py`` runs it with both and compares. Weights come from NumPy
(:func:`set_weights`), so both frameworks start from the same numbers. No
dropout is active and nothing is sampled at random during a compared run
(random draws differ between the frameworks by design).
"""

from __future__ import annotations

import math
import sys
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def set_weights(torch, model, seed: int, scale: float = 0.2) -> None:
    """Overwrite every parameter (in ``named_parameters`` order) with seeded normal numbers."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            values = rng.standard_normal(tuple(p.shape)).astype(np.float32) * scale
            p.copy_(torch.from_numpy(values))


def numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64)


def tutorial_mlp(torch) -> list:
    """The beginner tutorial's loop: Flatten/Linear/ReLU, CrossEntropyLoss, SGD with momentum, a StepLR."""
    nn = torch.nn
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 5)
    )
    set_weights(torch, model, 0)
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.standard_normal((8, 3, 4)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 5, 8))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    records = []
    for step in range(8):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        records.append((f"loss {step}", numpy(loss)))
    model.eval()
    with torch.no_grad():
        logits = model(x)
    records.append(("eval logits", numpy(logits)))
    records.append(("accuracy", np.asarray((logits.argmax(1) == y).type(torch.float).sum().item())))
    return records


def mnist_cnn(torch) -> list:
    """pytorch/examples' MNIST network (smaller): conv, max-pool, flatten, log_softmax, nll_loss, Adadelta."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 8, 3, 1)
            self.fc1 = nn.Linear(8 * 4 * 4, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)

    model = Net()
    set_weights(torch, model, 2, scale=0.3)
    rng = np.random.default_rng(3)
    data = torch.from_numpy(rng.standard_normal((6, 1, 12, 12)).astype(np.float32))
    target = torch.from_numpy(rng.integers(0, 10, 6))
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.7)
    records = []
    for step in range(6):
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        scheduler.step()
        records.append((f"loss {step}", numpy(loss)))
    model.eval()
    with torch.no_grad():
        output = model(data)
        summed = F.nll_loss(output, target, reduction="sum").item()
        pred = output.argmax(dim=1, keepdim=True)
        correct = pred.eq(target.view_as(pred)).sum().item()
    records += [("test loss (sum)", np.asarray(summed)), ("correct", np.asarray(float(correct)))]
    records.append(("conv1 grad", numpy(model.conv1.weight.grad)))
    return records


def load_example(torch) -> types.ModuleType:
    """``examples/nanogpt_shakespeare.py`` run as a module whose ``torch`` is the framework given.

    The example's one framework-specific line, ``import tinytorch as torch``,
    becomes ``torch = <the module given>``; nothing else is touched.
    """
    name = f"nanogpt_shakespeare_on_{torch.__name__}"
    source = (ROOT / "examples" / "nanogpt_shakespeare.py").read_text()
    line = "import tinytorch as torch"
    assert line in source, "examples/nanogpt_shakespeare.py lost its import line; update tools/parity"
    module = types.ModuleType(name)
    module.__torch__ = torch
    sys.modules[name] = module  # dataclasses look their module up there
    exec(
        compile(source.replace(line, "torch = __torch__", 1), str(ROOT / "examples" / name), "exec"),  # noqa: S102
        module.__dict__,
    )
    return module


def nanogpt(torch, flash: bool = True) -> list:
    """The example's GPT, unchanged: weight tying, AdamW groups, clipping, then top-k probabilities."""
    namespace = load_example(torch).__dict__
    config = namespace["GPTConfig"](block_size=16, vocab_size=20, n_layer=2, n_head=2, n_embd=16)
    model = namespace["GPT"](config)
    if not flash:  # nanoGPT's other attention path: an explicit causal mask and softmax
        for block in model.transformer.h:
            block.attn.flash = False
            mask = torch.tril(torch.ones(config.block_size, config.block_size))
            block.attn.register_buffer("bias", mask.view(1, 1, config.block_size, config.block_size))
    set_weights(torch, model, 4, scale=0.1)
    rng = np.random.default_rng(5)
    x = torch.from_numpy(rng.integers(0, 20, (4, 16)))
    y = torch.from_numpy(rng.integers(0, 20, (4, 16)))
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=1e-2, betas=(0.9, 0.95))
    records = []
    for step in range(6):
        for group in optimizer.param_groups:
            group["lr"] = 1e-2 * (0.5 + 0.5 * math.cos(math.pi * step / 6))
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        records += [(f"loss {step}", numpy(loss)), (f"grad norm {step}", numpy(norm))]
    model.eval()
    idx = x[:1, :4]
    with torch.no_grad():
        for step in range(6):  # generate()'s step with greedy picks, so both continue the same way
            logits, _ = model(idx)
            logits = logits[:, -1, :] / 0.8
            v, _ = torch.topk(logits, 5)
            logits[logits < v[:, [-1]]] = -float("Inf")
            probs = torch.nn.functional.softmax(logits, dim=-1)
            records.append((f"top-k probabilities {step}", numpy(probs)))
            idx = torch.cat((idx, probs.argmax(-1, keepdim=True)), dim=1)
    return records


def nanogpt_manual_attention(torch) -> list:
    """The same with the explicit masked-softmax attention instead of scaled_dot_product_attention."""
    return nanogpt(torch, flash=False)


def word_language_model(torch, kind: str = "LSTM") -> list:
    """pytorch/examples' word-language model: tied LSTM/GRU, NLLLoss, clipping, hand-written SGD, TBPTT."""
    nn, F = torch.nn, torch.nn.functional

    class RNNModel(nn.Module):
        def __init__(self, ntoken, ninp, nhid, nlayers):
            super().__init__()
            self.drop = nn.Dropout(0.0)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = getattr(nn, kind)(ninp, nhid, nlayers, dropout=0.0)
            self.decoder = nn.Linear(nhid, ntoken)
            self.decoder.weight = self.encoder.weight  # tied (ninp == nhid)
            self.nhid, self.nlayers, self.ntoken = nhid, nlayers, ntoken

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            decoded = self.decoder(self.drop(output)).view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            if kind == "LSTM":
                return (
                    weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid),
                )
            return weight.new_zeros(self.nlayers, bsz, self.nhid)

    def repackage_hidden(h):
        return h.detach() if isinstance(h, torch.Tensor) else tuple(repackage_hidden(v) for v in h)

    model = RNNModel(30, 12, 12, 2)
    set_weights(torch, model, 8, scale=0.3)
    data = torch.from_numpy(np.random.default_rng(9).integers(0, 30, (25, 3)))  # (time, batch)
    criterion = nn.NLLLoss()
    hidden = model.init_hidden(3)
    records, lr, bptt = [], 2.0, 6
    model.train()
    for step, i in enumerate(range(0, data.size(0) - 1, bptt)):
        seq_len = min(bptt, len(data) - 1 - i)
        source, targets = data[i : i + seq_len], data[i + 1 : i + 1 + seq_len].reshape(-1)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(source, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        records.append((f"loss {step}", numpy(loss)))
    records.append(("final hidden", numpy(hidden[0] if kind == "LSTM" else hidden)))
    return records


def word_language_model_gru(torch) -> list:
    """The same model with a GRU."""
    return word_language_model(torch, "GRU")


def word_language_model_transformer(torch) -> list:
    """The word-language model's Transformer: a subclass of nn.Transformer, causal mask from log(tril)."""
    nn, F = torch.nn, torch.nn.functional

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, max_len=64):
            super().__init__()
            pe = torch.zeros(max_len, d_model)
            position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

        def forward(self, x):
            return x + self.pe[: x.size(0), :]

    class TransformerModel(nn.Transformer):
        def __init__(self, ntoken, ninp, nhead, nhid, nlayers):
            super().__init__(
                d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers, dropout=0.0
            )
            self.pos_encoder = PositionalEncoding(ninp)
            self.input_emb = nn.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = nn.Linear(ninp, ntoken)

        def forward(self, src):
            mask = torch.log(torch.tril(torch.ones(len(src), len(src))))
            src = self.pos_encoder(self.input_emb(src) * math.sqrt(self.ninp))
            return F.log_softmax(self.decoder(self.encoder(src, mask=mask)), dim=-1)

    model = TransformerModel(25, 8, 2, 16, 2)
    set_weights(torch, model, 10, scale=0.3)
    data = torch.from_numpy(np.random.default_rng(11).integers(0, 25, (13, 2)))
    criterion = nn.NLLLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    records = []
    for step, i in enumerate(range(0, data.size(0) - 1, 4)):
        seq_len = min(4, len(data) - 1 - i)
        source, targets = data[i : i + seq_len], data[i + 1 : i + 1 + seq_len].reshape(-1)
        optimizer.zero_grad()
        output = model(source)
        loss = criterion(output.view(-1, 25), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        records.append((f"loss {step}", numpy(loss)))
    return records


def everyday_ops(torch) -> list:
    """Issue #16's idioms: values and gradients (through ``torch.autograd.grad``) of each op."""
    F = torch.nn.functional
    rng = np.random.default_rng(6)
    x = torch.from_numpy(rng.standard_normal((2, 3, 4, 5)).astype(np.float32)).requires_grad_()
    w = torch.from_numpy(rng.standard_normal((5, 6)).astype(np.float32)).requires_grad_()
    index = torch.from_numpy(rng.integers(0, 5, (2, 3, 4, 3)))
    outputs = {
        "einsum": torch.einsum("bchw,wk->bchk", x, w),
        "sort": x.sort(dim=-1, descending=True).values,
        "topk": torch.topk(x, 2, dim=1).values,
        "roll": torch.roll(x, shifts=(1, -2), dims=(1, 3)),
        "scatter_add": torch.zeros(2, 3, 4, 5).scatter_add(3, index, x[..., :3]),
        "gather": x.gather(3, index),
        "masked_select": torch.masked_select(x, x > 0.3),
        "pad reflect": F.pad(x, (2, 1, 1, 2), mode="reflect"),
        "pad constant": F.pad(x, (1, 1), value=0.5),
        "pad replicate": F.pad(x, (1, 2, 0, 1), mode="replicate"),
        "interpolate nearest": F.interpolate(x, scale_factor=2, mode="nearest"),
        "interpolate bilinear": F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=False),
        "interpolate aligned": F.interpolate(x, size=(3, 8), mode="bilinear", align_corners=True),
        "normalize": F.normalize(x, dim=1),
        "cosine_similarity": F.cosine_similarity(x, x.flip(0), dim=2),
        "softplus": F.softplus(x, beta=2.0),
        "silu": F.silu(x),
        "diag": torch.diag(x[0, 0]),
        "outer": torch.outer(x[0, 0, 0], x[1, 1, 1]),
        "softmax": torch.softmax(x, -1),
        "log_softmax": torch.log_softmax(x, 1),
    }
    records = []
    weights = np.random.default_rng(7)
    for name, out in outputs.items():
        probe = torch.from_numpy(weights.standard_normal(tuple(out.shape)).astype(np.float32))
        gx, gw = torch.autograd.grad((out * probe).sum(), [x, w], allow_unused=True)
        records.append((f"{name} value", numpy(out)))
        records.append((f"{name} grad", numpy(gx) if gx is not None else np.zeros(1)))
    one_hot = F.one_hot(torch.from_numpy(np.array([[0, 3], [2, 1]])), num_classes=5)
    records.append(("one_hot", one_hot.numpy().astype(np.float64)))
    return records


def adaptive_optimizers(torch) -> list:
    """Adagrad, Adamax, NAdam (plain and decoupled) and RAdam training one small MLP: losses and weights."""
    nn = torch.nn
    rng = np.random.default_rng(10)
    x = torch.from_numpy(rng.standard_normal((32, 5)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 3, 32))
    configs = {
        "Adagrad": lambda ps: torch.optim.Adagrad(ps, lr=0.1, lr_decay=0.01, weight_decay=1e-3),
        "Adamax": lambda ps: torch.optim.Adamax(ps, lr=0.02, weight_decay=1e-3),
        "NAdam": lambda ps: torch.optim.NAdam(ps, lr=0.01, weight_decay=1e-3),
        "NAdam decoupled": lambda ps: torch.optim.NAdam(
            ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True
        ),
        "RAdam": lambda ps: torch.optim.RAdam(ps, lr=0.01, betas=(0.9, 0.9), weight_decay=1e-3),
    }
    records = []
    for name, make in configs.items():
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
        set_weights(torch, model, 11)
        optimizer = make(model.parameters())
        for step in range(10):
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            records.append((f"{name} loss {step}", numpy(loss)))
        records.append((f"{name} weights", np.concatenate([numpy(p).ravel() for p in model.parameters()])))
    return records


def lr_schedules(torch) -> list:
    """Every ``torch.optim.lr_scheduler`` schedule: both groups' lrs over 14 steps (base lrs 0.4 and 0.1)."""
    S = torch.optim.lr_scheduler
    metrics = [5.0, 4.0, 4.0, 3.99, 3.99, 3.99, 4.2, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]

    def optimizer():
        groups = [
            {"params": [torch.nn.Parameter(torch.zeros(2))]},
            {"params": [torch.nn.Parameter(torch.zeros(1))]},
        ]
        return torch.optim.SGD(groups, lr=0.4, momentum=0.9)

    configs = {
        "StepLR": lambda o: S.StepLR(o, step_size=3, gamma=0.5),
        "MultiStepLR": lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
        "ExponentialLR": lambda o: S.ExponentialLR(o, gamma=0.8),
        "ConstantLR": lambda o: S.ConstantLR(o, factor=0.25, total_iters=4),
        "LinearLR": lambda o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6),
        "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=8, power=2.0),
        "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
        "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(
            o, T_0=3, T_mult=2, eta_min=0.02
        ),
        "LambdaLR": lambda o: S.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.9**e]),
        "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda e: 0.95 if e % 2 else 0.8),
        "OneCycleLR": lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=15),
        "ChainedScheduler": lambda o: S.ChainedScheduler(
            [S.ConstantLR(o, factor=0.5, total_iters=3), S.ExponentialLR(o, gamma=0.9)]
        ),
        "SequentialLR": lambda o: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.1, total_iters=4), S.ExponentialLR(o, gamma=0.7)], milestones=[4]
        ),
        "ReduceLROnPlateau": lambda o: S.ReduceLROnPlateau(
            o, factor=0.5, patience=1, cooldown=1, min_lr=[0.0, 0.15]
        ),
        "CyclicLR": lambda o: S.CyclicLR(
            o, [0.05, 0.01], [0.5, 0.2], step_size_up=3, step_size_down=2, mode="triangular2"
        ),
        "CyclicLR exp_range": lambda o: S.CyclicLR(o, 0.01, 0.3, step_size_up=2, mode="exp_range", gamma=0.8),
    }
    records = []
    for name, make in configs.items():
        opt = optimizer()
        scheduler = make(opt)
        lrs = [[group["lr"] for group in opt.param_groups]]
        for step in range(14):
            opt.step()
            scheduler.step(metrics[step]) if name == "ReduceLROnPlateau" else scheduler.step()
            lrs.append([group["lr"] for group in opt.param_groups])
        records.append((name, np.array(lrs)))
    opt = optimizer()  # fractional epochs, as a per-batch SGDR loop calls it
    scheduler = S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3)
    jumps = []
    for epoch in (0.5, 1.25, 2.0, 4.75, 7.9, 8.0, 12.5, 1.5):
        scheduler.step(epoch)
        jumps.append([group["lr"] for group in opt.param_groups])
    records.append(("CosineAnnealingWarmRestarts step(epoch)", np.array(jumps)))
    return records


def utilities(torch) -> list:
    """pad_sequence (values, gradients), parameters_to_vector and back, eye_ and dirac_, ConcatDataset."""
    rng = np.random.default_rng(12)
    seqs = [
        torch.from_numpy(rng.standard_normal((n, 3)).astype(np.float32)).requires_grad_() for n in (4, 1, 3)
    ]
    records = []
    for batch_first in (False, True):
        for side in ("right", "left"):
            padded = torch.nn.utils.rnn.pad_sequence(
                seqs, batch_first=batch_first, padding_value=-1.0, padding_side=side
            )
            probe = torch.from_numpy(rng.standard_normal(tuple(padded.shape)).astype(np.float32))
            grads = torch.autograd.grad((padded * probe).sum(), seqs)
            records.append((f"pad_sequence {batch_first} {side}", numpy(padded)))
            records.append(
                (f"pad_sequence {batch_first} {side} grads", np.concatenate([numpy(g) for g in grads]))
            )
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    set_weights(torch, model, 13)
    vector = torch.nn.utils.parameters_to_vector(model.parameters())
    records.append(("parameters_to_vector", numpy(vector)))
    torch.nn.utils.vector_to_parameters(vector.detach() * 2, model.parameters())
    records.append(("vector_to_parameters", numpy(model[1].weight)))
    eye, dirac = torch.empty(3, 5), torch.empty(4, 2, 3, 3)
    records.append(("eye_", numpy(torch.nn.init.eye_(eye))))
    records.append(("dirac_ groups 2", numpy(torch.nn.init.dirac_(dirac, groups=2))))
    data = torch.utils.data
    parts = [data.TensorDataset(torch.arange(3.0)), data.TensorDataset(torch.arange(10.0, 15.0))]
    joined = data.ConcatDataset(parts)
    records.append(
        ("ConcatDataset", np.array([float(joined[i][0]) for i in (-8, 0, 2, 3, 7, -1)] + [len(joined)]))
    )
    return records


def weight_averaging(torch) -> list:
    """``torch.optim.swa_utils``: SWA and EMA copies of a batch-norm MLP, SWALR, update_bn, eval logits."""
    nn, swa_utils = torch.nn, torch.optim.swa_utils
    model = nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Linear(12, 3))
    set_weights(torch, model, 8)
    rng = np.random.default_rng(9)
    batches = [
        (
            torch.from_numpy(rng.standard_normal((16, 6)).astype(np.float32)),
            torch.from_numpy(rng.integers(0, 3, 16)),
        )
        for _ in range(4)
    ]
    swa = swa_utils.AveragedModel(model)
    ema = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.9), use_buffers=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    scheduler = swa_utils.SWALR(optimizer, swa_lr=0.05, anneal_epochs=3)
    loss_fn = nn.CrossEntropyLoss()
    records = []
    for epoch in range(5):
        for x, y in batches:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            ema.update_parameters(model)
        swa.update_parameters(model)
        scheduler.step()
        records.append((f"lr after epoch {epoch}", np.array(scheduler.get_last_lr())))
        records.append((f"loss {epoch}", numpy(loss)))
    swa_utils.update_bn(batches, swa)
    swa.eval()
    ema.eval()
    with torch.no_grad():
        for name, averaged in (("swa", swa), ("ema", ema)):
            for key, value in averaged.state_dict().items():
                records.append((f"{name} {key}", numpy(value)))
            records.append((f"{name} eval logits", numpy(averaged(batches[0][0]))))
    return records


PROGRAMS = {
    "tutorial_mlp": (tutorial_mlp, "tutorial training loop: losses, eval logits, accuracy"),
    "mnist_cnn": (mnist_cnn, "MNIST example's CNN, Adadelta + StepLR: losses, test loss, a gradient"),
    "nanogpt": (nanogpt, "the example's GPT (SDPA path): losses, clipped grad norms, top-k probabilities"),
    "nanogpt_manual_attention": (nanogpt_manual_attention, "the same with the masked-softmax attention path"),
    "word_language_model": (
        word_language_model,
        "word LM example: tied 2-layer LSTM, TBPTT, clipping, manual SGD",
    ),
    "word_language_model_gru": (word_language_model_gru, "the same with a GRU"),
    "word_language_model_transformer": (
        word_language_model_transformer,
        "its nn.Transformer subclass, AdamW",
    ),
    "everyday_ops": (everyday_ops, "issue #16's ops: values and autograd.grad gradients"),
    "adaptive_optimizers": (adaptive_optimizers, "Adagrad, Adamax, NAdam, NAdamW, RAdam: 10 steps each"),
    "lr_schedules": (
        lr_schedules,
        "every lr_scheduler schedule (CyclicLR too), 14 steps, two groups; SGDR's fractional epochs",
    ),
    "utilities": (
        utilities,
        "pad_sequence and its gradients, parameters_to_vector, eye_/dirac_, ConcatDataset",
    ),
    "weight_averaging": (weight_averaging, "swa_utils: SWA and EMA copies, SWALR, update_bn, eval logits"),
}
