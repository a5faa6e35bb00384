"""Forward-mode AD through an embedding lookup: its own jvp (the same rows of the weight's tangent,
PyTorch's), against the rows by hand and the double-vjp rule (``graph_backward`` made to fail in the
own run)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_text.embedding import EmbeddingFunction, embedding

IDS = autograd.tensor([[0, 3, 3], [2, 0, 1]])  # a repeated id


@pytest.mark.parametrize("padding_idx", [None, 0])
def test_embedding_jvp(padding_idx, monkeypatch):
    rng = np.random.default_rng(11)
    weight = autograd.tensor(rng.uniform(-1, 1, (4, 5)), dtype=autograd.float64)
    tangent = autograd.tensor(rng.uniform(-1, 1, (4, 5)), dtype=autograd.float64)

    def tangent_of(differentiable):
        with fwAD.dual_level():
            dual = fwAD.make_dual(weight, tangent.detach().requires_grad_(differentiable))
            return fwAD.unpack_dual(embedding(IDS, dual, padding_idx=padding_idx)).tangent

    generic = tangent_of(True).detach()
    monkeypatch.setattr(
        EmbeddingFunction, "graph_backward", staticmethod(lambda ctx, g: pytest.fail("generic"))
    )
    own = tangent_of(False)
    monkeypatch.undo()
    np.testing.assert_allclose(own.numpy(), tangent.numpy()[IDS.numpy()])
    # With padding_idx the padding row's tangent is read too, as forward reads the row (PyTorch's
    # forward derivative is the lookup itself); the double-vjp rule transposes backward, whose
    # gradient of that row is 0 by convention, not forward's derivative: it differs exactly there.
    padded = IDS.numpy() == padding_idx
    np.testing.assert_allclose(own.numpy()[~padded], generic.numpy()[~padded])
    assert not generic.numpy()[padded].any()
