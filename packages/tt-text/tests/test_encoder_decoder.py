"""``torch.nn``'s encoder-decoder layers (everyday torch API: the word-language-model's Transformer).

An encoder layer is checked against a NumPy transcription of its equations
(multi-head attention, residuals, layer norms, both norm placements); the
parameter names are PyTorch's, so state dicts move between the frameworks;
gradients are gradchecked in float64.

Not course material (the code sits outside the solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import Transformer, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer


def _layer_norm(x, w, b, eps=1e-5):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _attention(x, p, heads, mask):
    """Self-attention of (S, N, E) ``x`` with PyTorch's packed in-projection, per head."""
    s, n, e = x.shape
    q, k, v = np.split(x @ p["self_attn.in_proj_weight"].T + p["self_attn.in_proj_bias"], 3, axis=-1)
    split = lambda t: t.reshape(s, n, heads, e // heads).transpose(1, 2, 0, 3)  # noqa: E731  (N, H, S, D)
    scores = split(q) @ split(k).transpose(0, 1, 3, 2) / np.sqrt(e // heads) + mask
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ split(v)).transpose(2, 0, 1, 3).reshape(s, n, e)
    return out @ p["self_attn.out_proj.weight"].T + p["self_attn.out_proj.bias"]


def encoder_layer_reference(x, p, heads, mask, norm_first):
    def ff(t):
        return (
            np.maximum(t @ p["linear1.weight"].T + p["linear1.bias"], 0) @ p["linear2.weight"].T
            + p["linear2.bias"]
        )

    n1 = lambda t: _layer_norm(t, p["norm1.weight"], p["norm1.bias"])  # noqa: E731
    n2 = lambda t: _layer_norm(t, p["norm2.weight"], p["norm2.bias"])  # noqa: E731
    if norm_first:
        x = x + _attention(n1(x), p, heads, mask)
        return x + ff(n2(x))
    x = n1(x + _attention(x, p, heads, mask))
    return n2(x + ff(x))


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_its_equations(norm_first):
    layer = TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.0, norm_first=norm_first)
    rng = np.random.default_rng(3)
    params = {name: rng.standard_normal(p.shape) * 0.3 for name, p in layer.named_parameters()}
    layer.load_state_dict({k: autograd.tensor(v, dtype=autograd.float32) for k, v in params.items()})
    x = rng.standard_normal((5, 2, 8))
    mask = Transformer.generate_square_subsequent_mask(5)
    out = layer(autograd.tensor(x, dtype=autograd.float32), src_mask=mask)
    expected = encoder_layer_reference(x, params, 2, mask.numpy(), norm_first)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_parameter_names_are_pytorchs():
    encoder = TransformerEncoderLayer(8, 2, dim_feedforward=12)
    assert [name for name, _ in encoder.named_parameters()] == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
        "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    ]  # fmt: skip
    decoder = {name for name, _ in TransformerDecoderLayer(8, 2).named_parameters()}
    assert {"multihead_attn.in_proj_weight", "norm3.weight"} <= decoder
    model = Transformer(8, 2, 2, 1, 16)
    names = [name for name, _ in model.named_parameters()]
    assert names[0] == "encoder.layers.0.self_attn.in_proj_weight" and "encoder.norm.weight" in names
    assert "decoder.layers.0.multihead_attn.out_proj.bias" in names and len(model.decoder.layers) == 1


def test_stacks_and_the_causal_mask():
    mask = Transformer.generate_square_subsequent_mask(3).numpy()
    assert np.isneginf(mask[0, 1]) and mask[1, 0] == 0 and mask[2, 2] == 0
    encoder = TransformerEncoder(
        TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), num_layers=3
    )
    assert encoder.layers[0] is not encoder.layers[1]  # copies, not one layer three times
    x = autograd.randn(2, 4, 8)
    first = encoder(x, mask=Transformer.generate_square_subsequent_mask(4))
    changed = autograd.cat([x[:, :3], autograd.randn(2, 1, 8)], dim=1)  # only the last position differs
    second = encoder(changed, mask=Transformer.generate_square_subsequent_mask(4))
    np.testing.assert_allclose(first.detach().numpy()[:, :3], second.detach().numpy()[:, :3], rtol=1e-5)
    assert not np.allclose(first.detach().numpy()[:, 3], second.detach().numpy()[:, 3])


def test_gradients_through_encoder_and_decoder():
    model = Transformer(4, 2, 1, 1, 6, dropout=0.0, activation="gelu").to(autograd.float64)
    src = autograd.tensor(np.random.default_rng(5).standard_normal((3, 2, 4)), requires_grad=True)
    tgt = autograd.tensor(np.random.default_rng(6).standard_normal((2, 2, 4)), requires_grad=True)
    weights = autograd.arange(16.0, dtype=autograd.float64).reshape(2, 2, 4) / 8
    inputs = [
        src,
        tgt,
        model.encoder.layers[0].linear1.weight,
        model.decoder.layers[0].multihead_attn.in_proj_bias,
    ]
    assert autograd.gradcheck(lambda *_: (model(src, tgt) * weights).sum(), inputs) is True


def test_bad_activation_is_named():
    with pytest.raises(ValueError, match="activation should be 'relu' or 'gelu'"):
        TransformerEncoderLayer(8, 2, activation="swish")
