"""The fuzz suite of issue #14: bad inputs and damaged files by outcome, and ``kill -9`` during saves.

Run from the repository root (about two minutes on 2 cores)::

    python -m tools.fuzz                 # every case, then 20 kills
    python -m tools.fuzz --kills 0 -v    # cases only, listing every case that is not fine
    python -m tools.fuzz --json out.json

Each case runs in a forked child (so no case can disturb another, and a hang
can be killed) and ends in one of:

* **clear error**: an exception whose message names the op (or the file) and
  is not a NumPy-internal message such as "negative dimensions are not allowed";
* **correct result**: an input PyTorch accepts (an empty softmax, float16
  LayerNorm, a flipped bit in a part of a file nothing reads) gives the right
  answer (for a damaged file, a clear error naming it is fine too);
* **silent wrong**: a result that is wrong, or a bad input accepted;
* **obscure error**: an exception that does not name the op or the file, or
  a raw ``AttributeError``/``BadZipFile``/``RecursionError``-style one;
* **hang**: no answer within ``--timeout`` seconds; **crash**: the child died, or
  its result could not even be examined (printing it raised).

The ``kill -9`` experiment starts a process that saves an 8 MiB checkpoint in
a loop, kills it at a random moment, loads the file, and repeats; then one
more save must leave no temporary file behind.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

OUTCOMES = ("clear error", "correct result", "silent wrong", "obscure error", "hang", "crash")
RAW_TYPES = {
    "AttributeError", "RecursionError", "BadZipFile", "error", "EOFError", "UnicodeDecodeError",
    "JSONDecodeError", "AssertionError", "NameError", "UnboundLocalError", "StopIteration",
    "MemoryError", "ReadError", "BadGzipFile", "LargeZipFile",
}  # fmt: skip
NUMPY_INTERNAL = re.compile(
    r"operands could not be broadcast together|zero-size array to reduction|negative dimensions are not "
    r"allowed|cannot reshape array of size|unsupported operand type|'NoneType' object|not subscriptable|"
    r"invalid literal for int|only integers, slices|could not convert string to float|is out of bounds for "
    r"(array|axis)|setting an array element with a sequence|ufunc '|has no len\(\)"
)


def classify(case) -> tuple[str, str]:
    """Run one case (in the child) and name its outcome, with a short detail."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = case.run()
        except Exception as error:  # noqa: BLE001  (classifying every exception is the point)
            text = f"{type(error).__name__}: {error}"
            if case.check is not None and not case.names:
                return "obscure error", "refused an input PyTorch accepts: " + text
            message = str(error).lower()
            named = any(name.lower() in message for name in case.names)
            leading = any(message.startswith(name.lower()) for name in case.names)
            internal = NUMPY_INTERNAL.search(str(error)) and not leading
            clear = named and not internal and type(error).__name__ not in RAW_TYPES
            return ("clear error" if clear else "obscure error"), text
    if case.check is None:
        if isinstance(result, str) and result == "same":
            return "correct result", "loaded intact (the damage hit bytes nothing reads)"
        return "silent wrong", f"accepted: {str(result)[:200]}"
    try:
        good = bool(case.check(result))
    except Exception as error:  # noqa: BLE001
        return "silent wrong", f"the result fails its check ({type(error).__name__}: {error})"
    return ("correct result" if good else "silent wrong"), str(result)[:200]


def run_case(case, timeout: float) -> tuple[str, str, float]:
    """Fork, classify ``case`` in the child, and wait at most ``timeout`` seconds for its answer."""
    read, write = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            outcome, detail = classify(case)
        except BaseException as error:  # noqa: BLE001
            outcome, detail = "crash", f"{type(error).__name__}: {error}"
        os.write(write, json.dumps([outcome, detail[:400]]).encode())
        os._exit(0)
    os.close(write)
    chunks, deadline = [], start + timeout
    while True:
        ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.perf_counter()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            return "hang", f"no answer in {timeout:.0f} s", time.perf_counter() - start
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return "crash", f"the child died (status {status})", time.perf_counter() - start
    outcome, detail = json.loads(b"".join(chunks))
    return outcome, detail, time.perf_counter() - start


