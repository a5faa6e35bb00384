"""The learner's edition, end to end: export it, do the course in order, run every milestone.

1. ``tito instructor export`` writes the learner's edition (every module stubbed) to a
   temporary folder.
2. For each module in course order: ``tito instructor refill NN --reference <this checkout>``
   puts the module's reference answers back (standing in for the learner), then
   ``tito module complete NN`` runs its tests in the edition. Modules after NN are still
   stubbed at that point, so this proves progressive disclosure: module NN's tests and the
   code they reach use nothing from a later module.
3. Every milestone must then be unlocked, and its short run (``--quick`` where the script
   has it) must pass on the refilled edition, through ``tito milestone run`` (two runs at
   a time, one per core).
4. With ``--with-journey`` (``nox -s learner-edition`` passes it), tools/learner_journey.py
   runs meanwhile in a process of its own: steps 1-2 run one test process at a time and
   leave the second core idle. Its report is printed after step 3; its failure fails this.

Run it with ``nox -s learner-edition`` (CI does). Prints one line per step and the time;
exits 1 if any step failed. ``--keep`` leaves the edition in place for a look.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("_tt_curriculum", ROOT / "src" / "tinytorch" / "curriculum.py")
curriculum = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = curriculum  # dataclasses looks its module up there
_spec.loader.exec_module(curriculum)

#: Each milestone's short run: the arguments after ``tito milestone run NN --``. ``{out}`` is a
#: scratch folder for the record, figure and weights. The same runs as tests/test_milestone*.py.
QUICK: dict[int, tuple[str, ...]] = {
    1: ("--no-plot", "--out", "{out}"),
    2: ("--no-plot", "--steps", "300", "--out", "{out}"),
    3: ("--quick", "--no-plot", "--out", "{out}", "--weights", "{out}/03.npz"),
    4: ("--quick", "--no-plot", "--out", "{out}", "--weights", "{out}/04.npz"),
    5: ("--quick", "--no-plot", "--out", "{out}", "--save-dir", "{out}"),
    6: ("--quick", "--no-plot", "--out", "{out}", "--weights", "{out}/absent.npz"),
}


def tito(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from tinytorch.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def tail(done: subprocess.CompletedProcess, lines: int = 25) -> str:
    text = (done.stdout + done.stderr).strip().splitlines()
    return "\n".join(f"      {line}" for line in text[-lines:])


def step(label: str, done: subprocess.CompletedProcess, seconds: float, failures: list[str]) -> bool:
    ok = done.returncode == 0
    print(f"{'ok  ' if ok else 'FAIL'} {label} ({seconds:.0f} s)", flush=True)
    if not ok:
        print(tail(done), flush=True)
        failures.append(label)
    return ok


def run(edition: Path, scratch: Path) -> list[str]:
    failures: list[str] = []
    started = time.perf_counter()
    done = tito("instructor", "export", str(edition), "--workspace", str(ROOT))
    if not step(f"export the learner's edition to {edition}", done, time.perf_counter() - started, failures):
        return failures
    where = ("--workspace", str(edition))
    for module in curriculum.MODULES:
        if not curriculum.is_built(module, ROOT):
            continue
        started = time.perf_counter()
        done = tito("instructor", "refill", module.tag, "--reference", str(ROOT), *where)
        if not step(f"module {module.tag}: refill", done, time.perf_counter() - started, failures):
            continue
        started = time.perf_counter()
        done = tito("module", "complete", module.tag, *where)
        label = f"module {module.tag} ({module.name}): complete, with modules after it still stubbed"
        step(label, done, time.perf_counter() - started, failures)
    listing = tito("milestone", "list", "--json", *where)
    rows = json.loads(listing.stdout) if listing.returncode == 0 else []
    env = {**os.environ, "HOME": str(scratch / "home")}  # no decoded-data cache in the real home
    runs = []  # (row, arguments): the short runs to make, two at a time (one core each)
    for row in rows:
        number = int(row["milestone"])
        if not row["available"]:
            continue
        if not row["unlocked"]:
            print(f"FAIL milestone {row['milestone']} is still locked after every module was completed")
            failures.append(f"milestone {row['milestone']} locked")
            continue
        if number not in QUICK:
            print(f"FAIL milestone {row['milestone']} has no short run in QUICK (tools/learner_edition.py)")
            failures.append(f"milestone {row['milestone']} has no short run")
            continue
        out = scratch / f"milestone-{row['milestone']}"
        out.mkdir(parents=True)
        runs.append((row, [a.format(out=out) for a in QUICK[number]]))

    def short_run(job: tuple[dict, list[str]]) -> tuple[subprocess.CompletedProcess, float]:
        row, arguments = job
        started = time.perf_counter()
        done = tito("milestone", "run", row["milestone"], *where, "--", *arguments, env=env)
        return done, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=2) as pool:  # results printed in milestone order
        for (row, arguments), (done, seconds) in zip(runs, pool.map(short_run, runs)):
            verdict = (done.stdout.strip().splitlines() or [""])[-1]
            if done.returncode == 0 and not verdict.startswith("VERDICT: PASS"):
                done = subprocess.CompletedProcess(
                    done.args, 1, done.stdout, done.stderr + "\nno VERDICT: PASS"
                )
            kind = "--quick run" if "--quick" in arguments else "short run"
            label = f"milestone {row['milestone']} ({row['year']}), {kind}: {verdict}"
            step(label, done, seconds, failures)
    if not rows:
        print(f"FAIL tito milestone list:\n{tail(listing)}")
        failures.append("milestone list")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the edition (its path is printed)")
    parser.add_argument(
        "--with-journey",
        action="store_true",
        help="also run tools/learner_journey.py meanwhile, on the core the module steps leave idle",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="tt-learner-edition-"))
    journey = None
    try:
        if args.with_journey:
            log = (scratch / "journey.log").open("w+")
            script = str(ROOT / "tools" / "learner_journey.py")
            journey = subprocess.Popen([sys.executable, script], stdout=log, stderr=subprocess.STDOUT)
        failures = run(scratch / "edition", scratch / "runs")
        if journey is not None:
            returncode = journey.wait()
            log.seek(0)
            print(log.read(), end="", flush=True)
            log.close()
            if returncode != 0:
                failures.append("the learner's journey (tools/learner_journey.py)")
    finally:
        if journey is not None and journey.poll() is None:
            journey.kill()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.perf_counter() - started
    if failures:
        print(f"learner's edition: {len(failures)} steps failed ({seconds:.0f} s): {'; '.join(failures)}")
        return 1
    print(f"learner's edition: every module completes in order and every milestone passes ({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
