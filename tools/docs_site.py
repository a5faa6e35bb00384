"""The documentation site's generated parts, and the mkdocs hook that adds them.

``mkdocs.yml`` names this file under ``hooks:``. At build time it

* builds the navigation from ``src/tinytorch/curriculum.py``: the module
  chapters that exist (``docs/modules/NN-<name>.md``) in curriculum order;
  a course overview page lists them all, the missing ones as "coming";
* writes one API reference page per package whose ``src/<package>/__init__.py``
  exists, plus the meta-package ``tinytorch``, listing every public name
  (:func:`public_names`): mkdocstrings renders what a package defines, and a
  table links each re-exported name to the package that documents it;
* draws the package map (an SVG, from ``curriculum.PACKAGES``) for the home page;
* fills the milestones page from the results the milestone scripts record in
  ``docs/assets/milestones/NN.json`` (:func:`load_milestone_result`), and shows
  a clearly marked placeholder for a milestone with no recorded run.

Generated pages exist only in the build: nothing under ``docs/`` is written.
Anything that goes wrong (a chapter file with a name no module has, a package
that fails to import, an invalid results file) is a warning, so
``mkdocs build --strict`` fails on it.

Without mkdocs, the functions here are plain Python for the tests
(``tests/test_docs_*.py``) to load by path: only the hook functions
(``on_config``, ``on_files``, ``on_page_markdown``) import mkdocs.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import importlib.util
import inspect
import json
import re
import sys
import types
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
META = "tinytorch"


def _load(name: str, path: Path) -> types.ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses looks its module up there
    spec.loader.exec_module(module)
    return module


curriculum = _load("_tt_docs_curriculum", ROOT / "src" / "tinytorch" / "curriculum.py")
ROLE = re.compile(r":(?:py:)?(?:meth|func|class|attr|mod|obj|data|exc):`~?(?P<target>[^`]+)`")

#: The course's four parts (DESIGN.md): title, first and last module.
PARTS: tuple[tuple[str, int, int], ...] = (
    ("I · Foundations", 1, 7),
    ("II · Vision", 8, 9),
    ("III · Language", 10, 13),
    ("IV · Optimization", 14, 20),
    ("V · Beyond one process", 21, 21),
)


# --------------------------------------------------------------------------- course


def chapter_path(module: Any) -> str:
    """Where module ``module``'s chapter lives, relative to ``docs/``: ``modules/02-autograd.md``."""
    return f"modules/{module.tag}-{module.name}.md"


def chapters(docs_dir: Path = DOCS) -> dict[int, str]:
    """``{module number: chapter path}`` for the chapters that exist, in curriculum order."""
    return {m.number: chapter_path(m) for m in curriculum.MODULES if (docs_dir / chapter_path(m)).is_file()}


def stray_chapters(docs_dir: Path = DOCS) -> list[str]:
    """Pages under ``docs/modules/`` whose name matches no module (they would be left out of the nav)."""
    expected = {chapter_path(m) for m in curriculum.MODULES} | {"modules/index.md"}
    folder = docs_dir / "modules"
    found = sorted(p.relative_to(docs_dir).as_posix() for p in folder.glob("*.md")) if folder.is_dir() else []
    return [path for path in found if path not in expected]


def short_title(module: Any) -> str:
    """The module's title up to its colon: ``Autograd``."""
    return module.title.split(":")[0]


def part_of(number: int) -> str:
    for title, first, last in PARTS:
        if first <= number <= last:
            return title
    raise KeyError(f"module {number} is in no part of PARTS")


def course_index_markdown(existing: dict[int, str]) -> str:
    """The course overview: every module in order, linked where its chapter exists."""
    lines = [
        "# The course",
        "",
        "Twenty-one modules, each building one piece of the framework on the ones before it.",
        "Each module has a home package; its code may also sit in packages the home builds on,",
        "where the capability belongs (listed after *also*). Its tests run alone with",
        "`nox -s module-NN`, in a virtual environment holding only the packages it needs.",
        "Chapters appear here as they are written; the others are marked *coming*.",
        "",
    ]
    for title, first, last in PARTS:
        lines += [f"## Part {title}", "", "| # | module | package | chapter |", "|---|---|---|---|"]
        for module in curriculum.MODULES:
            if not first <= module.number <= last:
                continue
            path = existing.get(module.number)
            chapter = f"[{short_title(module)}]({Path(path).name})" if path else "*coming*"
            lines.append(f"| {module.tag} | {module.title} | {module_packages(module)} | {chapter} |")
        lines.append("")
    return "\n".join(lines)


