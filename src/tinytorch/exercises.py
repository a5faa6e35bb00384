"""Exercises from the solutions: turn marked solution regions into stubs.

Every module's reference code sits in the package sources between two
marker comments, which carry the module's number::

    def relu(a):
        \"\"\"max(a, 0) element-wise.\"\"\"
        # BEGIN SOLUTION 01
        return np.maximum(a, 0)
        # END SOLUTION

:func:`stub_source` replaces the body of each region of one module with a
single ``raise NotImplementedError(...)`` naming the module and the function
to write, indented like the region, so the signature and docstring stay and
the package still imports. The markers stay too: the learner writes between
them, and stubbing again (``tito module reset``) finds the region. Regions
of other modules are left alone: an earlier module's solution is something a
later module builds on.

Rules for contributors: a region holds whole statements of one function
body, never module-level code (the package must import with it stubbed);
regions do not nest.

This file uses only the standard library: the noxfile loads it by path.
"""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION (?P<module>\d\d)\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")


@dataclass(frozen=True)
class Region:
    """One solution region: its file, module, enclosing function and line span (1-based, inclusive)."""

    path: Path
    module: int
    function: str
    first: int
    last: int


class MarkerError(ValueError):
    """A solution marker is malformed: unclosed, nested, or outside a function."""


def find_regions(path: Path, source: str | None = None) -> list[Region]:
    """All solution regions of a Python file, with the function each belongs to."""
    text = path.read_text() if source is None else source
    lines = text.splitlines()
    functions = _function_spans(ast.parse(text))
    regions: list[Region] = []
    open_at: tuple[int, int] | None = None
    for number, line in enumerate(lines, start=1):
        begin = BEGIN.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(
                    f"{path}:{number}: solution region opened inside the one at line {open_at[0]}"
                )
            open_at = (number, int(begin["module"]))
        elif END.match(line):
            if open_at is None:
                raise MarkerError(f"{path}:{number}: END SOLUTION without a BEGIN")
            first, module = open_at
            regions.append(Region(path, module, _enclosing(functions, first, path), first, number))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{path}:{open_at[0]}: solution region is never closed")
    return regions


def _function_spans(tree: ast.AST) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, innermost last."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def _enclosing(functions: list[tuple[int, int, str]], line: int, path: Path) -> str:
    inside = [(first, name) for first, last, name in functions if first < line <= last]
    if not inside:
        raise MarkerError(f"{path}:{line}: solution regions must sit inside a function body")
    return max(inside)[1]


def stub_source(path: Path, module: int, source: str | None = None) -> tuple[str, int]:
    """The file's text with module ``module``'s regions stubbed, and how many were stubbed."""
    text = path.read_text() if source is None else source
    regions = [r for r in find_regions(path, text) if r.module == module]
    lines = text.splitlines(keepends=True)
    for region in reversed(regions):
        indent = BEGIN.match(lines[region.first - 1])["indent"]  # type: ignore[index]
        message = f"module {module:02d}: implement {region.function} (see docs/modules/)"
        lines[region.first : region.last - 1] = [f"{indent}raise NotImplementedError({message!r})\n"]
    stubbed = "".join(lines)
    ast.parse(stubbed)  # the stubbed file must still be valid Python
    return stubbed, len(regions)


def source_files(root: Path, package: str) -> list[Path]:
    """Python sources of one package under ``root/packages``."""
    return sorted((root / "packages" / package / "src").rglob("*.py"))


def stub_module(root: Path, package: str, module: int) -> list[Region]:
    """Stub module ``module``'s regions in place in the tree at ``root``; returns what was stubbed."""
    stubbed: list[Region] = []
    for path in source_files(root, package):
        regions = [r for r in find_regions(path) if r.module == module]
        if regions:
            text, _ = stub_source(path, module)
            path.write_text(text)
            stubbed.extend(regions)
    return stubbed


def copy_tree(root: Path, destination: Path) -> Path:
    """Copy the repository (without caches, venvs and git data) to ``destination``."""
    ignore = shutil.ignore_patterns(
        ".git",
        ".nox",
        ".venv",
        "__pycache__",
        "*.egg-info",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "dist",
        "build",
        "site",
    )
    shutil.copytree(root, destination, ignore=ignore)
    return destination
