"""What each package exposes, for the API reference pages of the documentation site.

Loaded by ``tools/docs_site.py`` (the mkdocs hook), which re-exports these names; the
tests load it through that file. A package's public names are those its
``__init__.py`` binds itself and that do not start with ``_`` (:func:`public_names`);
a name that is merely imported from elsewhere, outside the project, is a leak
(:func:`leaked_names`). :func:`api_entries` gathers one :class:`Entry` per public object,
with its kind and the first line of its docstring.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import inspect
import re
import types
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
META = "tinytorch"
ROLE = re.compile(r":(?:py:)?(?:meth|func|class|attr|mod|obj|data|exc):`~?(?P<target>[^`]+)`")


def existing_packages(root: Path) -> list[str]:
    """The curriculum's package folders present under ``root``, in dependency order."""
    import sys

    return sys.modules["_tt_docs_curriculum"].existing_packages(root)


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
    return [name for name in existing_packages(root) if package_source(root, name).is_file()]


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
