"""A learner's first three modules, scripted: init, start, a planted bug, the fix, complete.

1. ``tito init`` makes a learner's edition from this checkout.
2. For modules 01–03 (one per package: tensor, autograd, nn), in order: ``tito module start
   NN``; ``tito module test NN`` on the stubs must fail with a short report (under
   :data:`MAX_LINES` lines) that lists the module's exercises still to write; the reference
   answers go back in (``tito instructor refill``, standing in for the learner's work) with
   one known bug planted (:data:`BUGS`: the slips the tests exist to catch); ``tito module test NN`` must
   fail again, naming a failing test of module NN and no exercise left to write; the bug
   is fixed and ``tito module complete NN`` must pass.

Prints one line per step with its time, and for each module the size of the report on
its stubs. Run by ``nox -s learner-edition`` (CI). Exits 1 if any step did not hold.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 200

#: module -> (file, reference text, planted bug): one slip per module, each a line a learner
#: could plausibly write. The reference text must occur exactly once in the file.
BUGS: dict[int, tuple[str, str, str]] = {
    1: (
        "packages/tt-tensor/src/tt_tensor/reduce.py",
        "np.var(as_float(a), axis=axis, ddof=correction, keepdims=keepdim)",
        "np.var(as_float(a), axis=axis, ddof=0, keepdims=keepdim)",  # ignores Bessel's correction
    ),
    2: (
        "packages/tt-autograd/src/tt_autograd/functions/arithmetic.py",
        "unbroadcast(-grad, ctx.shapes[1]) if need_b else None,",
        "unbroadcast(grad, ctx.shapes[1]) if need_b else None,",  # a - b: the sign of b's gradient
    ),
    3: (
        "packages/tt-nn/src/tt_nn/functional/activations.py",
        "slope = np.where(x > 0,",
        "slope = np.where(x >= 0,",  # LeakyReLU's slope at exactly 0
    ),
}


def tito(*args: str) -> tuple[int, str, float]:
    start = time.perf_counter()
    command = [sys.executable, "-c", "from tinytorch.cli import main; main()", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


def check(label: str, ok: bool, seconds: float, output: str, failures: list[str]) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {label} ({seconds:.0f} s)", flush=True)
    if not ok:
        print("\n".join(f"      {line}" for line in output.strip().splitlines()[-30:]), flush=True)
        failures.append(label)


def journey(edition: Path) -> list[str]:
    failures: list[str] = []
    code, out, seconds = tito("init", str(edition), "--reference", str(ROOT))
    check("tito init", code == 0, seconds, out, failures)
    if code != 0:
        return failures
    where = ("--workspace", str(edition))
    for number, (relative, reference, bug) in BUGS.items():
        tag = f"{number:02d}"
        code, out, seconds = tito("module", "start", tag, *where)
        check(f"module {tag}: start", code == 0 and "exercises to write" in out, seconds, out, failures)

        code, out, seconds = tito("module", "test", tag, *where)
        lines = out.strip().splitlines()
        named = any("reach" in line for line in lines)  # "<file>:<line>  <exercise>  (N tests reach it)"
        ok = code == 1 and len(lines) < MAX_LINES and "still to write" in out and named
        label = f"module {tag}: test on the stubs fails, {len(lines)} lines of report"
        check(label, ok, seconds, out, failures)

        code, out, seconds = tito("instructor", "refill", tag, "--reference", str(ROOT), *where)
        check(f"module {tag}: reference answers back in", code == 0, seconds, out, failures)
        path = edition / relative
        text = path.read_text()
        if text.count(reference) != 1:
            check(f"module {tag}: plant the bug in {relative}", False, 0, "reference text not once", failures)
            continue
        path.write_text(text.replace(reference, bug))
        code, out, seconds = tito("module", "test", tag, *where)
        named = f"tests/test_{tag}_" in out and "failing:" in out
        ok = code == 1 and named and "still to write" not in out
        check(f"module {tag}: test with the planted bug fails and names a test", ok, seconds, out, failures)

        path.write_text(text)
        code, out, seconds = tito("module", "complete", tag, *where)
        check(f"module {tag}: complete after the fix", code == 0, seconds, out, failures)
    return failures


def main() -> int:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tt-journey-") as scratch:
        failures = journey(Path(scratch) / "my-tinytorch")
    seconds = time.perf_counter() - start
    if failures:
        print(f"learner's journey: {len(failures)} step(s) failed ({seconds:.0f} s)")
        return 1
    print(f"learner's journey: modules 01-03 started, tested, debugged and completed ({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
