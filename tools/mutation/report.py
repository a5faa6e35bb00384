"""``python -m tools.mutation.report RESULTS.json ...``: the Markdown table and survivors for TESTING.md.

Reads the files written by ``nox -s mutation -- NN --json PATH`` (one or many
modules each) and prints one table row per module, then every survivor per
module as ``file:line function [operator]`` with the original and mutated line.
Survivors listed in an equivalents file since the run are moved to the
equivalents and the score recomputed, as a new run would do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .__main__ import equivalents, score
from .operators import TOOL_ROOT


def reclassify(result: dict, listed: dict[str, str]) -> dict:
    """``result`` with the survivors now listed as equivalent moved to the equivalents."""
    moved = [s for s in result.get("survivors", []) if s["id"] in listed]
    if not moved:
        return result
    result = dict(result)
    result["survivors"] = [s for s in result["survivors"] if s["id"] not in listed]
    added = [{"id": s["id"], "reason": listed[s["id"]]} for s in moved]
    result["equivalents"] = [*result["equivalents"], *added]
    result["equivalent"] += len(moved)
    result["ran"] -= len(moved)
    result["survived"] -= len(moved)
    result["score"] = round(score(result["killed"], result["ran"]), 1)
    return result


def rows(paths: list[Path], root: Path = TOOL_ROOT) -> list[dict]:
    """Every module's result from the files, the last one read winning, in module order."""
    listed = equivalents(root)
    found: dict[str, dict] = {}
    for path in paths:
        data = json.loads(path.read_text())
        for result in data if isinstance(data, list) else []:
            found[result["module"]] = result if "error" in result else reclassify(result, listed)
    return [found[key] for key in sorted(found)]


def table(results: list[dict]) -> str:
    lines = [
        "| module | mutants | run | killed (timeout) | equivalent | survived | score | run time | date |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['module']} | — | — | — | — | — | error | — | — |")
            continue
        run = f"{r['ran']}" + (f" (sample of {r['mutants'] - r['equivalent']})" if r.get("sample") else "")
        lines.append(
            f"| {r['module']} | {r['mutants']} | {run} | {r['killed']} ({r['timeouts']}) | {r['equivalent']} "
            f"| {r['survived']} | {r['score']:.1f}% | {r['seconds']:.0f} s | {r['date']} |"
        )
    return "\n".join(lines)


def survivors(results: list[dict]) -> str:
    out = []
    for r in results:
        if not r.get("survivors"):
            continue
        out.append(f"\n### Module {r['module']}: {len(r['survivors'])} survivors\n")
        for s in r["survivors"]:
            note = " — *no test executes it*" if s["status"] == "not covered" else ""
            out.append(f"- `{s['file']}:{s['line']}` {s['function']} [{s['operator']}]{note}")
            out.append(f"  `- {s['original']}`  \n  `+ {s['mutated']}`")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    results = rows(paths)
    print(table(results))
    print(survivors(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
