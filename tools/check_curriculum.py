"""Prove every module's tests test it: they pass on the solution and fail on its stubs.

For each module (all that exist, or those named: ``check_curriculum.py 01 02``),
in a temporary copy of the repository:

1. **control run**: the module's tests (``test_NN_*.py`` in every package it
   touches) on the unstubbed copy. Every file must collect and produce results,
   and every test must pass; otherwise the module fails and the stubbed run is
   not attempted (a failure on stubs would prove nothing).
2. **stubbed run**: the module's solution regions replaced with stubs
   (``tinytorch.exercises``), in every package it touches; the packages must
   still import, then the same tests run again.

The rule. A module passes only if, on the stubs,

* no test file errors at collection: a collection error hides every test of
  its file, so it never counts as "fails on stubs" — tests must be collectable
  with the stubs in place (build objects inside tests or fixtures, not at
  module level);
* every test of the control run ran again (none hidden, e.g. by a parametrize
  list computed from stubbed code);
* every test file has at least one failing test.

Core and extras (``# BEGIN SOLUTION NN extra`` regions, ``test_NN_*_extras.py`` tests; see
``tinytorch.exercises``). A module with extra regions must have extras' tests, and gets
two more runs, each after putting the solution back: **core stubbed** (extras kept) — every
core test file must have a failing test, so the core tests test the core regions and not
only the extras they may call; **extras stubbed** (core kept) — every extras' test file
must have a failing test. The core tests failing in that last run are counted and printed
("core tests that call an extra"): the reference's core may use its extras (exact GELU
calls the module's own erfc), a learner's core need not.

Tests still passing on the stubs are allowed (argument checks outside the
regions, say) but each is listed by node id, so a file whose tests only call
the code without checking it shows up. Each pytest run is one invocation over
all the module's files; modules run ``--jobs`` at a time (default 2).
Run it with ``nox -s curriculum``: the packages are found through
``PYTHONPATH`` in the copy, so the interpreter needs only pytest and NumPy.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The pytest plugin that records each test's outcome (shared with ``tito module test``).
REPORT_PLUGIN = ROOT / "src" / "tinytorch" / "cli" / "plugins"


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses looks its module up there
    spec.loader.exec_module(module)
    return module


curriculum = load("_tt_curriculum", ROOT / "src" / "tinytorch" / "curriculum.py")
exercises = load("_tt_exercises", ROOT / "src" / "tinytorch" / "exercises.py")


@dataclass
class Run:
    """One pytest run over a module's test files, as the ``tito_report`` plugin recorded it."""

    collected: list[str]
    outcomes: dict[str, str]
    collection_errors: list[dict[str, str]]
    output: str

    def files_without_results(self, files: list[str]) -> list[str]:
        seen = {nodeid.split("::")[0] for nodeid in self.outcomes}
        return [f for f in files if f not in seen]

    def failing(self) -> list[str]:
        return [n for n, outcome in self.outcomes.items() if outcome == "failed"]

    def not_failing(self) -> list[str]:
        return sorted(n for n, outcome in self.outcomes.items() if outcome != "failed")


@dataclass
class Result:
    """The verdict on one module, with what the table prints."""

    module: object
    regions: int = 0
    tests: int = 0
    failing: int = 0
    passing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def run_tests(tree: Path, module, files: list[str], report: Path) -> Run:
    """Run ``files`` (paths relative to ``tree``) in one pytest invocation, against ``tree``'s sources."""
    paths = [str(tree / "packages" / p / "src") for p in curriculum.closure(module.package)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(REPORT_PLUGIN)])}
    env["TITO_REPORT"] = str(report)
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tito_report",
        "--tb=no", "-o", "addopts=", "--import-mode=importlib", "--rootdir", str(tree), *files,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    output = (done.stdout + done.stderr)[-3000:]
    if not report.is_file():
        return Run([], {}, [{"nodeid": "pytest", "message": f"pytest wrote no report:\n{output}"}], output)
    data = json.loads(report.read_text())
    report.unlink()
    return Run(data["collected"], data["outcomes"], data["collection_errors"], output)


def last_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def imports_problem(tree: Path, module) -> str | None:
    """Why the packages of ``module``'s home closure do not import from ``tree``, or None."""
    packages = curriculum.closure(module.package)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(tree / "packages" / p / "src") for p in packages)}
    script = "; ".join(f"import {p.replace('-', '_')}" for p in packages)
    done = subprocess.run([sys.executable, "-c", script], cwd=tree, env=env, capture_output=True, text=True)
    return None if done.returncode == 0 else done.stderr.strip()[-600:]


def check(module, root: Path, workdir: Path) -> Result:
    """Control run, stubs, stubbed run: the verdict on ``module`` in a copy of ``root`` under ``workdir``."""
    started = time.perf_counter()
    result = Result(module)
    try:
        _check(module, exercises.copy_tree(root, workdir / "repo"), workdir, result, root)
    finally:
        result.seconds = time.perf_counter() - started
    return result


