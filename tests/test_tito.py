"""``tito`` end to end, in a temporary copy of the repository.

start a module → its tests fail → restore the solution → complete succeeds →
status reports it and the milestone unlocks. Plus the errors a learner meets.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tinytorch import curriculum, exercises
from tinytorch.cli import feedback
from tinytorch.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def tito(workspace: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args[:2], *args[2:], "--workspace", str(workspace)] if args else [])
    return result.exit_code, " ".join(result.output.split())  # Rich wraps long lines


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return exercises.copy_tree(ROOT, tmp_path_factory.mktemp("tito") / "repo")


def test_start_fail_restore_complete_unlock(workspace):
    package_src = workspace / "packages" / "tt-optim" / "src"
    originals = {p: p.read_text() for p in package_src.rglob("*.py")}
    progress_file = workspace / ".tito" / "progress.json"
    # Modules 01-06 done already: completing 07 is what unlocks milestones 01 and 02.
    progress_file.parent.mkdir(exist_ok=True)
    done = {f"{n:02d}": "2026-01-01T00:00:00+00:00" for n in range(1, 7)}
    progress_file.write_text(json.dumps({"started": {}, "completed": done}))

    code, out = tito(workspace, "module", "start", "7", "--in-reference")
    assert code == 0, out
    stubbed = [p for p, text in originals.items() if p.read_text() != text]
    assert stubbed, "start must replace module 07's solution regions with stubs"
    assert "NotImplementedError" in stubbed[0].read_text()
    assert " packages/tt-optim/src/tt_optim/" in out, "start says where each exercise is"

    code, out = tito(workspace, "module", "complete", "7")
    assert code != 0 and "not complete" in out
    assert "07" not in json.loads(progress_file.read_text())["completed"]

    code, out = tito(workspace, "module", "start", "7", "--in-reference")
    assert code != 0 and "overwrite your work" in out, "a second start must refuse without --force"

    for path, text in originals.items():  # the learner writes the solution back
        path.write_text(text)
    code, out = tito(workspace, "module", "complete", "7")
    assert code == 0, out
    assert "milestone 01 unlocked" in out and "milestone 02 unlocked" in out

    code, out = tito(workspace, "module", "status", "--json")
    status = json.loads(out)
    assert "07" in status["complete"] and {"01", "02"} <= set(status["milestones_unlocked"])


def test_errors_a_learner_can_act_on(workspace, tmp_path):
    code, out = tito(workspace, "module", "start", "22")
    assert code == 2 and "there is no module 22" in out
    fresh = exercises.copy_tree(ROOT, tmp_path / "fresh")
    code, out = tito(fresh, "module", "start", "2", "--in-reference")
    assert code == 2 and "builds on modules 01" in out
    code, out = tito(tmp_path, "module", "list")
    assert code == 2 and "no TinyTorch workspace" in out


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    destination = tmp_path_factory.mktemp("edition") / "edition"
    code, out = tito(ROOT, "instructor", "export", str(destination))
    assert code == 0, out
    return destination


def test_instructor_export_stubs_every_module(edition):
    regions = 0
    for package in curriculum.existing_packages(ROOT):
        for path in exercises.source_files(edition, package):
            for region in exercises.find_regions(path):
                body = path.read_text().splitlines()[region.first : region.last - 1]
                assert [line.strip()[:26] for line in body if not line.strip().startswith("#")] == [
                    "raise NotImplementedError("
                ], (path, region)
                regions += 1
    assert regions > 0
    assert (edition / "docs").is_dir() and not (edition / ".git").exists()
    assert (edition / ".tito" / "edition.json").is_file()
    assert not (edition / ".tito" / "progress.json").exists()


def test_complete_without_start_refuses_where_the_reference_solution_sits(tmp_path):
    fresh = exercises.copy_tree(ROOT, tmp_path / "fresh")
    code, out = tito(fresh, "module", "complete", "3")
    assert code == 2 and "module 03 was never started" in out and "tito module start 03" in out
    assert not (fresh / ".tito" / "progress.json").exists()


def test_refill_restores_one_module_and_complete_tests_the_edition(edition):
    module = curriculum.module(3)
    code, out = tito(edition, "module", "complete", "3")
    assert code == 1 and "not complete" in out, "an edition's stubs are tested, never the reference"
    for number in (1, 2, 3):
        code, out = tito(edition, "instructor", "refill", str(number), "--reference", str(ROOT))
        assert code == 0 and f"module {number:02d}:" in out and "regions refilled" in out, out
    for path in exercises.source_files(ROOT, module.packages):
        twin = edition / path.relative_to(ROOT)
        mine, theirs = exercises.find_regions(twin), exercises.find_regions(path)
        assert [(r.module, r.function) for r in mine] == [(r.module, r.function) for r in theirs]
        edition_lines, reference_lines = twin.read_text().splitlines(), path.read_text().splitlines()
        for a, b in zip(mine, theirs):
            body = edition_lines[a.first : a.last - 1]
            if a.module <= 3:
                assert body == reference_lines[b.first : b.last - 1], (path, a.function)
            else:
                assert [line.strip()[:26] for line in body if not line.strip().startswith("#")] == [
                    "raise NotImplementedError("
                ], a.function
    code, out = tito(edition, "module", "complete", "3")
    assert code == 0 and "module 03 complete" in out, out
    code, out = tito(edition, "instructor", "refill", "3", "--reference", str(edition))
    assert code == 2 and "same checkout" in out


def test_module_list_shows_every_package_a_module_touches():
    code, out = tito(ROOT, "module", "list", "--json")
    assert code == 0, out
    rows = {row["module"]: row for row in json.loads(out)}
    for module in curriculum.MODULES:
        assert rows[module.tag]["package"] == module.package
        assert rows[module.tag]["packages"] == list(module.packages)


@pytest.fixture(scope="module")
def activations(tmp_path_factory) -> Path:
    """A copy of the repository with module 03 started (its regions stubbed)."""
    copy = exercises.copy_tree(ROOT, tmp_path_factory.mktemp("tito-03") / "repo")
    code, out = tito(copy, "module", "start", "3", "--force", "--in-reference")
    assert code == 0, out
    return copy


def test_start_lists_each_exercise_where_it_is_and_what_to_read(activations):
    result = runner.invoke(app, ["module", "start", "3", "--force", "--in-reference", "-w", str(activations)])
    lines = result.output.splitlines()
    assert result.exit_code == 0 and "read: docs/modules/03-activations.md" in lines
    relu = next(line for line in lines if line.split()[1:2] == ["relu"])
    path, number = relu.split()[0].split(":")
    source = (activations / path).read_text().splitlines()
    assert source[int(number) - 1].strip().startswith("raise NotImplementedError("), "file:line is the stub"
    above = [line.strip() for line in source[: int(number)] if line.strip().startswith("def ")]
    assert above[-1].startswith("def relu("), above[-1]
    assert "§ The idea" in relu or "§ How it is built" in relu, relu
    section = relu.split(" — § ")[1]
    chapter = "docs/modules/03-activations.md"
    stub = f"NotImplementedError('module 03: implement relu (see {chapter} § {section})')"
    assert stub in "\n".join(source), "the stub names the chapter and section to read, as start does"


def test_module_test_reports_the_exercises_left_in_a_few_lines(activations):
    result = runner.invoke(app, ["module", "test", "3", "-w", str(activations)])
    lines = result.output.splitlines()
    assert result.exit_code == 1 and len(lines) < 60, result.output
    assert lines[0].startswith("module 03 — Activations: 0 passed,"), lines[0]
    assert "still to write (their stubs raise NotImplementedError):" in lines
    todo = [line.split() for line in lines if "tests reach it" in line or "test reaches it" in line]
    names = {words[1] for words in todo}
    assert {"relu", "softmax", "gelu", "normal_cdf"} <= names, names
    assert all(words[0].startswith("packages/tt-nn/src/tt_nn/functional/") for words in todo)

    first = runner.invoke(app, ["module", "test", "3", "-x", "-w", str(activations)])
    assert first.exit_code == 1 and ": 0 passed, 1 failed" in first.output.splitlines()[0], first.output
    chosen = runner.invoke(app, ["module", "test", "3", "softmax", "-w", str(activations)])
    counts = chosen.output.splitlines()[0]
    assert chosen.exit_code == 1 and "softmax" in chosen.output and "  relu  " not in chosen.output, counts
    nothing = runner.invoke(app, ["module", "test", "3", "-k", "no_such_test_name", "-w", str(activations)])
    assert nothing.exit_code == 5 and "no test matched" in nothing.output


def test_extras_are_tested_apart_and_complete_needs_only_the_core(tmp_path):
    copy = exercises.copy_tree(ROOT, tmp_path / "repo")
    module = curriculum.module(3)
    stubbed = exercises.stub_module(copy, module.packages, 3, part="extras")  # Cody's erf left to write
    assert stubbed and all(r.extra for r in stubbed)
    erf = copy / "packages/tt-nn/src/tt_nn/functional/erf.py"
    text = erf.read_text()  # the core's own normal_cdf, as its stub's guidance suggests: Python's erfc
    answer = "    return 0.5 * erfc(x * -0.7071067811865476)\n"
    assert answer in text
    python = "import math\n    phi = np.vectorize(math.erfc, otypes=[float])(-x / math.sqrt(2)) / 2\n"
    erf.write_text(text.replace(answer, f"    {python}    return phi.astype(x.dtype)\n"))
    code, out = tito(copy, "module", "test", "3", "--extras")
    assert code == 1 and "(optional extras)" in out.splitlines()[0] and "_erfc_tail" in out, out
    (copy / ".tito").mkdir(exist_ok=True)
    (copy / ".tito" / "progress.json").write_text(json.dumps({"started": {"03": "now"}, "completed": {}}))
    code, out = tito(copy, "module", "complete", "3")
    assert code == 0 and "module 03 complete" in out, out
    assert "optional extras: 0/" in out and "not required" in out, out

    # module 05: a cross-entropy with none of the options (weight, ignore_index, label smoothing)
    losses = copy / "packages/tt-nn/src/tt_nn/functional/losses.py"
    lines = losses.read_text().splitlines(keepends=True)
    plain = {
        "CrossEntropyFunction.forward": [
            "z, t = _rows(logits), target.reshape(-1)", "z = z - z.max(axis=1, keepdims=True)",
            "e = np.exp(z)", "s = e.sum(axis=1)", "losses = np.log(s) - z[np.arange(len(t)), t]",
            "ctx.save_for_backward(e / s[:, None], t)", "ctx.input_shape = logits.shape",
            "return _reduce(ctx, losses.reshape(target.shape), reduction)",
        ],
        "CrossEntropyFunction.backward": [
            "p, t = ctx.saved_tensors", "r = _scale(ctx, grad)",
            "g = p * (r.reshape(-1, 1) if isinstance(r, np.ndarray) else r)",
            "g[np.arange(len(t)), t] -= r.reshape(-1) if isinstance(r, np.ndarray) else r",
            "return _unrows(g, ctx.input_shape), None, None",
        ],
    }  # fmt: skip
    regions = [r for r in exercises.find_regions(losses) if r.function in plain]
    for region in sorted(regions, key=lambda r: -r.first):
        lines[region.first : region.last - 1] = [f"        {line}\n" for line in plain[region.function]]
    losses.write_text("".join(lines))
    code, out = tito(copy, "module", "test", "5")
    assert code == 0 and "all tests pass" in out, out
    code, out = tito(copy, "module", "test", "5", "--extras")
    assert code == 1 and "test_05_cross_entropy_extras.py" in out, out


def test_module_test_points_at_the_failing_test_of_a_planted_bug(tmp_path):
    copy = exercises.copy_tree(ROOT, tmp_path / "repo")
    source = copy / "packages" / "tt-nn" / "src" / "tt_nn" / "functional" / "activations.py"
    text = source.read_text()
    assert "slope = np.where(x > 0," in text
    source.write_text(text.replace("slope = np.where(x > 0,", "slope = np.where(x >= 0,"))  # the classic slip
    result = runner.invoke(app, ["module", "test", "3", "leaky", "-w", str(copy)])
    lines = result.output.splitlines()
    assert result.exit_code == 1 and "still to write" not in result.output, result.output
    assert "failing:" in lines and len(lines) < 40
    listed = lines[lines.index("failing:") + 1 :]
    failing = [line.split() for line in listed if line.startswith("  packages/")]
    assert failing and all(words[0].startswith("packages/tt-nn/tests/test_03_") for words in failing)
    assert all("leaky" in words[1] for words in failing), failing
    full = runner.invoke(app, ["module", "test", "3", "leaky", "--full", "-w", str(copy)])
    assert full.exit_code == 1


def test_chapter_section_finds_where_a_function_is_taught(tmp_path):
    chapter = tmp_path / "03-x.md"
    chapter.write_text(
        "# M\n\n## The idea\n\nWe build `relu`.\n\n## How it is built\n\n`GELUFunction` saves its input.\n\n"
        "## Exercises\n\n`relu`, `GELUFunction.forward`, `mystery`.\n\n"
        "## Check yourself\n\nWhy `GELUFunction`?\n"
    )
    assert feedback.chapter_section(chapter, "relu") == "The idea"
    assert feedback.chapter_section(chapter, "GELUFunction.forward") == "How it is built"
    assert feedback.chapter_section(chapter, "mystery") == "Exercises"
    assert feedback.chapter_section(tmp_path / "missing.md", "relu") == ""


def test_init_makes_a_learners_edition_and_the_reference_refuses_start(tmp_path):
    fresh = exercises.copy_tree(ROOT, tmp_path / "reference")
    code, out = tito(fresh, "module", "start", "1")
    assert code == 2 and "reference checkout" in out and "tito init" in out
    assert "module 01: implement" not in (fresh / "packages/tt-tensor/src/tt_tensor/pointwise.py").read_text()
    mine = tmp_path / "mine"
    result = runner.invoke(app, ["init", str(mine), "--reference", str(fresh)])
    assert result.exit_code == 0, result.output
    assert "tito module start 01" in (mine / "README.md").read_text(), "the learner's own README"
    assert not (mine / "benchmarks" / "nn_fused.py").exists(), "no benchmark holding reference answers"
    assert "module 01: implement" in (mine / "packages/tt-tensor/src/tt_tensor/pointwise.py").read_text()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=mine, capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout == "", (
        "the edition is committed: git diff is the learner's"
    )
    code, out = tito(mine, "module", "start", "1")
    assert code == 0 and "exercises to write" in out, out
    code, out = tito(fresh, "module", "reset", "1", "--yes")
    assert code == 2 and "never started" in out


def test_instructor_grade_uses_the_pristine_tests_on_each_students_code(tmp_path):
    submissions = tmp_path / "submissions"
    for student in ("ada", "bob", "eve"):
        for package in curriculum.existing_packages(ROOT):
            src = ROOT / "packages" / package / "src"
            shutil.copytree(src, submissions / student / "packages" / package / "src",
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    functional = Path("packages/tt-nn/src/tt_nn/functional/activations.py")
    bob = submissions / "bob" / functional  # one bug: LeakyReLU's slope at x == 0
    bob.write_text(bob.read_text().replace("slope = np.where(x > 0,", "slope = np.where(x >= 0,"))
    eve = submissions / "eve"  # never wrote module 03, and edits the tests to pass
    eve_source = eve / functional
    eve_source.write_text(exercises.stub_source(eve_source, 3)[0])
    tests = eve / "packages" / "tt-nn" / "tests"
    tests.mkdir(parents=True)
    for name in ("test_03_activations.py", "test_03_erf_extras.py", "conftest.py"):
        (tests / name).write_text("def test_everything_passes():\n    assert True\n")
    (eve / "packages" / "tt-nn" / "src" / "conftest.py").write_text("raise SystemExit('no grading')\n")

    out = tmp_path / "grades"
    result = runner.invoke(app, ["instructor", "grade", str(submissions), "--modules", "03",
                                 "--out", str(out), "-w", str(ROOT)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with (out / "gradebook.csv").open() as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    assert set(rows) == {"ada", "bob", "eve"} and all(row["module"] == "03" for row in rows.values())
    total = int(rows["ada"]["total"])
    assert total > 50 and int(rows["ada"]["passed"]) == total and rows["ada"]["first_failure"] == ""
    assert int(rows["bob"]["total"]) == total and 0 < int(rows["bob"]["passed"]) < total
    assert "leaky" in rows["bob"]["first_failure"].lower(), rows["bob"]
    assert int(rows["eve"]["total"]) == total and int(rows["eve"]["passed"]) < total // 2
    assert "is not written (NotImplementedError" in rows["eve"]["first_failure"], rows["eve"]
    document = json.loads((out / "gradebook.json").read_text())
    assert document["settings"]["modules"] == ["03"] and len(document["grades"]) == 3
    assert "ada" in result.output and f"{total}/{total}" in result.output


def test_grade_refuses_what_it_cannot_grade(tmp_path):
    code, out = tito(ROOT, "instructor", "grade", str(tmp_path / "none"), "--modules", "03")
    assert code == 2 and "not a folder of submissions" in out
    code, out = tito(ROOT, "instructor", "grade", str(tmp_path), "--modules", "3-x")
    assert code == 2 and "--modules" in out
    code, out = tito(ROOT, "instructor", "grade", str(tmp_path), "--modules", "01")
    assert code == 2 and "holds no student folders" in out


def test_the_learners_readme_installs_every_package_and_the_test_tools():
    """Its set-up command, run as written in a fresh edition, must give a working ``tito module test``."""
    readme = (ROOT / "src/tinytorch/cli/LEARNER_README.md").read_text()
    setup = readme.split("```sh", 2)[1].split("```")[0]
    install = " ".join(line.rstrip("\\") for line in setup.splitlines() if line.strip())
    assert "TT_EDITABLE_SIBLINGS=0 pip install" in install, "pip refuses the siblings' pins without it"
    missing = [p for p in curriculum.PACKAGES if f"-e packages/{p} " not in install + " "]
    assert not missing, f"the learner's README does not install {missing}"
    assert '-e ".[cli]"' in install and " pytest" in install and " hypothesis" in install, install
