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
later module builds on. :func:`refill_module` is the inverse: it puts a
module's reference answers back from the checkout an edition was exported
from. A module's regions may sit in several packages: the functions taking
``packages`` take ``curriculum.Module.packages``.

Rules for contributors: a region holds whole statements of one function
body, never module-level code (the package must import with it stubbed);
regions do not nest.

Core and extras. A region opened with ``# BEGIN SOLUTION NN extra`` is an
*extra*: optional work beside the module's core path (module 03's Cody erf,
say). Its tests sit in files named ``test_NN_*_extras.py``
(:data:`curriculum.EXTRAS_SUFFIX`); the core tests (every other ``test_NN_*.py``)
never test an extra, so a learner's core that does not call them passes
without them. ``part`` ("all", "core" or "extras") picks which regions
:func:`stub_source` and :func:`stub_module` stub.

This file uses only the standard library: the noxfile loads it by path.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION (?P<module>\d\d)(?P<extra> extra)?\s*$")
PARTS = ("all", "core", "extras")
END = re.compile(r"^\s*# END SOLUTION\s*$")


@dataclass(frozen=True)
class Region:
    """One solution region: its file, module, enclosing function and line span (1-based, inclusive)."""

    path: Path
    module: int
    function: str
    first: int
    last: int
    extra: bool = False

    def in_part(self, part: str) -> bool:
        """Whether this region belongs to ``part``: "all", "core" or "extras"."""
        if part not in PARTS:
            raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
        return part == "all" or (part == "extras") == self.extra


class MarkerError(ValueError):
    """A solution marker is malformed: unclosed, nested, or outside a function."""


def find_regions(path: Path, source: str | None = None) -> list[Region]:
    """All solution regions of a Python file, with the function each belongs to."""
    text = path.read_text() if source is None else source
    lines = text.splitlines()
    functions = _function_spans(ast.parse(text))
    regions: list[Region] = []
    open_at: tuple[int, int, bool] | None = None
    for number, line in enumerate(lines, start=1):
        begin = BEGIN.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(
                    f"{path}:{number}: solution region opened inside the one at line {open_at[0]}"
                )
            open_at = (number, int(begin["module"]), bool(begin["extra"]))
        elif END.match(line):
            if open_at is None:
                raise MarkerError(f"{path}:{number}: END SOLUTION without a BEGIN")
            first, module, extra = open_at
            regions.append(Region(path, module, _enclosing(functions, first, path), first, number, extra))
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


#: Chapter sections that name functions without teaching them.
NOT_TEACHING = ("Exercises", "Check yourself")


def chapter_section(chapter: Path, function: str) -> str:
    """The heading of the first section of ``chapter`` that names ``function`` in backticks.

    ``GELUFunction.forward`` is looked for as ``GELUFunction.forward``, then ``GELUFunction``,
    then ``forward``; sections that only list or quiz (:data:`NOT_TEACHING`) are passed over, and
    "Exercises" is the fallback: every chapter has one.
    """
    if not chapter.is_file():
        return ""
    sections: list[tuple[str, str]] = []
    for block in re.split(r"^(?=##+ )", chapter.read_text(encoding="utf-8"), flags=re.MULTILINE):
        heading, _, body = block.partition("\n")
        if heading.startswith("##"):
            sections.append((heading.lstrip("#").strip(), body))
    names = [function, *function.split(".")]
    for name in names:
        for heading, body in sections:
            if heading not in NOT_TEACHING and f"`{name}" in body:
                return heading
    return "Exercises" if any(heading == "Exercises" for heading, _ in sections) else ""


def region_section(chapter: Path, function: str, guidance: list[str]) -> str:
    """The chapter section to read for one exercise: the first ``§ <heading>`` its guidance comments
    name (a heading of ``chapter``), else :func:`chapter_section`'s guess from the function's name.
    """
    text = " ".join(line.strip().lstrip("#").strip() for line in guidance)
    if "§" in text and chapter.is_file():
        headings = re.findall(r"^##+ (.*?)\s*$", chapter.read_text(encoding="utf-8"), flags=re.MULTILINE)
        for mention in text.split("§")[1:]:
            named = [h for h in headings if mention.strip().startswith(h)]
            if named:
                return max(named, key=len)
    return chapter_section(chapter, function)


