"""The curriculum check (tools/check_curriculum.py) on small synthetic packages: it cannot be vacuous.

Each test writes a tiny repository to a temporary folder — a package ``tt-tensor``
(and sometimes ``tt-autograd``) with module 01/02 solution regions and tests —
and runs the check's ``check()`` on it: control run, stubs, stubbed run.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("_tt_check_curriculum", ROOT / "tools" / "check_curriculum.py")
checker = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = checker
_spec.loader.exec_module(checker)
Module = checker.curriculum.Module
MODULE_01 = Module(1, "toy", "Toy", "tt-tensor")

PACKAGE = '''
from dataclasses import dataclass


def double(x):
    """2 x."""
    # BEGIN SOLUTION 01
    return 2 * x
    # END SOLUTION


def check_positive(x):
    """Argument check, outside the regions."""
    if x <= 0:
        raise ValueError("x must be positive")
    return x


@dataclass
class Config:
    size: int

    def __post_init__(self):
        # BEGIN SOLUTION 01
        if self.size <= 0:
            raise ValueError("size must be positive")
        # END SOLUTION
'''

GOOD_TESTS = """
import pytest
from tt_tensor import check_positive, double


def test_double():
    assert double(3) == 6


def test_argument_check():
    with pytest.raises(ValueError):
        check_positive(-1)
"""


def repository(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "source"
    base = {"packages/tt-tensor/src/tt_tensor/__init__.py": PACKAGE}
    for name, text in {**base, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def run_check(tmp_path: Path, files: dict[str, str], module=MODULE_01):
    root = repository(tmp_path, files)
    work = tmp_path / "work"
    work.mkdir()
    return checker.check(module, root, work)


def test_good_tests_pass_and_the_ones_still_passing_on_stubs_are_listed(tmp_path):
    result = run_check(tmp_path, {"packages/tt-tensor/tests/test_01_good.py": GOOD_TESTS})
    assert result.ok, result.problems
    assert (result.regions, result.tests, result.failing) == (2, 2, 1)
    assert result.passing == ["packages/tt-tensor/tests/test_01_good.py::test_argument_check"]
    lines = checker.report(result)
    assert lines[0].startswith("ok   module 01") and "2 tests, 1 fail on the stubs, 1 still pass" in lines[0]
    assert "       packages/tt-tensor/tests/test_01_good.py::test_argument_check" in lines


def test_tests_that_never_touch_the_regions_fail_the_check(tmp_path):
    blind = """
    from tt_tensor import check_positive


    def test_only_the_argument_check():
        assert check_positive(2) == 2
    """
    files = {
        "packages/tt-tensor/tests/test_01_good.py": GOOD_TESTS,
        "packages/tt-tensor/tests/test_01_blind.py": blind,
    }
    result = run_check(tmp_path, files)
    assert not result.ok
    assert result.problems == [
        "stubs: every test of packages/tt-tensor/tests/test_01_blind.py passes with the solution removed"
    ]


MODULE_LEVEL_CALL = """
from tt_tensor import Config, double

CONFIG = Config(size=3)  # module-level: runs the stubbed __post_init__ at import


def test_config_size():
    assert CONFIG.size == 3 and double(CONFIG.size) == 6


def test_bad_size():
    import pytest

    with pytest.raises(ValueError):
        Config(size=0)
