"""Run a module's tests on mutants, in copies of the repository, two at a time at most.

Each worker owns one copy (``exercises.copy_tree``): it writes a mutant into the
copy, runs pytest there with ``PYTHONPATH`` pointing at the copy's
``packages/*/src``, and puts the original back. Bytecode is never written, so a
mutant of the same size and modification second cannot be shadowed by a stale
``.pyc``. Before any mutant, the module's tests run once clean (they must pass:
the timing sets the per-mutant timeout) and once under ``coverage`` with one
context per test, when coverage is importable: a mutant then runs only the tests
that execute its statement, and a mutant that no test executes survives without
a run. A test file's import (module-level models, parametrize arguments) is
credited to the whole file, and the setup of a fixture wider than a function
(a model built once per module) to every test that uses it, not only the first.
A module whose tests run its code in child processes (``mpiexec``, which
coverage cannot follow) runs all its tests on every mutant instead. pytest stops
at the first failure (``-x``).

A hypothesis profile (few examples, derandomized, no deadline) is loaded by a
small pytest plugin written into each copy, so property tests stay cheap and
every run is reproducible.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .operators import Mutant, exercises

PLUGIN = "_tt_mutation_plugin"
PLUGIN_SOURCE = '''"""pytest plugin for mutation runs: cheap hypothesis profile, coverage per test."""
import json
import os

import pytest

if os.environ.get("TT_MUTATION_HYPOTHESIS"):  # importing hypothesis costs a second or two: only if used
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "tt-mutation", max_examples=10, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )
    settings.load_profile("tt-mutation")

_coverage = None
_users = {}  # a wider-scoped fixture's context -> the node ids of the tests that use it
_current = [""]  # the context to return to after a fixture's setup


def pytest_configure(config):
    global _coverage
    data = os.environ.get("TT_MUTATION_COVERAGE")
    if data and _coverage is None:
        import coverage

        sources = os.environ["PYTHONPATH"].split(os.pathsep)
        _coverage = coverage.Coverage(data_file=data, include=[s + "/*" for s in sources], config_file=False)
        _coverage.start()


def _switch(context):
    _current[0] = context
    _coverage.switch_context(context)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A test file's import (module-level code, parametrize arguments) counts for the whole file."""
    if _coverage is None or not isinstance(collector, pytest.Module):
        yield
        return
    _switch(collector.nodeid)
    yield
    _switch("")


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """A module-, class-, package- or session-scoped fixture's setup counts for every test using it."""
    if _coverage is None or fixturedef.scope == "function":
        yield
        return
    back = _current[0]
    _coverage.switch_context(f"fixture:{fixturedef.argname}")
    yield
    _switch(back)


def pytest_runtest_setup(item):
    if _coverage is not None:
        for name in item.fixturenames:
            _users.setdefault(f"fixture:{name}", []).append(item.nodeid)
        _switch(item.nodeid)


def pytest_unconfigure(config):
    if _coverage is not None:
        _coverage.stop()
        _coverage.save()
        with open(os.environ["TT_MUTATION_COVERAGE"] + ".fixtures.json", "w") as out:
            json.dump(_users, out)  # read with the coverage data by runner.credited