def _check(module, tree: Path, workdir: Path, result: Result, source: Path = ROOT) -> None:
    problems = result.problems
    regions = exercises.module_regions(tree, module.packages, module.number)
    files = [path.relative_to(tree).as_posix() for path in module.test_files(tree)]
    result.regions = len(regions)
    if not regions:
        problems.append(f"no '# BEGIN SOLUTION {module.tag}' regions in {', '.join(module.packages)}")
    if not files:
        problems.append(f"no test files match {' '.join(module.test_globs)}")
    if problems:
        return

    control = run_tests(tree, module, files, workdir / "control.json")
    result.tests = len(control.outcomes)
    for error in control.collection_errors:
        problems.append(f"control: {error['nodeid']} errors at collection: {last_line(error['message'])}")
    for name in control.files_without_results(files):
        problems.append(f"control: {name} produced no test results")
    for nodeid in control.not_failing():
        if control.outcomes[nodeid] == "skipped":
            problems.append(f"control: {nodeid} is skipped: the module's tests must all run and pass")
    for nodeid in sorted(control.failing()):
        problems.append(f"control: {nodeid} fails on the unstubbed solution")
    if problems:
        problems.append("(the stubbed run was not attempted: the tests must pass on the solution first)")
        return

    exercises.stub_module(tree, module.packages, module.number)
    broken = imports_problem(tree, module)
    if broken:
        problems.append(f"the packages no longer import with module {module.tag} stubbed:\n{broken}")
        return
    stubbed = run_tests(tree, module, files, workdir / "stubbed.json")
    hidden = sorted(set(control.outcomes) - set(stubbed.outcomes))
    errored = {error["nodeid"] for error in stubbed.collection_errors}
    for error in stubbed.collection_errors:
        count = sum(nodeid.split("::")[0] == error["nodeid"] for nodeid in hidden)
        problems.append(
            f"stubs: {error['nodeid']} errors at collection, hiding its {count} tests "
            f"(build objects inside tests or fixtures): {last_line(error['message'])}"
        )
    for name in stubbed.files_without_results(files):
        if name not in errored:
            problems.append(f"stubs: {name} produced no test results")
    for nodeid in hidden:
        if nodeid.split("::")[0] not in errored:
            problems.append(f"stubs: {nodeid} ran on the solution but not on the stubs")
    failing = stubbed.failing()
    result.failing = len(failing)
    result.passing = stubbed.not_failing()
    failing_files = {nodeid.split("::")[0] for nodeid in failing}
    for name in files:
        if name not in failing_files and name in {n.split("::")[0] for n in stubbed.outcomes}:
            problems.append(f"stubs: every test of {name} passes with the solution removed")
    if any(region.extra for region in regions):
        _check_parts(module, tree, workdir, result, source)


def _check_parts(module, tree: Path, workdir: Path, result: Result, source: Path) -> None:
    """The core and the extras stubbed one at a time: each part's tests must fail on its own stubs.

    Between the runs the solution goes back in from ``source``, the tree ``tree`` was copied from.
    """
    relative = {part: [p.relative_to(tree).as_posix() for p in module.test_files(tree, part)]
                for part in ("core", "extras")}  # fmt: skip
    if not relative["extras"]:
        result.problems.append(
            f"module {module.tag} has extra regions but no extras' tests (test_{module.tag}_*_extras.py)"
        )
        return
    for part, other in (("core", "extras"), ("extras", "core")):
        exercises.refill_module(tree, source, module.packages, module.number)
        exercises.stub_module(tree, module.packages, module.number, part=part)
        files = relative[part] + (relative[other] if part == "extras" else [])
        run = run_tests(tree, module, files, workdir / f"{part}.json")
        failing = {nodeid.split("::")[0] for nodeid in run.failing()}
        for name in relative[part]:
            if name not in failing:
                result.problems.append(f"{part} stubbed: every test of {name} passes with its {part} removed")
        if part == "extras":
            leaning = [n for n in run.failing() if n.split("::")[0] in relative["core"]]
            result.notes.append(
                f"extras stubbed: {len(leaning)} core tests call an extra in the reference "
                f"(a learner's core need not)"
            )


def report(result: Result) -> list[str]:
    """The lines printed for one module: verdict, problems, tests still passing on the stubs."""
    module = result.module
    verdict = "ok  " if result.ok else "FAIL"
    lines = [
        f"{verdict} module {module.tag} ({module.name}, {', '.join(module.packages)}): "
        f"{result.regions} regions; {result.tests} tests, {result.failing} fail on the stubs, "
        f"{len(result.passing)} still pass ({result.seconds:.0f} s)"
    ]
    lines += [f"     {problem}" for problem in result.problems]
    lines += [f"     note: {note}" for note in result.notes]
    if result.passing:
        lines.append("     still passing on the stubs:")
        lines += [f"       {nodeid}" for nodeid in result.passing]
    return lines


def table(results: list[Result]) -> list[str]:
    rows = ["module              tests  fail on stubs  pass on stubs  verdict  seconds"]
    for r in results:
        label = f"{r.module.tag} {r.module.name}"[:18]
        verdict = "ok" if r.ok else "FAIL"
        rows.append(
            f"{label:<18} {r.tests:>6} {r.failing:>14} {len(r.passing):>14}  {verdict:<7} {r.seconds:>8.0f}"
        )
    return rows


def check_one(module, root: Path) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"tt-curriculum-{module.tag}-") as workdir:
        result = check(module, root, Path(workdir))
    print("\n".join(report(result)), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="module numbers (default: every module whose package exists)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="modules checked at once (default 2)")
    args = parser.parse_args(argv)
    built = [m for m in curriculum.MODULES if curriculum.is_built(m, ROOT)]
    wanted = [curriculum.module(int(n)) for n in args.modules] or built
    started = time.perf_counter()
    disagreements = exercises.map_disagreements(ROOT, built)
    for problem in disagreements:
        print(f"FAIL module table: {problem}")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda m: check_one(m, ROOT), wanted))
    print()
    print("\n".join(table(results)))
    passed = sum(r.ok for r in results)
    print(
        f"curriculum: {passed}/{len(results)} modules pass on the solution, collect and fail on their "
        f"stubs; {sum(len(r.passing) for r in results)} tests still pass on stubs "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return 0 if passed == len(results) and not disagreements else 1


if __name__ == "__main__":
    sys.exit(main())
