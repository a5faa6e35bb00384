"""``pad_sequence`` and ``unpad_sequence``: variable-length sequences to one padded batch and back.

As ``torch.nn.utils.rnn``'s (``tt.nn.utils.rnn``). Sequences of lengths
``L_1 … L_B`` with the same trailing shape ``*`` become one ``(B, L_max, *)``
tensor (``(L_max, B, *)`` unless ``batch_first``), the gaps filled with
``padding_value`` — the usual ``collate_fn`` of a text ``DataLoader``.

Built from three differentiable ops, whatever the batch size: one ``cat`` of
the sequences and a padding row, then one gather by an index array that maps
each ``(b, t)`` to its row (or to the padding row). The gradient flows back to
every sequence; the padding gets none. Cost: two copies of the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tt_autograd as autograd
from tt_autograd import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


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
    padded: Tensor, lengths: Sequence[int] | Tensor, batch_first: bool = False
) -> list[Tensor]:
    """The inverse of :func:`pad_sequence` (right padding): the ``B`` sequences, each cut to its length."""
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
