"""``torch.serialization`` / ``torch.load``'s signature over tt-optim's pickle-free ``load``.

PyTorch scripts pass ``map_location=device`` and ``weights_only=True`` to ``torch.load``
and wrap loading in ``torch.serialization.safe_globals([...])``. TinyTorch's
files hold arrays and JSON only, so loading never runs code whatever
``weights_only`` says, there is nothing to allow-list, and everything lands on
the CPU; any other ``map_location`` is refused by name.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import tt_optim


def load(
    f: str | os.PathLike[str],
    map_location: object = None,
    pickle_module: object = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: object,
) -> Any:
    """Read a file written by ``tt.save`` (see ``tt_optim.load``); the torch keywords are accepted.

    ``map_location`` may be None, ``"cpu"``, a ``tt.device("cpu")`` or a
    callable/dict as in PyTorch (storage is always on the CPU here).
    """
    if isinstance(map_location, str) and map_location.split(":")[0] != "cpu":
        raise RuntimeError(f"load: map_location {map_location!r} is not available; TinyTorch runs on the CPU")
    if pickle_module is not None:
        raise TypeError("load: pickle_module is not supported: TinyTorch files are not pickles")
    return tt_optim.load(f)


@contextlib.contextmanager
def safe_globals(safe_globals: list) -> Iterator[None]:
    """Nothing to allow: TinyTorch never unpickles, so no global is ever loaded."""
    yield


def add_safe_globals(safe_globals: list) -> None:
    """Nothing to allow (see :func:`safe_globals`)."""
