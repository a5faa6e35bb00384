"""``pad_sequence``/``unpad_sequence`` and ``PackedSequence``: variable-length sequences for recurrent layers.

As ``torch.nn.utils.rnn``'s (``tt.nn.utils.rnn``). Sequences of lengths
``L_1 … L_B`` with the same trailing shape ``*`` become one ``(B, L_max, *)``
tensor (``(L_max, B, *)`` unless ``batch_first``), the gaps filled with
``padding_value`` — the usual ``collate_fn`` of a text ``DataLoader``.

Built from three differentiable ops, whatever the batch size: one ``cat`` of
the sequences and a padding row, then one gather by an index array that maps
each ``(b, t)`` to its row (or to the padding row). The gradient flows back to
every sequence; the padding gets none. Cost: two copies of the data.

``pack_padded_sequence`` keeps only the valid steps, time step by time step,
longest sequence first, in PyTorch's layout (``data`` rows, ``batch_sizes``,
``sorted_indices``/``unsorted_indices``), so ``RNN``/``LSTM``/``GRU`` stop each
sequence at its own length; ``pad_packed_sequence`` is its inverse. Both are
one gather. ``unpack_sequence`` is the inverse of ``pack_sequence`` (the list back);
``invert_permutation`` is how ``unsorted_indices`` is made from ``sorted_indices``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import tt_autograd as autograd
from tt_autograd import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def pad_sequence(
    sequences: Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack ``sequences`` (each ``(L_i, *)``) into ``(L_max, B, *)`` (``(B, L_max, *)`` if ``batch_first``).

    ``padding_side="left"`` puts the padding before each sequence instead of after it.

    Example:
        >>> a, b = autograd.tensor([1, 2, 3]), autograd.tensor([4])
        >>> pad_sequence([a, b], batch_first=True).tolist()
        [[1, 2, 3], [4, 0, 0]]
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    for number, sequence in enumerate(sequences):
        if not isinstance(sequence, Tensor) or sequence.ndim == 0:
            what = type(sequence).__name__ if not isinstance(sequence, Tensor) else "a 0-d tensor"
            raise TypeError(f"pad_sequence: sequence {number} must be a tensor of at least 1 dim, got {what}")
        if tuple(sequence.shape[1:]) != tuple(sequences[0].shape[1:]):
            raise ValueError(
                f"pad_sequence: sequence {number} has trailing shape {tuple(sequence.shape[1:])}, sequence 0 "
                f"{tuple(sequences[0].shape[1:])}; all must match after the length"
            )
    lengths = np.array([len(s) for s in sequences])
    longest, total = int(lengths.max()), int(lengths.sum())
    padding = autograd.full((1, *sequences[0].shape[1:]), padding_value, dtype=sequences[0].dtype)
    rows = autograd.cat([*sequences, padding])  # (total + 1, *): the last row is the padding
    position = np.arange(longest)
    if padding_side == "left":
        position = position - (longest - lengths)[:, None]  # (B, L_max): negative where padded
    else:
        position = np.broadcast_to(position, (len(sequences), longest))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[:, None]
    inside = (position >= 0) & (position < lengths[:, None])
    index = np.where(inside, starts + position, total)  # (B, L_max) rows of `rows`
    if not batch_first:
        index = index.T
    return rows[autograd.tensor(np.ascontiguousarray(index))]


def unpad_sequence(
    padded_sequences: Tensor, lengths: Sequence[int] | Tensor, batch_first: bool = False
) -> list[Tensor]:
    """The inverse of :func:`pad_sequence` (right padding): the ``B`` sequences, each cut to its length."""
    padded = padded_sequences
    counts = [int(n) for n in (lengths.tolist() if isinstance(lengths, Tensor) else lengths)]
    batch_axis = 0 if batch_first else 1
    if len(counts) != padded.shape[batch_axis]:
        raise ValueError(
            f"unpad_sequence: {len(counts)} lengths for a batch of {padded.shape[batch_axis]} sequences"
        )
    if counts and max(counts) > padded.shape[1 - batch_axis]:
        raise ValueError(
            f"unpad_sequence: length {max(counts)} exceeds the padded length {padded.shape[1 - batch_axis]}"
        )
    if batch_first:
        return [padded[b, :n] for b, n in enumerate(counts)]
    return [padded[:n, b] for b, n in enumerate(counts)]


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


class PackedSequence(_PackedSequenceFields):
    """Sequences of several lengths as PyTorch packs them: ``data`` ``(sum of lengths, *)`` holds time step 0
    of every sequence, then step 1 of those still running, ..., longest sequence first; ``batch_sizes[t]``
    counts the sequences at step ``t``; ``sorted_indices[j]`` is the batch position of the ``j``-th longest
    (``None`` when the batch came sorted), ``unsorted_indices`` its inverse.

    Built as PyTorch's: ``PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices)``, or
    ``PackedSequence((data, batch_sizes))`` without ``batch_sizes``; given ``sorted_indices`` alone,
    ``unsorted_indices`` is its inverse permutation.
    """

    __slots__ = ()

    def __new__(
        cls,
        data: Tensor | tuple[Tensor, Tensor],
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if batch_sizes is None:
            pair = isinstance(data, (list, tuple))
            if not (pair and len(data) == 2):
                got = f"a {type(data).__name__} of length {len(data)}" if pair else f"a {type(data).__name__}"
                raise ValueError(
                    "PackedSequence: without batch_sizes, data must be the pair (data, batch_sizes), "
                    f"got {got}"
                )
            data, batch_sizes = data
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _int64(np.argsort(np.asarray(sorted_indices.tolist())))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data.to(*args, **kwargs)``; the index tensors stay int64. ``self`` when ``data`` is unchanged."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args, **kwargs) -> PackedSequence:
        """Refused as ``Tensor.cuda`` is: TinyTorch runs on the CPU only."""
        return self._replace(data=self.data.cuda(*args, **kwargs))

    def pin_memory(self) -> PackedSequence:
        return self._replace(data=self.data.pin_memory())

    def is_pinned(self) -> bool:
        return self.data.is_pinned()

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def double(self) -> PackedSequence:
        return self.to(dtype=autograd.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=autograd.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=autograd.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=autograd.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=autograd.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=autograd.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=autograd.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=autograd.uint8)


def _int64(array) -> Tensor:
    return autograd.tensor(np.ascontiguousarray(array, dtype=np.int64), dtype=autograd.int64)


def _rows(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per packed row its time step and its rank in the longest-first order."""
    steps = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    starts = np.cumsum(batch_sizes) - batch_sizes
    return steps, np.arange(len(steps)) - starts[steps]