def module_packages(module) -> str:
    """``"`tt-perf`"``, or ``"`tt-perf` (also `tt-text`)"`` for a module with code in several packages."""
    others = [f"`{p}`" for p in module.packages if p != module.package]
    return f"`{module.package}`" + (f" (also {', '.join(others)})" if others else "")


def modules_in(package: str) -> list:
    """The modules with code or tests in ``package``: its own and those that also reach into it."""
    return [m for m in curriculum.MODULES if package in m.packages]


def module_range(package: str) -> str:
    """``"module 01"``, ``"modules 03–05"`` or ``"modules 10–13, 18"``: the modules a package holds."""
    numbers = [m.number for m in modules_in(package)]
    if not numbers:
        return "no modules"
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]:02d}" if len(r) == 1 else f"{r[0]:02d}–{r[-1]:02d}" for r in runs]
    return ("module " if len(numbers) == 1 else "modules ") + ", ".join(parts)


# --------------------------------------------------------------------------- packages


def import_name(distribution: str) -> str:
    """``tt-autograd`` → ``tt_autograd``."""
    return distribution.replace("-", "_")


def package_source(root: Path, distribution: str) -> Path:
    return root / "packages" / distribution / "src" / import_name(distribution) / "__init__.py"


def documented_packages(root: Path = ROOT) -> list[str]:
    """Distributions with a package folder *and* an ``__init__.py``, in dependency order.

    A package folder without ``__init__.py`` is still being written: it is listed as
    coming, with no API page, so the site builds while it grows.
    """
    return [name for name in curriculum.existing_packages(root) if package_source(root, name).is_file()]


def api_targets(root: Path = ROOT) -> list[str]:
    """Import names that get an API page: every documented package, then the meta-package."""
    return [import_name(name) for name in documented_packages(root)] + [META]


def api_page_path(package: str) -> str:
    """``tt_autograd`` → ``api/tt-autograd.md``."""
    return f"api/{package.replace('_', '-')}.md"


def _explicit_names(module: types.ModuleType) -> set[str]:
    """Names an ``__init__.py`` binds itself (imports, assignments, defs), wildcard imports aside."""
    path = getattr(module, "__file__", None)
    if not path:
        return set()
    names: set[str] = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _ours(module_name: str | None) -> bool:
    top = (module_name or "").split(".")[0]
    return top == META or top.startswith("tt_")


def _defining_module(obj: object) -> str | None:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    if inspect.isclass(obj) or inspect.isroutine(obj):
        return getattr(obj, "__module__", None)
    return None


def _own_submodule(module: types.ModuleType, name: str) -> bool:
    """``package.name`` is the package's own submodule, set as an attribute by the import system.

    Python sets it whenever anything imports from the submodule, so it is public
    API only if the ``__init__`` binds it by name (``from . import curriculum``).
    """
    obj = getattr(module, name)
    return isinstance(obj, types.ModuleType) and obj.__name__ == f"{module.__name__}.{name}"


def is_leak(module: types.ModuleType, name: str) -> bool:
    """Whether a public-looking name is an accident of a wildcard import.

    A class, function or module from outside TinyTorch (``Callable`` from
    ``collections.abc``), or another package's submodule that the ``__init__``
    never imports by name (``tinytorch.engine`` through ``from tt_autograd import *``).
    """
    obj = getattr(module, name)
    if isinstance(obj, types.ModuleType):
        return not _own_submodule(module, name) and (
            name not in _explicit_names(module) or not _ours(obj.__name__)
        )
    defined = _defining_module(obj)
    return defined is not None and not _ours(defined)


def candidate_names(module: types.ModuleType) -> list[str]:
    """``__all__`` if the package has one, else every name not starting with ``_``.

    Left out: ``from __future__ import annotations``, and the package's own
    submodules unless its ``__init__`` imports them by name.
    """
    if hasattr(module, "__all__"):
        return sorted(module.__all__)
    explicit = _explicit_names(module)
    return sorted(
        name
        for name in vars(module)
        if not name.startswith("_")
        and not isinstance(getattr(module, name), __future__._Feature)
        and (name in explicit or not _own_submodule(module, name))
    )