WRITER = """
import sys, numpy as np
import tinytorch as tt
from tt_optim import save_checkpoint
model = tt.nn.Sequential(tt.nn.Linear(1024, 1024), tt.nn.Linear(1024, 1024))  # 8 MiB of weights
opt = tt.optim.SGD(model.parameters(), lr=0.1)
print("ready", flush=True)
epoch = 0
while True:
    epoch += 1
    with tt.no_grad():
        model[0].bias.fill_(epoch)
    save_checkpoint(sys.argv[1], model=model, optimizer=opt, epoch=epoch)
"""


def kill_experiment(kills: int, seed: int = 14) -> dict[str, float]:
    """``kills`` × (start a saving process, ``kill -9`` it at a random moment, load the checkpoint)."""
    import numpy as np
    from tt_optim import load_checkpoint

    import tinytorch as tt

    folder = Path(tempfile.mkdtemp(prefix="tt-fuzz-kill-"))
    target = folder / "run.npz"
    rng = np.random.default_rng(seed)
    good, left, left_bytes, orphaned = 0, 0, 0, 0
    for _ in range(kills):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
        )
        writer.stdout.readline()
        time.sleep(rng.uniform(0.2, 1.5))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        try:
            checkpoint = load_checkpoint(target, restore_rng=False)
            epoch = checkpoint["epoch"]
            bias = checkpoint["model"]["0.bias"].numpy()
            good += int(checkpoint is not None and bool((bias == epoch).all()))
        except Exception as error:  # noqa: BLE001
            print(f"  load after a kill failed: {type(error).__name__}: {error}")
        temporaries = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        left = len(temporaries)
        left_bytes = sum(p.stat().st_size for p in temporaries)
        orphaned += int(bool(temporaries))
    tt.save({"after": 1}, folder / "other.npz")  # the next save to the folder
    after = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    return {
        "kills": kills,
        "good loads": good,
        "kills that left a temporary file": orphaned,
        "temporaries before the next save": f"{left} ({left_bytes / 2**20:.1f} MiB)",
        "temporaries after the next save": len(after),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="kill -9 rounds (0: skip)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a case counts as a hang")
    parser.add_argument("--json", type=Path, help="write every case's outcome here")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every case that is not fine")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tools.fuzz import (
        cases_api,
        cases_autograd,
        cases_autograd_graph,
        cases_files,
        cases_layers,
        cases_methods,
        cases_number_args,
        cases_probability_data,
        cases_tensorboard,
        cases_utilities,
    )

    cases = (
        cases_api.all_cases()
        + cases_layers.all_cases()
        + cases_methods.all_cases()
        + cases_number_args.all_cases()
        + cases_probability_data.all_cases()
        + cases_utilities.all_cases()
        + cases_autograd.all_cases()
        + cases_autograd_graph.all_cases()
        + cases_files.all_cases()
        + cases_tensorboard.all_cases()
    )
    start = time.perf_counter()
    table: dict[str, Counter] = defaultdict(Counter)
    records = []
    for case in cases:
        outcome, detail, seconds = run_case(case, args.timeout)
        table[case.group][outcome] += 1
        records.append({"group": case.group, "case": case.label, "outcome": outcome, "detail": detail})
        if args.verbose and outcome not in ("clear error", "correct result"):
            print(f"{outcome:>14}  {case.group}: {case.label}\n                {detail[:300]}")
    total = Counter()
    print(f"\n{'group':<22}" + "".join(f"{o:>15}" for o in OUTCOMES) + f"{'cases':>8}")
    for group, counts in table.items():
        total.update(counts)
        print(f"{group:<22}" + "".join(f"{counts[o]:>15}" for o in OUTCOMES) + f"{sum(counts.values()):>8}")
    print(f"{'all':<22}" + "".join(f"{total[o]:>15}" for o in OUTCOMES) + f"{sum(total.values()):>8}")
    print(f"{len(cases)} cases in {time.perf_counter() - start:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    if args.kills:
        result = kill_experiment(args.kills)
        print("kill -9 during save_checkpoint: " + ", ".join(f"{k}: {v}" for k, v in result.items()))
    bad = sum(total[o] for o in ("silent wrong", "obscure error", "hang", "crash"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
