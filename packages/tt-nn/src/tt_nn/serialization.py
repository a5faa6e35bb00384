"""State dicts as safetensors files: the weights format the rest of the ecosystem reads.

A ``.safetensors`` file is an 8-byte little-endian header length, a JSON
header (each tensor's dtype, shape and byte range, plus a ``__metadata__``
dict of strings) and the raw little-endian bytes. Reading it runs no code and
maps the data straight from disk. Because TinyTorch's state-dict keys and
layouts are PyTorch's, a file written here loads into the equivalent PyTorch
model (``safetensors.torch.load_file`` + ``load_state_dict``) and the reverse.
The work is done by the ``safetensors`` package's NumPy API
(``pip install tt-nn[safetensors]``); this module adds what a model needs:

* **dtypes**: float16/32/64, int8/16/32/64, uint8 and bool are written and read
  as they are. NumPy has no bfloat16, so a BF16 tensor (common in files from
  PyTorch) is widened to float32 on load, which is exact (a bfloat16 is the
  top half of a float32), with a warning naming the tensors. Anything else
  (complex, object) is refused with an error naming the key.
* **tied weights**: safetensors cannot store two names for one memory. A
  tensor that *is* another one (same memory, shape and strides: GPT's
  ``lm_head.weight`` tied to ``transformer.wte.weight``) is stored once and
  its other names are listed in the metadata (``tinytorch.aliases``, JSON);
  loading puts every name back, all pointing to the one tensor. Tensors that
  overlap only in part are refused (``clone()`` one of them).
* **metadata**: ``metadata={"config": json.dumps(config)}`` goes into the
  header; :func:`safetensors_metadata` reads it back without the weights.
  ``"format": "pt"`` is added unless given (what PyTorch tools expect).
* **safety**: writes go to a temporary file renamed over the target; a
  malformed or truncated file is refused, naming the path and the problem,
  before any tensor is returned.

Cost: save copies each tensor once into the file; load maps the file and
copies each tensor once out of it, ``O(total bytes)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from tt_autograd import Tensor

ALIASES = "tinytorch.aliases"
#: safetensors dtype codes and the NumPy dtypes they hold (BF16 is widened to float32 on load).
DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}  # fmt: skip
ITEMSIZE = {**{code: np.dtype(t).itemsize for code, t in DTYPES.items()}, "BF16": 2}
INSTALL = "pip install tt-nn[safetensors] (or pip install safetensors)"


class SafetensorsError(ValueError):
    """A safetensors file that cannot be read (malformed, truncated), or a state dict that cannot be saved."""


def _safetensors() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(f"safetensors files need the safetensors package: {INSTALL}") from None
    return safetensors


def _array(key: str, value: Any) -> np.ndarray:
    array = value.array if isinstance(value, Tensor) else np.asarray(value)
    if not any(array.dtype == np.dtype(t) for t in DTYPES.values()):
        raise SafetensorsError(
            f"save_safetensors: {key!r} has dtype {array.dtype}; a safetensors file holds "
            "float16/32/64, int8/16/32/64, uint8 or bool tensors: convert it (e.g. .float())"
        )
    return array


def _identity(array: np.ndarray) -> tuple:
    return (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)


def save_safetensors(
    state_dict: Mapping[str, Any], path: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None
) -> None:
    """Write ``state_dict`` (name → tensor or array) to ``path`` as safetensors, atomically.

    Args:
        state_dict: e.g. ``model.state_dict()``; keys are strings.
        path: the file to write; a temporary file beside it is renamed over it.
        metadata: strings to store in the header (other values are JSON-encoded),
            e.g. ``{"config": json.dumps(model.config.to_dict())}``.

    Example:
        >>> save_safetensors(model.state_dict(), "model.safetensors")  # doctest: +SKIP
    """
    safetensors = _safetensors()
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save_safetensors: the directory {path.parent} does not exist")
    header: dict[str, str] = {"format": "pt"}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str):
            raise SafetensorsError(f"save_safetensors: metadata keys must be strings, got {key!r}")
        header[key] = value if isinstance(value, str) else json.dumps(value)
    arrays: dict[str, np.ndarray] = {}
    aliases: dict[str, str] = {}
    owners: dict[tuple, str] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise SafetensorsError(f"save_safetensors: keys must be strings, got {key!r}")
        array = _array(key, value)
        if _identity(array) in owners:
            aliases[key] = owners[_identity(array)]
            continue
        for other, kept in arrays.items():
            if array.size and kept.size and np.shares_memory(array, kept):
                raise SafetensorsError(
                    f"save_safetensors: {key!r} and {other!r} share part of their memory but are not the "
                    "same tensor; a safetensors file cannot express that: clone() one of them first"
                )
        owners[_identity(array)] = key
        arrays[key] = array if array.flags.c_contiguous else array.copy()  # (ascontiguousarray makes 0-d 1-d)
    if aliases:
        header[ALIASES] = json.dumps(aliases)
    data = safetensors.numpy.save(arrays, metadata=header)
    atomic_write_bytes(path, data)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """``data`` into a temporary file beside ``path``, fsync-ed, then renamed over ``path``.

    A failure at any point leaves ``path`` as it was and no temporary file behind.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _refuse(path: Path, problem: str) -> SafetensorsError:
    return SafetensorsError(f"{path} is not a valid safetensors file: {problem}; nothing was loaded")


