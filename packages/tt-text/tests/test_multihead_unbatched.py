"""``nn.MultiheadAttention`` on one unbatched sequence, as PyTorch: ``(L, E)`` in, ``(L, E)`` out.

The unbatched call must give exactly the batch-of-one call's output, weights and gradients (the
batched layer is checked against references in test_12_multihead and test_multihead_options), with
PyTorch's unbatched mask shapes: ``key_padding_mask`` ``(S,)``, ``attn_mask`` ``(L, S)`` or
``(num_heads, L, S)``. Beyond module 12's layer: no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck
from tt_text import MultiheadAttention, TransformerEncoderLayer

RNG = np.random.default_rng(3)
E, H, L, S = 6, 2, 3, 4


def _model(batch_first: bool, **options) -> MultiheadAttention:
    autograd.manual_seed(0)
    model = MultiheadAttention(E, H, batch_first=batch_first, **options).double()
    for parameter in model.parameters():  # nonzero biases, so a bias left out shows
        parameter.data = autograd.tensor(RNG.standard_normal(parameter.shape))
    return model


MASKS = {
    "none": {},
    "padding": {"key_padding_mask": np.array([False, False, True, False])},
    "float attn_mask": {"attn_mask": RNG.standard_normal((L, S))},
    "per-head attn_mask": {"attn_mask": np.array([[[0, 1, 0, 0]] * L, [[0, 0, 0, 1]] * L], bool)},
}


OPTIONS = [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True, "add_zero_attn": True}]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("masks", list(MASKS))
@pytest.mark.parametrize("average", [True, False])
def test_unbatched_call_is_the_batch_of_one_call(batch_first, options, masks, average):
    model = _model(batch_first, **options)
    query = RNG.standard_normal((L, E))
    key, value = RNG.standard_normal((S, model.kdim)), RNG.standard_normal((S, model.vdim))
    mask_args = {name: autograd.tensor(mask) for name, mask in MASKS[masks].items()}
    batch_dim = 0 if batch_first else 1
    results = []
    for batched in (False, True):
        leaves = [autograd.tensor(a, requires_grad=True) for a in (query, key, value)]
        inputs = [leaf.unsqueeze(batch_dim) for leaf in leaves] if batched else leaves
        named = dict(mask_args)
        if batched and "key_padding_mask" in named:
            named["key_padding_mask"] = named["key_padding_mask"].unsqueeze(0)
        out, weights = model(*inputs, average_attn_weights=average, **named)
        if batched:
            out, weights = out.squeeze(batch_dim), weights.squeeze(0)
        (out * autograd.tensor(np.arange(out.numel()).reshape(out.shape))).sum().backward()
        results.append([out.detach().numpy(), weights.detach().numpy()] + [t.grad.numpy() for t in leaves])
    unbatched, batched = results
    assert unbatched[0].shape == (L, E)
    sources = S + 2 if options.get("add_zero_attn") else S  # bias_k and the zero key
    assert unbatched[1].shape == ((L, sources) if average else (H, L, sources))
    for got, want in zip(unbatched, batched):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("is_causal", [False, True])
def test_unbatched_self_attention_gradients_match_central_differences(is_causal):
    model = _model(False)
    mask = autograd.tensor(np.triu(np.ones((L, L), bool), 1)) if is_causal else None

    def attend(x):
        out, weights = model(x, x, x, attn_mask=mask, is_causal=is_causal)
        return out.sum() + (weights * weights).sum()

    assert gradcheck(attend, (autograd.tensor(RNG.standard_normal((L, E)), requires_grad=True),))


def test_unbatched_self_attention_weights_are_a_distribution_per_query():
    model = _model(True)
    x = autograd.tensor(RNG.standard_normal((L, E)))
    out, weights = model(x, x, x, key_padding_mask=autograd.tensor(np.array([False, True, False])))
    assert tuple(out.shape) == (L, E) and tuple(weights.shape) == (L, L)
    weights = weights.detach().numpy()
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-12)
    assert np.all(weights[:, 1] == 0)  # the padded key gets no weight


def test_unbatched_transformer_encoder_layer_is_its_batch_of_one():
    autograd.manual_seed(0)
    layer = TransformerEncoderLayer(E, H, 12, dropout=0.0).double().eval()
    x = autograd.tensor(RNG.standard_normal((L, E)))
    with autograd.no_grad():
        np.testing.assert_allclose(layer(x).numpy(), layer(x.unsqueeze(1)).squeeze(1).numpy(), rtol=1e-12)


def test_unbatched_query_with_batched_key_or_bad_padding_mask_is_refused():
    model = _model(False)
    query = autograd.tensor(RNG.standard_normal((L, E)))
    key = autograd.tensor(RNG.standard_normal((S, 1, E)))
    with pytest.raises(ValueError, match=r"unbatched query \(3, 6\) needs 2-D key and value.*\(4, 1, 6\)"):
        model(query, key, key)
    key = autograd.tensor(RNG.standard_normal((S, E)))
    with pytest.raises(ValueError, match=r"needs 2-D key and value, got key \(4, 6\) and value \(4, 1, 6\)"):
        model(query, key, key.unsqueeze(1))
    with pytest.raises(ValueError, match=r"key_padding_mask must be 1-D \(S,\), got \(1, 4\)"):
        model(query, key, key, key_padding_mask=autograd.tensor(np.zeros((1, S), bool)))
