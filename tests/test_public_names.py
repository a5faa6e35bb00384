"""Packages talk through public names only (issue #12): no package reads another package's ``_name``.

An AST scan of every Python file of the packages, the meta-package, the tests,
milestones, benchmarks and examples finds

* imports of another package's private module or name
  (``from tt_tensor._checks import ...``, ``from tt_nn.normalization import _BatchNorm``);
* attribute reads through another package's module (``tt_vision._conv``,
  ``tt_tensor.versions._counts``);
* the old spellings of tt-tensor's protocol outside tt-tensor (``t._array``,
  ``Tensor._from_array``, ``getattr(t, "_array")``): the array inside a tensor is
  ``t.array`` and a tensor around an array is ``Tensor.from_array(array)``.

A file's own package may use its private names (its tests included). Dunder
names (``__version__``) are public. Subclass hooks (``_cat``, ``_convert``, ...)
are overridden, not read, and ``tensor._version`` is PyTorch's own name, as are the
private base classes user code imports from PyTorch's module paths
(``from tinytorch.nn.modules.loss import _Loss``, see ``tinytorch.module_paths``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tinytorch.module_paths import BASES

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ["packages", "src", "tests", "milestones", "benchmarks", "examples", "tools"]
OLD_PROTOCOL = {"_array": "t.array", "_from_array": "Tensor.from_array(array)"}
PYTORCH_BASES = {name for bases in BASES.values() for name in bases} | {"_LRScheduler"}


def _owner(path: Path) -> str | None:
    """The import package a file belongs to (``tt_nn`` for packages/tt-nn/...), else None."""
    parts = path.relative_to(ROOT).parts
    if parts[0] == "packages":
        return parts[1].replace("-", "_")
    if parts[:2] == ("src", "tinytorch"):
        return "tinytorch"
    return None


def _ours(module: str) -> bool:
    top = module.split(".")[0]
    return top == "tinytorch" or top.startswith("tt_")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def violations(path: Path, source: str) -> list[str]:
    """Every read of another package's private name in ``source`` (one line each)."""
    owner = _owner(path)
    tree = ast.parse(source)
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name) and alias.name.split(".")[0] != owner:
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"{path}:{node.lineno}: import {alias.name}")
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _ours(node.module):
            if node.module.split(".")[0] == owner:
                continue
            private = [p for p in node.module.split(".") if _private(p)]
            pytorchs = node.module.startswith("tinytorch.")  # PyTorch's own bases at PyTorch's paths
            private += [
                a.name for a in node.names if _private(a.name) and not (pytorchs and a.name in PYTORCH_BASES)
            ]
            if private:
                found.append(f"{path}:{node.lineno}: from {node.module} import {private}")
            for alias in node.names:
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
            elif owner != "tt_tensor" and node.attr in OLD_PROTOCOL:
                found.append(f"{path}:{node.lineno}: .{node.attr} (use {OLD_PROTOCOL[node.attr]})")
        elif (
            owner != "tt_tensor"
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in OLD_PROTOCOL
        ):
            found.append(f"{path}:{node.lineno}: {node.func.id}(..., {node.args[1].value!r})")
    return found


def _python_files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not {".nox", "build", "site"} & set(path.relative_to(ROOT).parts):
                files.append(path)
    return files


def test_no_file_reads_another_packages_private_names():
    found = [line for path in _python_files() for line in violations(path, path.read_text(encoding="utf-8"))]
    assert not found, "private names read across package lines:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("packages/tt-autograd/src/tt_autograd/x.py", "from tt_tensor._checks import normalize_dim\n"),
        ("packages/tt-vision/src/tt_vision/x.py", "from tt_nn.normalization import _BatchNorm\n"),
        ("packages/tt-perf/tests/x.py", "import tt_vision._conv as conv\n"),
        ("packages/tt-autograd/src/tt_autograd/x.py", "from tt_tensor import versions\nversions._counts\n"),
        ("packages/tt-nn/src/tt_nn/x.py", "import tt_tensor\ntt_tensor.random._private\n"),
        ("packages/tt-nn/src/tt_nn/x.py", "w.weight._array[...] = 0\n"),
        ("tests/x.py", "from tinytorch.nn.modules.loss import _Loss, _reduction\n"),
        ("benchmarks/x.py", "Tensor._from_array(a)\n"),
        ("packages/tt-perf/src/tt_perf/x.py", "a = getattr(x, '_array', x)\n"),
    ],
)
def test_the_scan_catches_each_kind_of_private_read(where, source):
    assert len(violations(ROOT / where, source)) == 1


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("packages/tt-tensor/src/tt_tensor/x.py", "from ._checks import normalize_dim\nt._array\n"),
        ("packages/tt-vision/tests/x.py", "from tt_vision._layout import conv_padding\n"),
        ("packages/tt-nn/src/tt_nn/x.py", "import tt_tensor\ntt_tensor.__version__\nt.array\n"),
        (
            "tests/x.py",
            "from tinytorch.nn.modules.loss import _Loss\n"
            "from tinytorch.optim.lr_scheduler import _LRScheduler\n",
        ),
        (
            "packages/tt-nn/src/tt_nn/x.py",
            "from tt_tensor.checks import normalize_dim\nTensor.from_array(a)\n",
        ),
    ],
)
def test_the_scan_allows_own_and_public_names(where, source):
    assert violations(ROOT / where, source) == []
