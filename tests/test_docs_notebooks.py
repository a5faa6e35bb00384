"""Every chapter opens as a notebook, and a chapter's notebook runs with its exercise tests.

tools/chapter_notebooks.py turns ``docs/modules/NN-name.md`` into a notebook. Here: each
chapter converts, has its exercise-test cells (``notebook.test(NN, ...)`` in its
*Exercises* section) and its opted-out blocks tagged; module 03's notebook runs top to
bottom in a ``python3`` kernel, its first exercise cell reporting "all tests pass" on
the reference; and a failing exercise cell or an unmarked error fails the run.
``nox -s docs`` runs every chapter's notebook (``--check --exercises none``), and
``nox -s notebooks`` every chapter with every exercise cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from by_path import load_file
from nbclient.exceptions import CellExecutionError

from tinytorch import curriculum

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "docs" / "modules").glob("[0-9][0-9]-*.md"))


notebooks = load_file("_tt_chapter_notebooks", ROOT / "tools" / "chapter_notebooks.py")
snippets = load_file("_tt_docs_snippets", ROOT / "tests" / "test_docs_snippets.py")


def test_every_modules_chapter_is_found():
    assert [page.name[:2] for page in CHAPTERS] == [module.tag for module in curriculum.MODULES]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name[:2])
def test_each_chapter_converts_with_its_exercise_cells_and_opt_outs_tagged(chapter):
    text = chapter.read_text(encoding="utf-8")
    notebook = notebooks.chapter_notebook(chapter)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    assert any(cell.cell_type == "code" for cell in notebook.cells)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert not any(source.lstrip().startswith(">>>") for source in code)
    exercises = notebooks.tagged(notebook, "exercise-tests")
    number = int(chapter.name[:2])
    assert exercises, f"{chapter.name}: no <!-- exercise-tests --> cell in its Exercises section"
    for cell in exercises:
        pattern = rf"^notebook\.test\({number}, \"[^\"]+\"(, extras=True)?\)"  # extras: the optional tests
        assert re.search(pattern, cell.source, re.M), cell.source
    assert text.index("<!-- exercise-tests -->") > text.index("\n## Exercises\n")
    blocks = snippets.extract_blocks(chapter)
    opted_out = [b for b in blocks if b.skip_reason and "notebook" not in b.skip_reason]
    assert len(notebooks.tagged(notebook, "skip-execution")) == len(opted_out)


def test_doctest_blocks_become_cells_without_prompts_or_results():
    cells = notebooks.doctest_cells(
        ">>> x = 2\n>>> x + 1\n3\n>>> 1 / 0\nTraceback (most recent call last):\n"
        "ZeroDivisionError: division by zero\n>>> y = x\n"
    )
    assert cells == [("x = 2\nx + 1", False), ("1 / 0", True), ("y = x", False)]


def test_module_03s_notebook_runs_and_its_first_exercise_cell_passes_on_the_reference():
    chapter = ROOT / "docs" / "modules" / "03-activations.md"
    notebook = notebooks.run_chapter(chapter, exercises="first", timeout=120)
    first, *others = notebooks.tagged(notebook, "exercise-tests")
    report = notebooks.cell_text(first)
    assert "module 03 — " in report and "passed, 0 failed" in report and "all tests pass" in report
    assert all(not cell.get("outputs") for cell in others)  # skipped, as asked


def test_a_failing_exercise_cell_or_an_unmarked_error_fails_the_run(tmp_path):
    page = tmp_path / "99-demo.md"
    page.write_text(
        "# Module 99\n\n```python\nx = 1\n```\n\n"
        "<!-- no-test: would fail -->\n```python\nraise RuntimeError('skipped')\n```\n\n"
        "```python\n>>> x + 1\n2\n>>> 1 / 0\n"
        "Traceback (most recent call last):\nZeroDivisionError: x\n```\n\n"
        "## Exercises\n\n<!-- exercise-tests -->\n```python\nprint('module 99: 0 passed, 2 failed')\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(AssertionError, match="0 passed, 2 failed"):
        notebooks.run_chapter(page, exercises="all", timeout=60)
    page.write_text(page.read_text(encoding="utf-8").replace("x = 1", "x = undefined_name"), encoding="utf-8")
    with pytest.raises(CellExecutionError, match="undefined_name"):
        notebooks.run_chapter(page, exercises="none", timeout=60)


def test_check_reports_a_failing_chapter_and_runs_the_next_ones_in_a_clean_kernel(tmp_path, capsys):
    bad, good = tmp_path / "01-bad.md", tmp_path / "02-good.md"
    bad.write_text("# Bad\n\n```python\nraise RuntimeError('boom')\n```\n", encoding="utf-8")
    good.write_text(
        "# Good\n\n```python\nimport os\nassert 'left_over' not in dir() and os.getcwd() == "
        f"{str(tmp_path)!r}\nleft_over = 1\n```\n",
        encoding="utf-8",
    )
    assert notebooks.check([good, good, bad, good], exercises="none", timeout=60) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if ".md:" in line]
    assert [line.split(":")[0] for line in lines] == ["02-good.md", "02-good.md", "01-bad.md", "02-good.md"]
    assert "FAILED" in lines[2] and "boom" in out
    assert all("1 cells ran" in line for line in (*lines[:2], lines[3]))
