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
* writes each chapter's Jupyter notebook (``modules/NN-name.ipynb``, made by
  ``tools/chapter_notebooks.py`` from the chapter's markdown) and links it under
  the chapter's title;
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

import importlib
import importlib.util
import sys
import types
from dataclasses import dataclass
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

#: The pages of docs/torchvision/ (beyond the course): navigation title and file stem, in reading order.
TORCHVISION_PAGES = (
    ("Operators (torchvision.ops)", "ops"),
    ("Classification models", "models"),
    ("Semantic segmentation", "segmentation"),
    ("Detection", "detection"),
)

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


# --------------------------------------------------------------------------- parts kept beside this file

_api = _load("_tt_docs_api", ROOT / "tools" / "docs_api.py")
_milestones = _load("_tt_docs_milestones", ROOT / "tools" / "docs_milestones.py")
# What the pages below and the tests use, by name.
Entry, api_entries, own_docstring, kind_of = _api.Entry, _api.api_entries, _api.own_docstring, _api.kind_of
public_names, leaked_names, _defining_module = _api.public_names, _api.leaked_names, _api._defining_module
import_name, documented_packages, api_targets = _api.import_name, _api.documented_packages, _api.api_targets
api_page_path, META = _api.api_page_path, _api.META
MILESTONE_ASSETS, MILESTONE_MARKER, VARIANT_MARKER, PLACEHOLDER = (
    _milestones.MILESTONE_ASSETS,
    _milestones.MILESTONE_MARKER,
    _milestones.VARIANT_MARKER,
    _milestones.PLACEHOLDER,
)
load_milestone_result, render_milestones = _milestones.load_milestone_result, _milestones.render_milestones
table_cell = _milestones.table_cell


# --------------------------------------------------------------------------- API pages


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
            summary = f"{table_cell(entry.summary)} ({see})" if entry.summary else see.capitalize()
        else:
            name, summary = f"[`{entry.name}`][{entry.identifier}]", table_cell(entry.summary)
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
            value = table_cell(repr(entry.obj))
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

    def torchvision_pages(self) -> list[dict[str, str]]:
        """The pages on torchvision's operators and models beyond the course, in reading order."""
        return [{title: f"torchvision/{name}.md"} for title, name in TORCHVISION_PAGES]

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
            {"torchvision": self.torchvision_pages()},
            {"PyTorch coverage": "pytorch-coverage.md"},
            {"Instructors": "instructors.md"},
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
        """A page's markdown with its markers filled in (and a chapter's notebook linked)."""
        if path in self.chapters.values():
            markdown = with_notebook_link(markdown, path)
        if path == "milestones.md":
            markdown = render_milestones(markdown, docs_dir)
        if "<!-- packages-table -->" in markdown:
            markdown = markdown.replace(
                "<!-- packages-table -->", packages_table_markdown(self.documented, self.chapters)
            )
        return markdown


def notebook_path(chapter: str) -> str:
    """``modules/03-activations.md`` → ``modules/03-activations.ipynb``."""
    return chapter.removesuffix(".md") + ".ipynb"


def with_notebook_link(markdown: str, chapter: str) -> str:
    """The chapter's markdown with a line under its title linking its notebook."""
    name = Path(notebook_path(chapter)).name
    link = (
        f"*Also as a Jupyter notebook: [{name}]({name}) "
        "([how to open it](../index.md#chapters-as-notebooks)).*"
    )
    title, newline, rest = markdown.partition("\n")
    return f"{title}\n\n{link}\n{rest}" if newline else f"{markdown}\n\n{link}\n"


def notebook_files(chapters_: dict[int, str], docs_dir: Path = DOCS) -> dict[str, str]:
    """``{path: .ipynb text}`` of every chapter's notebook (needs jupytext and nbformat: the docs extra)."""
    convert = _load("_tt_chapter_notebooks", ROOT / "tools" / "chapter_notebooks.py")
    return {notebook_path(p): convert.chapter_notebook_json(docs_dir / p) for p in chapters_.values()}


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
    generated = _site.generated_files()
    try:
        generated.update(notebook_files(_site.chapters, docs_dir))
    except ImportError as error:
        _log().warning(f"the chapters' notebooks need {error.name}: pip install -e '.[docs]'")
    for path, content in generated.items():
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
