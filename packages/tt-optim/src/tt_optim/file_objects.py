"""``save`` and ``load`` on file objects (``io.BytesIO``, an open file), as PyTorch's save and load take them.

PyTorch scripts keep a model's state in memory by saving it into a bytes
buffer and reading it back (a deep copy, a state sent over a pipe); here no
pickle is involved at either end.
A checkpoint is a zip archive checked entry by entry before anything is read
(:mod:`tt_optim.checkpoint_files`), and those checks work on a file in a
folder; so a file object goes through a temporary file: ``save`` writes the
checkpoint there and copies its bytes to the object, ``load`` copies the
object's remaining bytes there and reads the file. Errors name the object,
not the temporary. Cost: one more copy of the bytes each way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def is_file_object(target: object, method: str) -> bool:
    """Whether ``target`` is a file object with ``method`` (``"read"`` or ``"write"``)."""
    return not isinstance(target, (str, bytes, os.PathLike)) and callable(getattr(target, method, None))


def checked_path(op: str, target: object) -> Path:
    """``target`` as a ``Path``, or a ``TypeError`` naming ``op`` for anything that is no path."""
    if not isinstance(target, (str, os.PathLike)):
        mode = "readable" if op == "load" else "writable"
        raise TypeError(
            f"{op}: expected a path (str or os.PathLike) or a {mode} file object, got {type(target).__name__}"
        )
    return Path(target)


def save_to_file_object(save: Callable[[Any, Path], None], obj: Any, file: Any) -> None:
    """``save(obj, path)`` into a temporary file, whose bytes are then written to ``file``."""
    with tempfile.TemporaryDirectory(prefix="ttsave-") as folder:
        path = Path(folder) / "checkpoint.npz"
        save(obj, path)
        file.write(path.read_bytes())


def load_from_file_object(load: Callable[[Path], Any], file: Any) -> Any:
    """``load(path)`` of a temporary file holding ``file``'s remaining bytes; errors name ``file``."""
    data = file.read()
    if not isinstance(data, bytes):
        kind = type(data).__name__
        raise TypeError(f"load: the file object gave {kind}, not bytes; open it in binary mode ('rb')")
    with tempfile.TemporaryDirectory(prefix="ttload-") as folder:
        path = Path(folder) / "checkpoint.npz"
        path.write_bytes(data)
        try:
            return load(path)
        except (ValueError, OSError) as error:
            raise type(error)(str(error).replace(str(path), f"the {type(file).__name__} given")) from None
