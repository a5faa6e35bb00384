"""Milestone 05 — 2017, Transformers: a GPT writes Shakespeare.

"Attention Is All You Need" (2017) replaced recurrence with attention; GPT
(2018) stacked its decoder blocks into a language model. This script trains
such a model, character by character, on tiny-shakespeare (1.1 MB of plays),
holding out the last 10% of the text, and must reach a **validation loss of
at most 1.60 nats per character within 15 minutes of wall time** on a 2-core
CPU — the level where the samples look like Shakespeare's layout and
spelling. PyTorch's own curve for this model on the same machine kind, with
lr 2e-3 decayed over its ~9-minute run, is in ``../shared/PERF-NOTES.md``: 1.83
after 2 minutes, 1.62 after 5.5, 1.56 after 9.

The recipe: 4 pre-LayerNorm blocks, width 128, 4 heads, context 128, GELU
MLP ×4, tied embeddings (~0.8M parameters); batch 32 random windows; AdamW
(lr 4e-3, betas 0.9/0.99, weight decay 0.1 on matrices), 100 warm-up steps,
then cosine decay to 10% over the first 600 s of training (``--decay-time``),
then 10% until the end — nanoGPT's schedule with ``lr_decay_iters`` shorter
than the run. Both serve the time to 1.60: with lr 2e-3 and the cosine spread
over the whole 15 minutes, the runs recorded in BENCHMARKS.md first met 1.60
after 428–817 s, with this schedule after 427 s (one process) and 453 s (two
ranks, a slower phase of the machine); the minutes at the floor rate then
lower it further (1.52). The run is budgeted in wall time: the schedule
follows the training time spent, so the run ends on time on a slower or
busier machine (with fewer steps).

``--bpe`` trains a byte-level BPE tokenizer on the training text first and
models tokens instead of characters; its loss is still reported in nats per
character (total nats over the held-out text / its characters), so the two
compare. ``--quick`` is a smoke run on a slice with a tiny model, for CI.

It prints progress, saves the weights (a pickle-free ``.npz``), the
tokenizer and the config, draws the loss curve (with matplotlib), prints a
generated sample and ends with a ``VERDICT:`` line; it exits non-zero on failure.

Run: ``python milestones/05_gpt_shakespeare.py [--bpe] [--quick]`` (or ``nox -s milestones -- 05``).

Data parallel: ``mpiexec -n N python milestones/05_gpt_shakespeare.py`` runs the same recipe on N
ranks (tt.distributed): the global batch of 32 windows is drawn as before, each rank trains on its
N-th of it with one BLAS thread, DistributedDataParallel averages the gradients, rank 0's clock
decides the schedule for everyone, the ranks evaluate a share of the windows each, and rank 0
alone prints, saves and records. In one process, each batch is cut over the worker threads the
same way (``nn.DataParallel``: the same update, both cores busy for the whole step;
``--no-data-parallel`` turns it off and lets a ThreadTuner pick 1 or 2 BLAS threads instead).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import sys
import time
from pathlib import Path

import _record  # milestones/_record.py: plotting and the run's record for the docs
import numpy as np
import tt_autograd as autograd
import tt_dist as dist
import tt_optim
import tt_tensor
from tt_nn.functional import cross_entropy
from tt_tensor.threads import ThreadTuner
from tt_text import GPT, BPETokenizer, CharTokenizer, GPTConfig, TokenWindows, load_tiny_shakespeare

TARGET = 1.60  # nats per character on the held-out 10%
TIME_LIMIT_S = 900.0  # 15 minutes, from start to verdict
RESERVE_S = 45.0  # kept back from training for the final evaluation, the sample and saving
#: PyTorch's validation loss by wall time for this model, lr 2e-3, on this machine (shared/PERF-NOTES.md).
PYTORCH_CURVE = ((68, 2.11), (133, 1.83), (202, 1.74), (266, 1.66), (331, 1.62), (394, 1.58), (461, 1.56))
QUICK_TARGET = 3.0  # --quick: clearly learning (uniform guessing over 65 characters is 4.17)


def reuse_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse instead of returning it to the system.

    A training step makes and drops hundreds of arrays of a few megabytes.
    By default glibc gives each one fresh pages from the kernel (``mmap``),
    and the first write to every 4 kB page traps into the kernel; keeping
    them in the heap made a step ~10% faster here. Returns False where this
    is not glibc (then nothing changes).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
        return bool(
            libc.mallopt(m_mmap_threshold, 1 << 30)
            and libc.mallopt(m_trim_threshold, (1 << 31) - 1)
            and libc.mallopt(m_top_pad, 1 << 28)
        )
    except (OSError, AttributeError):
        return False


def prepare(args: argparse.Namespace) -> dict:
    """Text, tokenizer, train/validation windows, and the characters each token id stands for."""
    text = load_tiny_shakespeare()
    if args.quick:
        text = text[:120_000]
    cut = round(len(text) * 0.9)  # the last 10% is held out
    train_text, val_text = text[:cut], text[cut:]
    start = time.perf_counter()
    if args.bpe:
        tokenizer = BPETokenizer().train(train_text, vocab_size=args.vocab_size)
    else:
        tokenizer = CharTokenizer().train(text)  # the character set of the whole file (65)
    tokenizer_s = time.perf_counter() - start
    train_ids, val_ids = np.array(tokenizer.encode(train_text)), np.array(tokenizer.encode(val_text))
    chars = np.array([len(tokenizer.decode([i])) for i in range(tokenizer.vocab_size)], dtype=np.float64)
    print(
        f"tiny-shakespeare: {len(train_text):,} train / {len(val_text):,} validation characters; "
        f"{type(tokenizer).__name__} with {tokenizer.vocab_size} ids ({tokenizer_s:.2f} s); "
        f"{len(train_ids):,} / {len(val_ids):,} tokens ({len(val_text) / len(val_ids):.2f} chars per token)"
    )
    return {
        "tokenizer": tokenizer,
        "tokenizer_s": tokenizer_s,
        "train": TokenWindows(train_ids, args.block_size),
        "val": TokenWindows(val_ids, args.block_size),
        "chars_per_id": chars,
    }


def param_groups(model: GPT, weight_decay: float) -> list[dict]:
    """Weight decay on matrices (Linear and embedding weights), none on biases and LayerNorm gains."""
    decay = [p for p in model.parameters() if p.ndim >= 2]
    other = [p for p in model.parameters() if p.ndim < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": other, "weight_decay": 0.0}]


def learning_rate(step: int, progress: float, args: argparse.Namespace) -> float:
    """Linear warm-up over ``args.warmup`` steps, then cosine from ``lr`` to ``lr * min_lr_ratio``.

    ``progress`` is the fraction of the decay done (time spent / ``--decay-time``, or steps /
    ``--max-steps`` if that is further); from 1 on, the rate stays at ``lr * min_lr_ratio``.
    """
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return args.lr * (args.min_lr_ratio + (1 - args.min_lr_ratio) * cosine)


def evaluate(
    model: GPT,
    windows: TokenWindows,
    chars_per_id: np.ndarray,
    max_windows: int | None = None,
    batch_size: int = 64,
    sharded: bool = False,
) -> float:
    """Validation loss in nats per character over non-overlapping windows.

    All of them, or ``max_windows`` spread evenly over the held-out text (the
    first few alone are not representative: the text changes from play to play).
    ``sharded`` (data parallel): every rank scores its share of them and the sums are added up
    over the ranks; pass the unwrapped model (its forward has no collectives).
    """
    count = len(windows)
    chosen = np.arange(count) if max_windows is None else np.linspace(0, count - 1, min(max_windows, count))
    chosen = chosen.astype(np.int64)
    if sharded:
        chosen = np.array_split(chosen, dist.get_world_size())[dist.get_rank()]
    nats = chars = 0.0
    was_training = model.training
    model.eval()
    with autograd.no_grad():
        for start in range(0, len(chosen), batch_size):
            x, y = windows.__getitems__(chosen[start : start + batch_size])
            logits = model(x)
            nats += float(cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"))
            chars += float(chars_per_id[y.numpy()].sum())
    model.train(was_training)
    if sharded:
        nats, chars = dist.sum_over_ranks(nats, chars)
    return nats / chars


def train(model: GPT, data: dict, args: argparse.Namespace, deadline: float, start: float) -> dict:
    """The training loop; stops at ``args.max_steps`` or when the wall clock reaches ``deadline``.

    Under ``mpiexec -n N`` (a process group is initialized) the model is wrapped in
    DistributedDataParallel, each rank trains on its slice of the same global batch, and the
    schedule's progress is rank 0's, broadcast every step, so every rank stops at the same step.
    """
    parallel = dist.is_initialized() and dist.get_world_size() > 1
    rank, ranks = (dist.get_rank(), dist.get_world_size()) if parallel else (0, 1)
    if parallel:
        net = dist.DistributedDataParallel(model, forward_sync_buffers=False)  # (the mask: equal already)
    else:  # one process: each batch cut over the worker threads (nn.DataParallel), if it has several
        net = _record.over_threads(model, args)
    threaded = not parallel and net is not model
    optimizer = tt_optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.99))
    generator = tt_tensor.Generator(args.seed)
    tuner = ThreadTuner(recheck=50)  # 1 or 2 BLAS threads, whichever is faster right now
    train_start = time.perf_counter()
    budget = deadline - train_start
    history = {"step": [], "time_s": [], "val": [], "train": []}
    smoothed = None
    step = 0
    reached_at = None
    while step < args.max_steps:
        spent, steps_done = time.perf_counter() - train_start, step / args.max_steps
        progress = max(steps_done, spent / budget)
        decayed = max(steps_done, spent / min(budget, args.decay_time))
        if parallel:  # rank 0's clock decides, for every rank
            progress, decayed = dist.from_rank_zero(progress, decayed)
        if progress >= 1.0:
            break
        lr = learning_rate(step, decayed, args)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = data["train"].random_batch(args.batch_size, generator)
        if parallel:  # the same global batch on every rank; each trains on its slice
            share = args.batch_size // ranks
            x, y = x[rank * share : (rank + 1) * share], y[rank * share : (rank + 1) * share]

        def one_step(x=x, y=y) -> float:
            logits = net(x)
            loss = cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()  # under DDP: the gradients are averaged over the ranks here
            tt_optim.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            return float(loss)

        value = one_step() if parallel or threaded else tuner.step(one_step)
        step += 1
        smoothed = value if smoothed is None else 0.9 * smoothed + 0.1 * value
        if step % args.eval_interval == 0 or step == args.max_steps:
            val = evaluate(net if threaded else model, data["val"], data["chars_per_id"], args.eval_windows,
                           sharded=parallel)  # fmt: skip
            if parallel:  # the mean over the ranks' smoothed losses (the smoothing is linear)
                smoothed = dist.sum_over_ranks(smoothed)[0] / ranks
            elapsed = time.perf_counter() - start
            for key, item in (("step", step), ("time_s", elapsed), ("val", val), ("train", smoothed)):
                history[key].append(item)
            if reached_at is None and val <= args.target:
                reached_at = elapsed
            per_step = (time.perf_counter() - train_start) / step
            tokens = args.batch_size * args.block_size / per_step
            threads = f"{tuner.choice} BLAS thread{'s' if tuner.choice > 1 else ''}"
            if parallel:
                threads = f"{ranks} ranks x 1 BLAS thread"
            elif threaded:
                threads = f"nn.DataParallel over {tt_tensor.threads.workers()} threads x 1 BLAS thread"
            print(
                f"step {step:5d} | lr {lr:.2e} | train {smoothed:.3f} | val {val:.3f} nats/char | "
                f"{elapsed:6.1f} s | {per_step * 1e3:5.0f} ms/step | {tokens:7,.0f} tokens/s | {threads}",
                flush=True,
            )
    history["steps"] = step
    history["train_s"] = time.perf_counter() - train_start
    history["reached_target_s"] = reached_at
    return history


def save(model: GPT, tokenizer, folder: Path, name: str) -> Path:
    """Weights (pickle-free .npz via tt_optim.save), the tokenizer JSON and the config JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{name}.npz"
    tt_optim.save(model.state_dict(), weights)
    tokenizer.save(folder / f"{name}.tokenizer.json")
    (folder / f"{name}.config.json").write_text(json.dumps(model.config.to_dict(), indent=2) + "\n")
    return weights


