"""Import a script of the repository (``tools/``, ``milestones/``) that is not an installed module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_file(name: str, path: Path) -> ModuleType:
    """The module in ``path``, imported once under ``name`` (kept in ``sys.modules`` for dataclasses)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_milestone(name: str, filename: str) -> ModuleType:
    """``milestones/<filename>`` as the module ``name``, its sibling imports (``_record``, …) found."""
    folder = str(ROOT / "milestones")
    sys.path.insert(0, folder)
    try:
        return load_file(name, ROOT / "milestones" / filename)
    finally:
        sys.path.remove(folder)
