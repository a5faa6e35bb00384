"""Module 11: ``Embedding`` refuses bad sizes with a clear error (issue #14: "negative dimensions")."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd
from tt_text import Embedding


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((-3, 4), ValueError, "Embedding: num_embeddings must be non-negative, got -3"),
        ((3, 2.5), TypeError, "Embedding: embedding_dim must be an int, got float 2.5"),
        ((3, 4, 1.0), TypeError, "Embedding: padding_idx must be an int or None, got float"),
    ],
)
def test_bad_embedding_arguments_are_named(args, error, message):
    with pytest.raises(error, match=message):
        Embedding(*args)


def test_good_arguments_still_give_a_working_embedding():
    emb = Embedding(np.int64(5), 3, padding_idx=-1)
    assert emb.padding_idx == 4 and emb.weight.shape == (5, 3)
    out = emb(tt_autograd.tensor([[0, 4]]))
    assert out.shape == (1, 2, 3)
    np.testing.assert_array_equal(out.array[0, 1], np.zeros(3))
