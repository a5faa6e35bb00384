"""``tt.nn.utils.rnn``: padding and packing variable-length sequences (``torch.nn.utils.rnn``), from tt-nn."""

from __future__ import annotations

from tt_nn.rnn_utils import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpad_sequence,
)

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
]
