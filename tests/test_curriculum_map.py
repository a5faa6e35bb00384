"""The module table and the sources agree: each module's regions and tests sit where its row says.

A module's row names its home package and, in ``also``, the other packages of the
home's closure that hold its solution regions or tests. ``exercises.map_disagreements``
compares the two; these tests run it on this checkout and on small synthetic trees.
"""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

from tinytorch import curriculum, exercises

ROOT = Path(__file__).resolve().parents[1]


def test_this_checkout_agrees_with_the_table():
    built = [m for m in curriculum.MODULES if curriculum.is_built(m, ROOT)]
    assert exercises.map_disagreements(ROOT, built) == []


def test_every_row_stays_inside_its_home_closure():
    for module in curriculum.MODULES:
        assert module.package in module.packages
        assert set(module.packages) <= set(curriculum.closure(module.package)), module.tag
        assert module.test_globs == tuple(
            f"packages/{p}/tests/test_{module.tag}_*.py" for p in module.packages
        )


def test_a_row_reaching_outside_its_closure_is_refused():
    with pytest.raises(ValueError, match=r"module 11 lists \['tt-vision'\].*outside its home tt-text"):
        curriculum.Module(11, "x", "X", "tt-text", also=("tt-vision",))
    with pytest.raises(KeyError, match="there is no package 'tt-nope'"):
        curriculum.Module(11, "x", "X", "tt-nope")


def test_packages_come_in_dependency_order_whatever_the_row_says():
    row = curriculum.Module(18, "m", "M", "tt-perf", also=("tt-text", "tt-tensor"))
    assert row.packages == ("tt-tensor", "tt-text", "tt-perf")


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


REGION = """
    def f():
        # BEGIN SOLUTION {tag}
        return 1
        # END SOLUTION
"""


def synthetic(tmp_path: Path, text_regions: str, perf_regions: str) -> Path:
    return make_tree(
        tmp_path,
        {
            "packages/tt-text/src/tt_text/a.py": REGION.format(tag=text_regions),
            "packages/tt-text/tests/test_13_a.py": "def test_a():\n    pass\n",
            "packages/tt-perf/src/tt_perf/b.py": REGION.format(tag=perf_regions),
            "packages/tt-perf/tests/test_18_b.py": "def test_b():\n    pass\n",
        },
    )


def test_a_region_in_an_unlisted_package_is_a_disagreement(tmp_path):
    root = synthetic(tmp_path, text_regions="18", perf_regions="18")
    rows = [curriculum.Module(13, "t", "T", "tt-text"), curriculum.Module(18, "m", "M", "tt-perf")]
    problems = exercises.map_disagreements(root, rows)
    assert len(problems) == 1, problems
    assert "module 18 has regions in tt-text" in problems[0] and "add 'tt-text'" in problems[0]
    fixed = [rows[0], curriculum.Module(18, "m", "M", "tt-perf", also=("tt-text",))]
    assert exercises.map_disagreements(root, fixed) == [], "adding the package to the row is the fix"


def test_a_listed_package_with_neither_regions_nor_tests_is_a_disagreement(tmp_path):
    root = synthetic(tmp_path, text_regions="13", perf_regions="18")
    rows = [
        curriculum.Module(13, "t", "T", "tt-text"),
        curriculum.Module(18, "m", "M", "tt-perf", also=("tt-text",)),
    ]
    assert exercises.map_disagreements(root, rows) == [
        "module 18 lists tt-text but has neither regions nor tests there: "
        "drop it from the row, or put the module's code there"
    ]


def test_tests_in_an_unlisted_package_are_a_disagreement(tmp_path):
    root = synthetic(tmp_path, text_regions="13", perf_regions="18")
    (root / "packages/tt-text/tests/test_18_cache.py").write_text("def test_c():\n    pass\n")
    rows = [curriculum.Module(13, "t", "T", "tt-text"), curriculum.Module(18, "m", "M", "tt-perf")]
    problems = exercises.map_disagreements(root, rows)
    assert len(problems) == 1 and "module 18 has tests in tt-text" in problems[0], problems


def test_every_milestone_has_a_short_run_in_the_learner_edition_check():
    path = ROOT / "tools" / "learner_edition.py"
    spec = importlib.util.spec_from_file_location("_tt_learner_edition_test", path)
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    assert set(driver.QUICK) == {m.number for m in curriculum.MILESTONES}
    for number, arguments in driver.QUICK.items():
        assert "--out" in arguments, f"milestone {number:02d} must write its record to the scratch folder"
