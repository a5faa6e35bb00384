"""Every public name of every package is in the API reference, with a docstring.

Public names are each package's ``__all__`` if it has one, else every name in
its ``__init__`` not starting with ``_`` (``tools/docs_site.py: public_names``).
A class or function must have a docstring of its own; so must every public
method and property of a class the package defines (one inherited from the
method it overrides counts, as in the rendered reference). A name that a
wildcard import drags in from outside TinyTorch fails too: it would be public
API nobody meant to publish.

The checks on the built HTML run when ``TT_DOCS_SITE`` names a built site
(``nox -s docs`` sets it) or mkdocs is importable (they build one).
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest
from by_path import load_file

ROOT = Path(__file__).resolve().parents[1]


site = load_file("tinytorch_docs_site", ROOT / "tools" / "docs_site.py")
PACKAGES = site.api_targets(ROOT)


@pytest.fixture(scope="module")
def entries():
    return site.api_entries(PACKAGES)


def _public_members(cls: type) -> list[tuple[str, object]]:
    """Public methods and properties a class defines itself (inherited ones are documented at their class)."""
    members = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property) or inspect.isroutine(value):
            members.append((name, getattr(cls, name) if not isinstance(value, property) else value))
    return members


def missing_docstrings(package: str) -> list[str]:
    """``package.name`` (or ``package.Class.method``) of each public object it defines without a docstring."""
    module = importlib.import_module(package)
    missing = []
    for name in site.public_names(module):
        obj = getattr(module, name)
        kind = site.kind_of(obj)
        defined = (site._defining_module(obj) or "").split(".")[0]
        if defined != package:
            continue  # a re-export: checked in the package that defines it
        if site.own_docstring(obj) is None:
            missing.append(f"{package}.{name}")
        if kind == "class":
            for member, value in _public_members(obj):
                if not (inspect.getdoc(value) or "").strip():
                    missing.append(f"{package}.{name}.{member}")
    return missing


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_has_a_docstring(package):
    missing = missing_docstrings(package)
    assert not missing, f"{len(missing)} public names of {package} have no docstring: {', '.join(missing)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_names_leak_through_wildcard_imports(package):
    module = importlib.import_module(package)
    leaks = site.leaked_names(module)
    where = {
        name: getattr(getattr(module, name), "__module__", None) or getattr(module, name).__name__
        for name in leaks
    }
    assert not leaks, (
        f"{package} exposes names it did not mean to publish: {where}; a wildcard import "
        "(`from x import *`) copied them. Give the module they come through an `__all__`."
    )


def test_every_package_with_an_init_gets_a_page():
    documented = site.documented_packages(ROOT)
    assert PACKAGES == [site.import_name(d) for d in documented] + ["tinytorch"]
    for distribution in site.curriculum.existing_packages(ROOT):
        if distribution not in documented:
            print(
                f"{distribution}: no src/{site.import_name(distribution)}/__init__.py yet, listed as coming"
            )


@pytest.mark.parametrize("package", PACKAGES)
def test_api_page_covers_every_public_name(package, entries):
    page = site.api_page_markdown(package, entries[package], {})
    module = importlib.import_module(package)
    for name in site.public_names(module):
        identifier = f"{package}.{name}"
        rendered = f"::: {identifier}\n" in page or f"{{#{identifier}}}" in page
        assert rendered, f"{identifier} is public but has no entry on {site.api_page_path(package)}"
        assert f"[`{name}`][" in page, f"{identifier} is missing from the table of public names"


def test_each_object_is_documented_once_and_links_home(entries):
    homes: dict[int, set[str]] = {}
    for rows in entries.values():
        for entry in rows:
            homes.setdefault(id(entry.obj), set()).add(entry.home or entry.identifier)
    split = {key: where for key, where in homes.items() if len(where) != 1}
    assert not split, f"objects documented in several places: {list(split.values())}"
    by_id = {e.identifier: e for rows in entries.values() for e in rows}
    for rows in entries.values():
        for entry in rows:
            if entry.home:
                assert entry.home in by_id and by_id[entry.home].home is None, entry
                assert by_id[entry.home].obj is entry.obj, entry


def test_meta_package_reexports_link_to_their_packages(entries):
    tt = {e.name: e for e in entries["tinytorch"]}
    assert tt["Tensor"].home == "tt_autograd.Tensor"
    assert tt["float32"].home == "tt_tensor.float32"
    assert tt["curriculum"].home is None and tt["curriculum"].kind == "module"


@pytest.mark.parametrize("package", PACKAGES)
def test_docstring_examples_pass(package):
    """The ``>>>`` examples in every module of the package, run as doctests."""
    root = importlib.import_module(package)
    modules = [root]
    if hasattr(root, "__path__"):
        modules += [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(root.__path__, f"{package}.")
            if ".cli" not in info.name or importlib.util.find_spec("typer") is not None
        ]
    failed, attempted = [], 0
    for module in modules:
        result = doctest.testmod(
            module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True
        )
        attempted += result.attempted
        if result.failed:
            failed.append(f"{module.__name__} ({result.failed} of {result.attempted})")
    assert not failed, f"docstring examples fail in: {', '.join(failed)} (details above)"
    print(f"{package}: {attempted} docstring examples pass")


# ------------------------------------------------------------------ the built reference


@pytest.mark.parametrize("package", PACKAGES)
def test_built_page_has_an_anchor_for_every_public_name(package, built_site, entries):
    page = built_site / site.api_page_path(package).removesuffix(".md") / "index.html"
    assert page.is_file(), f"no page {page}"
    html = page.read_text(encoding="utf-8")
    missing = [e.identifier for e in entries[package] if f'id="{e.identifier}"' not in html]
    assert not missing, f"{page.relative_to(built_site)} has no anchor for {missing}"
