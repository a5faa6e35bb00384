"""The distributions install and release as the README says.

* ``pip install -e packages/tt-autograd`` on a fresh venv brings tt-tensor from
  its folder (tools/hatch_siblings.py);
* the release build pins siblings to the same version, with no file: URL;
* every version, and every pin between our packages, is the meta-package's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from by_path import load_file
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


curriculum = load_file("_curriculum", ROOT / "src" / "tinytorch" / "curriculum.py")
PACKAGES = curriculum.existing_packages(ROOT)


def project(folder: Path) -> dict:
    return tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    """Run ``command``; on failure, fail the test with its output."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        shown = " ".join(map(str, command))
        pytest.fail(f"{shown} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus what could leak the outer venv or the editable-together switch.

    pip's wheel cache is off: a sibling built from its folder on an earlier run would
    otherwise be reused after its sources changed (same name, same version).
    """
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "TT_EDITABLE_SIBLINGS"}
    fixed = {"PYTHONDONTWRITEBYTECODE": "1", "PIP_NO_CACHE_DIR": "1"}
    return {k: v for k, v in os.environ.items() if k not in drop} | fixed | extra


def requires_dist(metadata: str) -> list[str]:
    prefix = "Requires-Dist:"
    return [line.removeprefix(prefix).strip() for line in metadata.splitlines() if line.startswith(prefix)]


def test_editable_install_of_one_package_brings_its_siblings(tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, env=clean_env())
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = clean_env()
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "-e", ROOT / "packages" / "tt-autograd", env=env)  # fmt: skip
    run(python, "-c", "import tt_autograd, tt_tensor", env=env)


def test_release_wheel_pins_siblings_to_its_own_version(tmp_path):
    version = project(ROOT)["version"]
    package = ROOT / "packages" / "tt-autograd"
    run(sys.executable, "-m", "build", "--outdir", tmp_path, package, env=clean_env())
    (wheel,) = tmp_path.glob("tt_autograd-*.whl")
    (sdist,) = tmp_path.glob("tt_autograd-*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"tt_autograd-{version}.dist-info/METADATA").decode()
        assert "tt_autograd/__init__.py" in archive.namelist()
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        pkg_info = archive.extractfile(f"tt_autograd-{version}/PKG-INFO").read().decode()
    assert not any(name.endswith("/hatch.toml") for name in names), names
    for text in (metadata, pkg_info):
        assert f"Requires-Dist: tt-tensor=={version}" in text.splitlines(), text
        direct = [dep for dep in requires_dist(text) if "@" in dep or "file:" in dep]
        assert not direct, f"direct references in a release artifact: {direct}"


def test_every_version_and_pin_is_the_meta_packages():
    meta = project(ROOT)
    version = meta["version"]
    assert PACKAGES, "no package found under packages/"
    meta_deps = {Requirement(d).name: str(Requirement(d).specifier) for d in meta["dependencies"]}
    assert meta_deps == {name: f"=={version}" for name in PACKAGES}, "tinytorch must depend on every package"
    for name in PACKAGES:
        package = project(ROOT / "packages" / name)
        assert package["version"] == version, f"{name} is {package['version']}, tinytorch is {version}"
        siblings = {
            Requirement(d).name: str(Requirement(d).specifier)
            for d in package["dependencies"]
            if Requirement(d).name in curriculum.PACKAGES
        }
        # Its direct dependencies from the table, plus any earlier package it imports itself.
        allowed = set(curriculum.closure(name)) - {name}
        assert set(curriculum.PACKAGES[name]) <= set(siblings) <= allowed, (
            f"{name} depends on {sorted(siblings)}; it must include {list(curriculum.PACKAGES[name])} "
            f"and may add only packages it builds on: {sorted(allowed)}"
        )
        pins = set(siblings.values())
        assert pins <= {f"=={version}"}, f"{name} must pin its siblings to =={version}, got {pins}"
