"""``nn.MultiheadAttention``'s ``kdim``/``vdim``, ``add_bias_kv`` and ``add_zero_attn``, as PyTorch's.

With ``kdim`` or ``vdim`` not ``embed_dim`` the layer has separate ``q/k/v_proj_weight`` (and no
``in_proj_weight``); ``bias_k``/``bias_v`` ``(1, 1, E)`` and a zero key/value are appended to the
projected keys and values, every mask padded with a column that blocks nothing. Checked against a
slow NumPy reference written here (one head, one batch element at a time), with finite differences,
and PyTorch's parameter names, order and initialisation. Beyond module 12's layer: no module number.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
from tt_nn import init
from tt_text import MultiheadAttention

RNG = np.random.default_rng(0)
E, H, B, L, S = 6, 2, 2, 3, 4
OPTIONS = [  # (add_bias_kv, add_zero_attn, kdim, vdim): every combination but the plain layer's
    options
    for options in itertools.product([False, True], [False, True], [None, 3], [None, 5])
    if any(options)
]


def _model(*options, batch_first=True, **named):
    """A float64 layer with the options ``(add_bias_kv, add_zero_attn, kdim, vdim)``, random parameters."""
    autograd.manual_seed(0)
    named.update(zip(("add_bias_kv", "add_zero_attn", "kdim", "vdim"), options))
    model = MultiheadAttention(E, H, batch_first=batch_first, **named).double()
    for parameter in model.parameters():  # nonzero biases, so a bias left out shows
        parameter.data = autograd.tensor(RNG.standard_normal(parameter.shape))
    return model


def _inputs(model, batch_first=True):
    shapes = [(B, L, E), (B, S, model.kdim), (B, S, model.vdim)]
    arrays = [RNG.standard_normal(shape) for shape in shapes]
    return arrays if batch_first else [a.transpose(1, 0, 2).copy() for a in arrays]


def _array(p):
    return None if p is None else p.detach().numpy()


def reference(model, query, key, value, attn_mask=None, key_padding_mask=None, causal=False, need=True):
    """PyTorch's MHA on batch-first float64 arrays, one batch element and head at a time."""
    c, heads, d = model.embed_dim, model.num_heads, model.head_dim
    if model.in_proj_weight is not None:
        w = _array(model.in_proj_weight)
        wq, wk, wv = w[:c], w[c : 2 * c], w[2 * c :]
    else:
        wq, wk, wv = (_array(p) for p in (model.q_proj_weight, model.k_proj_weight, model.v_proj_weight))
    b = np.zeros(3 * c) if model.in_proj_bias is None else _array(model.in_proj_bias)
    q, k, v = query @ wq.T + b[:c], key @ wk.T + b[c : 2 * c], value @ wv.T + b[2 * c :]
    bias = np.zeros((q.shape[0], heads, q.shape[1], k.shape[1]))
    if attn_mask is None and causal:
        attn_mask = np.triu(np.ones((q.shape[1], k.shape[1]), bool), 1)
    if attn_mask is not None:
        extra = np.where(attn_mask, -np.inf, 0.0) if attn_mask.dtype == bool else attn_mask
        bias = bias + (extra.reshape(bias.shape) if extra.ndim == 3 else extra)
    if key_padding_mask is not None:
        bias = bias + np.where(key_padding_mask, -np.inf, 0.0)[:, None, None, :]
    appended = []
    if model.bias_k is not None:
        appended.append((_array(model.bias_k)[0], _array(model.bias_v)[0]))
    if model.add_zero_attn:
        appended.append((np.zeros((1, c)), np.zeros((1, c))))
    for extra_k, extra_v in appended:
        k = np.concatenate([k, np.broadcast_to(extra_k, (k.shape[0], 1, c))], 1)
        v = np.concatenate([v, np.broadcast_to(extra_v, (v.shape[0], 1, c))], 1)
        bias = np.concatenate([bias, np.zeros(bias.shape[:3] + (1,))], 3)
    if causal and key_padding_mask is None and not need:  # PyTorch passes is_causal to SDPA: top left
        bias = np.where(np.triu(np.ones(bias.shape[2:], bool), 1), -np.inf, 0.0) + np.zeros(bias.shape)
    probs = np.zeros(bias.shape)
    merged = np.zeros(q.shape)
    for n in range(q.shape[0]):
        for h in range(heads):
            cols = slice(h * d, (h + 1) * d)
            scores = q[n, :, cols] @ k[n, :, cols].T / math.sqrt(d) + bias[n, h]
            e = np.exp(scores - scores.max(-1, keepdims=True))
            probs[n, h] = e / e.sum(-1, keepdims=True)
            merged[n, :, cols] = probs[n, h] @ v[n, :, cols]
    out = merged @ _array(model.out_proj.weight).T
    out = out if model.out_proj.bias is None else out + _array(model.out_proj.bias)
    return out, probs


