"""Checkpoints without pickle: ``save``/``load`` for state trees, ``save_checkpoint``/``load_checkpoint``.

**The format** is a standard ``.npz`` (a zip of ``.npy`` files) that NumPy
itself can open with ``np.load(path, allow_pickle=False)``:

* one ``.npy`` entry per tensor, named by its place in the tree
  (``model/0.weight``, ``optimizer/state/0/exp_avg``, ``rng/default``);
* ``__metadata__.npy``: a uint8 array holding UTF-8 JSON — the tree itself,
  with each tensor replaced by ``{"__tensor__": "<entry name>"}``, plus
  ``{"format": "tinytorch-checkpoint", "version": 1}``. Tuples, dicts with
  non-string keys (an optimizer's state is keyed by parameter index) and
  NumPy arrays are tagged (``__tuple__``, ``__dict__``, ``__ndarray__``) so
  they come back as they went in.

**Loading runs no code.** JSON can only describe numbers, strings, lists and
dicts, and every ``.npy`` header is checked before any data is read: an entry
whose dtype holds Python objects (the only kind NumPy stores as a pickle) is
refused with :class:`CheckpointError`, as is any file that is not such a zip
(a ``torch.save`` or ``pickle`` file). The arrays are then read with
``allow_pickle=False`` as well.

**Writes are atomic**: the file is written to a temporary file in the same
directory, flushed and ``fsync``-ed, then renamed over the target with
``os.replace`` (atomic on POSIX and Windows). A crash or an error during the
write leaves the previous checkpoint intact and no temporary file behind;
a ``kill -9`` (which no code can catch) leaves its temporary file, named
``.<name>.ttsave-<host>-<pid>-<random>.tmp``, and the next save to the same
folder removes it once that process is gone (see :mod:`tt_optim.checkpoint_files`).
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import tt_tensor
from tt_autograd import Tensor
from tt_nn import load_safetensors, save_safetensors
from tt_tensor.random import Generator

from .checkpoint_files import (
    CheckpointError,
    _as_checkpoint_errors,
    _temporary_file,
)
from .file_objects import checked_path, is_file_object, load_from_file_object, save_to_file_object

FORMAT = "tinytorch-checkpoint"
VERSION = 1
METADATA = "__metadata__"
_TAGS = ("__tensor__", "__ndarray__", "__tuple__", "__dict__")
_SCALARS = (bool, int, float, str, type(None))


# ----------------------------------------------------------------- tree <-> (JSON, arrays)
def _encode(value: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """``value`` as JSON-ready data, moving every tensor and array into ``arrays`` under a unique name."""
    # BEGIN SOLUTION 07
    # TODO: value as JSON-ready data: every tensor/array moved into arrays under a unique name and replaced
    #   by {"__tensor__": name} (or "__ndarray__"); dicts, lists and tuples recursed (§ How it is built,
    #   "Checkpoints without pickle").
    # HINT: JSON keys are strings: encode int dict keys so _decode can tell them apart; refuse object arrays.
    if isinstance(value, (tt_tensor.Tensor, np.ndarray)):
        array = value.array if isinstance(value, tt_tensor.Tensor) else value
        if array.dtype.kind not in "biufc":
            raise TypeError(
                f"save: {path or 'the value'} has dtype {array.dtype}; only numeric arrays can be saved"
            )
        name = path or "tensor"
        while name in arrays or name == METADATA:
            name += "_"
        arrays[name] = array
        return {"__tensor__" if isinstance(value, tt_tensor.Tensor) else "__ndarray__": name}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item, f"{path}/{i}", arrays) for i, item in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(item, f"{path}/{i}", arrays) for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        prefix = f"{path}/" if path else ""
        if all(isinstance(key, str) for key in value) and not any(key in _TAGS for key in value):
            return {key: _encode(item, prefix + key, arrays) for key, item in value.items()}
        for key in value:
            if not isinstance(key, _SCALARS):
                raise TypeError(
                    f"save: a dict at {path or 'the top'} has a key of type {type(key).__name__}; "
                    "keys must be strings, numbers, booleans or None"
                )
        return {"__dict__": [[key, _encode(item, f"{prefix}{key}", arrays)] for key, item in value.items()]}
    raise TypeError(
        f"save: cannot store a {type(value).__name__} (at {path or 'the top'}) in a checkpoint; only "
        "tensors, NumPy arrays, numbers, strings, None, and lists, tuples and dicts of them can be saved "
        "without pickle"
    )
    # END SOLUTION


def _decode(value: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """The inverse of :func:`_encode`: tensors come back as ``tt_autograd.Tensor``."""
    # BEGIN SOLUTION 07
    # TODO: the inverse of _encode: {"__tensor__": name} back to a tt_autograd.Tensor from arrays, the
    #   encoded keys and tuples restored; an unknown name is an error, not a KeyError deep inside.
    if isinstance(value, list):
        return [_decode(item, arrays) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, content),) = value.items()
        if tag in ("__tensor__", "__ndarray__"):
            if not isinstance(content, str) or content not in arrays:
                raise CheckpointError(
                    f"the metadata refers to an array {content!r} that the file does not hold"
                )
            return Tensor.from_array(arrays[content]) if tag == "__tensor__" else arrays[content]
        if tag == "__tuple__":
            return tuple(_decode(item, arrays) for item in content)
        if tag == "__dict__":
            return {key: _decode(item, arrays) for key, item in content}
    return {key: _decode(item, arrays) for key, item in value.items()}
    # END SOLUTION


# ----------------------------------------------------------------- writing
def _write_npz(file: Any, arrays: Mapping[str, np.ndarray], metadata: bytes) -> None:
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)
        with archive.open(METADATA + ".npy", "w") as entry:
            np.lib.format.write_array(entry, np.frombuffer(metadata, dtype=np.uint8), allow_pickle=False)


def _atomic_write(path: Path, write: Any) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    # BEGIN SOLUTION 07
    # TODO: write to a temporary file beside path, flush and fsync it, then os.replace it over path
    #   (§ How it is built, "Atomic writes"): a crash leaves the old file or the new one, never half.
    # HINT: on any error remove the temporary file and re-raise; fsync the directory after the rename.
    directory = path.parent
    handle, temporary = _temporary_file(path)  # .<name>.ttsave-<host>-<pid>-<random>.tmp
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    # END SOLUTION


def save(obj: Any, path: str | os.PathLike[str], *, metadata: Mapping[str, Any] | None = None) -> None:
    """Save a tree of tensors, arrays, numbers, strings, lists, tuples and dicts to ``path``, atomically.

    The file is an ``.npz`` with a JSON ``__metadata__`` entry; see the module
    docstring for the format. Like ``torch.save`` for state dicts, without pickle.
    A path ending in ``.safetensors`` writes a state dict (name → tensor) as
    safetensors instead, with ``metadata`` in its header
    (:func:`tt_nn.save_safetensors`; ``pip install tt-nn[safetensors]``).

    Example:
        >>> save({"model": model.state_dict(), "step": 100}, "weights.npz")  # doctest: +SKIP
        >>> save(model.state_dict(), "model.safetensors")  # doctest: +SKIP
    """
    if is_file_object(path, "write"):  # io.BytesIO, an open file: as torch.save
        return save_to_file_object(save, obj, path)
    if str(path).endswith(".safetensors"):
        return save_safetensors(obj, path, metadata=metadata)
    if metadata is not None:
        raise ValueError(f"save: metadata= is for .safetensors files; {path} is a checkpoint (.npz)")
    path = checked_path("save", path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save: the directory {path.parent} does not exist")
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", arrays)
    metadata = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree}).encode("utf-8")
    _atomic_write(path, lambda file: _write_npz(file, arrays, metadata))


# ----------------------------------------------------------------- reading
def _refuse_objects(path: Path, name: str, entry: Any) -> None:
    """Read one ``.npy`` header (a literal dict, parsed without eval) and refuse object dtypes."""
    version = np.lib.format.read_magic(entry)
    if version == (1, 0):
        _, _, dtype = np.lib.format.read_array_header_1_0(entry)
    elif version == (2, 0):
        _, _, dtype = np.lib.format.read_array_header_2_0(entry)
    else:
        raise CheckpointError(f"{path}: entry {name!r} uses .npy format {version}, which is not supported")
    if dtype.hasobject:
        raise CheckpointError(
            f"{path}: entry {name!r} holds Python objects (dtype {dtype}), which can only be read by "
            "unpickling them, and unpickling can run arbitrary code. TinyTorch checkpoints never contain "
            "pickles, so this file is refused; nothing in it was run"
        )


@_as_checkpoint_errors
def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of the archive, after checking that none of them needs unpickling."""
    # BEGIN SOLUTION 07
    # TODO: every array of an .npz, refusing anything that would need unpickling (§ How it is built,
    #   "Checkpoints without pickle" and "Damaged files").
    # APPROACH: not a zip -> an error naming the file (a pickle maybe); np.load(allow_pickle=False) per member
    #   inside try, so a damaged or crafted member gives an error that names the file and the member.
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint at {path}")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f"{path} is not a TinyTorch checkpoint (an .npz archive). If it was written by torch.save or "
            "pickle, it is refused: loading a pickle can run arbitrary code"
        )
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise CheckpointError(
                    f"{path}: unexpected entry {info.filename!r}; a checkpoint holds only .npy files"
                )
            name = info.filename[: -len(".npy")]
            with archive.open(info) as entry:
                _refuse_objects(path, name, entry)
            with archive.open(info) as entry:
                arrays[name] = np.lib.format.read_array(entry, allow_pickle=False)
    return arrays
    # END SOLUTION