def read_header(path: str | os.PathLike[str]) -> tuple[dict[str, dict], dict[str, str], int]:
    """The tensors' entries, the metadata and the data's start offset, after checking the whole layout.

    Every entry needs a known dtype, a shape, and a byte range of exactly
    ``prod(shape) * itemsize`` bytes; the ranges must tile the data section,
    which must end where the file ends.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_safetensors: no file at {path}")
    size = path.stat().st_size
    with open(path, "rb") as file:
        prefix = file.read(8)
        if len(prefix) < 8:
            raise _refuse(path, f"it has {size} bytes, fewer than the 8-byte header length")
        (length,) = struct.unpack("<Q", prefix)
        if length > size - 8:
            raise _refuse(path, f"the header claims {length} bytes but {size - 8} follow its length")
        raw = file.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _refuse(path, f"the header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise _refuse(path, "the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _refuse(path, "__metadata__ must map strings to strings")
    spans = []
    for key, entry in header.items():
        if not isinstance(entry, dict) or entry.get("dtype") not in ITEMSIZE:
            dtype = entry.get("dtype") if isinstance(entry, dict) else entry
            raise _refuse(path, f"tensor {key!r} has dtype {dtype!r}, not one of {sorted(ITEMSIZE)}")
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)):
            raise _refuse(path, f"tensor {key!r} has shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(n, int) for n in offsets)):
            raise _refuse(path, f"tensor {key!r} has data_offsets {offsets!r}")
        expected = int(np.prod(shape, dtype=np.int64)) * ITEMSIZE[entry["dtype"]]
        if offsets[1] - offsets[0] != expected:
            raise _refuse(
                path, f"tensor {key!r} of shape {tuple(shape)} needs {expected} bytes, its range has "
                f"{offsets[1] - offsets[0]}"
            )  # fmt: skip
        spans.append((offsets[0], offsets[1], key))
    end = 0
    for start, stop, key in sorted(spans):
        if start != end:
            raise _refuse(path, f"tensor {key!r} starts at byte {start} of the data, expected {end}")
        end = stop
    if 8 + length + end != size:
        raise _refuse(
            path, f"the tensors need {8 + length + end} bytes in all, the file has {size} (truncated/padded)"
        )
    return header, metadata, 8 + length


def safetensors_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The header's ``__metadata__`` (strings) of a safetensors file, without reading any tensor."""
    return read_header(path)[1]


def load_safetensors(path: str | os.PathLike[str]) -> dict[str, Tensor]:
    """Read a safetensors file into a dict of tensors (in the order of the file's header); runs no code.

    Tied names recorded by :func:`save_safetensors` come back as the same
    tensor; BF16 tensors come back as float32 (exact), with a warning.

    Example:
        >>> model.load_state_dict(load_safetensors("model.safetensors"))  # doctest: +SKIP
    """
    safetensors = _safetensors()
    path = Path(path)
    header, metadata, start = read_header(path)
    arrays: dict[str, np.ndarray] = {}
    widened = [key for key, entry in header.items() if entry["dtype"] == "BF16"]
    try:
        with safetensors.safe_open(str(path), framework="np") as file:
            for key in header:
                if key not in widened:
                    arrays[key] = np.array(file.get_tensor(key)).reshape(header[key]["shape"])
    except Exception as error:  # the library's own checks, as one error naming the file
        raise _refuse(path, str(error)) from None
    for key in widened:
        entry = header[key]
        raw = np.fromfile(path, dtype="<u2", count=int(np.prod(entry["shape"], dtype=np.int64)),
                          offset=start + entry["data_offsets"][0])  # fmt: skip
        arrays[key] = (raw.astype(np.uint32) << 16).view(np.float32).reshape(entry["shape"])
    if widened:
        warnings.warn(
            f"load_safetensors: {path} holds bfloat16 tensors ({', '.join(widened)}), which NumPy cannot "
            "represent; they were widened to float32 exactly",
            stacklevel=2,
        )
    tensors = {key: Tensor.from_array(array) for key, array in arrays.items()}
    try:
        aliases = json.loads(metadata.get(ALIASES, "{}"))
        for alias, owner in aliases.items():
            tensors[alias] = tensors[owner]
    except (ValueError, KeyError, AttributeError, TypeError) as error:
        raise _refuse(path, f"its {ALIASES} metadata is broken ({error!r})") from None
    return tensors