def plot(history: dict, path: Path, title: str, target: float, quick: bool) -> Path | None:
    """Validation loss against wall time, with PyTorch's curve for this model (lr 2e-3, PERF-NOTES)."""
    plt = _record.pyplot()
    if plt is None:
        return None
    figure, axis = plt.subplots(figsize=(7, 4.5))
    axis.plot(history["time_s"], history["val"], "o-", ms=3, label="TinyTorch, validation")
    axis.plot(history["time_s"], history["train"], "-", alpha=0.6, label="TinyTorch, training (smoothed)")
    if not quick:
        times, losses = zip(*PYTORCH_CURVE)
        axis.plot(times, losses, "s--", ms=3, color="gray", label="PyTorch 2.13, lr 2e-3 (PERF-NOTES)")
    if "final" in history:
        axis.plot(*history["final"], "*", ms=12, color="tab:blue", label="TinyTorch, whole held-out text")
    axis.axhline(target, color="tab:red", lw=1, ls=":", label=f"target {target:.2f}")
    axis.set(xlabel="wall time (s)", ylabel="loss (nats per character)", title=title)
    axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: a 120k-character slice, a tiny model"
    )
    parser.add_argument("--bpe", action="store_true", help="byte-level BPE tokens instead of characters")
    parser.add_argument("--vocab-size", type=int, default=512, help="BPE vocabulary size")
    parser.add_argument(
        "--time-limit", type=float, default=TIME_LIMIT_S, help="seconds from start to verdict"
    )
    parser.add_argument("--max-steps", type=int, default=6000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--block-size", type=int, default=128)
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--n-embd", type=int, default=128)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--min-lr-ratio", type=float, default=0.1)
    parser.add_argument(
        "--decay-time", type=float, default=600.0,
        help="seconds of training over which the rate decays to lr * min-lr-ratio (then stays there)",
    )  # fmt: skip
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--eval-interval", type=int, default=100)
    parser.add_argument("--eval-windows", type=int, default=128, help="validation windows per progress check")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-plot", action="store_true")
    _record.output_arguments(parser)
    parser.add_argument(
        "--save-dir",
        type=Path,
        default=Path("~/.cache/tinytorch/milestones/05").expanduser(),
        help="folder for the weights, tokenizer and config",
    )
    _record.export_argument(parser)
    _record.data_parallel_argument(parser)
    args = parser.parse_args(argv)
    if args.quick:
        smoke = {"max_steps": 80, "n_layer": 2, "n_embd": 64, "block_size": 64, "batch_size": 16,
                 "eval_interval": 20, "eval_windows": 32, "warmup": 10, "vocab_size": 320}  # fmt: skip
        for name, value in smoke.items():
            if getattr(args, name) == parser.get_default(name):  # explicit options still win
                setattr(args, name, value)
    args.target = QUICK_TARGET if args.quick else TARGET
    if args.out is None or args.record:  # output_folder refuses --record beside --out
        folder = _record.output_folder(args)
        args.out = folder / "05-bpe" if args.bpe else folder
    return args


