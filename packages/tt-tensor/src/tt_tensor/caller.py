"""Warnings that point at the user's line: :func:`user_stacklevel`.

``warnings.warn(message, category, stacklevel=2)`` names the line that called the warning
function. When a TinyTorch function is reached through another layer of TinyTorch (the
``tinytorch`` namespace gives its functions PyTorch's ``out=`` through a wrapper, a method
forwards to a function, ...), that line is TinyTorch's own, and the warning shows a line of the
library; with Python's default filter it is also shown once for every caller at once, since they
share the library's location. :func:`user_stacklevel` counts the frames up to the first one outside
TinyTorch's sources, so the warning names the user's line, however the call got there (Python 3.12's
``skip_file_prefixes`` does this; TinyTorch supports 3.11).

Cost: a walk up the call stack, only when a warning is issued.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys

#: The packages whose source files are TinyTorch's own.
PACKAGES = (
    "tt_tensor",
    "tt_autograd",
    "tt_nn",
    "tt_optim",
    "tt_vision",
    "tt_text",
    "tt_perf",
    "tt_dist",
    "tinytorch",
)


@functools.cache
def source_roots() -> tuple[str, ...]:
    """The directories of TinyTorch's installed packages (each with a trailing separator)."""
    roots = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec is not None else []:
            roots.append(os.path.join(os.path.realpath(location), ""))
    return tuple(roots)


def user_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` in the calling function that names the first frame
    outside TinyTorch's sources (2 when TinyTorch's function was called by the user directly).

    Example:
        >>> warnings.warn("range is deprecated", UserWarning, stacklevel=user_stacklevel())  # doctest: +SKIP
    """
    roots = source_roots()
    frame, level = sys._getframe(1), 1  # (level 1: the function that warns)
    while frame.f_back is not None and os.path.realpath(frame.f_code.co_filename).startswith(roots):
        frame, level = frame.f_back, level + 1
    return level
