"""The error for a torch name TinyTorch does not have: it names it and suggests near names.

``tinytorch``, ``tinytorch.nn`` and ``tinytorch.nn.functional`` define a
module-level ``__getattr__`` (PEP 562) that Python calls only for names the
module does not define, so the supported names cost nothing; a script that
reaches for ``torch.fft`` or ``F.grid_sample`` gets one clear line instead of
a bare ``AttributeError`` deep in its own stack. The full table of what is
and is not covered is ``docs/pytorch-coverage.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def unsupported(torch_module: str, name: str, available: Iterable[str]) -> AttributeError:
    """An ``AttributeError`` saying ``torch_module.name`` is not part of TinyTorch, with close matches."""
    if name.startswith("__") and name.endswith("__"):  # protocol probes (copy, pickle, doctest): stay quiet
        return AttributeError(f"module {torch_module!r} has no attribute {name!r}")
    public = sorted(n for n in available if not n.startswith("_"))
    near = difflib.get_close_matches(name, public, n=3, cutoff=0.75)
    hint = f"; did you mean {' or '.join(f'{torch_module}.{n}' for n in near)}?" if near else "."
    return AttributeError(
        f"{torch_module}.{name} is not part of TinyTorch{hint} The PyTorch API it covers, and what it "
        "does not, is listed in docs/pytorch-coverage.md."
    )