def verdict_line(
    kind: str, val: float, steps: int, elapsed: float, args: argparse.Namespace
) -> tuple[bool, str]:
    """Whether the run passed, and the ``VERDICT:`` line that says so."""
    summary = f"{kind}-level GPT: validation loss {val:.3f} nats/char after {steps} steps, {elapsed:.0f} s"
    goal = f"<= {args.target:.2f} nats/char within {args.time_limit:.0f} s"
    if val <= args.target and elapsed <= args.time_limit:
        return True, f"VERDICT: PASS — {summary} (target {goal})"
    reason = "the loss is above the target" if val > args.target else "over the time limit"
    return False, f"VERDICT: FAIL — {summary}: {reason} (target {goal})"


def join_the_job(args: argparse.Namespace) -> int:
    """Under ``mpiexec -n N`` (N > 1): join the process group, one BLAS thread per rank; the world size.

    Ranks other than 0 print nothing (their stdout goes to /dev/null; errors still show).
    A plain ``python`` run returns 1 and changes nothing.
    """
    ranks = dist.launched_world_size()
    if ranks == 1:
        return 1
    if args.batch_size % ranks:
        raise ValueError(
            f"milestone 05: the global batch of {args.batch_size} windows does not split over {ranks} ranks; "
            f"launch with a world size that divides it, or pass --batch-size a multiple of {ranks}"
        )
    rank, ranks = dist.setup(blas_threads=1)  # the size MPI itself reports from here on
    if rank != 0:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (for the life of the process)
    return ranks


