"""Forward-mode AD through an embedding lookup: its own jvp (the same rows of the weight's tangent,
PyTorch's), against the rows by hand and the double-vjp rule (``graph_backward`` made to fail in the
own run)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd.gradients import grad
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
    # forward derivative is the lookup itself), by the own rule and the recorded one alike.
    np.testing.assert_allclose(generic.numpy(), own.numpy())


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_the_differentiable_tangent_reads_the_padding_row_and_its_gradient_is_zero_there(padding_idx):
    """PyTorch's values: the tangent at a padding position is the tangent's padding row, and the
    gradient of the tangent with respect to the weight's tangent is 0 in the padding row (the lookup's
    backward, with its padding_idx), counts of the other rows elsewhere; nothing reaches the weight."""
    rng = np.random.default_rng(12)
    weight = autograd.tensor(rng.uniform(-1, 1, (4, 2)), dtype=autograd.float64, requires_grad=True)
    tangent = autograd.tensor(rng.uniform(-1, 1, (4, 2)), dtype=autograd.float64, requires_grad=True)
    ids = autograd.tensor([0, 1, 1, 3])
    with fwAD.dual_level():
        out = embedding(ids, fwAD.make_dual(weight, tangent), padding_idx=padding_idx)
        found = fwAD.unpack_dual(out).tangent
    np.testing.assert_allclose(found.detach().numpy(), tangent.detach().numpy()[ids.numpy()])
    (grad_tangent,) = grad(found.sum(), tangent)
    counts = np.array([1.0, 2.0, 0.0, 1.0])
    if padding_idx is not None:
        counts[padding_idx % 4] = 0.0
    np.testing.assert_allclose(grad_tangent.numpy(), np.repeat(counts[:, None], 2, axis=1))
    assert grad(found.sum(), weight, allow_unused=True)[0] is None
