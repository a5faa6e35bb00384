"""Module 13 — the pre-LayerNorm transformer block and the GPT model."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_nn.functional import cross_entropy
from tt_text import GPT, MLP, GPTConfig, TransformerBlock

RNG = np.random.default_rng(0)
SMALL = {"vocab_size": 11, "block_size": 8, "n_layer": 2, "n_head": 2, "n_embd": 8}


def small(**changes) -> GPTConfig:
    """Built inside each test, so the file collects with module 13 stubbed."""
    return GPTConfig(**{**SMALL, **changes})


def test_block_keeps_the_shape_and_adds_to_the_residual_path():
    block = TransformerBlock(n_embd=8, n_head=2)
    x = autograd.tensor(RNG.standard_normal((2, 5, 8)).astype(np.float32))
    out = block(x)
    assert out.shape == (2, 5, 8)
    for name in (
        "attn.c_proj.weight",
        "mlp.c_proj.weight",
    ):  # zero both sub-layers' outputs: the block is identity
        dict(block.named_parameters())[name].array[...] = 0
    for name in ("attn.c_proj.bias", "mlp.c_proj.bias"):
        dict(block.named_parameters())[name].array[...] = 0
    assert np.allclose(block(x).detach().numpy(), x.numpy())


def test_block_is_two_pre_norm_residual_steps():
    """out = h + mlp(ln_2(h)) with h = x + attn(ln_1(x)), checked with the block's own sub-layers."""
    block = TransformerBlock(n_embd=8, n_head=2)
    x = autograd.tensor(RNG.standard_normal((2, 5, 8)).astype(np.float32))
    h = x.numpy() + block.attn(block.ln_1(x)).detach().numpy()
    flat = autograd.tensor(h.reshape(10, 8))
    expected = h + block.mlp(block.ln_2(flat)).detach().numpy().reshape(2, 5, 8)
    assert np.allclose(block(x).detach().numpy(), expected, atol=1e-5)


def test_mlp_widens_four_times():
    mlp = MLP(6)
    assert mlp.c_fc.weight.shape == (24, 6) and mlp.c_proj.weight.shape == (6, 24)


def test_block_gradcheck_inputs_and_parameters():
    block = TransformerBlock(n_embd=6, n_head=2).double()
    x = autograd.tensor(RNG.standard_normal((2, 4, 6)), requires_grad=True)
    assert autograd.gradcheck(block, [x])
    params = [block.ln_1.weight, block.attn.c_attn.weight, block.mlp.c_fc.bias, block.ln_2.bias]
    assert autograd.gradcheck(lambda *ps: block(x.detach()), params)


def test_block_gradcheck_with_a_padding_mask():
    block = TransformerBlock(n_embd=4, n_head=2).double()
    x = autograd.tensor(RNG.standard_normal((2, 5, 4)), requires_grad=True)
    keep = np.array([[True] * 5, [True, True, True, False, False]])[:, None, None, :]
    assert autograd.gradcheck(lambda x: block(x, attn_mask=keep), [x])


def test_gpt_logits_shape_names_and_tied_weights():
    model = GPT(small())
    logits = model(tt_tensor.randint(0, 11, (3, 8)))
    assert logits.shape == (3, 8, 11)
    names = [name for name, _ in model.named_parameters()]
    assert names[:2] == ["transformer.wte.weight", "transformer.wpe.weight"]
    assert "transformer.h.1.attn.c_attn.weight" in names and "lm_head.weight" not in names, (
        "tied: listed once"
    )
    assert model.lm_head.weight is model.transformer.wte.weight
    assert "lm_head.weight" in model.state_dict()
    untied = GPT(small(tie_weights=False))
    assert untied.num_parameters() == model.num_parameters() + 11 * 8


