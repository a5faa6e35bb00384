"""``tt.nn.utils.rnn``: padding variable-length sequences (``torch.nn.utils.rnn``), from tt-nn."""

from __future__ import annotations

from tt_nn.rnn_utils import pad_sequence, unpad_sequence

__all__ = ["pad_sequence", "unpad_sequence"]