def main(argv: list[str] | None = None) -> int:
    start = time.perf_counter()
    args = parse(argv)
    ranks = join_the_job(args)
    reuse_freed_memory()
    tt_tensor.manual_seed(args.seed)
    kind = "BPE" if args.bpe else "character"
    quick = " (quick smoke run)" if args.quick else ""
    print(
        f"Milestone 05: a {kind}-level GPT on tiny-shakespeare; target {args.target:.2f} nats/char on the "
        f"held-out 10% within {args.time_limit:.0f} s{quick}"
    )
    if ranks > 1:
        share = args.batch_size // ranks
        print(f"data parallel: {ranks} ranks (mpiexec), {share} windows each, 1 BLAS thread each")
    data = prepare(args)
    tokenizer = data["tokenizer"]
    config = GPTConfig(
        vocab_size=tokenizer.vocab_size,
        block_size=args.block_size,
        n_layer=args.n_layer,
        n_head=args.n_head,
        n_embd=args.n_embd,
        gelu_approximate="tanh",
    )
    model = GPT(config)
    n_params = model.num_parameters(non_embedding=False)
    print(
        f"GPT: {args.n_layer} layers, width {args.n_embd}, {args.n_head} heads, context {args.block_size}; "
        f"{n_params:,} parameters; batch {args.batch_size}; AdamW, lr {args.lr}"
    )
    floor = f"{args.min_lr_ratio:.0%}"
    print(f"the learning rate follows the training time spent: warm-up, cosine to {floor} over "
          f"{args.decay_time:.0f} s, then {floor} until the time budget ends")  # fmt: skip
    deadline = start + args.time_limit - (5.0 if args.quick else RESERVE_S)
    history = train(model, data, args, deadline, start)
    val = evaluate(model, data["val"], data["chars_per_id"], sharded=ranks > 1)
    elapsed = time.perf_counter() - start
    if not dist.is_main_process():
        return 0  # rank 0 alone saves, samples, plots and records
    print(f"final validation loss over the whole held-out text: {val:.4f} nats/char at {elapsed:.1f} s")
    history["final"] = (elapsed, val)
    name = ("gpt_bpe" if args.bpe else "gpt_char") + ("_quick" if args.quick else "")
    weights = save(model, tokenizer, args.save_dir, name)
    print(f"weights, tokenizer and config saved to {weights.parent} ({weights.name})")
    if args.export is not None:
        example = data["val"].__getitems__(np.arange(2))[0]  # two windows of ids to trace
        _record.export_model(model, example, args.export, {"config": json.dumps(model.config.to_dict())})
    prompt = np.array([tokenizer.encode("\n")])
    generator = tt_tensor.Generator(args.seed)
    new_tokens = 150 if args.quick else 400
    sample_ids = model.generate(prompt, new_tokens, temperature=0.8, top_k=40, generator=generator)
    sample = tokenizer.decode(sample_ids[0].tolist()[1:])
    print("sample (temperature 0.8, top-k 40):\n" + "-" * 60 + f"\n{sample}\n" + "-" * 60)
    figures = []
    figure = f"05_gpt_shakespeare{'_bpe' if args.bpe else ''}{'_quick' if args.quick else ''}.png"
    if not args.no_plot:
        saved = plot(history, args.out / figure, f"Milestone 05: {kind}-level GPT", args.target, args.quick)
        if saved is not None:
            print(f"figure saved to {saved}")
            figures.append(figure)
    passed, verdict = verdict_line(kind, val, history["steps"], elapsed, args)
    per_step = history["train_s"] / max(history["steps"], 1)
    reached = history["reached_target_s"]
    metrics = {
        "validation loss (nats/char)": round(val, 4),
        "target (nats/char)": args.target,
        "seconds to the final validation loss": round(elapsed, 1),
        "seconds until a periodic check first met the target": "never"
        if reached is None
        else round(reached, 1),
        "training steps": history["steps"],
        "ms per step": round(per_step * 1e3, 1),
        "tokens per second": round(args.batch_size * args.block_size / per_step),
        "tokenizer": f"{type(tokenizer).__name__}, {tokenizer.vocab_size} ids",
        "tokenizer training (s)": round(data["tokenizer_s"], 2),
        "parameters": n_params,
        "sample": sample[:300],
    }
    if ranks > 1:
        metrics["ranks (mpiexec -n)"] = ranks
    elif _record.data_parallel_threads(args):
        metrics["threads (nn.DataParallel)"] = _record.data_parallel_threads(args)
    wall = time.perf_counter() - start
    _record.write(
        "05",
        verdict=verdict,
        passed=passed,
        metrics=metrics,
        figures=figures,
        out_dir=args.out,
        wall_time_s=wall,
    )
    print(verdict)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
