"""Each course chapter as a Jupyter notebook: ``docs/modules/NN-name.md`` → ``.ipynb``.

The chapter's markdown is the only source. jupytext reads it (``jupytext.toml`` at the
repository root keeps Jupyter from writing metadata back into it), so
``jupytext --to ipynb docs/modules/03-activations.md``, or opening the ``.md`` in
Jupyter with jupytext installed, gives a notebook: prose cells, and a code cell per
```` ```python ```` block. A ```` ```python ```` block written as a doctest (``>>>``
prompts and printed results) becomes one cell per shown result, prompts and results
removed, so the notebook prints the results itself (a cell whose example shows a traceback
is tagged ``raises-exception``); ``pycon`` blocks stay prose.
:func:`chapter_notebook` adds what plain jupytext cannot know, as cell tags:

* a block after ``<!-- no-test: reason -->`` (it needs a data set, or changes the
  whole process) is tagged ``skip-execution``: nbclient and nbmake skip it, a
  learner may still run it by hand;
* a block after ``<!-- exercise-tests -->`` (in the *Exercises* section:
  ``notebook.test(NN, "name")``, one exercise's tests) is tagged ``exercise-tests``;
  the docs snippet test leaves it out, the notebook check runs it and wants
  "all tests pass" from it on the reference.

The docs build (``tools/docs_site.py``) writes each chapter's notebook into the built
site, ``modules/NN-name.ipynb``, linked at the top of the chapter; nothing is written
under ``docs/``. ``python tools/chapter_notebooks.py CHAPTER.md [-o OUT.ipynb]``
writes one by hand. Needs ``jupytext`` (the ``docs`` extra).
"""

from __future__ import annotations

