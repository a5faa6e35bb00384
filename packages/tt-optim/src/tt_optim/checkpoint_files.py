"""Integrity of checkpoint files: temporaries left by killed saves, and damaged or crafted archives.

:mod:`tt_optim.checkpoint` writes through a temporary file and a rename, and
reads without pickle; this file holds what keeps that honest when things go
wrong outside the program's control:

* **Killed saves.** ``kill -9`` runs no cleanup code, so a save killed while
  writing leaves its temporary file. Each temporary is named after its
  writer, ``.<name>.ttsave-<host>-<pid>-<random>.tmp``, and every save first
  removes those of the folder whose writer (same host) no longer runs
  (:func:`remove_stale_temporaries`).
* **Damaged files.** A truncated, bit-flipped or crafted archive fails deep
  inside ``zipfile``, ``zlib`` or NumPy; every such failure becomes a
  :class:`CheckpointError` naming the path and the reason. Before any entry
  is inflated, its size must equal what its ``.npy`` header declares, and a
  deflated entry may not expand more than :data:`MAX_DEFLATE_RATIO` times
  (a 200 MB deflate bomb in a 200 kB file is refused unread).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import socket
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np


class CheckpointError(ValueError):
    """A file that is not a TinyTorch checkpoint, or one that is refused (e.g. it carries a pickle)."""


TEMPORARY = re.compile(r"^\..+\.ttsave-(?P<host>[A-Za-z0-9_.-]*)-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
#: The temporary names of TinyTorch before the writer's pid went into them: ``.<name>.<8 random>.tmp``.
LEGACY_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
#: A legacy temporary file older than this (seconds) belongs to a save that died.
LEGACY_AGE = 3600.0


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:64]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: keep its file
    return True


def remove_stale_temporaries(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that killed saves left in ``directory``; returns what was removed.

    Only TinyTorch's own temporaries are touched: ``.<name>.ttsave-<host>-<pid>-<random>.tmp``
    written on this host by a process that no longer runs, and (from older
    versions, whose names carry no pid) ``.<name>.<8 characters>.tmp`` files
    beside a file ``<name>`` and untouched for an hour. A save in progress, in this or another process, is
    left alone. Every :func:`save` calls this for its folder first.
    """
    removed = []
    host = _host()
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            match = TEMPORARY.match(entry.name)
            try:
                if match:
                    stale = match["host"] == host and not _process_alive(int(match["pid"]))
                else:  # an old-style name counts only beside the file it was saving, and an hour old
                    legacy = LEGACY_TEMPORARY.match(entry.name)
                    stale = bool(legacy) and (
                        os.path.isfile(os.path.join(directory, legacy["name"]))
                        and time.time() - entry.stat().st_mtime > LEGACY_AGE
                    )
                if stale and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:  # gone already (another save cleaned it), or not ours to delete
                continue
    return removed


def _temporary_file(path: Path) -> tuple[int, str]:
    """Clean the folder of stale temporaries, then open a new one named after this writer (host, pid)."""
    remove_stale_temporaries(path.parent)
    prefix = f".{path.name}.ttsave-{_host()}-{os.getpid()}-"
    return tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)


#: A deflated entry may expand at most this much (TinyTorch writes entries stored, ratio 1; float
#: weights deflate ~1.1:1); beyond it, and over 1 MiB, it is refused as a likely deflate bomb.
MAX_DEFLATE_RATIO = 50


def _declared_size(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """The bytes an entry must hold by its own ``.npy`` header (header + shape × itemsize)."""
    with archive.open(info) as entry:
        version = np.lib.format.read_magic(entry)
        read_header = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        if version not in read_header:
            raise CheckpointError(f"{path}: entry {info.filename!r} uses .npy format {version} (unsupported)")
        shape, _, dtype = read_header[version](entry)
        if dtype.hasobject:
            return None  # a pickle: _read_npz refuses it with its own message
        return entry.tell() + math.prod(shape) * dtype.itemsize


def _check_entry_sizes(path: Path) -> None:
    """Refuse entries whose sizes disagree with their headers, and deflate bombs, before inflating any."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue  # refused by _read_npz with its own message
            if info.compress_type != zipfile.ZIP_STORED and info.file_size > max(
                1 << 20, MAX_DEFLATE_RATIO * info.compress_size
            ):
                raise CheckpointError(
                    f"{path}: entry {info.filename!r} would inflate {info.compress_size} bytes to "
                    f"{info.file_size} (more than {MAX_DEFLATE_RATIO}:1); refused as a likely deflate bomb"
                )
            declared = _declared_size(path, archive, info)
            if declared is not None and declared != info.file_size:
                raise CheckpointError(
                    f"{path}: entry {info.filename!r} holds {info.file_size} bytes but its header declares "
                    f"{declared}; the file is damaged or crafted"
                )


def _as_checkpoint_errors(read: Any) -> Any:
    """Run ``read(path)`` so that every way a file can be damaged ends in a :class:`CheckpointError`.

    Truncated, bit-flipped and crafted archives fail deep inside ``zipfile``,
    ``zlib`` or NumPy (``BadZipFile``, ``zlib.error``, ``EOFError``, a
    reshape ``ValueError``); each is reported with the path and the reason.
    """

    @functools.wraps(read)
    def checked(path: Path) -> dict[str, np.ndarray]:
        try:
            if path.is_file() and not zipfile.is_zipfile(path):
                with open(path, "rb") as file:
                    start = file.read(4)
                if start == b"PK\x03\x04":  # a zip whose end (its central directory) is missing
                    raise CheckpointError(
                        f"{path} is truncated or damaged: it starts as a zip archive but its end is missing "
                        "(an interrupted copy or download?); save it again or restore a backup"
                    )
            elif path.is_file():
                _check_entry_sizes(path)
            return read(path)
        except (CheckpointError, FileNotFoundError):
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError) as error:
            raise CheckpointError(
                f"{path} is damaged or not a valid checkpoint ({type(error).__name__}: {error}); "
                "save it again or restore a backup"
            ) from None

    return checked
