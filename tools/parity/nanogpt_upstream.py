"""Karpathy's nanoGPT, run on TinyTorch with only its import lines changed.

Takes a checkout of https://github.com/karpathy/nanoGPT (the machine that runs
this needs no internet: point it at a local copy), copies it to a temporary
folder, rewrites the lines that import ``torch`` — ``import torch`` becomes
``import tinytorch as torch``, ``from torch.nn import ...`` becomes ``from
tinytorch.nn import ...`` — and nothing else, then runs nanoGPT's own scripts:

1. ``data/shakespeare_char/prepare.py`` on tiny-shakespeare from ``$TINYTORCH_DATA``;
2. ``train.py config/train_shakespeare_char.py --device=cpu --compile=False`` with a
   smaller model and ``--max_iters`` (default 20) so it runs in a few minutes, which
   evaluates, saves ``ckpt.pt`` and resumes nothing;
3. ``sample.py`` from that checkpoint with top-k sampling.

It checks that every script exits 0, the validation loss fell, and the samples
were printed, and writes the result to ``docs/assets/nanogpt_upstream.json``,
which the PyTorch coverage page reports. ``sample.py`` imports ``tiktoken``
(nanoGPT's own dependency): ``pip install tiktoken`` first.

Usage:
    python tools/parity/nanogpt_upstream.py PATH/TO/nanoGPT [--iters 20] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULT = ROOT / "docs" / "assets" / "nanogpt_upstream.json"
SCRIPTS = ("train.py", "model.py", "sample.py")
#: the only rewrites made: a module path that starts with torch, on an import line
IMPORT_LINE = re.compile(r"^(\s*)(import|from) torch(\b[\w.]*)(.*)$")
#: a small model so that the run takes minutes on two cores (nanoGPT's defaults are for a GPU)
SMALL = ["--block_size=64", "--batch_size=12", "--n_layer=4", "--n_head=4", "--n_embd=128", "--dropout=0.0"]


def rewrite_imports(source: str) -> tuple[str, list[tuple[str, str]]]:
    """``source`` with its torch imports pointed at tinytorch, and the (before, after) lines changed."""
    lines, changed = source.splitlines(keepends=True), []
    for number, line in enumerate(lines):
        match = IMPORT_LINE.match(line.rstrip("\n"))
        if not match:
            continue
        indent, keyword, path, rest = match.groups()
        if keyword == "import" and path == "" and not rest.strip().startswith("as"):
            new = f"{indent}import tinytorch as torch{rest}"  # `import torch` keeps the name torch
        else:
            new = f"{indent}{keyword} tinytorch{path}{rest}"
        changed.append((line.rstrip("\n"), new))
        lines[number] = new + "\n"
    return "".join(lines), changed


def run(command: list[str], folder: Path, what: str) -> str:
    """Run one of nanoGPT's scripts; its output, or a clear error with the tail of it."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=dict(os.environ))
    output = result.stdout + result.stderr
    print(f"  {what}: exit {result.returncode} in {time.perf_counter() - started:.0f} s")
    if result.returncode != 0:
        raise SystemExit(f"nanoGPT's {what} failed on TinyTorch:\n" + "\n".join(output.splitlines()[-30:]))
    return output


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nanogpt", type=Path, help="a checkout of karpathy/nanoGPT")
    parser.add_argument("--iters", type=int, default=20, help="training iterations (default 20)")
    parser.add_argument("--no-write", action="store_true", help=f"do not update {RESULT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if not all((args.nanogpt / name).is_file() for name in SCRIPTS):
        parser.error(f"{args.nanogpt} is not a nanoGPT checkout (it needs {', '.join(SCRIPTS)})")
    text = Path(os.environ.get("TINYTORCH_DATA", "")) / "tinyshakespeare.txt"
    if not text.is_file():
        parser.error(f"no {text}: set TINYTORCH_DATA to the folder holding tinyshakespeare.txt")

    with tempfile.TemporaryDirectory(prefix="nanogpt-") as temporary:
        folder = Path(temporary) / "nanoGPT"
        shutil.copytree(args.nanogpt, folder, ignore=shutil.ignore_patterns(".git"))
        changes = {}
        for name in SCRIPTS:
            source, changed = rewrite_imports((folder / name).read_text())
            (folder / name).write_text(source)
            changes[name] = changed
            for before, after in changed:
                print(f"  {name}: {before!r} -> {after!r}")
        shutil.copy(text, folder / "data" / "shakespeare_char" / "input.txt")
        python = sys.executable
        run([python, "data/shakespeare_char/prepare.py"], folder, "prepare.py")
        iters = str(args.iters)
        train = run(
            [
                python,
                "train.py",
                "config/train_shakespeare_char.py",
                "--device=cpu",
                "--compile=False",
                *SMALL,
                f"--max_iters={iters}",
                f"--lr_decay_iters={iters}",
                f"--eval_interval={iters}",
                "--eval_iters=20",
                "--log_interval=5",
            ],
            folder,
            "train.py",
        )
        sample = run(
            [
                python,
                "sample.py",
                "--out_dir=out-shakespeare-char",
                "--device=cpu",
                "--compile=False",
                "--num_samples=2",
                "--max_new_tokens=200",
                "--top_k=20",
            ],
            folder,
            "sample.py",
        )

    evaluations = [
        (int(s), float(t), float(v))
        for s, t, v in re.findall(r"step (\d+): train loss ([\d.]+), val loss ([\d.]+)", train)
    ]
    samples = sample.count("---------------")
    ok = len(evaluations) >= 2 and evaluations[-1][2] < evaluations[0][2] and samples == 2
    for step, train_loss, val_loss in evaluations:
        print(f"  step {step}: train loss {train_loss:.4f}, val loss {val_loss:.4f}")
    print(f"  samples printed: {samples}; result: {'pass' if ok else 'FAIL'}")
    if not args.no_write:
        commit = (
            subprocess.run(
                ["git", "-C", str(args.nanogpt), "rev-parse", "HEAD"], capture_output=True, text=True
            ).stdout.strip()
            or "unknown"
        )
        record = {
            "nanogpt_commit": commit,
            "iters": args.iters,
            "changed_lines": changes,
            "evaluations": evaluations,
            "samples": samples,
            "passed": ok,
        }
        RESULT.write_text(json.dumps(record, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
