"""``tt.nn.utils.rnn``: padding and packing variable-length sequences (``torch.nn.utils.rnn``), from tt-nn."""

from __future__ import annotations

import tt_nn.rnn_utils as _source
from tt_nn.rnn_utils import *  # noqa: F403  (pad_sequence, PackedSequence, pack_padded_sequence, ...)

__all__ = list(_source.__all__)
