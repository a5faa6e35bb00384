"""Run one exercise's tests from a chapter opened as a notebook: ``notebook.test(3, "softmax")``.

Each chapter (``docs/modules/NN-name.md``) opens as a Jupyter notebook (jupytext
reads the markdown; see ``docs/index.md``). Its *Exercises* section has one cell
per exercise group::

    from tinytorch.cli import notebook
    notebook.test(3, "softmax")

which runs exactly what ``tito module test 03 softmax`` runs, in a fresh pytest
process against the workspace's own sources (the checkout the notebook sits
in, found by walking up from the kernel's folder, or ``workspace=``), and
prints the same short report: the exercises still stubbed, the failures with
``file:line``, or "all tests pass". Only the standard library and this package
are needed: no typer or rich in the kernel.
"""

from __future__ import annotations

import re
from pathlib import Path

from .feedback import run_and_summarise
from .workspace import WorkspaceError, find_workspace, module_or_error

#: The Rich markup that :func:`tinytorch.cli.feedback.summary_lines` uses; a notebook prints plain text.
MARKUP = re.compile(r"\[(?:/|bold|red|yellow|green)\]")


def test(
    module: int,
    exercise: str | None = None,
    *,
    k: str | None = None,
    x: bool = False,
    extras: bool = False,
    workspace: str | Path | None = None,
) -> None:
    """Run module ``module``'s tests (those matching ``exercise``, pytest ``-k``) and print the short report.

    Args:
        module: the module's number, ``3`` for module 03.
        exercise: a word of the tests' names (``"softmax"``): only those run, as
            ``tito module test NN EXERCISE``. ``None`` runs every test of the module.
        k: a further pytest ``-k`` expression, combined with ``exercise`` by ``and``.
        x: stop at the first failure (``-x``).
        extras: run the module's optional extras' tests (``test_NN_*_extras.py``) instead of
            its core tests, as ``tito module test NN --extras``.
        workspace: the TinyTorch checkout or learner's edition whose code is tested;
            default: the one containing the kernel's current folder.

    Nothing is returned (a notebook would echo it): the report says what passed; its last
    line is "all tests pass" when every selected test passed.

    Cost: one pytest process (about a second to start) plus the selected tests.
    """
    try:
        root = find_workspace(Path(workspace) if workspace is not None else None)
    except WorkspaceError as error:  # the CLI's advice names --workspace; here it is an argument
        raise WorkspaceError(str(error).replace("pass --workspace PATH", "pass workspace=PATH")) from None
    selection = [expr for expr in (exercise, k) if expr]
    extra = ["-x"] if x else []
    extra += ["-k", " and ".join(f"({expr})" for expr in selection)] if selection else []
    _, lines = run_and_summarise(root, module_or_error(module), extra, "extras" if extras else "core")
    print("\n".join(MARKUP.sub("", line) for line in lines))
