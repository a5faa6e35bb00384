"""Where a listed equivalent's line went since the equivalents file last changed, by ``git`` and a line diff.

``--refresh-equivalents`` first matches each entry of an
``equivalent_mutants.toml`` by its exact id, then by its id without
``line:column`` when that pairs entries and mutants one to one. An entry whose
mutation text also names *other* mutants of the same function (three
``'<' -> '<='`` in one function, one of them equivalent) cannot be paired that
way once lines above it move. This module pairs it by history instead: the
entries were right for the source as of the last commit that touched the toml
file, so a line diff (``difflib``) of that version against today's file says
which line the entry's line became — if that line is unchanged, it is the same
mutant.

Cost: one ``git log`` per toml file and one ``git show`` and diff per source
file with a stale entry.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
from pathlib import Path

_POSITION = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+) ")


def _git(root: Path, *args: str) -> str | None:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else None


def line_map(old: list[str], new: list[str]) -> dict[int, int]:
    """``{old line number: new line number}`` (1-based) for the lines the diff keeps unchanged."""
    mapping = {}
    for block in difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
        mapping.update({block.a + k + 1: block.b + k + 1 for k in range(block.size)})
    return mapping


def moved_ids(root: Path, toml: Path, entries: list[str]) -> dict[str, str]:
    """``{entry: its id on today's lines}`` for the ``entries`` of ``toml`` whose line survived unchanged.

    An entry is left out when the toml file's last commit does not list it (added
    since, or already rewritten by an uncommitted refresh), its source file is
    gone, or its line was itself edited (then no history can say it is the same mutant).
    """
    listed_file = str(toml.relative_to(root))
    commit = (_git(root, "log", "-1", "--format=%H", "--", listed_file) or "").strip()
    committed = _git(root, "show", f"{commit}:{listed_file}") if commit else None
    if committed is None:
        return {}
    maps: dict[str, dict[int, int] | None] = {}
    moved = {}
    for entry in entries:
        found = _POSITION.match(entry)
        if found is None or json.dumps(entry, ensure_ascii=False) not in committed:  # added since: no history
            continue
        path = found["path"]
        if path not in maps:
            old = _git(root, "show", f"{commit}:{path}")
            today = root / path
            maps[path] = None
            if old is not None and today.exists():
                maps[path] = line_map(old.splitlines(), today.read_text().splitlines())
        new_line = (maps[path] or {}).get(int(found["line"]))
        if new_line is not None:
            moved[entry] = f"{path}:{new_line}:{found['column']} {entry[found.end() :]}"
    return moved
