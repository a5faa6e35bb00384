"""``python -m tools.mutation [NN ...]``: mutation scores of course modules' solution regions.

With no module numbers it runs the CI sample: every module that has regions and
tests, ``--sample 6`` mutants each, seeded, within ``--time-budget 300`` seconds.
Name modules to run all their mutants (add ``--sample K`` to draw K of them).

A mutant is *killed* when a test fails or errors, or the run exceeds its timeout
(10× the clean run, at least 10 s). Equivalent mutants (no behaviour can tell
them apart) are listed in ``packages/<pkg>/tests/equivalent_mutants.toml``::

    [[equivalent]]
    id = "packages/tt-nn/src/tt_nn/x.py:42:17 relu compare '<' -> '<='"
    reason = "at x == 0 both branches give 0"

They are shown apart and left out of the score: killed / (mutants − equivalent).
An entry whose line moved (code added above it) still matches its mutant by the
id without ``line:column`` when that names one mutant of the module only;
``--refresh-equivalents`` rewrites the ids to today's lines, pairing the rest by
git history (``history.py``).
The exit status is 1 when a module scores below ``--goal`` (default 90); a sampled
run is judged on all its mutants together (``pooled_verdict``): a handful of mutants
per module cannot score a module on its own.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import sys
import time
from pathlib import Path

import tomllib

from . import history, runner
from .operators import TOOL_ROOT, Mutant, module_mutants

MODULES = range(1, 22)


def equivalents(root: Path) -> dict[str, str]:
    """``{mutant id: reason}`` from every package's ``tests/equivalent_mutants.toml``."""
    listed: dict[str, str] = {}
    for path in sorted(root.glob("packages/*/tests/equivalent_mutants.toml")):
        for entry in tomllib.loads(path.read_text()).get("equivalent", []):
            listed[entry["id"]] = entry.get("reason", "")
    return listed


def _anchor(mutant_id: str) -> str:
    """A mutant's id without its ``:line:column``: the same mutant after lines above it moved."""
    return re.sub(r":\d+:\d+ ", " ", mutant_id, count=1)


def _position(mutant_id: str) -> tuple[int, int]:
    line, column = re.search(r":(\d+):(\d+) ", mutant_id).groups()
    return int(line), int(column)


def match_equivalents(every: list[Mutant], listed: dict[str, str]) -> dict[str, str]:
    """``{mutant id: listed entry}`` for the mutants of ``every`` that the equivalents files list.

    By exact id; else, when lines above moved, by the id without ``line:column``: the
    entries and the mutants that share such an anchor (the same mutation of the same
    text in one function) are paired in source order when there are as many of each
    left; otherwise they stay unmatched rather than risk pairing the wrong ones.
    """
    entries_by_anchor: dict[str, list[str]] = {}
    for entry in listed:
        entries_by_anchor.setdefault(_anchor(entry), []).append(entry)
    mutants_by_anchor: dict[str, list[str]] = {}
    for m in every:
        mutants_by_anchor.setdefault(_anchor(m.id), []).append(m.id)
    found = {}
    for anchor, mutant_ids in mutants_by_anchor.items():
        entries = entries_by_anchor.get(anchor, [])
        found.update({mutant_id: mutant_id for mutant_id in mutant_ids if mutant_id in listed})
        left_entries = sorted((e for e in entries if e not in found), key=_position)
        left_mutants = sorted((m for m in mutant_ids if m not in found), key=_position)
        if left_entries and len(left_entries) == len(left_mutants):
            found.update(zip(left_mutants, left_entries))
    return found


def listed_among(every: list[Mutant], listed: dict[str, str]) -> dict[str, str]:
    """``{mutant id: reason}`` for the mutants of ``every`` that the equivalents files list."""
    return {mutant_id: listed[entry] for mutant_id, entry in match_equivalents(every, listed).items()}


def source_line(mutant: Mutant, mutated: bool) -> str:
    """The mutant's first source line, original or mutated, stripped."""
    data = mutant.path.read_bytes()
    if mutated:
        data = mutant.apply(data)
    lines = data.decode().splitlines()
    return lines[mutant.line - 1].strip() if mutant.line <= len(lines) else ""


def score(killed: int, total: int) -> float:
    return 100.0 * killed / total if total else 100.0


