"""Higher-order gradients through tt-text's fused embedding: its ``graph_backward``, twice."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck, gradgradcheck
from tt_autograd.gradients import grad
from tt_text import embedding


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_twice_with_repeated_ids(padding_idx):
    rng = np.random.default_rng(0)
    weight = autograd.tensor(rng.standard_normal((5, 4)), dtype=autograd.float64, requires_grad=True)
    ids = np.array([[0, 2, 2], [4, 0, 1]])  # repeated ids: their gradients add up

    def fn(weight):  # a smooth function of the rows picked, so second derivatives are not 0
        return embedding(ids, weight, padding_idx=padding_idx).sin()

    if padding_idx is None:
        assert gradgradcheck(fn, [weight])
    else:  # the padding row's gradient is 0 by definition (PyTorch's), not fn's derivative: check the rest
        seed = autograd.tensor(rng.standard_normal((2, 3, 4)), dtype=autograd.float64)
        assert gradcheck(lambda weight: grad(fn(weight), weight, seed, create_graph=True)[0], [weight])
    v = autograd.tensor(rng.standard_normal((2, 3, 4)), dtype=autograd.float64, requires_grad=True)
    (plain,) = grad(fn(weight), weight, v.detach())
    (recorded,) = grad(fn(weight), weight, v, create_graph=True)
    np.testing.assert_allclose(recorded.detach().numpy(), plain.numpy(), rtol=1e-12)

    def through_the_seed(v):  # the rule is linear in the incoming gradient
        with autograd.enable_grad():
            return grad(fn(weight), weight, v, create_graph=True)[0]

    assert gradcheck(through_the_seed, [v])