'''

#: The plugin's coverage context of a wider-scoped fixture's setup, before the fixture's name.
FIXTURE = "fixture:"

KILLED, TIMEOUT, SURVIVED, UNCOVERED, NOT_RUN = "killed", "timeout", "survived", "not covered", "not run"


@dataclass
class Outcome:
    """What happened to one mutant."""

    mutant: Mutant
    status: str
    seconds: float = 0.0
    tests: int = 0  # how many tests were selected for it
    detail: str = ""


@dataclass
class Baseline:
    """The module's clean run: its tests, their time, and which tests execute which line."""

    tests: list[str]
    seconds: float
    lines: dict[str, dict[int, list[str]]] | None = None  # relpath → line → test node ids
    order: dict[str, int] = field(default_factory=dict)


class Workspace:
    """``workers`` copies of the repository, each used by one thread at a time."""

    def __init__(self, root: Path, workers: int = 2) -> None:
        self.root = root
        self._temp = tempfile.TemporaryDirectory(prefix="tt-mutation-")
        base = Path(self._temp.name)
        self.trees = []
        for index in range(max(1, min(workers, 2))):  # the machine's two cores
            tree = exercises.copy_tree(root, base / f"repo{index}")
            (tree / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE)
            self.trees.append(tree)
        self.base = base
        self._free = list(self.trees)
        self._lock = threading.Lock()
        self._texts: dict[str, str] = {}
        self._servers: dict[Path, subprocess.Popen] = {}

    def close(self) -> None:
        for server in self._servers.values():
            server.stdin.close()
            server.wait()
        self._temp.cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def acquire(self) -> Path:
        with self._lock:
            return self._free.pop()

    def release(self, tree: Path) -> None:
        with self._lock:
            self._free.append(tree)

    def env(self, tree: Path, **extra: str) -> dict[str, str]:
        sources = [str(p) for p in sorted(tree.glob("packages/*/src"))]
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TT_MUTATION_COVERAGE")}
        return {**env, "PYTHONPATH": os.pathsep.join(sources), "PYTHONDONTWRITEBYTECODE": "1", **extra}

    def text(self, tree: Path, relpath: str) -> str:
        """A test file's text, read once."""
        if relpath not in self._texts:
            self._texts[relpath] = (tree / relpath).read_text()
        return self._texts[relpath]

    def pytest(self, tree: Path, args: list[str], timeout: float | None, fork: bool = False, **extra: str):
        """(return code or None on timeout, seconds, output tail) of one pytest run in ``tree``.

        ``fork``: run it in the copy's fork server (see ``forkserver``) when it can.
        """
        if any("hypothesis" in self.text(tree, arg.split("::")[0]) for arg in args):
            extra = {"TT_MUTATION_HYPOTHESIS": "1", **extra}
        options = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", PLUGIN,
                   f"--basetemp={tree.parent / (tree.name + '-tmp')}", *args]  # fmt: skip
        if fork and hasattr(os, "fork"):
            answer = self._forked(tree, options, timeout, extra)
            if answer is not None:
                return answer
        command = [sys.executable, "-m", "pytest", *options]
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command, cwd=tree, env=self.env(tree, **extra), capture_output=True, text=True,
                timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return None, time.perf_counter() - start, ""
        return done.returncode, time.perf_counter() - start, (done.stdout + done.stderr)[-2000:]

    def _forked(self, tree: Path, options: list[str], timeout: float | None, extra: dict[str, str]):
        server = self._servers.get(tree)
        if server is None or server.poll() is not None:
            server = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("forkserver.py"))], cwd=tree,
                env=self.env(tree), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            self._servers[tree] = server
        log = tree.parent / f"{tree.name}.log"
        request = {"args": options, "env": extra, "log": str(log), "timeout": timeout}
        try:
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            answer = json.loads(server.stdout.readline())
        except (OSError, ValueError):  # the server died: run this one as a subprocess
            server.kill()
            return None
        output = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        return answer["code"], answer["seconds"], output


def module_tests(root: Path, module: int) -> list[str]:
    """Test files of module ``module`` in any package, relative to ``root``."""
    found = sorted(root.glob(f"packages/*/tests/test_{module:02d}_*.py"))
    return [p.relative_to(root).as_posix() for p in found]


def baseline(space: Workspace, module: int, use_coverage: bool = True) -> Baseline:
    """Run the module's tests clean (timed), then under coverage; raise if they fail clean."""
    tests = module_tests(space.root, module)
    if not tests:
        pattern = f"packages/*/tests/test_{module:02d}_*.py"
        raise RuntimeError(f"module {module:02d} has no tests: nothing matches {pattern}")
    tree = space.acquire()
    try:
        code, seconds, output = space.pytest(tree, tests, timeout=None)
        if code != 0:
            raise RuntimeError(f"module {module:02d}'s tests fail before any mutation:\n{output}")
        result = Baseline(tests, seconds)
        if use_coverage and _has_coverage() and not runs_elsewhere(space, tree, tests):
            data = space.base / f"coverage-{module:02d}"
            code, _, output = space.pytest(tree, tests, timeout=None, TT_MUTATION_COVERAGE=str(data))
            if code != 0:
                raise RuntimeError(f"module {module:02d}'s tests fail under coverage:\n{output}")
            result.lines, result.order = _read_coverage(data, tree)
        return result
    finally:
        space.release(tree)


#: Test code that runs the module's code in child processes (module 21's ``mpiexec`` ranks).
ELSEWHERE = ("mpirun(", "subprocess", "multiprocessing")  # MPI ranks, child processes, DataLoader workers


def runs_elsewhere(space: Workspace, tree: Path, tests: list[str]) -> bool:
    """Whether some test runs the code in another process, where per-test coverage cannot see it.

    Such a module runs every test on every mutant: selecting tests by coverage would
    leave the child processes' lines "not covered" and their mutants untested.
    """
    return any(marker in space.text(tree, test) for test in tests for marker in ELSEWHERE)


def _has_coverage() -> bool:
    try:
        import coverage  # noqa: F401
    except ImportError:
        return False
    return True


def _read_coverage(data_file: Path, tree: Path) -> tuple[dict[str, dict[int, list[str]]], dict[str, int]]:
    """Which tests execute which line of each file under ``tree`` (see :func:`credited`)."""
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    users_file = Path(f"{data_file}.fixtures.json")
    users = json.loads(users_file.read_text()) if users_file.exists() else {}
    contexts = {}
    for filename in data.measured_files():
        try:
            relpath = Path(filename).relative_to(tree).as_posix()
        except ValueError:
            continue
        contexts[relpath] = data.contexts_by_lineno(filename)
    return credited(contexts, users)


def credited(
    contexts: dict[str, dict[int, list[str]]], users: dict[str, list[str]]
) -> tuple[dict[str, dict[int, list[str]]], dict[str, int]]:
    """(relpath → line → tests that execute it, test → first-seen rank) from the plugin's contexts.

    A context is a test's node id; a test file's (the lines its import ran, collection
    included: the whole file runs for them); a wider-scoped fixture's (``fixture:NAME``),
    read as every test in ``users[context]``, since its setup ran once, under whichever
    came first, and any of them may be the one that notices a wrong value; or ``""``
    (before any test file: conftest imports), credited to no test.
    """
    lines: dict[str, dict[int, list[str]]] = {}
    order: dict[str, int] = {}
    for relpath, by_line in contexts.items():
        lines[relpath] = {}
        for number, names in by_line.items():
            tests = [t for c in names for t in (users.get(c, []) if c.startswith(FIXTURE) else [c]) if t]
            lines[relpath][number] = list(dict.fromkeys(tests))
            for test in tests:
                order.setdefault(test, len(order))
    return lines, order


def selected_tests(mutant: Mutant, base: Baseline) -> list[str] | None:
    """Node ids of the tests executing the mutant's statement (None: no coverage, run them all).

    A whole test file chosen (its import executes the statement) stands for its tests.
    """
    if base.lines is None:
        return None
    by_line = base.lines.get(mutant.relpath, {})
    chosen = {t for n in range(mutant.first, mutant.last + 1) for t in by_line.get(n, ())}
    chosen = {t for t in chosen if t.split("::")[0] == t or t.split("::")[0] not in chosen}
    return sorted(chosen, key=lambda t: base.order.get(t, 0))


def run_mutant(space: Workspace, mutant: Mutant, base: Baseline, timeout: float) -> Outcome:
    """Write the mutant into a free copy, run its tests there, put the file back."""
    tests = selected_tests(mutant, base)
    if tests is not None and not tests:
        return Outcome(mutant, UNCOVERED)
    tree = space.acquire()
    target = tree / mutant.relpath
    original = mutant.path.read_bytes()
    try:
        target.write_bytes(mutant.apply(original))
        code, seconds, output = space.pytest(tree, tests or base.tests, timeout, fork=True)
        if code in (4, 5) and tests:  # a node id pytest could not find: fall back to whole files
            code, more, output = space.pytest(tree, base.tests, timeout, fork=True)
            seconds += more
    finally:
        target.write_bytes(original)
        space.release(tree)
    count = len(tests) if tests is not None else 0
    if code is None:
        return Outcome(mutant, TIMEOUT, seconds, count)
    if code == 0:
        return Outcome(mutant, SURVIVED, seconds, count)
    detail = "" if code in (1, 2) else f"pytest exit {code}: {output[-300:]}"
    return Outcome(mutant, KILLED, seconds, count, detail)


def run_all(
    space: Workspace, mutants: list[Mutant], base: Baseline, timeout: float, deadline: float | None,
    progress=None,
) -> list[Outcome]:  # fmt: skip
    """Every mutant's outcome, in the order given; those past ``deadline`` are not run."""

    def one(mutant: Mutant) -> Outcome:
        if deadline is not None and time.monotonic() > deadline:
            return Outcome(mutant, NOT_RUN)
        outcome = run_mutant(space, mutant, base, timeout)
        if progress is not None:
            progress(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=len(space.trees)) as pool:
        return list(pool.map(one, mutants))