def pack_padded_sequence(
    input: Tensor,  # noqa: A002
    lengths: Sequence[int] | Tensor,
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded ``(L, B, *)`` batch (``(B, L, *)`` if ``batch_first``) whose sequences have ``lengths``.

    With ``enforce_sorted`` the lengths must not increase; otherwise the batch is ordered longest first
    (ties keep their order) and the permutation is kept in ``sorted_indices``.
    """
    counts = np.array(lengths.tolist() if isinstance(lengths, Tensor) else list(lengths), dtype=np.int64)
    if batch_first:
        input = input.transpose(0, 1)  # noqa: A001
    if counts.ndim != 1 or len(counts) != input.shape[1]:
        raise ValueError(
            f"pack_padded_sequence: {counts.size} lengths for a batch of {input.shape[1]} sequences"
        )
    if enforce_sorted and np.any(np.diff(counts) > 0):
        raise RuntimeError(
            "pack_padded_sequence: `lengths` array must be sorted in decreasing order when `enforce_sorted` "
            "is True; pass enforce_sorted=False to sort them here"
        )
    if counts.min() <= 0:
        raise RuntimeError(
            "pack_padded_sequence: length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    if counts.max() > input.shape[0]:
        raise ValueError(
            f"pack_padded_sequence: length {counts.max()} exceeds the padded length {input.shape[0]}"
        )
    order = np.arange(len(counts)) if enforce_sorted else np.argsort(-counts, kind="stable")
    batch_sizes = (counts[None, :] > np.arange(counts.max())[:, None]).sum(1)
    steps, ranks = _rows(batch_sizes)
    data = input.reshape(input.shape[0] * input.shape[1], *input.shape[2:])[
        _int64(steps * len(counts) + order[ranks])
    ]
    if enforce_sorted:
        return PackedSequence(data, _int64(batch_sizes))
    return PackedSequence(data, _int64(batch_sizes), _int64(order), invert_permutation(_int64(order)))


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The inverse of :func:`pack_padded_sequence`: ``(padded, lengths)`` in the original batch order.

    ``padded`` is ``(T, B, *)`` (``(B, T, *)`` if ``batch_first``), ``T`` is ``total_length`` or
    the longest length.
    """
    data, batch_sizes = sequence.data, np.array(sequence.batch_sizes.tolist(), dtype=np.int64)
    longest, batch = len(batch_sizes), int(batch_sizes[0])
    steps_total = longest if total_length is None else total_length
    if steps_total < longest:
        raise ValueError(
            "pad_packed_sequence: expected total_length to be at least the length of the longest sequence "
            f"in input, but got total_length={total_length} and max sequence length being {longest}"
        )
    order = (
        np.arange(batch) if sequence.sorted_indices is None else np.array(sequence.sorted_indices.tolist())
    )
    steps, ranks = _rows(batch_sizes)
    index = np.full((steps_total, batch), data.shape[0], dtype=np.int64)  # the padding row unless filled
    index[steps, order[ranks]] = np.arange(data.shape[0])
    padding = autograd.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = autograd.cat([data, padding])[_int64(index.T if batch_first else index)]
    lengths = np.zeros(batch, dtype=np.int64)
    lengths[order] = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    return padded, _int64(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` tensors (``pad_sequence`` then ``pack_padded_sequence``)."""
    lengths = [len(s) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of :func:`pack_sequence`: the list of ``(L_i, *)`` tensors, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse permutation: ``out[permutation[i]] = i`` (``None`` stays ``None``), as PyTorch's.

    ``permutation`` must be a 1-D int64 tensor of indices in ``[0, n)``.
    """
    if permutation is None:
        return None
    if not isinstance(permutation, Tensor):
        raise TypeError(f"invert_permutation: expected a Tensor or None, got {type(permutation).__name__}")
    indices = permutation.numpy()
    if indices.ndim != 1 or indices.dtype != np.int64:
        raise RuntimeError(
            "invert_permutation: expected a 1-D int64 tensor, got shape "
            f"{tuple(indices.shape)}, {indices.dtype}"
        )
    if len(indices) and (indices.min() < 0 or indices.max() >= len(indices)):
        bad = indices[(indices < 0) | (indices >= len(indices))][0]
        raise RuntimeError(
            f"invert_permutation: index {bad} is out of bounds for a permutation of {len(indices)}"
        )
    inverse = np.empty_like(indices)
    inverse[indices] = np.arange(len(indices), dtype=np.int64)
    return autograd.tensor(inverse)
