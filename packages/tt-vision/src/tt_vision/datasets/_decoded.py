"""A cache of decoded datasets: plain ``.npy`` pixel arrays, memory-mapped back in milliseconds.

Decoding, not reading, is what makes a dataset slow to load. The shared
``cifar10.npz`` is zlib-compressed (inflating its 150 MB takes ~1.7 s here),
so is the official ``cifar-10-binary.tar.gz``, and turning CIFAR's HWC
images into the planar ``(N, C, H, W)`` layout that batching wants costs
another 0.5 s. So the first load writes what it decoded — images already
planar, labels as ``int64`` — as two uncompressed ``.npy`` files, and every
later load maps them into memory (``np.load(mmap_mode="c")``): no copy, no
inflate, the pages come from the OS's file cache as batches touch them.

* **Where**: ``$TINYTORCH_CACHE`` if set, else ``~/.cache/tinytorch/decoded``.
  If that folder cannot be written, loading still works; it just decodes
  every time.
* **When it is stale**: the file names carry a hash of the source files'
  paths, sizes and modification times, so a replaced source is decoded
  afresh (the old entry is left; delete the folder to reclaim the space).
* **Nothing half-written**: each file goes to a temporary name in the same
  folder and is renamed into place (atomic); a file that fails to map
  (truncated by a crash elsewhere) is decoded and written again.
* **Copy-on-write**: the mapped arrays are writable; changes stay in the
  process and never reach the file.

Nothing here unpickles: ``.npy`` files of plain ``uint8``/``int64`` arrays
are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ._fetch import default_cache

CACHE_VAR = "TINYTORCH_CACHE"


def decoded_folder() -> Path:
    """``$TINYTORCH_CACHE``, else ``~/.cache/tinytorch/decoded``."""
    if os.environ.get(CACHE_VAR):
        return Path(os.environ[CACHE_VAR]).expanduser()
    return default_cache() / "decoded"


def source_key(sources: Sequence[Path]) -> str:
    """A short hash of the sources' resolved paths, sizes, change times and inodes."""
    digest = hashlib.sha256()
    for source in sources:
        stat = Path(source).stat()
        identity = (Path(source).resolve(), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        digest.update(repr(identity).encode())
    return digest.hexdigest()[:16]


def _read(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached pair, mapped copy-on-write; ``None`` if absent or unreadable."""
    try:
        images = np.load(images_path, mmap_mode="c", allow_pickle=False)
        labels = np.load(labels_path, mmap_mode="c", allow_pickle=False)
    except (OSError, ValueError):  # missing, or truncated: "mmap length is greater than file size"
        return None
    if images.dtype != np.uint8 or images.ndim != 4 or labels.shape != images.shape[:1]:
        return None
    return images, labels


def _write_atomic(path: Path, array: np.ndarray) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            np.save(out, array, allow_pickle=False)
        os.replace(temporary, path)  # atomic: complete or absent
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load_decoded(
    name: str, sources: Sequence[Path], decode: Callable[[], tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """Planar ``uint8 (N, C, H, W)`` images and ``int64 (N,)`` labels, from the cache or ``decode()``.

    Args:
        name: what the entry holds, e.g. ``"cifar10-train"`` (part of the file names).
        sources: the files ``decode`` reads; their identity keys the entry.
        decode: returns the planar images and the labels; called only on a miss.
    """
    folder = decoded_folder()
    stem = f"{name}-{source_key(sources)}"
    images_path, labels_path = folder / f"{stem}-images.npy", folder / f"{stem}-labels.npy"
    cached = _read(images_path, labels_path)
    if cached is not None:
        return cached
    images, labels = decode()
    images = np.ascontiguousarray(images, dtype=np.uint8)
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(labels_path, labels)
        _write_atomic(images_path, images)
    except OSError:
        pass  # a read-only or full disk: carry on without the cache
    return images, labels