"""


def old_rule_says_ok(tmp_path: Path, files: dict[str, str]) -> bool:
    """The check before issue 12: stub, run pytest with a JUnit report, and call a module good when
    every test file has at least one <testcase> with a failure or an error in the report."""
    root = repository(tmp_path / "old", files)
    checker.exercises.stub_module(root, "tt-tensor", 1)
    report = tmp_path / "old.xml"
    test_files = sorted(str(p) for p in root.glob("packages/tt-tensor/tests/test_01_*.py"))
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "-o", "junit_family=xunit1", "--import-mode=importlib", f"--junitxml={report}", *test_files],
        cwd=root, env={"PYTHONPATH": str(root / "packages/tt-tensor/src")}, capture_output=True, check=False,
    )  # fmt: skip
    counts: dict[str, list[int]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        name = Path(case.get("file") or case.get("classname", "").replace(".", "/")).name
        entry = counts.setdefault(name, [0, 0])
        entry[1] += 1
        entry[0] += case.find("failure") is not None or case.find("error") is not None
    return bool(counts) and all(failed for failed, _ in counts.values())


def test_a_file_that_errors_at_collection_on_the_stubs_fails_the_check(tmp_path):
    """Module 13's case before issue 12: a module-level ``GPTConfig(...)`` ran the stubbed
    ``__post_init__`` at import, so each test file was one collection error. The old rule read
    that error as "the file fails on the stubs" and printed ok although no test ran; the new
    check reports the collection error and the tests it hid, and fails."""
    files = {"packages/tt-tensor/tests/test_01_config.py": MODULE_LEVEL_CALL}
    assert old_rule_says_ok(tmp_path, files), "the old rule is fooled by the collection error"
    result = run_check(tmp_path, files)
    assert not result.ok
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert problem.startswith("stubs: packages/tt-tensor/tests/test_01_config.py errors at collection")
    assert "hiding its 2 tests" in problem and "NotImplementedError: module 01: implement Config" in problem
    assert result.tests == 2 and result.failing == 0, "the control run counted both tests; none ran on stubs"


def test_the_control_run_must_pass_before_stubs_mean_anything(tmp_path):
    wrong = GOOD_TESTS + "\n\ndef test_wrong():\n    assert double(2) == 5\n"
    # a synthetic test file that skips (an optional dependency it lacks): the check must refuse it
    skipped = "import pytest\n\n\ndef test_later():\n    pytest.importorskip('tt_not_installed')\n"
    files = {
        "packages/tt-tensor/tests/test_01_good.py": wrong,
        "packages/tt-tensor/tests/test_01_skip.py": skipped,
    }
    result = run_check(tmp_path, files)
    assert result.problems == [
        "control: packages/tt-tensor/tests/test_01_skip.py::test_later is skipped: "
        "the module's tests must all run and pass",
        "control: packages/tt-tensor/tests/test_01_good.py::test_wrong fails on the unstubbed solution",
        "(the stubbed run was not attempted: the tests must pass on the solution first)",
    ]


def test_control_collection_errors_and_empty_files_fail(tmp_path):
    files = {
        "packages/tt-tensor/tests/test_01_good.py": GOOD_TESTS,
        "packages/tt-tensor/tests/test_01_broken.py": "import tt_tensor.missing\n",
        "packages/tt-tensor/tests/test_01_empty.py": "VALUE = 1\n",
    }
    problems = run_check(tmp_path, files).problems
    assert problems[0].startswith("control: packages/tt-tensor/tests/test_01_broken.py errors at collection")
    assert "ModuleNotFoundError" in problems[0]
    assert "control: packages/tt-tensor/tests/test_01_empty.py produced no test results" in problems


def test_tests_that_vanish_on_the_stubs_fail(tmp_path):
    vanishing = """
    import pytest
    from tt_tensor import double

    try:
        SIZES = list(range(double(1)))
    except NotImplementedError:
        SIZES = []


    @pytest.mark.parametrize("n", SIZES)
    def test_sizes(n):
        assert n < 2


    def test_double():
        assert double(1) == 2
    """
    result = run_check(tmp_path, {"packages/tt-tensor/tests/test_01_vanish.py": vanishing})
    where = "packages/tt-tensor/tests/test_01_vanish.py::test_sizes"
    assert result.problems == [
        f"stubs: {where}[0] ran on the solution but not on the stubs",
        f"stubs: {where}[1] ran on the solution but not on the stubs",
    ]


def test_a_package_that_stops_importing_on_the_stubs_fails(tmp_path):
    files = {
        "packages/tt-tensor/src/tt_tensor/__init__.py": PACKAGE + "\nTWO = double(1)\n",
        "packages/tt-tensor/tests/test_01_good.py": GOOD_TESTS,
    }
    problems = run_check(tmp_path, files).problems
    assert len(problems) == 1 and problems[0].startswith(
        "the packages no longer import with module 01 stubbed"
    )


def test_regions_and_tests_in_another_package_of_the_closure_are_checked(tmp_path):
    autograd = """
    import tt_tensor


    def triple(x):
        # BEGIN SOLUTION 02
        return 3 * x
        # END SOLUTION
    """
    tests = "from tt_autograd import triple\n\n\ndef test_triple():\n    assert triple(2) == 6\n"
    tensor_side = """
    def quadruple(x):
        # BEGIN SOLUTION 02
        return 4 * x
        # END SOLUTION
    """
    tensor_tests = (
        "from tt_tensor.extra import quadruple\n\n\ndef test_quad():\n    assert quadruple(1) == 4\n"
    )
    files = {
        "packages/tt-autograd/src/tt_autograd/__init__.py": autograd,
        "packages/tt-autograd/tests/test_02_triple.py": tests,
        "packages/tt-tensor/src/tt_tensor/extra.py": tensor_side,
        "packages/tt-tensor/tests/test_02_quad.py": tensor_tests,
    }
    result = run_check(tmp_path, files, Module(2, "two", "Two", "tt-autograd", also=("tt-tensor",)))
    assert result.ok, result.problems
    assert (result.regions, result.tests, result.failing) == (2, 2, 2)
    narrow = run_check(tmp_path / "narrow", files, Module(2, "two", "Two", "tt-autograd"))
    assert (narrow.regions, narrow.tests) == (1, 1), "without tt-tensor in the row, its part is not seen"


EXTRA = """


def triple(x):
    \"\"\"3 x, through the optional extra.\"\"\"
    # BEGIN SOLUTION 01
    return x + double(x)
    # END SOLUTION


def halve(x):
    \"\"\"x / 2: an optional extra.\"\"\"
    # BEGIN SOLUTION 01 extra
    return x / 2
    # END SOLUTION
"""


def test_core_and_extras_are_each_checked_on_their_own_stubs(tmp_path):
    core = "from tt_tensor import triple\n\n\ndef test_triple():\n    assert triple(2) == 6\n"
    extras = "from tt_tensor import halve\n\n\ndef test_halve():\n    assert halve(3) == 1.5\n"
    package = {"packages/tt-tensor/src/tt_tensor/__init__.py": PACKAGE + EXTRA}
    tests = "packages/tt-tensor/tests/"
    files = {**package, f"{tests}test_01_core.py": core, f"{tests}test_01_core_extras.py": extras}
    result = run_check(tmp_path / "good", files)
    assert result.ok, result.problems
    assert any("extras stubbed: 0 core tests call an extra" in note for note in result.notes), result.notes

    # a "core" file that only checks the extra passes with the core stubbed: the check says so
    misfiled = "from tt_tensor import halve\n\n\ndef test_halve_again():\n    assert halve(4) == 2\n"
    result = run_check(tmp_path / "bad", {**files, f"{tests}test_01_more.py": misfiled})
    wanted = f"core stubbed: every test of {tests}test_01_more.py passes with its core removed"
    assert wanted in result.problems, result.problems

    # extra regions need extras' tests
    result = run_check(tmp_path / "none", {**package, f"{tests}test_01_core.py": core + extras})
    assert any("has extra regions but no extras' tests" in p for p in result.problems), result.problems
