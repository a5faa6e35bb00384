"""The exercise generator: solution regions become stubs, and the code still imports."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("_tt_exercises_test", ROOT / "src/tinytorch/exercises.py")
exercises = importlib.util.module_from_spec(_spec)
_cspec = importlib.util.spec_from_file_location("_tt_curriculum_test", ROOT / "src/tinytorch/curriculum.py")
curriculum = importlib.util.module_from_spec(_cspec)
sys.modules[_cspec.name] = curriculum
_cspec.loader.exec_module(curriculum)
sys.modules[_spec.name] = exercises
_spec.loader.exec_module(exercises)

SOURCE = textwrap.dedent(
    '''
    import numpy as np


    class Ops:
        def relu(self, a):
            """max(a, 0)."""
            # BEGIN SOLUTION 03
            out = np.maximum(a, 0)
            return out
            # END SOLUTION


    def square(a):
        """a * a."""
        # BEGIN SOLUTION 04
        return a * a
        # END SOLUTION
    '''
)


def test_regions_are_found_with_their_function_and_module(tmp_path):
    path = tmp_path / "ops.py"
    path.write_text(SOURCE)
    regions = exercises.find_regions(path)
    assert [(r.module, r.function) for r in regions] == [(3, "Ops.relu"), (4, "square")]


def test_stubbing_one_module_keeps_the_others_and_the_docstrings(tmp_path):
    path = tmp_path / "ops.py"
    path.write_text(SOURCE)
    text, count = exercises.stub_source(path, 3)
    assert count == 1
    assert "raise NotImplementedError('module 03: implement Ops.relu" in text
    assert "np.maximum" not in text and "return a * a" in text and '"""max(a, 0)."""' in text
    assert text.count("# BEGIN SOLUTION") == 2, "markers stay so the region can be found again"
    again, count_again = exercises.stub_source(path, 3, text)
    assert count_again == 1 and again == text, "stubbing a stub changes nothing"
    namespace: dict = {}
    exec(compile(text, str(path), "exec"), namespace)  # the stubbed file still runs
    with pytest.raises(NotImplementedError, match="module 03: implement Ops.relu"):
        namespace["Ops"]().relu(1)
    assert namespace["square"](3) == 9


@pytest.mark.parametrize(
    "source, problem",
    [
        ("def f():\n    # BEGIN SOLUTION 01\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    # END SOLUTION\n", "without a BEGIN"),
        ("# BEGIN SOLUTION 01\nx = 1\n# END SOLUTION\n", "inside a function"),
        (
            "def f():\n    # BEGIN SOLUTION 01\n    # BEGIN SOLUTION 01\n    return 1\n    # END SOLUTION\n",
            "inside",
        ),
    ],
)
def test_malformed_markers_are_refused_with_the_line(tmp_path, source, problem):
    path = tmp_path / "bad.py"
    path.write_text(source)
    with pytest.raises(exercises.MarkerError, match=problem):
        exercises.find_regions(path)


def test_every_package_module_has_regions_that_stub_to_valid_python():
    """Every existing module has regions, and its package parses with them stubbed."""
    found: set[int] = set()
    for path in sorted((ROOT / "packages").glob("*/src/**/*.py")):
        for module in {r.module for r in exercises.find_regions(path)}:
            exercises.stub_source(path, module)
            found.add(module)
    wanted = {m.number for m in curriculum.MODULES if curriculum.is_built(m, ROOT)}
    assert wanted <= found, f"modules without solution regions: {sorted(wanted - found)}"
    arrived = sorted(curriculum.PLANNED & found)
    assert not arrived, f"modules {arrived} have solution regions: remove them from curriculum.PLANNED"


def test_refill_puts_one_modules_reference_back_and_keeps_the_rest(tmp_path):
    reference = tmp_path / "reference" / "packages" / "tt-x" / "src" / "tt_x" / "ops.py"
    reference.parent.mkdir(parents=True)
    reference.write_text(SOURCE)
    edition = tmp_path / "edition"
    exercises.copy_tree(tmp_path / "reference", edition)
    for module in (3, 4):
        assert len(exercises.stub_module(edition, ["tt-x"], module)) == 1
    filled = exercises.refill_module(edition, tmp_path / "reference", ["tt-x"], 3)
    assert [(r.module, r.function) for r in filled] == [(3, "Ops.relu")]
    text = (edition / "packages/tt-x/src/tt_x/ops.py").read_text()
    assert "out = np.maximum(a, 0)\n        return out\n" in text, "module 03's body is back, indented"
    assert "module 04: implement square" in text and "return a * a" not in text, "module 04 stays a stub"
    exercises.refill_module(edition, tmp_path / "reference", "tt-x", 4)
    assert (edition / "packages/tt-x/src/tt_x/ops.py").read_text() == SOURCE, "all refilled: the original"


def test_refill_refuses_files_whose_regions_differ(tmp_path):
    mine, theirs = tmp_path / "mine.py", tmp_path / "theirs.py"
    mine.write_text(SOURCE)
    theirs.write_text(SOURCE.replace("def relu", "def rectify"))
    with pytest.raises(exercises.MarkerError, match=r"disagree on module 03's regions: \['Ops.relu'\]"):
        exercises.refill_source(mine, theirs, 3)


def test_a_regions_opening_guidance_stays_in_its_stub(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(
        "def softmax(x):\n"
        "    # BEGIN SOLUTION 03\n"
        "    # TODO: the softmax of each row.\n"
        "    # APPROACH: subtract the row maximum first,\n"
        "    #   so that exp never overflows.\n"
        "    # HINT: keepdims=True keeps the shapes broadcastable.\n"
        "    # the reference's own note, not for the learner\n"
        "    e = np.exp(x - x.max(axis=-1, keepdims=True))\n"
        "    return e / e.sum(axis=-1, keepdims=True)\n"
        "    # END SOLUTION\n"
    )
    text, count = exercises.stub_source(path, 3)
    lines = text.splitlines()
    assert count == 1 and lines[2:6] == [
        "    # TODO: the softmax of each row.",
        "    # APPROACH: subtract the row maximum first,",
        "    #   so that exp never overflows.",
        "    # HINT: keepdims=True keeps the shapes broadcastable.",
    ]
    assert lines[6].startswith("    raise NotImplementedError(") and lines[7] == "    # END SOLUTION"
    assert "reference's own note" not in text and "np.exp" not in text
    assert exercises.lesson_comments(["    return 1\n", "    # HINT: too late\n"]) == []


def test_extra_regions_are_marked_and_stubbed_apart_from_the_core(tmp_path):
    path = tmp_path / "parts.py"
    path.write_text(
        "def core(x):\n    # BEGIN SOLUTION 03\n    return x\n    # END SOLUTION\n\n\n"
        "def extra(x):\n    # BEGIN SOLUTION 03 extra\n    # TODO: (extra) the optional part.\n"
        "    return -x\n    # END SOLUTION\n"
    )
    regions = exercises.find_regions(path)
    assert [(r.function, r.extra) for r in regions] == [("core", False), ("extra", True)]
    core_only, count = exercises.stub_source(path, 3, part="core")
    assert count == 1 and "return -x" in core_only and "return x\n" not in core_only
    extras_only, count = exercises.stub_source(path, 3, part="extras")
    assert count == 1 and "return x\n" in extras_only and "return -x" not in extras_only
    assert "implement extra (optional extra; see docs/modules/)" in extras_only
    assert "# TODO: (extra) the optional part." in extras_only, "an extra's guidance stays too"
    everything, count = exercises.stub_source(path, 3)
    assert count == 2 and "# BEGIN SOLUTION 03 extra" in everything, "the marker stays for reset"
    with pytest.raises(ValueError, match="part must be one of all, core, extras"):
        exercises.stub_source(path, 3, part="optional")


def test_extras_tests_are_the_files_named_extras():
    module = curriculum.module(3)
    core, extras = module.test_files(ROOT, "core"), module.test_files(ROOT, "extras")
    assert extras and all(p.name.endswith(curriculum.EXTRAS_SUFFIX) for p in extras)
    assert core and not any(p.name.endswith(curriculum.EXTRAS_SUFFIX) for p in core)
    assert sorted(core + extras) == module.test_files(ROOT)
    assert any(r.extra for r in exercises.module_regions(ROOT, module.packages, 3))


def test_every_region_opens_with_guidance_that_its_stub_keeps():
    """Each exercise tells the learner what to write: a ``# TODO:`` (and maybe APPROACH, HINT, EXAMPLE)."""
    bare = []
    for path in sorted((ROOT / "packages").glob("*/src/**/*.py")):
        lines = path.read_text().splitlines()
        for region in exercises.find_regions(path):
            kept = exercises.lesson_comments(lines[region.first : region.last - 1])
            if not kept or not kept[0].strip().startswith("# TODO:"):
                bare.append(f"{path.relative_to(ROOT)}:{region.first} {region.function}")
    assert not bare, f"{len(bare)} regions open without a '# TODO:' comment: " + ", ".join(bare[:20])


def test_an_exercise_reads_the_section_its_guidance_names_else_the_one_naming_it(tmp_path):
    chapter = tmp_path / "03-x.md"
    chapter.write_text("# M\n\n## The idea\n\nWe build `relu`.\n\n## How it is built\n\nFused.\n")
    named = ['    # TODO: max(x, 0) (§ How it is built, "Fused").']
    assert exercises.region_section(chapter, "relu", named) == "How it is built"
    assert exercises.region_section(chapter, "relu", ["    # TODO: max(x, 0)."]) == "The idea"
    assert exercises.region_section(chapter, "relu", ["    # TODO: see § Nowhere."]) == "The idea"
    path = tmp_path / "ops.py"
    body = [named[0], "    return x", "    # END SOLUTION"]
    path.write_text("\n".join(["def relu(x):", "    # BEGIN SOLUTION 03", *body]) + "\n")
    (tmp_path / "docs" / "modules").mkdir(parents=True)
    chapter.rename(tmp_path / "docs" / "modules" / "03-x.md")
    text, _ = exercises.stub_source(path, 3, chapter="docs/modules/03-x.md", root=tmp_path)
    assert "implement relu (see docs/modules/03-x.md § How it is built)" in text, text
