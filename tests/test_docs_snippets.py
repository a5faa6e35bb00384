"""Every code sample in the docs runs.

Each page's fenced ``python`` blocks run in order in one namespace, from the
repository root, so a later block can use what an earlier one defined; a
``pycon`` block (or a ``python`` block starting with ``>>>``) runs as a doctest
in the same namespace, its printed output compared. A block that needs a data
set or the network opts out with a comment on the line before its fence, which
must give the reason::

    <!-- no-test: needs the CIFAR-10 data set -->

A chapter's ``<!-- exercise-tests -->`` blocks run one exercise's tests
(``notebook.test(NN, "name")``, a pytest process each): they are left out here,
and tests/test_docs_notebooks.py runs them in the chapters' notebooks.

Opted-out blocks are listed by ``test_opted_out_blocks_give_a_reason``'s
output (``pytest -rA``), so they stay few.
"""

from __future__ import annotations

import doctest
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[^\n]*$")
NO_TEST = re.compile(r"^\s*<!--\s*no-test(?::\s*(?P<reason>.*?))?\s*-->\s*$")
EXERCISE_TESTS = re.compile(r"^\s*<!--\s*exercise-tests\s*-->\s*$")
RUNNABLE = {"python", "py", "pycon"}


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip_reason: str | None  # None: runs; "" means the marker gave no reason

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def is_doctest(self) -> bool:
        return self.lang == "pycon" or self.code.lstrip().startswith(">>>")


def extract_blocks(page: Path, text: str | None = None) -> list[Block]:
    """The runnable fenced blocks of one markdown page, indented fences (in lists, admonitions) included."""
    lines = (page.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, lang = opening["indent"], opening["fence"], opening["lang"].lower()
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if lang in RUNNABLE:
            body = [
                line[len(indent) :] if line.startswith(indent) else line.lstrip()
                for line in lines[i + 1 : end]
            ]
            previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            marker = NO_TEST.match(previous)
            reason = (marker["reason"] or "") if marker else None
            if EXERCISE_TESTS.match(previous):
                reason = "an exercise's tests: tests/test_docs_notebooks.py runs them in the notebook"
            blocks.append(Block(page, i + 1, lang, textwrap.dedent("\n".join(body)) + "\n", reason))
        i = end + 1
    return blocks


def pages() -> list[Path]:
    """Pages with at least one runnable code block."""
    return sorted(p for p in DOCS.rglob("*.md") if any(b.skip_reason is None for b in extract_blocks(p)))


def _run_block(block: Block, namespace: dict) -> None:
    if block.is_doctest:
        test = doctest.DocTestParser().get_doctest(
            block.code, namespace, block.where, str(block.page), block.line
        )
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        failures: list[str] = []
        runner.run(test, out=failures.append, clear_globs=False)
        namespace.update(test.globs)  # DocTest works on a copy of the namespace
        if runner.failures:
            pytest.fail(f"{block.where}: doctest failed\n" + "".join(failures), pytrace=False)
        return
    try:
        exec(compile(block.code, block.where, "exec"), namespace)
    except Exception as error:
        pytest.fail(
            f"{block.where}: this ```{block.lang} block raised "
            f"{type(error).__name__}: {error}\n\n{block.code}",
            pytrace=False,
        )


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_code_blocks_run(page, monkeypatch):
    blocks = [b for b in extract_blocks(page) if b.skip_reason is None]
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": f"docs:{page.relative_to(DOCS).as_posix()}"}
    for block in blocks:
        _run_block(block, namespace)


def test_opted_out_blocks_give_a_reason():
    skipped = [b for page in pages() for b in extract_blocks(page) if b.skip_reason is not None]
    for block in skipped:
        print(f"not run: {block.where} ({block.skip_reason or 'no reason given'})")
    unexplained = [b.where for b in skipped if not b.skip_reason.strip()]
    assert not unexplained, f"<!-- no-test --> must say why (it needs data or the network): {unexplained}"


def test_extractor_finds_indented_blocks_and_markers(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Text.\n\n```python\nx = 1\n```\n\n"
        "* item\n\n    ```py\n    y = x + 1\n    ```\n\n"
        "<!-- no-test: needs MNIST -->\n```python\nload_mnist()\n```\n\n"
        "```sh\nnox\n```\n\n"
        "```pycon\n>>> y\n2\n```\n",
        encoding="utf-8",
    )
    blocks = extract_blocks(page)
    assert [b.code for b in blocks] == ["x = 1\n", "y = x + 1\n", "load_mnist()\n", ">>> y\n2\n"]
    assert [b.skip_reason for b in blocks] == [None, None, "needs MNIST", None]
    assert [b.line for b in blocks] == [3, 9, 14, 22]
    assert blocks[3].is_doctest and not blocks[0].is_doctest


def test_a_failing_block_fails_with_its_page_and_line():
    namespace: dict = {}
    _run_block(Block(ROOT / "bad.md", 1, "python", "x = 1\n", None), namespace)
    with pytest.raises(pytest.fail.Exception, match=r"bad\.md:5: .*AssertionError: x is not 2"):
        _run_block(Block(ROOT / "bad.md", 5, "python", "assert x == 2, 'x is not 2'\n", None), namespace)
    with pytest.raises(pytest.fail.Exception, match=r"bad\.md:9: doctest failed"):
        _run_block(Block(ROOT / "bad.md", 9, "pycon", ">>> x + 1\n3\n", None), namespace)


def test_exercise_test_blocks_are_left_to_the_notebooks(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 1\n```\n\n<!-- exercise-tests -->\n```python\nnotebook.test(3)\n```\n")
    first, second = extract_blocks(page)
    assert first.skip_reason is None
    assert "notebook" in second.skip_reason