def load(path: str | os.PathLike[str]) -> Any:
    """Read a file written by :func:`save`; tensors come back as ``tt_autograd.Tensor``. Runs no code.

    A ``.safetensors`` path returns its state dict (:func:`tt_nn.load_safetensors`).
    """
    if is_file_object(path, "read"):  # io.BytesIO, an open file, as PyTorch reads them (no pickle here)
        return load_from_file_object(load, path)
    if str(path).endswith(".safetensors"):
        return load_safetensors(path)
    path = checked_path("load", path)
    arrays = _read_npz(path)
    if METADATA not in arrays:
        raise CheckpointError(
            f"{path} is an .npz archive but not a TinyTorch checkpoint: it has no {METADATA} entry"
        )
    try:
        metadata = json.loads(arrays.pop(METADATA).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # RecursionError: nesting too deep
        raise CheckpointError(f"{path}: the {METADATA} entry is not valid JSON ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path}: the metadata does not describe a {FORMAT} file")
    if metadata.get("version") != VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {metadata.get('version')} is not supported "
            f"(this TinyTorch reads version {VERSION})"
        )
    return _decode_checked(path, metadata.get("tree"), arrays)


def _decode_checked(path: Path, tree: Any, arrays: dict[str, np.ndarray]) -> Any:
    """:func:`_decode` with crafted metadata (wrong tags, cycles of nesting) reported as a CheckpointError."""
    try:
        return _decode(tree, arrays)
    except CheckpointError as error:
        raise CheckpointError(f"{path}: {error}") from None
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        raise CheckpointError(
            f"{path}: the {METADATA} entry does not describe a saved tree ({type(error).__name__}: "
            f"{str(error)[:200]}); the file is damaged or crafted"
        ) from None


