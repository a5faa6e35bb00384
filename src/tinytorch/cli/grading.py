"""Grading a class: the pristine tests against each student's code, into a gradebook.

``tito instructor grade SUBMISSIONS --modules 01-09`` treats every folder of
SUBMISSIONS as one student's edition. For each student it builds a grading copy
in a temporary folder: the *reference* tree (tests, tools, docs: the instructor's
own, never the student's) with only the student's package sources put in place of
its own — ``packages/<p>/src/<import name>/`` for each package, nothing else of the
student's tree is read. So a student who edits, deletes or adds tests, a
``conftest.py``, or files beside the package changes nothing the grader runs.

Each module's tests then run in their own process (``tito module test``'s runner,
which checks the packages import from the grading copy) under a time limit, and
with the network cut where the OS allows it (``unshare --net``, Linux, needs the
right to make namespaces; otherwise the gradebook says "network: not isolated").
Student code still runs inside its test process, as any autograder's does: it
cannot touch the tests on disk, but a deliberate attack on pytest from within
imported code is outside what separation by files can stop — the gradebook's
``first_failure`` and spot checks are the instructor's tools there.

The gradebook is a CSV (one row per student and module) and a JSON file with the
same rows plus the settings of the run. ``passed``/``total`` count the module's core
tests (what ``tito module complete`` requires); ``extras_passed``/``extras_total`` count
its optional extras' tests (``test_NN_*_extras.py``; 0/0 for a module without extras).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .. import curriculum, exercises
from .feedback import Report
from .workspace import WorkspaceError, run_module_tests


@dataclass
class Grade:
    """One student's result on one module."""

    student: str
    module: str
    passed: int
    total: int
    first_failure: str  # "test file:line name: message", or "" when every core test passed
    extras_passed: int = 0
    extras_total: int = 0

    @property
    def score(self) -> float:
        return self.passed / self.total if self.total else 0.0


def module_numbers(text: str) -> list[int]:
    """``"01-09"`` → 1..9; ``"1,3,5-6"`` → [1, 3, 5, 6]. ValueError names what is wrong."""
    numbers: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            span = range(int(first), int(last or first) + 1)
        except ValueError:
            raise ValueError(f"--modules: {part!r} is not a module number or a range like 01-09") from None
        for number in span:
            curriculum.module(number)  # KeyError for a module that does not exist
            numbers.append(number)
    return sorted(set(numbers))


def network_isolation() -> list[str]:
    """A command prefix that runs a process without network (``unshare --net``), or [] if unavailable."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    probe = subprocess.run([unshare, "--net", "--map-root-user", "true"], capture_output=True, check=False)
    return [unshare, "--net", "--map-root-user"] if probe.returncode == 0 else []


def grading_copy(reference: Path, student: Path, destination: Path) -> Path:
    """The reference tree with the student's package sources (and nothing else of theirs) in place."""
    exercises.copy_tree(reference, destination)
    for package in curriculum.existing_packages(reference):
        name = package.replace("-", "_")
        mine = destination / "packages" / package / "src" / name
        theirs = student / "packages" / package / "src" / name
        shutil.rmtree(mine)
        if theirs.is_dir() and not theirs.is_symlink():
            shutil.copytree(
                theirs, mine, symlinks=False, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            mine.mkdir(parents=True)  # no sources handed in: every test of the package fails
    shutil.rmtree(destination / ".tito", ignore_errors=True)
    return destination


def first_failure(report: Report, root: Path | None = None) -> str:
    """The first problem of ``report``, its places relative to the grading copy ``root``."""
    if root is not None:
        prefix = str(root.resolve()) + "/"
        report.stubs = type(report.stubs)(
            {(name, where.replace(prefix, "")): n for (name, where), n in report.stubs.items()}
        )
        for failure in report.failures:
            failure.update({key: str(failure.get(key, "")).replace(prefix, "") for key in ("test", "where")})
    if report.collection_errors:
        error = report.collection_errors[0]
        return f"{error['nodeid']} could not be loaded: {error['message']}"[:300]
    if report.stubs:
        (function, where), _ = next(iter(report.stubs.items()))
        return f"{function} is not written (NotImplementedError at {where})"[:300]
    if report.failures:
        failure = report.failures[0]
        return f"{failure['test']} {failure['nodeid'].split('::', 1)[-1]}: {failure['message']}"[:300]
    return ""


def grade_student(
    reference: Path, student: Path, modules: list[int], timeout: float, prefix: list[str]
) -> list[Grade]:
    """Every module's pristine tests against one student's code, each in its own process."""
    grades = []
    with tempfile.TemporaryDirectory(prefix="tito-grade-") as folder:
        copy = grading_copy(reference, student, Path(folder) / "copy")
        for number in modules:
            module = curriculum.module(number)
            path = Path(folder) / f"{module.tag}.json"
            try:
                run_module_tests(copy, module, [], report=path, timeout=timeout, prefix=prefix, part="core")
                report = Report.read(path)
                total = len(report.outcomes) + len(report.collection_errors)
                grade = Grade(
                    student.name, module.tag, report.count("passed"), total, first_failure(report, copy)
                )
            except WorkspaceError as error:
                grade = Grade(student.name, module.tag, 0, 0, str(error).splitlines()[0][:300])
            if module.test_files(copy, "extras"):
                try:
                    run_module_tests(
                        copy, module, [], report=path, timeout=timeout, prefix=prefix, part="extras"
                    )
                    extras = Report.read(path)
                    grade.extras_passed = extras.count("passed")
                    grade.extras_total = len(extras.outcomes) + len(extras.collection_errors)
                except WorkspaceError:
                    grade.extras_total = -1  # the extras' tests did not run (time limit, import failure)
            grades.append(grade)
    return grades


def write_gradebook(grades: list[Grade], out: Path, settings: dict) -> tuple[Path, Path]:
    """``out/gradebook.csv`` and ``out/gradebook.json``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    table, document = out / "gradebook.csv", out / "gradebook.json"
    with table.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=[f.name for f in fields(Grade)])
        writer.writeheader()
        writer.writerows(asdict(grade) for grade in grades)
    document.write_text(json.dumps({"settings": settings, "grades": [asdict(g) for g in grades]}, indent=2))
    return table, document
