"""``tito`` end to end, in a temporary copy of the repository.

start a module → its tests fail → restore the solution → complete succeeds →
status reports it and the milestone unlocks. Plus the errors a learner meets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tinytorch import curriculum, exercises
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

    code, out = tito(workspace, "module", "start", "7")
    assert code == 0, out
    stubbed = [p for p, text in originals.items() if p.read_text() != text]
    assert stubbed, "start must replace module 07's solution regions with stubs"
    assert "NotImplementedError" in stubbed[0].read_text()
    assert "in packages/tt-optim/src/tt_optim/" in out, "start says where each exercise is"

    code, out = tito(workspace, "module", "complete", "7")
    assert code != 0 and "not complete" in out
    assert "07" not in json.loads(progress_file.read_text())["completed"]

    code, out = tito(workspace, "module", "start", "7")
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
    code, out = tito(fresh, "module", "start", "2")
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
                assert [line.strip()[:26] for line in body] == ["raise NotImplementedError("], (path, region)
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
                assert [line.strip()[:26] for line in body] == ["raise NotImplementedError("], a.function
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
