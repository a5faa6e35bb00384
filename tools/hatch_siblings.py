"""Hatch build hook: an editable install takes sibling packages from their folders.

Each package pins its TinyTorch siblings exactly in ``pyproject.toml``
(``tt-tensor==0.1.0``), and that pin is what every released artifact carries:
``python -m build``, ``hatch build``, ``pip wheel`` and a wheel built from an
sdist keep it. For an *editable* wheel built in this repository, the hook swaps
each pin whose package folder exists for a direct reference, e.g.
``tt-tensor @ file:///…/packages/tt-tensor``, so that
``pip install -e packages/tt-autograd`` installs tt-tensor from the checkout
instead of looking for it on an index. (pip cannot take a pin and a direct
reference to the same package side by side, so the pin goes.)

Each package enables the hook in its ``hatch.toml``, which points here by a
relative path. The hook keeps that file out of the package's sdist, so the
sdist builds on its own, from ``pyproject.toml`` and hatchling's defaults.

Option ``packages-dir``: the folder, relative to the project, holding the
sibling packages (default ``..``). Environment ``TT_EDITABLE_SIBLINGS=0`` keeps
the pins, for installing several packages editable in one pip command
(``pip install -e A -e B``), where pip takes each pin from a package on the
command line: pip refuses a direct reference to a package it also installs
editable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from packaging.requirements import Requirement


class SiblingsHook(BuildHookInterface):
    PLUGIN_NAME = "tinytorch-siblings"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "sdist":
            # hatchling always ships hatch.toml; this one only makes sense in the repository.
            build_data["force_include"].pop(os.path.join(self.root, "hatch.toml"), None)
        elif version == "editable" and os.environ.get("TT_EDITABLE_SIBLINGS", "1") != "0":
            self._take_siblings_from_folders(build_data)

    def _take_siblings_from_folders(self, build_data: dict[str, Any]) -> None:
        folder = Path(self.root, self.config.get("packages-dir", ".."))
        dependencies = self.metadata.core.dependencies
        kept, local = [], []
        for raw in dependencies:
            name = Requirement(raw).name
            sibling = (folder / name).resolve()
            if (sibling / "pyproject.toml").is_file():
                local.append(f"{name} @ {sibling.as_uri()}")
            else:
                kept.append(raw)
        # hatchling writes METADATA from this very list, so edit it in place.
        dependencies[:] = kept
        if self.metadata.core.dependencies != kept:
            raise RuntimeError(
                "this hatchling no longer lets a build hook edit dependencies: see " + __file__
            )
        build_data["dependencies"].extend(local)