LESSON = re.compile(r"^\s*# (TODO|APPROACH|HINT|EXAMPLE):")


def lesson_comments(body: list[str]) -> list[str]:
    """The guidance a region opens with, kept in the stub: its leading ``# TODO:``, ``# APPROACH:``,
    ``# HINT:`` and ``# EXAMPLE:`` comments, each with the indented comment lines that continue it.
    """
    kept: list[str] = []
    for line in body:
        stripped = line.strip()
        if LESSON.match(line) or (kept and stripped.startswith("#   ")):
            kept.append(line)
        else:
            break
    return kept


def stub_source(
    path: Path,
    module: int,
    source: str | None = None,
    chapter: str = "docs/modules/",
    part: str = "all",
    root: Path | None = None,
) -> tuple[str, int]:
    """The file's text with module ``module``'s regions (of ``part``) stubbed, and how many were stubbed.

    Each stub raises ``NotImplementedError("module NN: implement <function> (see <chapter>)")``
    ("(optional extra; see <chapter>)" for an extra), after the region's opening guidance
    comments (:func:`lesson_comments`), which stay. With ``root`` (the tree ``chapter``, a
    relative path, is in), the message also names the chapter's section to read
    (:func:`region_section`): "(see docs/modules/03-activations.md § The idea)".
    """
    text = path.read_text() if source is None else source
    regions = [r for r in find_regions(path, text) if r.module == module and r.in_part(part)]
    lines = text.splitlines(keepends=True)
    for region in reversed(regions):
        indent = BEGIN.match(lines[region.first - 1])["indent"]  # type: ignore[index]
        guidance = lesson_comments(lines[region.first : region.last - 1])
        section = region_section(root / chapter, region.function, guidance) if root is not None else ""
        where = f"{chapter} § {section}" if section else chapter
        see = f"optional extra; see {where}" if region.extra else f"see {where}"
        message = f"module {module:02d}: implement {region.function} ({see})"
        lines[region.first : region.last - 1] = [
            *guidance,
            f"{indent}raise NotImplementedError({message!r})\n",
        ]
    stubbed = "".join(lines)
    ast.parse(stubbed)  # the stubbed file must still be valid Python
    return stubbed, len(regions)


def source_files(root: Path, packages: str | Iterable[str]) -> list[Path]:
    """Python sources of one package, or of several, under ``root/packages``."""
    names = [packages] if isinstance(packages, str) else list(packages)
    return sorted(path for name in names for path in (root / "packages" / name / "src").rglob("*.py"))


def module_regions(root: Path, packages: str | Iterable[str], module: int) -> list[Region]:
    """Module ``module``'s regions in the sources of ``packages`` under ``root``."""
    return [r for path in source_files(root, packages) for r in find_regions(path) if r.module == module]


def stub_module(root: Path, packages: str | Iterable[str], module: int, part: str = "all") -> list[Region]:
    """Stub module ``module``'s regions (of ``part``) in place in the tree at ``root``; returns them.

    ``packages`` is the module's packages (``curriculum.Module.packages``), or one package name;
    ``part`` is "all" (what a learner gets), "core" or "extras" (the curriculum check's runs).
    """
    chapters = sorted((root / "docs" / "modules").glob(f"{module:02d}-*.md"))
    chapter = chapters[0].relative_to(root).as_posix() if chapters else "docs/modules/"
    stubbed: list[Region] = []
    for path in source_files(root, packages):
        regions = [r for r in find_regions(path) if r.module == module and r.in_part(part)]
        if regions:
            text, _ = stub_source(path, module, chapter=chapter, part=part, root=root)
            path.write_text(text)
            stubbed.extend(regions)
    return stubbed


