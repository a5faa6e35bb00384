"""The milestones page of the documentation site: recorded results, checked and rendered.

Each milestone script records its run in ``docs/assets/milestones/NN.json``
(:data:`RESULT_KEYS` lists the fields); :func:`load_milestone_result` checks a file and
:func:`render_milestones` replaces each ``<!-- milestone NN -->`` marker of
``docs/milestones.md`` with the run's verdict, figures and plots, or a clearly marked
placeholder when there is none; ``<!-- milestone NN-variant -->`` does the same for a
milestone's other recipe (``--long``), recorded as ``NN-variant.json``. Loaded by
``tools/docs_site.py``, which re-exports it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def table_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _curriculum():
    import sys

    return sys.modules["_tt_docs_curriculum"]


MILESTONE_MARKER = re.compile(r"^<!-- milestone (\d\d) -->$", re.MULTILINE)
#: A milestone's other recipe, recorded as ``NN-variant.json``: ``<!-- milestone 04-long -->``.
VARIANT_MARKER = re.compile(r"^<!-- milestone (\d\d)-([a-z]+) -->$", re.MULTILINE)
MILESTONE_ASSETS = "assets/milestones"
#: Keys every ``docs/assets/milestones/NN.json`` must have, and their types.
RESULT_KEYS: dict[str, type | tuple[type, ...]] = {
    "milestone": str,  # "01"
    "verdict": str,  # the script's final verdict line, as printed
    "passed": bool,
    "metrics": dict,  # {"test_accuracy": 0.981, "epochs": 12, ...}: name → number, string or a group (dict)
    "wall_time_s": (int, float),
    "machine": str,  # e.g. "2-core x86_64, Python 3.11.7, NumPy 2.4.6"
    "date": str,  # ISO date of the run
    "command": str,  # how it was run: "python milestones/03_mlp_mnist.py"
    "figures": list,  # PNG file names beside the JSON
}


def load_milestone_result(path: Path) -> dict[str, Any]:
    """A milestone's recorded result, checked against :data:`RESULT_KEYS`; ValueError says what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    for key, kind in RESULT_KEYS.items():
        if key not in data:
            raise ValueError(f"{path}: missing key {key!r} (needs {', '.join(RESULT_KEYS)})")
        if not isinstance(data[key], kind):
            raise ValueError(
                f"{path}: {key!r} should be {getattr(kind, '__name__', kind)}, not {data[key]!r}"
            )
    if data["milestone"] != path.stem:
        raise ValueError(f"{path}: says milestone {data['milestone']!r} but is named {path.name}")
    for figure in data["figures"]:
        if not isinstance(figure, str) or not figure.endswith(".png") or "/" in figure:
            raise ValueError(f"{path}: figures are PNG file names beside it, not {figure!r}")
        if not (path.parent / figure).is_file():
            raise ValueError(f"{path}: figure {figure} is missing from {path.parent}")
    return data


def _ranges(numbers: tuple[int, ...]) -> str:
    """``(1, 2, 3, 7, 10, 11)`` → ``"01–03, 07, 10–11"``."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a:02d}" if a == b else f"{a:02d}–{b:02d}" for a, b in spans)


PLACEHOLDER = "No recorded run yet"


def milestone_markdown(number: str, docs_dir: Path = DOCS, root: Path = ROOT) -> str:
    """What milestone ``number`` needs, how to run it, and its recorded result or the placeholder."""
    milestone = _curriculum().milestone(int(number))
    landed = (root / milestone.script).is_file()
    lines = [
        f"**{milestone.year}** · needs modules {_ranges(milestone.requires)} · script `{milestone.script}`"
        + ("" if landed else " (not written yet)"),
        "",
        "```sh",
        f"nox -s milestones -- {number}        # in its own environment",
        f"python {milestone.script}   # with tinytorch installed",
        f"tito milestone run {number}          # once your modules are complete",
        "```",
        "",
        f"#### Results of milestone {number}",
        "",
    ]
    return "\n".join(lines + result_markdown(number, docs_dir))


def variant_markdown(number: str, variant: str, docs_dir: Path = DOCS) -> str:
    """A milestone's other recipe (``--long``): how to run it and its record ``NN-variant.json``."""
    milestone = _curriculum().milestone(int(number))
    lines = ["```sh", f"python {milestone.script} --{variant}", "```", "",
             f"#### Results of milestone {number} --{variant}", ""]  # fmt: skip
    return "\n".join(lines + result_markdown(f"{number}-{variant}", docs_dir))


def result_markdown(name: str, docs_dir: Path = DOCS) -> list[str]:
    """The lines showing record ``name``.json (verdict, metrics, figures), or the placeholder."""
    result = docs_dir / MILESTONE_ASSETS / f"{name}.json"
    if not result.is_file():
        return [
            f'!!! warning "{PLACEHOLDER}"',
            "",
            f"    This section is filled from `docs/{MILESTONE_ASSETS}/{name}.json`, which the milestone",
            "    script writes when it runs; there is none yet, so there are no results to show.",
            "",
        ]
    data = load_milestone_result(result)
    status = "passed" if data["passed"] else "did not pass"
    lines = [
        f'!!! {"success" if data["passed"] else "failure"} "Recorded run: {status}"',
        "",
        f"    `{data['verdict']}`",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    for key, value in data["metrics"].items():  # a group of metrics (a dict): one row each
        for part, shown in value.items() if isinstance(value, dict) else [(None, value)]:
            label = key if part is None else f"{key}: {part}"
            lines.append(f"| {table_cell(str(label))} | {table_cell(str(shown))} |")
    lines += [
        f"| wall time | {data['wall_time_s']:.1f} s |",
        f"| machine | {table_cell(data['machine'])} |",
        f"| date | {table_cell(data['date'])} |",
        f"| command | `{table_cell(data['command'])}` |",
        "",
    ]
    for figure in data["figures"]:
        lines += [f"![Milestone {name}: {figure}]({MILESTONE_ASSETS}/{figure})", ""]
    return lines


def render_milestones(markdown: str, docs_dir: Path = DOCS, root: Path = ROOT) -> str:
    """The milestones page, each ``<!-- milestone NN -->`` marker replaced by :func:`milestone_markdown`."""
    markdown = MILESTONE_MARKER.sub(lambda match: milestone_markdown(match[1], docs_dir, root), markdown)
    return VARIANT_MARKER.sub(lambda match: variant_markdown(match[1], match[2], docs_dir), markdown)
