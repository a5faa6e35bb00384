"""Names that explain themselves (issue #12): one naming rule for autograd Functions, no short aliases.

* Every ``tt_autograd.Function`` subclass that a package defines is named
  ``<Op>Function`` with PyTorch's casing of the op (``AddFunction``,
  ``ReLUFunction``, ``LinearFunction``), so no Function shares a name with a
  Module (``LinearFunction`` is the node, ``nn.Linear`` the layer).
* ``grad_fn`` shows PyTorch's name of the node: ``<AddBackward0>``, ``ReluBackward0``
  (``tt_autograd.graph.node_name``).
* No module is imported under a one- or two-letter alias, except the
  conventions ``np``, ``nn``, ``tt``, ``F``, ``T`` (torchvision's transforms) and
  Hypothesis's ``st``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import tt_autograd
import tt_nn
from tt_autograd import Function

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["tt_tensor", "tt_autograd", "tt_nn", "tt_optim", "tt_vision", "tt_text", "tt_perf", "tinytorch"]
KEPT_ALIASES = {"np", "nn", "tt", "F", "T", "st"}


def _import_everything() -> None:
    """Import every module of every package, so every Function and Module class is defined."""
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if ".cli" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    """Every subclass of ``cls``, at any depth."""
    return {found for sub in cls.__subclasses__() for found in (sub, *_subclasses(sub))}


def _ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] in PACKAGES


def test_every_function_is_named_op_function_and_no_module_shares_its_name():
    _import_everything()
    functions = {cls for cls in _subclasses(Function) if _ours(cls)}
    modules = {cls.__name__ for cls in _subclasses(tt_nn.Module) if _ours(cls)}
    assert len(functions) > 60, "the scan should see every Function of every package"
    badly_named = sorted(
        f"{cls.__module__}.{cls.__name__}" for cls in functions if not cls.__name__.endswith("Function")
    )
    assert not badly_named, f"Function subclasses must be named <Op>Function: {badly_named}"
    shared = sorted({cls.__name__ for cls in functions} & modules)
    assert not shared, f"a Function and a Module share these names: {shared}"


def test_grad_fn_shows_pytorch_s_name_of_the_node():
    x = tt_autograd.tensor([1.0, -2.0], requires_grad=True)
    assert repr((x * 2).grad_fn) == "<MulBackward0>"
    assert x.relu().grad_fn.name() == "ReluBackward0"
    assert tt_nn.functional.gelu(x).grad_fn.name() == "GeluBackward0"
    assert tt_nn.functional.linear(x, tt_autograd.ones(3, 2)).grad_fn.name() == "AddmmBackward0"


def test_no_module_is_imported_under_a_short_alias():
    found = []
    for top in ["packages", "src", "tests", "milestones", "benchmarks", "examples", "tools"]:
        for path in sorted((ROOT / top).rglob("*.py")):
            if ".nox" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for alias in node.names:
                        if alias.asname and len(alias.asname) <= 2 and alias.asname not in KEPT_ALIASES:
                            found.append(
                                f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} as {alias.asname}"
                            )
    assert not found, "spell these aliases out:\n" + "\n".join(found)