def test_gpt_is_causal():
    model = GPT(small())
    ids = RNG.integers(0, 11, (2, 8))
    before = model(ids).detach().numpy()
    changed = ids.copy()
    changed[:, 5] = (changed[:, 5] + 1) % 11
    after = model(changed).detach().numpy()
    assert np.array_equal(before[:, :5], after[:, :5]), "logits before position 5 changed when token 5 did"
    assert not np.allclose(before[:, 5:], after[:, 5:])


def test_gpt_gradients_reach_every_parameter_and_training_lowers_the_loss():
    tt_tensor.manual_seed(0)
    model = GPT(small())
    ids = np.tile(np.arange(9) % 11, (4, 1))
    x, y = ids[:, :-1], autograd.tensor(ids[:, 1:].reshape(-1))
    losses = []
    for _ in range(30):
        loss = cross_entropy(model(x).reshape(-1, 11), y)
        model.zero_grad()
        loss.backward()
        losses.append(float(loss))
        with autograd.no_grad():
            for p in model.parameters():
                p.array -= 0.05 * np.sign(p.grad.array)  # sign-SGD: no optimizer needed here
    assert all(p.grad is not None for p in model.parameters())
    assert losses[0] > 2.0 and losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("positional", ["learned", "sinusoidal"])
def test_hidden_states_add_token_and_position_embeddings(positional):
    model = GPT(small(positional=positional))
    ids = RNG.integers(0, 11, (2, 6))
    trunk = model.transformer
    x = trunk.wte(ids) + model.position_embeddings(0, 6)
    for block in trunk.h:
        x = block(x)
    expected = trunk.ln_f(x).detach().numpy()
    assert np.allclose(model.hidden_states(ids).detach().numpy(), expected, atol=1e-5)
    table = model.position_embeddings(0, 6).detach().numpy()
    assert table.shape == (6, 8) and not np.allclose(table[0], table[1]), "positions differ"
    same = np.full((1, 6), 3)  # one token repeated: only the positions tell the steps apart
    logits = model(same).detach().numpy()[0]
    assert not np.allclose(logits[1], logits[2])


def test_embedding_dropout_is_applied_in_training():
    tt_tensor.manual_seed(0)
    model = GPT(small(dropout=0.5, n_layer=1))
    for block in model.transformer.h:  # blocks without dropout: only the embedding dropout is left
        block.attn.dropout = block.mlp.dropout.p = 0.0
    ids = RNG.integers(0, 11, (2, 6))
    assert not np.allclose(model(ids).detach().numpy(), model(ids).detach().numpy())


def test_sinusoidal_positions_and_dropout_options():
    config = small(positional="sinusoidal", dropout=0.2)
    model = GPT(config)
    ids = RNG.integers(0, 11, (2, 8))
    a, b = model(ids).detach().numpy(), model(ids).detach().numpy()
    assert not np.allclose(a, b), "dropout is active in training mode"
    model.eval()
    assert np.array_equal(model(ids).detach().numpy(), model(ids).detach().numpy())
    assert not any("wpe" in name for name in model.state_dict())


def test_config_validation_and_round_trip():
    with pytest.raises(ValueError, match="n_embd=10 must be divisible by n_head=4"):
        GPTConfig(n_embd=10, n_head=4)
    with pytest.raises(ValueError, match="unknown keys"):
        GPTConfig.from_dict({"vocab_size": 5, "layers": 2})
    for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
        with pytest.raises(ValueError, match=f"{name} must be a positive int"):
            small(**{name: 0})
    small(n_layer=1, n_head=1, vocab_size=1, block_size=1)  # 1 is the smallest valid size
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        small(dropout=1.0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        small(dropout=-0.1)
    small(dropout=0.0)
    with pytest.raises(ValueError, match="positional must be 'learned' or 'sinusoidal'"):
        small(positional="rotary")
    config = small()
    assert GPTConfig.from_dict(config.to_dict()) == config


def test_inputs_longer_than_the_context_are_refused():
    with pytest.raises(ValueError, match="sequence length 9 exceeds block_size=8"):
        GPT(small())(np.zeros((1, 9), dtype=np.int64))
