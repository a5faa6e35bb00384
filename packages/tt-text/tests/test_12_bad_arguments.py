"""Module 12: ``MultiheadAttention`` checks its sizes (issue #14: ``num_heads=-1`` was accepted)."""

from __future__ import annotations

import pytest
from tt_text import MultiheadAttention


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((8, -1), ValueError, "MultiheadAttention: num_heads must be at least 1, got -1"),
        ((8, True), TypeError, "MultiheadAttention: num_heads must be an int, got the bool True"),
        (("8", 2), TypeError, "MultiheadAttention: embed_dim must be an int, got str"),
        ((None, 2), TypeError, "MultiheadAttention: embed_dim must be an int, got NoneType"),
        ((10, 3), ValueError, "embed_dim=10 must be divisible by num_heads=3"),
    ],
)
def test_bad_attention_sizes_are_named(args, error, message):
    with pytest.raises(error, match=message):
        MultiheadAttention(*args)