def refill_source(path: Path, reference: Path, module: int) -> tuple[str, int]:
    """``path``'s text with module ``module``'s regions holding ``reference``'s bodies, and how many.

    The two files must have the same regions of ``module``, in the same functions and
    order (a learner's edition and the checkout it was exported from do); code outside
    them, and other modules' regions, are kept as they are in ``path``.
    """
    text = path.read_text()
    reference_text = reference.read_text()
    mine = [r for r in find_regions(path, text) if r.module == module]
    theirs = [r for r in find_regions(reference, reference_text) if r.module == module]
    if [r.function for r in mine] != [r.function for r in theirs]:
        raise MarkerError(
            f"{path} and {reference} disagree on module {module:02d}'s regions: "
            f"{[r.function for r in mine]} vs {[r.function for r in theirs]}"
        )
    lines = text.splitlines(keepends=True)
    answer = reference_text.splitlines(keepends=True)
    for region, source in zip(reversed(mine), reversed(theirs)):
        lines[region.first : region.last - 1] = answer[source.first : source.last - 1]
    filled = "".join(lines)
    ast.parse(filled)
    return filled, len(mine)


def refill_module(root: Path, reference: Path, packages: str | Iterable[str], module: int) -> list[Region]:
    """Put the reference answers of module ``module`` back into the tree at ``root``.

    The inverse of :func:`stub_module`: each region of ``module`` in ``root`` gets the
    body of the same region in the checkout ``reference``. Used to prove a learner's
    edition works end to end (``tito instructor refill``); returns the regions filled.
    """
    filled: list[Region] = []
    names = [packages] if isinstance(packages, str) else list(packages)
    for path in source_files(root, names):
        regions = [r for r in find_regions(path) if r.module == module]
        if not regions:
            continue
        twin = reference / path.relative_to(root)
        if not twin.is_file():
            raise MarkerError(f"{path} has module {module:02d} regions but {twin} does not exist")
        text, _ = refill_source(path, twin, module)
        path.write_text(text)
        filled.extend(regions)
    expected = module_regions(reference, names, module)
    if len(expected) != len(filled):
        raise MarkerError(
            f"module {module:02d} has {len(expected)} regions in {reference} but {len(filled)} in {root}"
        )
    return filled


def map_disagreements(root: Path, modules: Iterable) -> list[str]:
    """Where the sources under ``root`` disagree with the module table; empty when they agree.

    ``modules`` are ``curriculum.Module`` rows (anything with ``number``, ``tag`` and
    ``packages``). A region or a ``test_NN_*.py`` of module NN in a package the table
    does not list for NN is a disagreement; so is a listed package holding neither.
    """
    rows = {m.number: m for m in modules}
    found: dict[int, dict[str, set[str]]] = {}
    for package_dir in sorted((root / "packages").iterdir()):
        package = package_dir.name
        for path in sorted((package_dir / "src").rglob("*.py")):
            for region in find_regions(path):
                found.setdefault(region.module, {}).setdefault(package, set()).add("regions")
        for path in sorted((package_dir / "tests").glob("test_[0-9][0-9]_*.py")):
            found.setdefault(int(path.name[5:7]), {}).setdefault(package, set()).add("tests")
    problems: list[str] = []
    for number, places in sorted(found.items()):
        row = rows.get(number)
        if row is None:
            problems.append(f"module {number:02d} is in no row of the table but has {places} under {root}")
            continue
        for package, kinds in sorted(places.items()):
            if package not in row.packages:
                problems.append(
                    f"module {row.tag} has {' and '.join(sorted(kinds))} in {package}, which its row does "
                    f"not list (it lists {', '.join(row.packages)}): add {package!r} to its `also`"
                )
    for number, row in sorted(rows.items()):
        for package in row.packages:
            if (root / "packages" / package).is_dir() and package not in found.get(number, {}):
                problems.append(
                    f"module {row.tag} lists {package} but has neither regions nor tests there: "
                    f"drop it from the row, or put the module's code there"
                )
    return problems


#: Files of the repository that hold reference answers outside solution regions: the
#: learner's edition leaves them out (``benchmarks/nn_fused.py`` writes softmax,
#: cross-entropy and GELU forward and backward in NumPy, to time tt-nn's against them).
REFERENCE_ONLY = ("benchmarks/nn_fused.py",)


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
