"""``tito doctor``: check the learner's setup, one line per item, with a fix for each failure."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import curriculum

DATA_FILES = {
    "MNIST": ("mnist.npz", "train-images-idx3-ubyte.gz"),
    "CIFAR-10": ("cifar10.npz", "cifar-10-binary.tar.gz"),
    "tiny-shakespeare": ("tinyshakespeare.txt", "input.txt"),
}


@dataclass
class Check:
    """One item of the checklist."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True  # False: a warning (e.g. data a loader can download), not a failure


def python_check() -> Check:
    ok = sys.version_info >= (3, 10)
    return Check(
        "Python", ok, f"{platform.python_version()} ({sys.executable})", "" if ok else "use Python 3.10+"
    )


def numpy_checks() -> list[Check]:
    try:
        import numpy as np
    except ImportError:
        return [Check("NumPy", False, "not installed", "pip install 'numpy>=2.0'")]
    ok = int(np.__version__.split(".")[0]) >= 2
    checks = [Check("NumPy", ok, np.__version__, "" if ok else "pip install -U 'numpy>=2.0'")]
    blas = "unknown"
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # noqa: BLE001  (show_config's layout differs between NumPy builds)
        pass
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        threads = (
            ", ".join(f"{p.get('internal_api')} {p.get('num_threads')} threads" for p in pools)
            or "none found"
        )
    except ImportError:
        threads = f"thread count unknown (pip install threadpoolctl); {os.cpu_count()} CPUs"
    checks.append(Check("BLAS", True, f"{blas}; {threads}"))
    return checks


def package_checks(workspace: Path | None) -> list[Check]:
    checks = []
    for name in curriculum.PACKAGES:
        exists = workspace is not None and (workspace / "packages" / name / "pyproject.toml").is_file()
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            fix = f"nox -s dev (or pip install -e packages/{name})" if exists else "not in this checkout yet"
            checks.append(Check(name, not exists, "not installed", fix if exists else ""))
            continue
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
        editable = direct.get("dir_info", {}).get("editable", False)
        where = direct.get("url", "").removeprefix("file://") or str(dist.locate_file(""))
        detail = f"{dist.version}, {'editable' if editable else 'installed'} from {where}"
        ok = editable or not exists
        checks.append(
            Check(name, ok, detail, "" if ok else f"your edits won't show: pip install -e packages/{name}")
        )
    return checks


def data_checks() -> list[Check]:
    places = [Path(p) for p in (os.environ.get("TINYTORCH_DATA"), Path.home() / ".cache" / "tinytorch") if p]
    checks = []
    for dataset, names in DATA_FILES.items():
        found = next((place / n for place in places for n in names if (place / n).exists()), None)
        looked = ", ".join(str(p) for p in places)
        fix = f"set TINYTORCH_DATA to a folder holding {names[0]}, or let the loader download it"
        detail = str(found) if found else f"not in {looked}"
        checks.append(
            Check(f"data: {dataset}", found is not None, detail, "" if found else fix, required=False)
        )
    return checks


def run_checks(workspace: Path | None) -> list[Check]:
    workspace_check = Check(
        "workspace",
        workspace is not None,
        str(workspace or "none found"),
        "" if workspace else "cd into your TinyTorch checkout or pass --workspace",
    )
    return [python_check(), *numpy_checks(), workspace_check, *package_checks(workspace), *data_checks()]


def as_json(checks: list[Check]) -> str:
    return json.dumps([asdict(c) for c in checks], indent=2)