def run_module(space, module: int, args, listed: dict[str, str], deadline: float | None) -> dict | None:
    """Run one module's mutants and print its report; None when it has no regions or no tests."""
    every = module_mutants(space.root, module)
    tests = runner.module_tests(space.root, module)
    if not every or not tests:
        if args.modules:
            print(f"module {module:02d}: {'no regions' if not every else 'no tests'}; skipped")
        return None
    listed = listed_among(every, listed)
    equivalent = [m for m in every if m.id in listed]
    candidates = [m for m in every if m.id not in listed]
    if args.sample:
        rng = random.Random(f"{args.seed}-{module}")
        candidates = rng.sample(candidates, min(args.sample, len(candidates)))
        candidates.sort(key=lambda m: (m.relpath, m.start))
    started = time.monotonic()
    base = runner.baseline(space, module, use_coverage=not args.no_coverage)
    timeout = max(10.0, 10.0 * base.seconds)
    print(
        f"module {module:02d}: {len(every)} mutants ({len(equivalent)} listed equivalent), "
        f"running {len(candidates)}; clean run {base.seconds:.1f} s, timeout {timeout:.0f} s",
        flush=True,
    )
    progress = _dot if args.progress else None
    outcomes = runner.run_all(space, candidates, base, timeout, deadline, progress=progress)
    if args.progress:
        print(flush=True)
    seconds = time.monotonic() - started
    ran = [o for o in outcomes if o.status != runner.NOT_RUN]
    killed = [o for o in ran if o.status in (runner.KILLED, runner.TIMEOUT)]
    survivors = [o for o in ran if o.status in (runner.SURVIVED, runner.UNCOVERED)]
    timeouts = sum(o.status == runner.TIMEOUT for o in ran)
    value = score(len(killed), len(ran))
    verdict = "ok  " if value >= args.goal else "FAIL"
    print(
        f"{verdict} module {module:02d}: {len(killed)}/{len(ran)} killed ({timeouts} by timeout), "
        f"{len(survivors)} survived, {len(equivalent)} equivalent; score {value:.1f}% in {seconds:.0f} s"
        + (f"; {len(outcomes) - len(ran)} not run (time budget)" if len(ran) < len(outcomes) else "")
    )
    for outcome in survivors:
        m = outcome.mutant
        note = " (no test executes it)" if outcome.status == runner.UNCOVERED else ""
        print(f"  survived{note}: {m.relpath}:{m.line} {m.function} [{m.operator}] "
              f"{m.original!r} -> {m.replacement!r}")  # fmt: skip
        print(f"      - {source_line(m, False)}\n      + {source_line(m, True)}")
    for outcome in killed:
        if outcome.detail:
            print(f"  note: {outcome.mutant.id}: {outcome.detail}")
    if args.show_equivalent:
        for m in equivalent:
            print(f"  equivalent: {m.id}: {listed[m.id]}")
    return {
        "module": f"{module:02d}",
        "mutants": len(every),
        "ran": len(ran),
        "killed": len(killed),
        "timeouts": timeouts,
        "equivalent": len(equivalent),
        "survived": len(survivors),
        "not_run": len(outcomes) - len(ran),
        "score": round(value, 1),
        "seconds": round(seconds, 1),
        "clean_seconds": round(base.seconds, 2),
        "sample": args.sample,
        "date": datetime.date.today().isoformat(),
        "survivors": [
            {
                "id": o.mutant.id,
                "status": o.status,
                "file": o.mutant.relpath,
                "line": o.mutant.line,
                "function": o.mutant.function,
                "operator": o.mutant.operator,
                "original": source_line(o.mutant, False),
                "mutated": source_line(o.mutant, True),
            }
            for o in survivors
        ],  # fmt: skip
        "equivalents": [{"id": m.id, "reason": listed[m.id]} for m in equivalent],
    }


def _dot(outcome: runner.Outcome) -> None:
    mark = {runner.KILLED: ".", runner.TIMEOUT: "T", runner.SURVIVED: "S", runner.UNCOVERED: "U"}
    print(mark.get(outcome.status, "?"), end="", flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -s mutation --", description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", type=int, help="module numbers (default: the CI sample of all)")
    parser.add_argument("--sample", type=int, default=None, help="run K mutants per module, drawn at random")
    parser.add_argument("--seed", default="0", help="seed of the sample (default 0)")
    parser.add_argument("--time-budget", type=float, default=None, help="stop starting mutants after SECONDS")
    parser.add_argument("--goal", type=float, default=90.0, help="lowest passing score, percent (default 90)")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--root", type=Path, default=TOOL_ROOT, help="repository to test (default: this one)")
    parser.add_argument("--workers", type=int, default=2, help="mutants run at once (1 or 2)")
    parser.add_argument("--no-coverage", action="store_true", help="run every test file on every mutant")
    parser.add_argument("--show-equivalent", action="store_true", help="list the listed equivalents too")
    parser.add_argument("--progress", action="store_true", help="print a mark per mutant as it finishes")
    parser.add_argument(
        "--refresh-equivalents",
        action="store_true",
        help="rewrite the equivalents' ids to today's lines, list entries that match nothing; run no mutant",
    )
    args = parser.parse_args(argv)
    if not args.modules:  # the CI sample
        args.sample = 6 if args.sample is None else args.sample
        args.time_budget = 300.0 if args.time_budget is None else args.time_budget
    return args


