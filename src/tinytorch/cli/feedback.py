"""What ``tito module test`` prints: a short report of a module's tests, not pytest's full output.

On a freshly started module every test fails, most of them at a stub; pytest's
own output is then thousands of lines. The report instead groups the failures:

* **still to write**: each exercise whose stub was hit (``NotImplementedError``
  raised from a ``# BEGIN SOLUTION`` region), with its ``file:line`` and how many
  tests reached it;
* **failing**: the other failures, each with the test's ``file:line``, the line
  that raised, and the exception's one-line message (at most :data:`SHOWN`);
* collection errors (a file whose tests could not even be loaded), first.

``--full`` prints pytest's own output instead. The numbers come from the pytest
plugin beside this file (``plugins/tito_report.py``).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import curriculum, exercises
from .workspace import run_module_tests

#: How many failures the report lists before "... and N more".
SHOWN = 12
STUB = re.compile(r"NotImplementedError: module (?P<module>\d\d): implement (?P<function>[\w.<>]+)")
#: Where a chapter teaches a function: the section ``tito module start`` prints and each stub names.
chapter_section = exercises.chapter_section


@dataclass
class Report:
    """The outcome of one ``tito module test`` run, read from the plugin's JSON."""

    outcomes: dict[str, str]
    failures: list[dict[str, str]]
    collection_errors: list[dict[str, str]]
    duration_s: float
    stubs: Counter = field(default_factory=Counter)  # (function, where) -> tests that reached the stub

    @classmethod
    def read(cls, path: Path) -> Report:
        data = json.loads(path.read_text())
        report = cls(data["outcomes"], [], data["collection_errors"], data["duration_s"])
        for failure in data["failures"]:
            stub = STUB.search(failure["message"])
            if stub:
                report.stubs[(stub["function"], failure["where"])] += 1
            else:
                report.failures.append(failure)
        return report

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)


def line_order(where: str) -> tuple[str, int]:
    """``"a.py:12"`` → ``("a.py", 12)``: sorts locations by file, then by line number."""
    path, _, line = where.rpartition(":")
    return (path, int(line)) if line.isdigit() else (where, 0)


def relative(where: str, root: Path) -> str:
    """``/abs/root/packages/x.py:12`` → ``packages/x.py:12``."""
    prefix = str(root.resolve()) + "/"
    return where[len(prefix) :] if where.startswith(prefix) else where


def summary_lines(report: Report, title: str, root: Path) -> list[str]:
    """The report as Rich-markup lines: the counts, the exercises still to write, then the failures."""
    passed, failed = report.count("passed"), report.count("failed")
    head = f"[bold]{title}[/]: {passed} passed, {failed} failed"
    if report.collection_errors:
        head += f", {len(report.collection_errors)} files not loaded"
    lines = [head + f" in {report.duration_s:.1f} s"]
    for error in report.collection_errors:
        where = relative(error.get("where", ""), root)
        at = f" ({where})" if where else ""
        lines.append(f"[red]could not load[/] {error['nodeid']}: {error['message']}{at}")
    if report.stubs:
        lines.append("[yellow]still to write[/] (their stubs raise NotImplementedError):")
        for (function, where), tests in sorted(report.stubs.items(), key=lambda item: line_order(item[0][1])):
            reach = "tests reach it" if tests != 1 else "test reaches it"
            lines.append(f"  {relative(where, root)}  {function}  ({tests} {reach})")
    if report.failures:
        lines.append("[red]failing[/]:")
        for failure in report.failures[:SHOWN]:
            name = failure["nodeid"].split("::", 1)[-1]
            lines.append(f"  {failure['test']}  {name}")
            where = relative(failure["where"], root)
            lines.append(f"      {failure['message'][:240]}" + (f"  (at {where})" if where else ""))
        if len(report.failures) > SHOWN:
            more = len(report.failures) - SHOWN
            lines.append(f"  ... and {more} more (-x stops at the first; --full shows all)")
    if not failed and not report.collection_errors and passed:
        lines.append("[green]all tests pass[/]")
    return lines


def run_and_summarise(
    root: Path, module: curriculum.Module, extra: list[str], part: str = "core"
) -> tuple[int, list[str]]:
    """Run module ``module``'s tests in workspace ``root`` (pytest arguments ``extra``) and summarise them.

    ``part`` is "core" (the required tests), "extras" (the optional extras' tests,
    ``test_NN_*_extras.py``) or "all". Returns pytest's exit code and the report's Rich-markup
    lines (:func:`summary_lines`); ``tito module test`` and the notebooks'
    :func:`tinytorch.cli.notebook.test` both print these.
    """
    with tempfile.TemporaryDirectory(prefix="tito-") as folder:
        path = Path(folder) / "report.json"
        code = run_module_tests(root, module, extra, report=path, part=part)
        report = Report.read(path)
    suffix = {"core": "", "extras": " (optional extras)", "all": " (core and extras)"}[part]
    lines = summary_lines(report, f"module {module.tag} — {module.title}{suffix}", root)
    if code == 5:  # pytest: no tests ran (a -k that matches nothing)
        lines.append("[yellow]no test matched the selection[/]")
    return code, lines
