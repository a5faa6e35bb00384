"""Text benchmarks (issue #8): a GPT training step, its throughput, where the time goes, and BPE training.

``python benchmarks/text.py`` (also run by ``benchmarks/run.py``) prints, all measured in this one run:

* ``char-GPT step``: one AdamW training step (forward, cross-entropy,
  backward, gradient clipping, update) of milestone 05's model — 4
  pre-LayerNorm blocks, width 128, 4 heads, context 128, GELU (tanh) MLP ×4,
  tied embeddings, vocabulary 65 — on a batch of 32 windows, and the
  training throughput in tokens per second, with 1 and with 2 BLAS threads
  (on a busy machine one thread can be much faster: see ``tt_tensor.threads``),
  and in ``nn.DataParallel`` (the batch cut over the worker threads, forward and
  backward in parallel, one BLAS thread each).
  Goal: within 1.5× of PyTorch's step on the same machine (215–305 ms here,
  so ≲ 400 ms).
* a profile of that step by operation (GEMMs of the Linear layers,
  attention, GELU, LayerNorm, embedding, loss, optimizer, the rest);
* ``BPE training``: a byte-level BPE tokenizer trained to 1,024 ids on the
  1.1 MB tiny-shakespeare text, and the speed of encoding it.

``--torch`` also times the same model in PyTorch (opt-in; ``nox -s bench-torch-text``
installs ``torch==2.13.0``), loaded with the *same weights* (the state-dict
keys are nanoGPT's in both), checks that both give the same loss on the same
batch, and prints the ratio tinytorch/torch from rounds that alternate the two.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
import tt_tensor
from function_timers import function_timers, timed_attribute  # benchmarks/function_timers.py
from timing import median_time  # benchmarks/timing.py
from tt_nn.functional import cross_entropy
from tt_tensor.threads import set_num_threads
from tt_text import GPT, BPETokenizer, GPTConfig, load_tiny_shakespeare

BATCH, CONTEXT, VOCAB = 32, 128, 65
CONFIG = GPTConfig(
    vocab_size=VOCAB, block_size=CONTEXT, n_layer=4, n_head=4, n_embd=128, gelu_approximate="tanh"
)
LR, BETAS, WEIGHT_DECAY = 2e-3, (0.9, 0.99), 0.1


def batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, VOCAB, (BATCH, CONTEXT + 1))
    return ids[:, :-1], ids[:, 1:]


def tinytorch_step(model: GPT, rows: slice = slice(None)) -> Callable[[], float]:
    """One training step of ``model`` on a fixed batch (or its ``rows``), as milestone 05 does it."""
    optimizer = tt_optim.AdamW(model.parameters(), lr=LR, betas=BETAS, weight_decay=WEIGHT_DECAY)
    x, y = batch()
    x, y = x[rows], y[rows]
    targets = autograd.tensor(y.reshape(-1))

    def step() -> float:
        logits = model(x)
        loss = cross_entropy(logits.reshape(-1, VOCAB), targets)
        optimizer.zero_grad()
        loss.backward()
        tt_optim.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return float(loss)

    return step


# ---------------------------------------------------------------------------- profile
GROUPS = {
    "LinearFunction": "Linear (GEMMs)",
    "PackedSelfAttentionFunction": "attention",
    "GELUFunction": "GELU",
    "LayerNormFunction": "LayerNorm",
    "EmbeddingFunction": "embedding",
    "CrossEntropyFunction": "cross-entropy",
}


def profile(step: Callable[[], object], steps: int) -> dict[str, float]:
    """Milliseconds per training step spent in each kind of Function (forward + backward), and the rest.

    The optimizer's update and the gradient clipping (NumPy, no Functions) are timed too.
    """
    update = "AdamW + clipping"
    with (
        function_timers(lambda cls, args: GROUPS.get(cls.__name__, "other ops")) as spent,
        timed_attribute(tt_optim.AdamW, "step", spent, update),
        timed_attribute(tt_optim, "clip_grad_norm_", spent, update),
    ):
        step()
        spent.clear()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        total = time.perf_counter() - start
    result = {group: seconds / steps * 1e3 for group, seconds in spent.items()}
    result["Python, engine, the rest"] = total / steps * 1e3 - sum(result.values())
    return result


# ---------------------------------------------------------------------------- PyTorch
def torch_model(model: GPT):
    """The same GPT in PyTorch (nanoGPT's module names), holding ``model``'s weights."""
    import torch  # opt-in yardstick only
    from torch import nn

    c = model.config

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(c.n_embd), nn.LayerNorm(c.n_embd)
            self.attn = nn.Module()
            self.attn.c_attn, self.attn.c_proj = (
                nn.Linear(c.n_embd, 3 * c.n_embd),
                nn.Linear(c.n_embd, c.n_embd),
            )
            self.mlp = nn.Module()
            self.mlp.c_fc, self.mlp.c_proj = (
                nn.Linear(c.n_embd, 4 * c.n_embd),
                nn.Linear(4 * c.n_embd, c.n_embd),
            )

        def forward(self, x):
            b, t, w = x.shape
            q, k, v = self.attn.c_attn(self.ln_1(x)).split(w, dim=2)
            q, k, v = (z.view(b, t, c.n_head, w // c.n_head).transpose(1, 2) for z in (q, k, v))
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.attn.c_proj(y.transpose(1, 2).contiguous().view(b, t, w))
            return x + self.mlp.c_proj(
                torch.nn.functional.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh")
            )

    class TorchGPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = nn.Module()
            self.transformer.wte = nn.Embedding(c.vocab_size, c.n_embd)
            self.transformer.wpe = nn.Embedding(c.block_size, c.n_embd)
            self.transformer.h = nn.ModuleList(Block() for _ in range(c.n_layer))
            self.transformer.ln_f = nn.LayerNorm(c.n_embd)
            self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
            self.lm_head.weight = self.transformer.wte.weight

        def forward(self, idx):
            t = idx.shape[1]
            x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(t))
            for block in self.transformer.h:
                x = block(x)
            return self.lm_head(self.transformer.ln_f(x))

    reference = TorchGPT()
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return reference


def torch_step(model: GPT) -> tuple[Callable[[], float], float]:
    """PyTorch's training step of the same model and batch, and its first loss."""
    import torch  # opt-in yardstick only

    reference = torch_model(model)
    optimizer = torch.optim.AdamW(reference.parameters(), lr=LR, betas=BETAS, weight_decay=WEIGHT_DECAY)
    x, y = (torch.tensor(a) for a in batch())

    def step() -> float:
        loss = torch.nn.functional.cross_entropy(reference(x).view(-1, VOCAB), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(reference.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    with torch.no_grad():
        first = float(torch.nn.functional.cross_entropy(reference(x).view(-1, VOCAB), y.reshape(-1)))
    return step, first


#: PyTorch's profiler events (top-level ones, and the autograd engine's calls of a backward node
#: without the ``autograd::engine::evaluate_function: `` prefix) in ``profile``'s groups. The
#: split of the packed q, k, v (and its backward, a concatenation) is attention's, as it is inside
#: TinyTorch's packed attention Function.
TORCH_GROUPS = {
    "aten::linear": "Linear (GEMMs)",
    "AddmmBackward0": "Linear (GEMMs)",
    "MmBackward0": "Linear (GEMMs)",
    "aten::scaled_dot_product_attention": "attention",
    "ScaledDotProductFlashAttentionForCpuBackward0": "attention",
    "aten::split": "attention",
    "SplitBackward0": "attention",
    "aten::gelu": "GELU",
    "GeluBackward0": "GELU",
    "aten::layer_norm": "LayerNorm",
    "NativeLayerNormBackward0": "LayerNorm",
    "aten::embedding": "embedding",
    "EmbeddingBackward0": "embedding",
    "aten::cross_entropy_loss": "cross-entropy",
    "LogSoftmaxBackward0": "cross-entropy",
    "NllLossBackward0": "cross-entropy",
    "Optimizer.step#AdamW.step": "AdamW + clipping",
    "clip_grad_norm_": "AdamW + clipping",
}


def torch_profile(step: Callable[[], object], steps: int) -> dict[str, float]:
    """``profile``'s groups for PyTorch's step (ms per step), from ``torch.profiler``'s top-level events.

    Each top-level event on the step's thread (an operator called from Python, or the autograd
    engine running one backward node) is counted whole, children included, in its group of
    :data:`TORCH_GROUPS` or in "other ops"; the rest of the wall time is "Python, engine, the rest".
    """
    import torch  # opt-in yardstick only
    from torch.profiler import ProfilerActivity, record_function

    clip = torch.nn.utils.clip_grad_norm_

    def recorded_clip(*args, **kwargs):
        with record_function("clip_grad_norm_"):
            return clip(*args, **kwargs)

    torch.nn.utils.clip_grad_norm_ = recorded_clip
    try:
        step()
        with torch.profiler.profile(activities=[ProfilerActivity.CPU]) as recording:
            start = time.perf_counter()
            for _ in range(steps):
                step()
            total = time.perf_counter() - start
    finally:
        torch.nn.utils.clip_grad_norm_ = clip
    result: dict[str, float] = {}
    for event in recording.events():
        if event.cpu_parent is None:
            name = event.name.removeprefix("autograd::engine::evaluate_function: ")
            group = TORCH_GROUPS.get(name, "other ops")
            result[group] = result.get(group, 0.0) + event.cpu_time_total / 1e3 / steps
    result["Python, engine, the rest"] = total / steps * 1e3 - sum(result.values())
    return result


def set_torch_threads(count: int) -> None:
    import torch  # opt-in yardstick only

    torch.set_num_threads(count)


# ---------------------------------------------------------------------------- BPE
def bench_bpe(vocab_size: int = 1024) -> dict[str, float]:
    text = load_tiny_shakespeare()
    start = time.perf_counter()
    tokenizer = BPETokenizer().train(text, vocab_size=vocab_size)
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    ids = tokenizer.encode(text)
    encode_s = time.perf_counter() - start
    assert tokenizer.decode(ids) == text
    return {"train_s": train_s, "encode_s": encode_s, "chars_per_token": len(text) / len(ids)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--torch", action="store_true", help="also time PyTorch (must be installed)")
    args = parser.parse_args(argv)
    rounds, repeats = (1, 2) if args.quick else (3, 5)
    tt_tensor.manual_seed(0)
    model = GPT(CONFIG)
    params = model.num_parameters(non_embedding=False)
    print(f"char-GPT: 4 layers, width 128, 4 heads, context 128, batch {BATCH}, {params:,} parameters, AdamW")
    torch_side = None
    if args.torch:
        torch_side, torch_first = torch_step(model)
        with autograd.no_grad():
            x, y = batch()
            ours_first = float(cross_entropy(model(x).reshape(-1, VOCAB), autograd.tensor(y.reshape(-1))))
        assert abs(ours_first - torch_first) < 1e-4, (
            f"same weights, different loss: {ours_first} vs {torch_first}"
        )
        print(
            f"  same weights in both: initial loss {ours_first:.5f} (TinyTorch), {torch_first:.5f} (PyTorch)"
        )
    step = tinytorch_step(model)
    tt_tensor.manual_seed(0)
    workers = tt_tensor.threads.workers()
    parallel_step = tinytorch_step(nn.DataParallel(GPT(CONFIG)))  # the same initial weights
    threads = (1, 2)
    ours: dict[int, list[float]] = {n: [] for n in threads}
    theirs: dict[int, list[float]] = {n: [] for n in threads}
    parallel: list[float] = []
    for _ in range(rounds):  # alternate every side and thread count, so load changes hit all alike
        for n in threads:
            set_num_threads(n)
            ours[n].append(median_time(step, repeats))
            if torch_side is not None:
                set_torch_threads(n)
                theirs[n].append(median_time(torch_side, repeats))
        set_num_threads(max(threads))
        parallel.append(median_time(parallel_step, repeats))
    set_num_threads(max(threads))
    t_ours = {n: statistics.median(times) for n, times in ours.items()}
    best = min(t_ours, key=t_ours.get)
    for n in threads:
        line = f"  TinyTorch, {n} BLAS thread{'s' if n > 1 else ' '}: {t_ours[n] * 1e3:6.0f} ms per step"
        if theirs[n]:
            line += (
                f"; PyTorch, {n} thread{'s' if n > 1 else ' '}: {statistics.median(theirs[n]) * 1e3:6.0f} ms"
            )
        print(line)
    t_parallel = statistics.median(parallel)
    print(f"  TinyTorch, nn.DataParallel on {workers} worker threads: {t_parallel * 1e3:6.0f} ms per step, "
          f"{BATCH * CONTEXT / t_parallel:,.0f} tokens/s")  # fmt: skip
    tokens = BATCH * CONTEXT / t_ours[best]
    print(f"  TinyTorch (best: {best} thread{'s' if best > 1 else ''}): {tokens:,.0f} tokens/s")
    if torch_side is not None:
        t_torch = {n: statistics.median(times) for n, times in theirs.items()}
        fastest = min(t_torch, key=t_torch.get)
        print(f"  PyTorch (best: {fastest} thread{'s' if fastest > 1 else ''}): "
              f"{BATCH * CONTEXT / t_torch[fastest]:,.0f} tokens/s")  # fmt: skip
        print(f"  ratio tinytorch/torch, 2 threads each: {t_ours[2] / t_torch[2]:.2f}x; "
              f"best of each: {t_ours[best] / t_torch[fastest]:.2f}x  (goal <= 1.5x)")  # fmt: skip
        print(f"  ratio tinytorch nn.DataParallel / torch 2 threads: {t_parallel / t_torch[2]:.2f}x  "
              "(issue #19's goal: <= 1.15x)")  # fmt: skip
    set_num_threads(best)
    print("  where a TinyTorch step goes (ms):")
    spent = profile(step, 2 if args.quick else 4)
    for group, ms in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"    {group:28s} {ms:7.1f}")
    bpe = bench_bpe()
    print(
        f"BPE: trained to 1,024 ids on tiny-shakespeare (1.1 MB) in {bpe['train_s']:.2f} s; encoded it in "
        f"{bpe['encode_s']:.2f} s ({bpe['chars_per_token']:.2f} characters per token)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