import argparse
import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "docs" / "modules"
NO_TEST = re.compile(r"<!--\s*no-test\b")
EXERCISE = re.compile(r"<!--\s*exercise-tests\s*-->")
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _marker(cell) -> str | None:
    """The tag the last line of a markdown cell asks for the code cell after it, if any."""
    if cell is None or cell.cell_type != "markdown":
        return None
    lines = [line for line in cell.source.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if NO_TEST.search(last):
        return "skip-execution"
    return "exercise-tests" if EXERCISE.search(last) else None


def doctest_cells(source: str) -> list[tuple[str, bool]]:
    """A doctest's statements as ``(code, raises)`` cells, each ending with the one whose result it shows.

    ``raises``: the cell's last statement is shown raising an exception (tagged ``raises-exception``).
    """
    cells, pending = [], []
    for example in doctest.DocTestParser().get_examples(source):
        pending.append(example.source.rstrip("\n"))
        if example.want.strip() or example.exc_msg is not None:
            cells.append(("\n".join(pending), example.exc_msg is not None))
            pending = []
    if pending:
        cells.append(("\n".join(pending), False))
    return cells


def chapter_notebook(chapter: Path, text: str | None = None):
    """The notebook (an ``nbformat.NotebookNode``, version 4) of one chapter's markdown."""
    import jupytext

    source = chapter.read_text(encoding="utf-8") if text is None else text
    import nbformat

    notebook = jupytext.reads(source, fmt="md")
    cells, previous = [], None
    for cell in notebook.cells:
        tag = _marker(previous) if cell.cell_type == "code" else None
        if tag:
            cell.metadata.setdefault("tags", []).append(tag)
        previous = cell
        if cell.cell_type == "code" and cell.source.lstrip().startswith(">>>"):
            for code, raises in doctest_cells(cell.source):
                tags = [*cell.metadata.get("tags", []), *(["raises-exception"] if raises else [])]
                cells.append(nbformat.v4.new_code_cell(code, metadata={"tags": tags} if tags else {}))
        else:
            cells.append(cell)
    notebook.cells = cells
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = dict(KERNEL)
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def chapter_notebook_json(chapter: Path) -> str:
    """:func:`chapter_notebook` as ``.ipynb`` text."""
    import nbformat

    return nbformat.writes(chapter_notebook(chapter))


def tagged(notebook, tag: str) -> list:
    """The code cells of ``notebook`` carrying ``tag``."""
    return [c for c in notebook.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]


def cell_text(cell) -> str:
    """What an executed code cell printed, and the plain text of what it displayed."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "".join(parts)


def run_chapter(chapter: Path, exercises: str = "all", timeout: float = 120.0, kernel=None):
    """Execute ``chapter``'s notebook top to bottom in a ``python3`` kernel started in ``docs/modules/``.

    ``kernel``: a running ``jupyter_client`` ``KernelManager`` to reuse (as :func:`check` does:
    a kernel start costs about a second); its namespace is emptied first (``%reset -f``) and its
    folder set to the chapter's; modules stay imported, as when the docs snippet test runs the
    chapters in one process.

    ``exercises``: ``"all"`` runs every ``exercise-tests`` cell, ``"first"`` the chapter's first
    one only, ``"none"`` none of them (the others are tagged ``skip-execution`` for this run).
    ``timeout`` bounds each cell, in seconds. Raises ``nbclient``'s ``CellExecutionError`` at
    the first cell that raises, and ``AssertionError`` for an exercise cell that did not report
    "all tests pass". Returns the executed notebook. Cost: a kernel start (about a second) plus
    the chapter's code, plus a pytest process per exercise cell run.
    """
    from nbclient import NotebookClient

    notebook = chapter_notebook(chapter)
    exercise_cells = tagged(notebook, "exercise-tests")
    keep = {"all": len(exercise_cells), "first": 1, "none": 0}[exercises]
    for cell in exercise_cells[keep:]:
        cell.metadata["tags"].append("skip-execution")
    if kernel is not None:
        import nbformat

        folder = str(chapter.parent.resolve())
        fresh = f"%reset -f\nimport os\nos.chdir({folder!r})\ndel os"
        notebook.cells.insert(0, nbformat.v4.new_code_cell(fresh))
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    )
    client.execute()
    if kernel is not None:
        del notebook.cells[0]
    for cell in exercise_cells[:keep]:
        report = cell_text(cell)
        assert "all tests pass" in report, f"{chapter.name}: {cell.source.splitlines()[-1]}\n{report}"
    return notebook


def check(chapters: list[Path], exercises: str, timeout: float) -> int:
    """Run every chapter's notebook (:func:`run_chapter`) in one kernel; print one line each; 1 if any failed.

    A chapter whose notebook fails gets a fresh kernel for the ones after it.
    """
    import time

    from jupyter_client.manager import KernelManager

    failed, kernel = 0, None
    try:
        for chapter in chapters:
            if kernel is None:
                kernel = KernelManager(kernel_name="python3")
                kernel.start_kernel(cwd=str(chapter.parent))
            start = time.perf_counter()
            try:
                notebook = run_chapter(chapter, exercises, timeout, kernel)
                ran = sum(1 for c in notebook.cells if c.cell_type == "code" and c.get("execution_count"))
                print(f"{chapter.name}: {ran} cells ran in {time.perf_counter() - start:.1f} s", flush=True)
            except Exception as error:  # a cell failed: say which chapter, keep checking the others
                failed += 1
                took = time.perf_counter() - start
                print(f"{chapter.name}: FAILED after {took:.1f} s\n{error}", flush=True)
                kernel.shutdown_kernel(now=True)
                kernel = None
    finally:
        if kernel is not None:
            kernel.shutdown_kernel(now=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", type=Path, nargs="*", help="default: every docs/modules/NN-*.md")
    parser.add_argument("-o", "--output", type=Path, help="write one chapter's notebook here")
    parser.add_argument("--check", action="store_true", help="run each chapter's notebook top to bottom")
    parser.add_argument(
        "--exercises", choices=("all", "first", "none"), default="all",
        help="with --check: which exercise-tests cells run (default all)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted(CHAPTERS.glob("[0-9][0-9]-*.md"))
    if args.check:
        return check(chapters, args.exercises, args.timeout)
    if len(chapters) != 1:
        parser.error("give one chapter to convert (or --check to run them)")
    output = args.output or Path(chapters[0].with_suffix(".ipynb").name)
    output.write_text(chapter_notebook_json(chapters[0]), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