def refresh_equivalents(root: Path) -> list[str]:
    """Rewrite each listed id to its mutant's id today (by anchor, else by git history); the stale entries."""
    listed = equivalents(root)
    today: dict[str, str] = {}  # listed id -> the matched mutant's id
    every: set[str] = set()  # today's mutant ids
    for module in MODULES:
        mutants = module_mutants(root, module)
        every.update(m.id for m in mutants)
        for mutant_id, entry in match_equivalents(mutants, listed).items():
            today[entry] = mutant_id
    for path in sorted(root.glob("packages/*/tests/equivalent_mutants.toml")):
        entries = tomllib.loads(path.read_text()).get("equivalent", [])
        unmatched = [entry["id"] for entry in entries if entry["id"] not in today]
        claimed = set(today.values())
        for entry, moved in history.moved_ids(root, path, unmatched).items():  # its anchor was ambiguous
            if moved in every and moved not in claimed:
                today[entry] = moved
                claimed.add(moved)
        new_ids = [today.get(entry["id"], entry["id"]) for entry in entries]  # all at once: two ids may swap
        lines = path.read_text().splitlines(keepends=True)
        id_lines = [number for number, line in enumerate(lines) if line.startswith("id = ")]
        for number, new_id in zip(id_lines, new_ids, strict=True):
            lines[number] = f"id = {json.dumps(new_id, ensure_ascii=False)}\n"
        text = "".join(lines)
        path.write_text(text)
    return [entry for entry in listed if entry not in today]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    root = args.root.resolve()
    if args.refresh_equivalents:
        stale = refresh_equivalents(root)
        print(
            "\n".join(f"stale (matches no mutant; remove it): {entry}" for entry in stale)
            or "no stale entries"
        )
        return 1 if stale else 0
    listed = equivalents(root)
    deadline = time.monotonic() + args.time_budget if args.time_budget else None
    results = []
    started = time.monotonic()
    with runner.Workspace(root, args.workers) as space:
        for module in args.modules or MODULES:
            if deadline is not None and time.monotonic() > deadline:
                print(f"module {module:02d}: not run (time budget)")
                continue
            try:
                result = run_module(space, module, args, listed, deadline)
            except RuntimeError as error:
                print(f"FAIL module {module:02d}: {error}")
                results.append({"module": f"{module:02d}", "error": str(error)[:2000], "score": 0.0})
                continue
            if result is not None:
                results.append(result)
    failing = [r["module"] for r in results if r["score"] < args.goal]
    print(
        f"mutation: {len(results) - len(failing)}/{len(results)} modules at or above {args.goal:g}% "
        f"in {time.monotonic() - started:.0f} s" + (f"; below: {', '.join(failing)}" if failing else "")
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    if args.sample is not None:
        return pooled_verdict(results, args.goal)
    return 1 if failing else 0


def pooled_verdict(results: list[dict], goal: float) -> int:
    """A sample's verdict: the kill rate of every sampled mutant together must reach ``goal``.

    With a few mutants per module, one survivor moves a module's own score by 15 points or
    more, so a sample judges the course as a whole, and names every module it could not run;
    the per-module scores come from full runs (TESTING.md).
    """
    errors = [r["module"] for r in results if "error" in r]
    killed = sum(r.get("killed", 0) for r in results)
    judged = sum(r.get("killed", 0) + r.get("survived", 0) for r in results)
    score = 100.0 * killed / judged if judged else 0.0
    verdict = "ok" if judged and score >= goal and not errors else "FAIL"
    missing = f"; modules that could not run: {', '.join(errors)}" if errors else ""
    share = f"{killed}/{judged} sampled mutants killed, {score:.1f}% (goal {goal:g}%)"
    print(f"mutation sample: {verdict}: {share}{missing}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
