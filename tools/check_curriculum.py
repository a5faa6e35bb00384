"""Prove every module's tests test it: they must fail with its solution stubbed out.

For each module (all that exist, or those named: ``check_curriculum.py 01 02``):
copy the repository to a temporary folder, replace that module's solution
regions with stubs (``tinytorch.exercises``), and run the module's tests
against the stubbed sources. The check passes only if *every test file* of
the module has failing tests, and prints how many of its tests failed. Run it
with ``nox -s curriculum``; the packages are found through ``PYTHONPATH`` in
the copy, so the interpreter running this needs only pytest and NumPy.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses looks its module up there
    spec.loader.exec_module(module)
    return module


curriculum = load("_tt_curriculum", ROOT / "src" / "tinytorch" / "curriculum.py")
exercises = load("_tt_exercises", ROOT / "src" / "tinytorch" / "exercises.py")


def failures_by_file(report: Path) -> dict[str, tuple[int, int]]:
    """``{test file: (failed, total)}`` from a pytest JUnit XML report."""
    counts: dict[str, list[int]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        name = case.get("file") or case.get("classname", "").replace(".", "/")
        entry = counts.setdefault(Path(name).name.split("/")[-1], [0, 0])
        entry[1] += 1
        if case.find("failure") is not None or case.find("error") is not None:
            entry[0] += 1
    return {name: (failed, total) for name, (failed, total) in counts.items()}


def check(module, workdir: Path) -> bool:
    tree = exercises.copy_tree(ROOT, workdir / "repo")
    regions = exercises.stub_module(tree, module.package, module.number)
    files = sorted(glob.glob(module.test_glob, root_dir=tree))
    label = f"module {module.tag} ({module.name})"
    if not regions:
        print(f"FAIL {label}: no '# BEGIN SOLUTION {module.tag}' regions in packages/{module.package}/src")
        return False
    if not files:
        print(f"FAIL {label}: no test files match {module.test_glob}")
        return False
    paths = os.pathsep.join(str(tree / "packages" / p / "src") for p in curriculum.closure(module.package))
    env = {**os.environ, "PYTHONPATH": paths}
    name = module.package.replace("-", "_")
    imported = subprocess.run(
        [sys.executable, "-c", f"import {name}"], cwd=tree, env=env, capture_output=True, text=True
    )
    if imported.returncode != 0:
        print(f"FAIL {label}: {name} no longer imports with the module stubbed:")
        print(imported.stderr.strip()[-600:])
        return False
    report = workdir / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "-o", "junit_family=xunit1", "--import-mode=importlib", f"--junitxml={report}", *files],
        cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    if not report.exists():
        print(f"FAIL {label}: pytest produced no report")
        return False
    counts = failures_by_file(report)
    passing_files = [name for name, (failed, _) in counts.items() if failed == 0]
    failed = sum(f for f, _ in counts.values())
    total = sum(t for _, t in counts.values())
    verdict = "ok  " if not passing_files and failed else "FAIL"
    print(f"{verdict} {label}: {len(regions)} regions stubbed; {failed}/{total} tests fail on the stubs")
    for name in passing_files:
        print(
            f"     {name} still passes with the solution removed: its tests do not test module {module.tag}"
        )
    return verdict == "ok  "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="module numbers (default: every module whose package exists)"
    )
    args = parser.parse_args(argv)
    wanted = [curriculum.module(int(n)) for n in args.modules] or [
        m for m in curriculum.MODULES if curriculum.is_built(m, ROOT)
    ]
    results = []
    for module in wanted:
        with tempfile.TemporaryDirectory(prefix=f"tt-curriculum-{module.tag}-") as workdir:
            results.append(check(module, Path(workdir)))
    print(f"curriculum: {sum(results)}/{len(results)} modules' tests fail on their stubs")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
