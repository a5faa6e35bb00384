"""The learner's workspace: a TinyTorch checkout plus a small progress file.

The workspace is found by walking up from the current folder to the first
one holding ``src/tinytorch/curriculum.py`` and ``packages/`` (or given with
``--workspace``). Progress lives in ``.tito/progress.json`` inside it: which
modules were started and completed, and when. It is plain JSON, indented,
written to a temporary file and renamed, so a crash never leaves half a file.
A learner's edition (``tito instructor export``) also holds ``.tito/edition.json``:
there every module starts stubbed, so completing one needs no ``start``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import curriculum


class WorkspaceError(RuntimeError):
    """A problem the learner can fix: the message says how."""


def find_workspace(start: Path | None = None) -> Path:
    """The workspace containing ``start`` (default: the current folder)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "src" / "tinytorch" / "curriculum.py").is_file() and (folder / "packages").is_dir():
            return folder
    raise WorkspaceError(
        f"no TinyTorch workspace in {here} or its parents: run tito inside a TinyTorch checkout "
        "(the folder with packages/ and src/tinytorch/), or pass --workspace PATH"
    )


@dataclass
class Progress:
    """Which modules are started and completed, stored in ``<workspace>/.tito/progress.json``."""

    path: Path
    started: dict[str, str]
    completed: dict[str, str]

    @classmethod
    def load(cls, workspace: Path) -> Progress:
        path = workspace / ".tito" / "progress.json"
        if not path.exists():
            return cls(path, {}, {})
        try:
            data = json.loads(path.read_text())
            return cls(path, dict(data.get("started", {})), dict(data.get("completed", {})))
        except (json.JSONDecodeError, AttributeError) as error:
            raise WorkspaceError(f"{path} is not valid progress JSON ({error}); fix or delete it") from None

    def save(self) -> None:
        """Write atomically: a temporary file in the same folder, then a rename."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "started": dict(sorted(self.started.items())),
            "completed": dict(sorted(self.completed.items())),
        }
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-", suffix=".json")
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream, indent=2)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.path)

    def state(self, number: int) -> str:
        """``"complete"``, ``"in progress"`` or ``"not started"``."""
        tag = f"{number:02d}"
        if tag in self.completed:
            return "complete"
        return "in progress" if tag in self.started else "not started"

    def mark(self, table: dict[str, str], number: int) -> None:
        table[f"{number:02d}"] = datetime.now(timezone.utc).isoformat(timespec="seconds")

    def complete(self, number: int) -> bool:
        return f"{number:02d}" in self.completed


def module_or_error(number: int) -> curriculum.Module:
    try:
        return curriculum.module(number)
    except KeyError as error:
        raise WorkspaceError(str(error.args[0])) from None


def package_paths(workspace: Path, package: str) -> str:
    """PYTHONPATH that makes ``package`` and its dependencies import from the workspace's sources."""
    return os.pathsep.join(str(workspace / "packages" / p / "src") for p in curriculum.closure(package))


EDITION_MARKER = Path(".tito") / "edition.json"


def mark_learner_edition(workspace: Path, source: Path) -> None:
    """Record that ``workspace`` is a learner's edition exported from ``source``: every module stubbed."""
    path = workspace / EDITION_MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    exported = datetime.now(timezone.utc).isoformat(timespec="seconds")
    path.write_text(json.dumps({"edition": "learner", "exported": exported, "from": str(source)}, indent=2))


def is_learner_edition(workspace: Path) -> bool:
    """Whether ``workspace`` was written by ``tito instructor export`` (its modules start stubbed)."""
    return (workspace / EDITION_MARKER).is_file()


def check_imports_from(
    workspace: Path, packages: list[str], env: dict[str, str], timeout: float | None = None
) -> None:
    """Fail unless each of ``packages`` imports, with ``env``, from the workspace's own sources."""
    names = [p.replace("-", "_") for p in packages]
    script = "".join(f"import {n}; print({n}.__file__)\n" for n in names)
    try:
        where = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise WorkspaceError(f"importing {', '.join(names)} took longer than {timeout:.0f} s") from None
    if where.returncode != 0:
        raise WorkspaceError(f"the packages do not import from the workspace:\n{where.stderr.strip()}")
    for name, line in zip(names, where.stdout.splitlines()):
        location = Path(line.strip()).resolve()
        if workspace.resolve() not in location.parents:
            raise WorkspaceError(f"{name} imports from {location}, not from the workspace {workspace}")


def run_module_tests(
    workspace: Path,
    module: curriculum.Module,
    extra: list[str],
    report: Path | None = None,
    timeout: float | None = None,
    prefix: list[str] | None = None,
    part: str = "all",
) -> int:
    """Run module ``module``'s tests against the workspace's own code; returns pytest's exit code.

    The tests are ``test_NN_*.py`` in every package the module touches. The home
    package's closure is put first on ``PYTHONPATH``, and before running, the
    import location of every package of it is checked, so the tests can never
    silently test an installed reference copy instead of the learner's code.
    With ``report``, pytest's own output is swallowed and the ``tito_report``
    plugin writes each test's outcome there (:mod:`tinytorch.cli.feedback` reads it).
    ``timeout`` (seconds) and ``prefix`` (a command to run pytest under, e.g. one that cuts
    the network) are for grading untrusted code; a run that times out is a WorkspaceError.
    ``part`` picks the test files: "all", "core" or "extras" (``test_NN_*_extras.py``).
    """
    files = [str(p) for p in module.test_files(workspace, part)]
    if not files:
        which = {"all": "", "core": "core ", "extras": "extras' "}[part]
        raise WorkspaceError(
            f"module {module.tag} has no {which}tests in {workspace} ({', '.join(module.test_globs)})"
        )
    env = {**os.environ, "PYTHONPATH": package_paths(workspace, module.package)}
    check_imports_from(workspace, curriculum.closure(module.package), env, timeout)
    command = [
        *(prefix or []),
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--import-mode=importlib",
        *files,
        *extra,
    ]
    if report is None:
        return subprocess.run(command, cwd=workspace, env=env, check=False).returncode
    plugins = Path(__file__).resolve().parent / "plugins"
    env.update(PYTHONPATH=f"{env['PYTHONPATH']}{os.pathsep}{plugins}", TITO_REPORT=str(report))
    # The report keeps each failure's exception message, never its traceback: --tb=no spares pytest
    # formatting one (a freshly stubbed module fails hundreds of tests: 60 s against 8 for module 02).
    command[len(prefix or []) + 3 : len(prefix or []) + 3] = ["-p", "tito_report", "--tb=no"]
    try:
        done = subprocess.run(
            command, cwd=workspace, env=env, check=False, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise WorkspaceError(
            f"module {module.tag}'s tests took longer than {timeout:.0f} s: stopped"
        ) from None
    if not report.is_file():  # pytest stopped before the session ended: show why
        output = (done.stdout + done.stderr)[-3000:]
        raise WorkspaceError(f"pytest did not run module {module.tag}'s tests:\n{output}")
    return done.returncode