def public_names(module: types.ModuleType) -> list[str]:
    """The package's public API: :func:`candidate_names` less the leaks (:func:`is_leak`)."""
    return [name for name in candidate_names(module) if not is_leak(module, name)]


def leaked_names(module: types.ModuleType) -> list[str]:
    """Public-looking names that are leaks (see :func:`is_leak`): each wants an ``__all__`` somewhere."""
    return [name for name in candidate_names(module) if is_leak(module, name)]


def kind_of(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if inspect.isroutine(obj):
        return "function"
    return "object"


@dataclass
class Entry:
    """One public name of one package and where its documentation lives."""

    package: str
    name: str
    obj: object = field(repr=False)
    kind: str
    home: str | None = None  # "tt_tensor.cat" when documented elsewhere; None: documented here

    @property
    def identifier(self) -> str:
        return f"{self.package}.{self.name}"

    @property
    def summary(self) -> str:
        """The docstring's first line (the class's own for a class, else inspect's)."""
        doc = own_docstring(self.obj) if self.kind != "object" else None
        first = (doc or "").strip().split("\n")[0].strip()
        return ROLE.sub(r"`\g<target>`", first)  # as tools/griffe_docstrings.py does for the full text


def own_docstring(obj: object) -> str | None:
    """A class's or function's own docstring (not one inherited from a base class)."""
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__")
    else:
        doc = getattr(obj, "__doc__", None)
    return doc.strip() if isinstance(doc, str) and doc.strip() else None


def _primary_name(obj: object, names: list[str]) -> str:
    for attribute in ("__name__", "name"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value in names:
            return value
    return sorted(names)[0]


def api_entries(packages: list[str]) -> dict[str, list[Entry]]:
    """Every public name of every package in ``packages`` (import names, in dependency order).

    Each object is documented once, at its *home*: the package that defines it
    (for a class, function or module), else the first package that exposes it,
    under its own name there (``float64``, not its alias ``double``). Every
    other name for it links home.
    """
    modules = {name: importlib.import_module(name) for name in packages}

    def identity(package: str, name: str, obj: object) -> object:
        # Equal small values (0, "", None) may be one object: only real objects are shared.
        return (package, name) if isinstance(obj, (int, float, str, bytes, type(None))) else id(obj)

    exposures: dict[object, list[tuple[str, str]]] = {}
    objects: dict[object, object] = {}
    for package, module in modules.items():
        for name in public_names(module):
            obj = getattr(module, name)
            exposures.setdefault(identity(package, name, obj), []).append((package, name))
            objects[identity(package, name, obj)] = obj
    home: dict[object, str] = {}
    for key, places in exposures.items():
        obj = objects[key]
        defined = (_defining_module(obj) or "").split(".")[0]
        package = defined if any(p == defined for p, _ in places) else places[0][0]
        names = [n for p, n in places if p == package]
        home[key] = f"{package}.{_primary_name(obj, names)}"
    entries: dict[str, list[Entry]] = {}
    for package, module in modules.items():
        rows = []
        for name in public_names(module):
            obj = getattr(module, name)
            where = home[identity(package, name, obj)]
            rows.append(
                Entry(package, name, obj, kind_of(obj), None if where == f"{package}.{name}" else where)
            )
        entries[package] = rows
    return entries


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def api_page_markdown(package: str, entries: list[Entry], existing_chapters: dict[int, str]) -> str:
    """One package's API page: a table of every public name, then the definitions of its own.

    A name documented in another package (a re-export, or an alias such as
    ``double`` for ``float64``) gets an anchor in the table and a link home.
    """
    module = importlib.import_module(package)
    distribution = package.replace("_", "-")
    doc = (module.__doc__ or "").strip()
    lines = [f"# `{package}`", ""]
    if doc:
        lines += [doc.split("\n")[0], ""]
    if distribution in curriculum.PACKAGES:
        deps = ", ".join(f"`{d}`" for d in curriculum.PACKAGES[distribution]) or "NumPy only"
        links = [
            f"[{m.tag} {short_title(m)}](../{existing_chapters[m.number]})"
            for m in modules_in(distribution)
            if m.number in existing_chapters
        ]
        lines += [
            f"**Install:** `pip install {distribution}` · **Depends on:** {deps} · "
            f"**Course:** {module_range(distribution)}" + (f" ({', '.join(links)})" if links else ""),
            "",
        ]
    else:
        lines += [
            "The meta-package: `import tinytorch as tt` gathers every package behind PyTorch's names. "
            "Each name below links to the package that documents it.",
            "",
        ]
    lines += ["## Public names", "", "| name | kind | summary |", "|---|---|---|"]
    for entry in entries:
        if entry.home:  # the anchor for this name is here; its documentation is at home
            name = f"[](){{#{entry.identifier}}}[`{entry.name}`][{entry.home}]"
            see = f"documented as [`{entry.home}`][{entry.home}]"
            summary = f"{_cell(entry.summary)} ({see})" if entry.summary else see.capitalize()
        else:
            name, summary = f"[`{entry.name}`][{entry.identifier}]", _cell(entry.summary)
        lines.append(f"| {name} | {entry.kind} | {summary} |")
    lines.append("")
    sections = (("Classes", "class"), ("Functions", "function"), ("Modules", "module"))
    for title, kind in sections:
        own = [e for e in entries if e.kind == kind and e.home is None]
        if own:
            lines += [f"## {title}", ""]
            for entry in own:
                lines += [f"::: {entry.identifier}", ""]
    objects = [e for e in entries if e.kind == "object" and e.home is None]
    if objects:
        lines += ["## Objects", "", "| name | type | value |", "|---|---|---|"]
        for entry in objects:
            cls = type(entry.obj)
            kind = f"`{cls.__name__}`"
            for candidate in entries:
                if candidate.obj is cls:
                    kind = f"[`{cls.__name__}`][{candidate.home or candidate.identifier}]"
            value = _cell(repr(entry.obj))
            value = value if len(value) < 80 else value[:77] + "…"
            lines.append(f"| [](){{#{entry.identifier}}}`{entry.name}` | {kind} | `{value}` |")
        lines.append("")
    return "\n".join(lines)


def api_index_markdown(documented: list[str]) -> str:
    """The API reference's front page: every package, linked where it has a page."""
    lines = [
        "# API reference",
        "",
        "One page per package, generated from its docstrings: every name its `__init__` makes public,",
        "each documented once, in the package that defines it, and linked from the others.",
        "",
        "| package | import | course | depends on | reference |",
        "|---|---|---|---|---|",
    ]
    for distribution, deps in curriculum.PACKAGES.items():
        package = import_name(distribution)
        page = (
            f"[{distribution}]({Path(api_page_path(package)).name})"
            if distribution in documented
            else "*coming*"
        )
        depends = ", ".join(f"`{d}`" for d in deps) or "NumPy"
        lines.append(
            f"| `{distribution}` | `{package}` | {module_range(distribution)} | {depends} | {page} |"
        )
    lines.append(
        f"| `tinytorch` | `tinytorch` | all | every package | [tinytorch]({Path(api_page_path(META)).name}) |"
    )
    return "\n".join(lines) + "\n"


def packages_table_markdown(documented: list[str], existing_chapters: dict[int, str]) -> str:
    """The home page's table of packages, from the curriculum."""
    lines = ["| package | what it holds | course | depends on | API |", "|---|---|---|---|---|"]
    for distribution, deps in curriculum.PACKAGES.items():
        mods = modules_in(distribution)
        first = next((m for m in mods if m.number in existing_chapters), None)
        course = module_range(distribution)
        if first is not None:
            course = f"[{course}]({existing_chapters[first.number]})"
        api = (
            f"[reference]({api_page_path(import_name(distribution))})"
            if distribution in documented
            else "coming"
        )
        depends = ", ".join(f"`{d}`" for d in deps) or "NumPy"
        holds = ", ".join(short_title(m) for m in mods)
        lines.append(f"| `{distribution}` | {holds} | {course} | {depends} | {api} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- package map


def package_map_svg(packages: dict[str, tuple[str, ...]], present: set[str]) -> str:
    """The packages as a layered graph, each arrow from a package to one that builds on it.

    Packages in ``present`` are drawn solid; the others dashed, labelled "to come".
    """
    depth: dict[str, int] = {}
    for name, deps in packages.items():  # dependencies come first in PACKAGES
        depth[name] = 1 + max((depth[d] for d in deps), default=-1)
    layers: dict[int, list[str]] = {}
    for name in packages:
        layers.setdefault(depth[name], []).append(name)
    node_w, node_h, gap_x, gap_y, pad = 190, 50, 40, 38, 20
    widest = max(len(layer) for layer in layers.values())
    width = pad * 2 + widest * node_w + (widest - 1) * gap_x
    height = pad * 2 + len(layers) * node_h + (len(layers) - 1) * gap_y
    where: dict[str, tuple[float, float]] = {}
    for level, names in layers.items():
        span = len(names) * node_w + (len(names) - 1) * gap_x
        left = (width - span) / 2
        for i, name in enumerate(names):
            where[name] = (left + i * (node_w + gap_x), pad + level * (node_h + gap_y))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="title">',
        '<title id="title">TinyTorch\'s packages and their dependencies</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#546e7a"/></marker></defs>',
        f'<rect x="0" y="0" width="{width}" height="{height}" rx="12" fill="#f5f7fa"/>',
    ]
    for name, deps in packages.items():
        x, y = where[name]
        for dep in deps:
            dx, dy = where[dep]
            out.append(
                f'<line x1="{dx + node_w / 2:.0f}" y1="{dy + node_h:.0f}" '
                f'x2="{x + node_w / 2:.0f}" y2="{y:.0f}" '
                'stroke="#546e7a" stroke-width="1.6" marker-end="url(#arrow)"/>'
            )
    for name in packages:
        x, y = where[name]
        here = name in present
        stroke = "#3f51b5" if here else "#90a4ae"
        dash = "" if here else ' stroke-dasharray="6 4"'
        text = "#1a237e" if here else "#78909c"
        sub = module_range(name) + ("" if here else " · to come")
        out += [
            f'<g class="package" data-package="{escape(name)}">',
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{node_w}" height="{node_h}" rx="8" fill="#ffffff" '
            f'stroke="{stroke}" stroke-width="2"{dash}/>',
            f'<text x="{x + node_w / 2:.0f}" y="{y + 21:.0f}" text-anchor="middle" font-family="monospace" '
            f'font-size="15" font-weight="bold" fill="{text}">{escape(name)}</text>',
            f'<text x="{x + node_w / 2:.0f}" y="{y + 39:.0f}" text-anchor="middle" font-family="sans-serif" '
            f'font-size="12" fill="{text}">{escape(sub)}</text>',
            "</g>",
        ]
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- milestones

MILESTONE_MARKER = re.compile(r"^<!-- milestone (\d\d) -->$", re.MULTILINE)
MILESTONE_ASSETS = "assets/milestones"
#: Keys every ``docs/assets/milestones/NN.json`` must have, and their types.
RESULT_KEYS: dict[str, type | tuple[type, ...]] = {
    "milestone": str,  # "01"
    "verdict": str,  # the script's final verdict line, as printed
    "passed": bool,
    "metrics": dict,  # {"test_accuracy": 0.981, "epochs": 12, ...}: name → number or string
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
    milestone = curriculum.milestone(int(number))
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
    result = docs_dir / MILESTONE_ASSETS / f"{number}.json"
    if not result.is_file():
        lines += [
            f'!!! warning "{PLACEHOLDER}"',
            "",
            f"    This section is filled from `docs/{MILESTONE_ASSETS}/{number}.json`, which the milestone",
            "    script writes when it runs; there is none yet, so there are no results to show.",
            "",
        ]
        return "\n".join(lines)
    data = load_milestone_result(result)
    status = "passed" if data["passed"] else "did not pass"
    lines += [
        f'!!! {"success" if data["passed"] else "failure"} "Recorded run: {status}"',
        "",
        f"    `{data['verdict']}`",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    for key, value in data["metrics"].items():
        lines.append(f"| {_cell(str(key))} | {_cell(str(value))} |")
    lines += [
        f"| wall time | {data['wall_time_s']:.1f} s |",
        f"| machine | {_cell(data['machine'])} |",
        f"| date | {_cell(data['date'])} |",
        f"| command | `{_cell(data['command'])}` |",
        "",
    ]
    for figure in data["figures"]:
        lines += [f"![Milestone {number}: {figure}]({MILESTONE_ASSETS}/{figure})", ""]
    return "\n".join(lines)


def render_milestones(markdown: str, docs_dir: Path = DOCS, root: Path = ROOT) -> str:
    """The milestones page, each ``<!-- milestone NN -->`` marker replaced by :func:`milestone_markdown`."""
    return MILESTONE_MARKER.sub(lambda match: milestone_markdown(match[1], docs_dir, root), markdown)


# --------------------------------------------------------------------------- the site


@dataclass
class Site:
    """Everything generated for one build."""

    chapters: dict[int, str]
    documented: list[str]
    entries: dict[str, list[Entry]]

    @classmethod
    def collect(cls, docs_dir: Path = DOCS, root: Path = ROOT) -> Site:
        documented = documented_packages(root)
        packages = [import_name(name) for name in documented] + [META]
        return cls(chapters(docs_dir), documented, api_entries(packages))

    def nav(self) -> list[dict[str, Any]]:
        course = [{"Overview": "modules/index.md"}]
        course += [
            {f"{m.tag} · {short_title(m)}": self.chapters[m.number]}
            for m in curriculum.MODULES
            if m.number in self.chapters
        ]
        api = [{"Overview": "api/index.md"}]
        api += [{package.replace("_", "-"): api_page_path(package)} for package in self.entries]
        return [
            {"Home": "index.md"},
            {"Course": course},
            {"Milestones": "milestones.md"},
            {"API reference": api},
            {"Contributing": "contributing.md"},
        ]

    def generated_files(self) -> dict[str, str]:
        """``{path under docs/: content}`` of every page and picture the build adds."""
        files = {
            "modules/index.md": course_index_markdown(self.chapters),
            "api/index.md": api_index_markdown(self.documented),
            "assets/package-map.svg": package_map_svg(curriculum.PACKAGES, set(self.documented)),
        }
        for package, entries in self.entries.items():
            files[api_page_path(package)] = api_page_markdown(package, entries, self.chapters)
        return files

    def render(self, path: str, markdown: str, docs_dir: Path = DOCS) -> str:
        """A page's markdown with its markers filled in."""
        if path == "milestones.md":
            markdown = render_milestones(markdown, docs_dir)
        if "<!-- packages-table -->" in markdown:
            markdown = markdown.replace(
                "<!-- packages-table -->", packages_table_markdown(self.documented, self.chapters)
            )
        return markdown


# --------------------------------------------------------------------------- mkdocs hook

_site: Site | None = None


def _log():
    from mkdocs.plugins import get_plugin_logger

    return get_plugin_logger("tinytorch")


def on_config(config):
    """Collect the site and set the navigation: it is generated, mkdocs.yml has none."""
    global _site
    docs_dir = Path(config.docs_dir)
    for path in stray_chapters(docs_dir):
        names = ", ".join(chapter_path(m).split("/")[1] for m in curriculum.MODULES)
        _log().warning(
            f"docs/{path} matches no module of src/tinytorch/curriculum.py; chapters are named: {names}"
        )
    try:
        _site = Site.collect(docs_dir)
    except ImportError as error:
        from mkdocs.exceptions import PluginError

        raise PluginError(
            f"the API reference imports every package that has an __init__.py, and this failed: {error!r}"
        ) from error
    config.nav = _site.nav()
    return config


def on_files(files, config):
    """Add the generated pages (unless a real file of the same name exists) and check milestone results."""
    from mkdocs.structure.files import File

    docs_dir = Path(config.docs_dir)
    for path, content in _site.generated_files().items():
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, content=content))
    for result in sorted((docs_dir / MILESTONE_ASSETS).glob("*.json")):
        try:
            load_milestone_result(result)
        except ValueError as error:
            _log().warning(str(error))
    return files


def on_page_markdown(markdown, page, config, files):
    try:
        return _site.render(page.file.src_uri, markdown, Path(config.docs_dir))
    except ValueError as error:  # an invalid milestone result: on_files has warned already
        _log().warning(str(error))
        return markdown
