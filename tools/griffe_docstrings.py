"""Griffe extension for the API reference: the packages' docstrings as markdown wants them.

* A Google-style ``Example:`` section reads as ``Examples:``. Griffe's Google
  parser knows only the plural, and renders any other ``Title:`` section as an
  admonition of markdown, where ``>>>`` lines turn into nested quotes; renamed,
  the section's doctest lines render as Python code.
* Sphinx roles (``:meth:`Tensor.exp```, ``:class:`DType```) become inline code
  instead of showing their ``:meth:`` prefix.

mkdocs.yml lists this file among mkdocstrings' extensions; the packages keep
their docstrings as they are.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

SINGULAR = re.compile(r"^(?P<indent>[ \t]*)Example:[ \t]*$", re.MULTILINE)
ROLE = re.compile(r":(?:py:)?(?:meth|func|class|attr|mod|obj|data|exc):`~?(?P<target>[^`]+)`")


def markdown_docstring(text: str) -> str:
    """``text`` with ``Example:`` sections renamed and Sphinx roles turned into inline code."""
    return ROLE.sub(r"`\g<target>`", SINGULAR.sub(r"\g<indent>Examples:", text))


class MarkdownDocstrings(Extension):
    """Apply :func:`markdown_docstring` to every docstring, before it is parsed."""

    def on_object(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
