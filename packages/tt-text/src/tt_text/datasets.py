"""Text datasets for next-token prediction: windows of a token stream, and tiny-shakespeare.

A language model learns to predict token ``t+1`` from tokens ``0..t``. Cut
the stream of ids into windows of ``block_size + 1`` tokens: the first
``block_size`` are the input, the same window shifted by one is the target.

:class:`TokenWindows` does that without copying the stream: a batch is one
fancy-indexing operation, ``tokens[starts[:, None] + arange(block_size + 1)]``,
whatever the batch size (no Python loop over samples). It works as a
``Dataset`` (``len``, ``ds[i]``, and a batched ``ds.__getitems__(indices)``
that data loaders use when present) and as a sampler of random windows
(:meth:`TokenWindows.random_batch`), which is how GPT training usually draws data.

:func:`load_tiny_shakespeare` finds the corpus in ``$TINYTORCH_DATA``, the
shared dataset folder or ``~/.cache/tinytorch``, or downloads it, always
checking its SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import tt_tensor
from tt_autograd import Tensor

TINY_SHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)
TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
TINY_SHAKESPEARE_FILE = "tinyshakespeare.txt"


class TokenWindows:
    """(input, target) windows of ``block_size`` tokens cut from one token stream.

    Args:
        tokens: 1-d ids (list, array or tensor), kept as an int64 array.
        block_size: tokens per input window (the model's context length).
        stride: distance between the starts of consecutive windows
            (default ``block_size``: non-overlapping windows, each token
            predicted once, as for a validation pass).

    Shape:
        ``ds[i]`` is a pair of ``(block_size,)`` int64 tensors; a batch is a
        pair of ``(batch, block_size)`` tensors, the target shifted by one.

    Example:
        >>> ds = TokenWindows(list(range(10)), block_size=4)
        >>> x, y = ds[0]
        >>> x.tolist(), y.tolist()
        ([0, 1, 2, 3], [1, 2, 3, 4])
    """

    def __init__(self, tokens: object, block_size: int, stride: int | None = None) -> None:
        # BEGIN SOLUTION 10
        # TODO: keep the stream as one int64 array and check the arguments (1-d integers,
        #   block_size >= 1, at least block_size + 1 tokens, stride >= 1; default stride =
        #   block_size) (§ How it is built, "Windows by fancy indexing").
        array = np.asarray(getattr(tokens, "array", tokens))
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise ValueError(f"TokenWindows: tokens must be a 1-d sequence of ints, got shape {array.shape}")
        if block_size < 1:
            raise ValueError(f"TokenWindows: block_size must be positive, got {block_size}")
        if array.size < block_size + 1:
            raise ValueError(
                f"TokenWindows: {array.size} tokens are too few for one window of block_size={block_size} "
                f"(a window needs block_size + 1 = {block_size + 1} tokens)"
            )
        self.tokens = array.astype(np.int64, copy=False)
        self.block_size = int(block_size)
        self.stride = int(stride or block_size)
        self._offsets = np.arange(self.block_size + 1)
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION 10
        # TODO: the number of windows of block_size + 1 tokens starting every stride tokens.
        # EXAMPLE: 11 tokens, block_size 4, stride 2: starts 0, 2, 4, 6 -> 4.
        return (self.tokens.size - self.block_size - 1) // self.stride + 1
        # END SOLUTION

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        # BEGIN SOLUTION 10
        # TODO: window index (negative counts from the end) as (x, y), y being x shifted by one token.
        # HINT: out of range is an IndexError; reuse __getitems__ for one index.
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"TokenWindows: index {index} is out of range for {n} windows")
        x, y = self.__getitems__([index % n])
        return x[0], y[0]
        # END SOLUTION

    def __getitems__(self, indices: object) -> tuple[Tensor, Tensor]:
        """The windows at ``indices`` as one batch, by a single fancy-indexing gather."""
        indices = np.asarray(getattr(indices, "array", indices), dtype=np.int64)
        return self.windows(indices * self.stride)

    def windows(self, starts: np.ndarray) -> tuple[Tensor, Tensor]:
        """Inputs and targets of the windows starting at token positions ``starts``."""
        # BEGIN SOLUTION 10
        # TODO: inputs and targets of the windows starting at starts, with one fancy index
        #   (§ How it is built, "Windows by fancy indexing").
        # HINT: starts[:, None] + arange(block_size + 1) gives every position; x drops the last, y the first.
        block = self.tokens[starts[:, None] + self._offsets]
        return Tensor.from_array(block[:, :-1]), Tensor.from_array(block[:, 1:])
        # END SOLUTION

    def random_batch(
        self, batch_size: int, generator: tt_tensor.Generator | None = None
    ) -> tuple[Tensor, Tensor]:
        """``batch_size`` windows starting at uniformly random positions (any offset, not only strides)."""
        # BEGIN SOLUTION 10
        # TODO: batch_size windows at uniformly random start positions (any offset), from the given generator.
        rng = tt_tensor.numpy_generator(generator)
        starts = rng.integers(0, self.tokens.size - self.block_size, size=batch_size)
        return self.windows(starts)
        # END SOLUTION

    def batches(self, batch_size: int, shuffle: bool = False, generator: tt_tensor.Generator | None = None):
        """Iterate over all windows in batches (the last one may be smaller)."""
        order = np.arange(len(self))
        if shuffle:
            tt_tensor.numpy_generator(generator).shuffle(order)
        for start in range(0, len(order), batch_size):
            yield self.__getitems__(order[start : start + batch_size])

    def __repr__(self) -> str:
        return f"TokenWindows(tokens={self.tokens.size}, block_size={self.block_size}, stride={self.stride})"


def split_tokens(tokens: object, val_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Split a stream into train and validation parts: the last ``val_fraction`` is held out."""
    # BEGIN SOLUTION 10
    # TODO: the stream cut in two: the first 1 - val_fraction for training, the rest for validation.
    if not 0 < val_fraction < 1:
        raise ValueError(f"split_tokens: val_fraction must be in (0, 1), got {val_fraction}")
    array = np.asarray(getattr(tokens, "array", tokens))
    cut = int(round(array.size * (1 - val_fraction)))
    return array[:cut], array[cut:]
    # END SOLUTION


# ---------------------------------------------------------------------------- tiny-shakespeare
def data_roots() -> list[Path]:
    """Where datasets are looked for, in order: ``$TINYTORCH_DATA``, ``../shared/datasets``, the cache."""
    roots = []
    if os.environ.get("TINYTORCH_DATA"):
        roots.append(Path(os.environ["TINYTORCH_DATA"]).expanduser())
    here = Path(__file__).resolve()
    for parent in here.parents:  # a checkout beside shared/: <work>/main/packages/tt-text/src/tt_text
        candidate = parent / "shared" / "datasets"
        if candidate.is_dir():
            roots.append(candidate)
            break
    roots.append(Path("~/.cache/tinytorch").expanduser())
    return roots


def load_tiny_shakespeare(root: str | os.PathLike[str] | None = None, download: bool = True) -> str:
    """The tiny-shakespeare text (1,115,394 characters), checksum-verified.

    Args:
        root: a folder holding ``tinyshakespeare.txt`` (or ``input.txt``); by
            default :func:`data_roots` is searched.
        download: if no copy is found, download it into the last of
            :func:`data_roots` (the cache), with checksum verification and an
            atomic rename.
    """
    # BEGIN SOLUTION 10
    # TODO: find the text in root or the data folders, verify its checksum, or download it (if allowed)
    #   atomically and verify it; a clear error naming where it looked otherwise.
    # HINT: module 08's datasets do the same: data_roots() and the checksum check are given.
    roots = [Path(root)] if root is not None else data_roots()
    for folder in roots:
        for name in (TINY_SHAKESPEARE_FILE, "input.txt"):
            path = folder / name
            if path.is_file():
                data = path.read_bytes()
                _verify(data, path)
                return data.decode("utf-8")
    looked = ", ".join(str(r) for r in roots)
    if not download:
        raise FileNotFoundError(
            f"tiny-shakespeare: no {TINY_SHAKESPEARE_FILE} in {looked}; set TINYTORCH_DATA to a folder "
            f"holding it, or pass download=True to fetch it from {TINY_SHAKESPEARE_URL}"
        )
    target = roots[-1] / TINY_SHAKESPEARE_FILE
    try:
        with urllib.request.urlopen(TINY_SHAKESPEARE_URL, timeout=30) as response:
            data = response.read()
    except OSError as error:
        raise FileNotFoundError(
            f"tiny-shakespeare: no {TINY_SHAKESPEARE_FILE} in {looked}, and downloading "
            f"{TINY_SHAKESPEARE_URL} failed ({error}); set TINYTORCH_DATA to a folder holding the file"
        ) from None
    _verify(data, TINY_SHAKESPEARE_URL)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tinyshakespeare.", suffix=".tmp")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.replace(temporary, target)
    return data.decode("utf-8")
    # END SOLUTION


def _verify(data: bytes, source: object) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest != TINY_SHAKESPEARE_SHA256:
        raise ValueError(
            f"tiny-shakespeare: {source} has SHA-256 {digest}, expected {TINY_SHAKESPEARE_SHA256}; "
            "the file is corrupt or a different text: delete it and try again"
        )