# ----------------------------------------------------------------- training checkpoints
def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: Any = None,
    optimizer: Any = None,
    scheduler: Any = None,
    epoch: int | None = None,
    extra: Any = None,
    generators: Mapping[str, Generator] | None = None,
) -> None:
    """Save everything a run needs to continue exactly: weights, optimizer, schedule, epoch and RNG states.

    Args:
        path: the file to write (atomically); ``.npz`` is the natural suffix.
        model: a module; its ``state_dict()`` is saved.
        optimizer: an optimizer; its ``state_dict()`` is saved.
        scheduler: a learning-rate scheduler; its ``state_dict()`` is saved.
        epoch: the number of the last completed epoch.
        extra: anything else JSON-like (with tensors): a history, a config.
        generators: named generators whose states to save, e.g. a DataLoader's
            ``{"train": loader.generator}``. The default generator's state is
            always saved.

    Example:
        >>> save_checkpoint("run.npz", model=model, optimizer=opt, epoch=3,
        ...                 generators={"train": loader.generator})  # doctest: +SKIP
    """
    states = {name: generator.get_state() for name, generator in (generators or {}).items()}
    tree = {
        "epoch": epoch,
        "model": None if model is None else model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "rng": {"default": tt_tensor.get_rng_state(), "generators": states},
        "extra": extra,
    }
    save(tree, path)


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: Any = None,
    optimizer: Any = None,
    scheduler: Any = None,
    generators: Mapping[str, Generator] | None = None,
    restore_rng: bool = True,
    strict: bool = True,
) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` into the objects given; runs no code.

    Each object passed gets its saved state (``model.load_state_dict(...,
    strict=strict)`` and so on); with ``restore_rng`` the default generator
    and each named generator are set back to their saved states, so shuffling
    and dropout continue as if the run had never stopped.

    Returns:
        The whole checkpoint as a dict: ``epoch``, ``model``, ``optimizer``,
        ``scheduler``, ``rng`` and ``extra``.
    """
    checkpoint = load(path)
    if not isinstance(checkpoint, dict) or "rng" not in checkpoint:
        raise CheckpointError(f"{path} holds a saved tree, but not a training checkpoint (use load() for it)")
    for name, target in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if target is None:
            continue
        if checkpoint.get(name) is None:
            raise CheckpointError(f"{path} has no {name} state: it was saved without {name}=")
        if name == "model":
            target.load_state_dict(checkpoint[name], strict=strict)
        else:
            target.load_state_dict(checkpoint[name])
    if restore_rng:
        tt_tensor.set_rng_state(checkpoint["rng"]["default"])
        saved = checkpoint["rng"]["generators"]
        for name, generator in (generators or {}).items():
            if name not in saved:
                raise CheckpointError(f"{path} has no state for generator {name!r}; it has {sorted(saved)}")
            generator.set_state(saved[name])
    return checkpoint
