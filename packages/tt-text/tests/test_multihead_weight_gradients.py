"""``nn.MultiheadAttention``'s returned attention weights are differentiable, as PyTorch's.

A loss that uses the weights (attention regularisation, distilling attention maps) must
send gradients through them to the queries, keys and projections; they used to come back
without a graph, so such gradients were silently missing. Not course material beyond module
12's layer, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import MultiheadAttention

RNG = np.random.default_rng(0)


def _model(batch_first=True):
    autograd.manual_seed(0)
    model = MultiheadAttention(4, 2, batch_first=batch_first)
    for parameter in model.parameters():
        parameter.data = parameter.data.double()
    return model


@pytest.mark.parametrize("self_attention", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_gradients_flow_through_the_weights(self_attention, average):
    model = _model()
    query = autograd.tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    key = query if self_attention else autograd.tensor(RNG.standard_normal((2, 5, 4)), requires_grad=True)
    value = query if self_attention else autograd.tensor(RNG.standard_normal((2, 5, 4)), requires_grad=True)
    inputs = (query,) if self_attention else (query, key)

    def weights_only(*xs):
        q = xs[0]
        k = q if self_attention else xs[1]
        return model(q, k, q if self_attention else value, average_attn_weights=average)[1]

    assert autograd.gradcheck(weights_only, inputs)
    _, weights = model(query, key, value, average_attn_weights=average)
    assert weights.requires_grad
    (grad_w,) = autograd.gradients.grad((weights**2).sum(), [model.in_proj_weight])
    assert np.abs(grad_w.numpy()).sum() > 0  # the projections get a gradient through the weights


def test_recorded_and_unrecorded_weights_agree_with_masks():
    model = _model(batch_first=False)
    x = autograd.tensor(RNG.standard_normal((3, 2, 4)), requires_grad=True)
    mask = np.triu(np.full((3, 3), -np.inf), 1)
    padding = autograd.tensor([[False, False, True], [False, False, False]])
    _, recorded = model(x, x, x, attn_mask=autograd.tensor(mask), key_padding_mask=padding)
    with autograd.no_grad():
        _, plain = model(x, x, x, attn_mask=autograd.tensor(mask), key_padding_mask=padding)
    assert recorded.requires_grad and not plain.requires_grad
    np.testing.assert_allclose(recorded.detach().numpy(), plain.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(plain.numpy().sum(-1), 1.0, rtol=1e-12)
