"""The learner's workspace: a TinyTorch checkout plus a small progress file.

The workspace is found by walking up from the current folder to the first
one holding ``src/tinytorch/curriculum.py`` and ``packages/`` (or given with
``--workspace``). Progress lives in ``.tito/progress.json`` inside it: which
modules were started and completed, and when. It is plain JSON, indented,
written to a temporary file and renamed, so a crash never leaves half a file.
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


def run_module_tests(workspace: Path, module: curriculum.Module, extra: list[str]) -> int:
    """Run module ``module``'s tests against the workspace's own code; returns pytest's exit code.

    The packages are put first on ``PYTHONPATH``, and before running, the
    import locations are checked, so the tests can never silently test an
    installed reference copy instead of the learner's code.
    """
    files = sorted(str(p) for p in workspace.glob(module.test_glob))
    if not files:
        raise WorkspaceError(f"module {module.tag} has no tests in {workspace} ({module.test_glob})")
    env = {**os.environ, "PYTHONPATH": package_paths(workspace, module.package)}
    import_name = module.package.replace("-", "_")
    where = subprocess.run(
        [sys.executable, "-c", f"import {import_name}; print({import_name}.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    location = Path(where.stdout.strip() or "?").resolve()
    if where.returncode != 0:
        raise WorkspaceError(f"{import_name} does not import from the workspace:\n{where.stderr.strip()}")
    if workspace.resolve() not in location.parents:
        raise WorkspaceError(f"{import_name} imports from {location}, not from the workspace {workspace}")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-o",
        "addopts=",
        "--import-mode=importlib",
        *files,
        *extra,
    ]
    return subprocess.run(command, cwd=workspace, env=env, check=False).returncode