def _masks(case):
    padding = RNG.random((B, S)) < 0.4
    padding[:, 0] = False  # every query keeps a key even without the appended ones
    attn = {
        "none": None,
        "bool": RNG.random((L, S)) < 0.4,
        "float": RNG.standard_normal((L, S)),
        "per_head": RNG.standard_normal((B * H, L, S)),
    }[case]
    if attn is not None and attn.dtype == bool:
        attn[:, 0] = False
    return attn, padding


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("case", ["none", "bool", "float", "per_head"])
def test_output_and_weights_match_the_reference(options, batch_first, case):
    model = _model(*options, batch_first=batch_first)
    arrays = _inputs(model, batch_first)
    batched = arrays if batch_first else [a.transpose(1, 0, 2) for a in arrays]
    attn, padding = _masks(case)
    for key_padding_mask in (None, padding):
        expected, probs = reference(model, *batched, attn, key_padding_mask)
        tensors = [autograd.tensor(a) for a in arrays]
        out, weights = model(*tensors, key_padding_mask=key_padding_mask, attn_mask=attn)
        _, per_head = model(
            *tensors, key_padding_mask=key_padding_mask, attn_mask=attn, average_attn_weights=False
        )
        out = out.detach().numpy()
        np.testing.assert_allclose(out if batch_first else out.transpose(1, 0, 2), expected, rtol=1e-10)
        np.testing.assert_allclose(weights.detach().numpy(), probs.mean(1), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(per_head.detach().numpy(), probs, rtol=1e-10, atol=1e-14)
        plain, none = model(*tensors, key_padding_mask=key_padding_mask, attn_mask=attn, need_weights=False)
        assert none is None
        np.testing.assert_allclose(plain.detach().numpy(), out, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("options", OPTIONS)
def test_without_biases(options):
    model = _model(*options, bias=False)
    assert model.in_proj_bias is None and model.out_proj.bias is None
    arrays = _inputs(model)
    attn, padding = _masks("float")
    expected, probs = reference(model, *arrays, attn, padding)
    out, weights = model(*(autograd.tensor(a) for a in arrays), key_padding_mask=padding, attn_mask=attn)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(weights.detach().numpy(), probs.mean(1), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("with_padding", [False, True])
@pytest.mark.parametrize("need", [True, False])
def test_is_causal_as_pytorch(options, with_padding, need):
    """The causal mask is padded like any mask, except with no padding mask and no weights (PyTorch's
    SDPA ``is_causal`` hint then masks the appended columns top-left, as it does)."""
    model = _model(*options)
    arrays = _inputs(model)
    padding = _masks("none")[1] if with_padding else None
    expected, _ = reference(model, *arrays, key_padding_mask=padding, causal=True, need=need)
    out, _ = model(
        *(autograd.tensor(a) for a in arrays), key_padding_mask=padding, is_causal=True, need_weights=need
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("options", OPTIONS)
def test_gradients_of_inputs_and_every_parameter(options):
    model = _model(*options, batch_first=False)
    query, key, value = (autograd.tensor(a, requires_grad=True) for a in _inputs(model, batch_first=False))
    mask = np.triu(np.full((L, S), -np.inf), 2)
    padding = _masks("none")[1]

    def both(q, k, v, *parameters):
        return model(q, k, v, key_padding_mask=padding, attn_mask=mask, average_attn_weights=False)

    parameters = list(model.parameters())
    assert autograd.gradcheck(both, [query, key, value, *parameters])


def test_gradgradcheck_through_the_appended_keys():
    model = _model(True, True, 3, 5)
    query, key, value = (autograd.tensor(a, requires_grad=True) for a in _inputs(model))
    weights = [model.bias_k, model.bias_v, model.k_proj_weight]

    def output(q, k, v, *parameters):
        return model(q, k, v, need_weights=False)[0]

    assert autograd.gradgradcheck(output, [query, key, value, *weights])


@pytest.mark.parametrize(
    ("options", "keys"),
    [
        ((False, False, None, None), ["in_proj_weight", "in_proj_bias"]),
        ((True, False, None, None), ["in_proj_weight", "in_proj_bias", "bias_k", "bias_v"]),
        ((False, True, 3, None), ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias"]),
        ((True, True, None, 5), ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k",
                                 "bias_v"]),
    ],
)  # fmt: skip
def test_state_dict_keys_and_shapes_as_pytorch(options, keys):
    model = _model(*options)
    state = model.state_dict()
    assert list(state) == [*keys, "out_proj.weight", "out_proj.bias"]
    kdim, vdim = options[2] or E, options[3] or E
    shapes = {"in_proj_weight": (3 * E, E), "q_proj_weight": (E, E), "k_proj_weight": (E, kdim),
              "v_proj_weight": (E, vdim), "in_proj_bias": (3 * E,), "bias_k": (1, 1, E),
              "bias_v": (1, 1, E)}  # fmt: skip
    assert all(tuple(state[name].shape) == shapes[name] for name in keys)
    assert (model.in_proj_weight is None) == (kdim != E or vdim != E)
    assert model._qkv_same_embed_dim == (kdim == E and vdim == E)
    assert (model.kdim, model.vdim, model.add_zero_attn) == (kdim, vdim, options[1])
    fresh = MultiheadAttention(E, H, add_bias_kv=options[0], add_zero_attn=options[1], kdim=options[2],
                               vdim=options[3]).double()  # fmt: skip
    fresh.load_state_dict(state)
    assert all(np.array_equal(fresh.state_dict()[name].numpy(), state[name].numpy()) for name in state)


@pytest.mark.parametrize("bias", [True, False])
def test_initialisation_draws_in_pytorch_order(bias):
    """out_proj's own init, then Xavier-uniform q, k, v weights, then Xavier-normal bias_k, bias_v."""
    autograd.manual_seed(7)
    model = MultiheadAttention(E, H, bias=bias, add_bias_kv=True, kdim=3, vdim=5)
    autograd.manual_seed(7)
    out_proj = tt_nn.Linear(E, E, bias=bias)
    expected = [init.xavier_uniform_(autograd.zeros(*shape)) for shape in ((E, E), (E, 3), (E, 5))]
    expected += [init.xavier_normal_(autograd.zeros(1, 1, E)) for _ in range(2)]
    np.testing.assert_array_equal(model.out_proj.weight.detach().numpy(), out_proj.weight.detach().numpy())
    names = ["q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k", "bias_v"]
    for name, tensor in zip(names, expected):
        np.testing.assert_array_equal(getattr(model, name).detach().numpy(), tensor.numpy(), err_msg=name)
    if bias:
        assert (
            not model.in_proj_bias.detach().numpy().any() and not model.out_proj.bias.detach().numpy().any()
        )


def test_initial_distributions():
    autograd.manual_seed(1)
    width = 256
    model = MultiheadAttention(width, 4, add_bias_kv=True, kdim=64, vdim=32)
    for name, fan in (("q_proj_weight", width), ("k_proj_weight", 64), ("v_proj_weight", 32)):
        w = getattr(model, name).detach().numpy()
        limit = math.sqrt(6.0 / (width + fan))
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit, name
    for name in ("bias_k", "bias_v"):  # fan_in = fan_out = width: std sqrt(1 / width)
        std = getattr(model, name).detach().numpy().std()
        assert abs(std * math.sqrt(width) - 1) < 0.2, (name, std)


def test_packed_weight_limit_and_reset_parameters_again():
    """PyTorch's ``xavier_uniform_`` on ``(3E, E)``: fan_in E, fan_out 3E; a reset zeroes the biases again."""
    autograd.manual_seed(2)
    width = 128
    model = MultiheadAttention(width, 4, add_zero_attn=True)
    w = np.abs(model.in_proj_weight.detach().numpy())
    limit = math.sqrt(6.0 / (width + 3 * width))
    assert limit >= w.max() > 0.99 * limit
    for parameter in model.parameters():
        parameter.data = autograd.ones(*parameter.shape)
    model._reset_parameters()
    assert not model.in_proj_bias.detach().numpy().any() and not model.out_proj.bias.detach().numpy().any()
    assert limit >= np.abs(model.in_proj_weight.detach().numpy()).max()


def test_equal_kdim_and_vdim_keep_the_packed_weight():
    model = MultiheadAttention(E, H, kdim=E, vdim=E)
    assert model.in_proj_weight is not None and model.k_proj_weight is None


@pytest.mark.parametrize(
    ("shapes", "named"),
    [
        (((B, L, E), (B, S, E), (B, S, 5)), "key"),
        (((B, L, E), (B, S, 3), (B, S, E)), "value"),
        (((B, L, E), (B, S, 3), (B, S + 1, 5)), "value"),
        (((B, L, E), (B + 1, S, 3), (B + 1, S, 5)), "key"),
        (((B, L, E + 1), (B, S, 3), (B, S, 5)), "query"),
    ],
)
def test_mismatched_inputs_name_the_layer_and_the_input(shapes, named):
    model = _model(kdim=3, vdim=5)
    with pytest.raises(ValueError, match=rf"MultiheadAttention: {named} must be .*kdim=3, vdim=5"):
        model(*(autograd.tensor(RNG.standard_normal(s)) for s in shapes))


def test_masks_are_checked_against_the_given_sequence():
    model = _model(add_bias_kv=True, add_zero_attn=True)
    arrays = [autograd.tensor(a) for a in _inputs(model)]
    with pytest.raises(ValueError, match=rf"attn_mask must be \({L}, {S}\)"):
        model(*arrays, attn_mask=np.zeros((L, S + 2), bool))
    with pytest.raises(ValueError, match=rf"key_padding_mask must be \({B}, {S}\)"):
        model(*arrays, key_padding_mask=np.zeros((B, S + 1), bool))


@pytest.mark.parametrize(("name", "value"), [("kdim", 0), ("vdim", 0), ("vdim", -2), ("kdim", 2.5)])
def test_bad_dims_are_refused_by_name(name, value):
    with pytest.raises((ValueError, TypeError), match=name):
        MultiheadAttention(E, H, **{name: value})


def test_dropout_only_in_training():
    autograd.manual_seed(3)
    model = MultiheadAttention(E, H, dropout=0.5, add_zero_attn=True, kdim=3, batch_first=True).double()
    arrays = [autograd.tensor(a) for a in _inputs(model)]
    model.eval()
    first, second = (model(*arrays)[0].detach().numpy() for _ in range(2))
    np.testing.assert_array_equal(first, second)
    model.train()
    assert not np.allclose(model(*arrays)[0].detach().numpy(), first)
