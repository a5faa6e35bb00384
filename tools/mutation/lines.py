"""Mutation testing of any line span, for code outside the course's solution regions.

``python -m tools.mutation.lines FILE A-B --tests TEST [--tests TEST ...]`` mutates
every statement lying wholly within lines ``A``..``B`` of ``FILE`` with the same
operators as the regions' run (``operators``), runs the given test files on each
mutant in a copy of the repository (the tests that execute the mutant's
statement, by per-test coverage, unless a test starts other processes), and
prints the score and every survivor with its line before and after. Survivors
are either test gaps (write the test) or equivalent mutants (say why in the
commit message); read every one.

The copy's ``packages/*/src`` and ``src`` are on ``PYTHONPATH``, so the mutated
file is the one imported, whatever the venv's editable installs point at.
Cost: one clean run of the tests, one under coverage, then one run of the
selected tests per mutant, two at a time (``--workers``).
"""

from __future__ import annotations

import argparse
import ast
import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import runner
from .__main__ import score, source_line
from .operators import TOOL_ROOT, _Finder


@dataclass(frozen=True)
class Span:
    """Lines ``first + 1`` .. ``last - 1`` of a file: the shape of a region, for the finder."""

    module: int
    function: str
    first: int
    last: int


class SpanWorkspace(runner.Workspace):
    """A workspace whose copies also put the repository's own ``src`` (tinytorch, tools) on the path."""

    def env(self, tree: Path, **extra: str) -> dict[str, str]:
        env = super().env(tree, **extra)
        env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(tree / "src")])
        return env


def span_mutants(root: Path, relpath: str, first: int, last: int) -> list:
    """Every mutant of the statements lying wholly within lines ``first``..``last`` of ``relpath``."""
    path = root / relpath
    text = path.read_text()
    finder = _Finder(path, relpath, text, [Span(0, f"{relpath}:{first}-{last}", first - 1, last + 1)])
    found = []
    for mutant in sorted(finder.run(ast.parse(text)), key=lambda m: (m.start, m.operator)):
        try:
            ast.parse(mutant.apply(finder.data))
        except SyntaxError:
            continue
        found.append(mutant)
    return found


def span_baseline(space: SpanWorkspace, tests: list[str]) -> runner.Baseline:
    """The tests' clean run (they must pass) and, when coverage can see them, who executes which line."""
    tree = space.acquire()
    try:
        code, seconds, output = space.pytest(tree, tests, timeout=None)
        if code != 0:
            raise SystemExit(f"the tests fail before any mutation:\n{output}")
        base = runner.Baseline(tests, seconds)
        if runner._has_coverage() and not runner.runs_elsewhere(space, tree, tests):
            data = space.base / "coverage-span"
            code, _, output = space.pytest(tree, tests, timeout=None, TT_MUTATION_COVERAGE=str(data))
            if code != 0:
                raise SystemExit(f"the tests fail under coverage:\n{output}")
            base.lines, base.order = runner._read_coverage(data, tree)
        return base
    finally:
        space.release(tree)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", help="the file to mutate, relative to the repository root")
    parser.add_argument("lines", help="A-B: the first and last line (inclusive)")
    parser.add_argument("--tests", action="append", required=True, help="a test file or node id (repeat)")
    parser.add_argument("--workers", type=int, default=2, help="mutants run at once (1 or 2)")
    parser.add_argument("--root", type=Path, default=TOOL_ROOT, help="repository to test (default: this one)")
    args = parser.parse_args(argv)
    first, _, last = args.lines.partition("-")
    mutants = span_mutants(args.root, args.file, int(first), int(last or first))
    if not mutants:
        print(f"no mutants in {args.file} lines {args.lines}")
        return 1
    started = time.monotonic()
    with SpanWorkspace(args.root, args.workers) as space:
        base = span_baseline(space, args.tests)
        timeout = max(10.0, 10.0 * base.seconds)
        print(f"{args.file} {args.lines}: {len(mutants)} mutants; clean run {base.seconds:.1f} s", flush=True)
        outcomes = runner.run_all(space, mutants, base, timeout, None)
    killed = [o for o in outcomes if o.status in (runner.KILLED, runner.TIMEOUT)]
    survivors = [o for o in outcomes if o.status in (runner.SURVIVED, runner.UNCOVERED)]
    print(f"{len(killed)}/{len(outcomes)} killed, score {score(len(killed), len(outcomes)):.1f}% "
          f"in {time.monotonic() - started:.0f} s")  # fmt: skip
    for outcome in survivors:
        m = outcome.mutant
        note = " (no test executes it)" if outcome.status == runner.UNCOVERED else ""
        print(f"  survived{note}: {m.relpath}:{m.line} [{m.operator}] {m.original!r} -> {m.replacement!r}")
        print(f"      - {source_line(m, False)}\n      + {source_line(m, True)}")
    return 0 if not survivors else 2


if __name__ == "__main__":
    raise SystemExit(main())
