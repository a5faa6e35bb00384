"""``F.multi_head_attention_forward``, PyTorch's functional multi-head attention: sequence-first
and unbatched inputs, packed or separate projections, ``bias_k``/``bias_v``, ``add_zero_attn``,
``static_k``/``static_v``, both masks, the weights (averaged or per head, after dropout), the
``is_causal`` hint, first and second derivatives, and PyTorch's errors.

Checked against a slow NumPy reference written here (one batch element and head at a time) and
against ``nn.MultiheadAttention``'s packed path (module 12's region, a separate implementation).
Beyond module 12's exercises: no module number.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import MultiheadAttention
from tt_text.functional import multi_head_attention_forward as mha

E, H, B, L, S = 6, 2, 2, 3, 4
D = E // H


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(27)


def reference(
    q,
    k,
    v,
    w,
    b,
    wo,
    bo,
    bias_k=None,
    bias_v=None,
    zero=False,
    static_k=None,
    static_v=None,
    blocked=None,
    padding=None,
    separate=None,
):
    """Output ``(L, B, E)`` and per-head weights ``(B, H, L, S')``, one batch element and head at a time.

    ``blocked``: bool ``(L, S)`` or ``(B·H, L, S)``, True = masked out; ``padding``: bool ``(B, S)``."""
    wq, wk, wv = separate if separate is not None else np.split(w, 3)
    bq, bk, bv = np.split(b, 3)
    out, weights = np.zeros(q.shape), []
    for n in range(q.shape[1]):
        qp, kp, vp = q[:, n] @ wq.T + bq, k[:, n] @ wk.T + bk, v[:, n] @ wv.T + bv
        per_head, mask = [], np.zeros((L, k.shape[0] if static_k is None else static_k.shape[1]), bool)
        if padding is not None:
            mask = mask | padding[n][None]
        for h in range(H):
            cols = slice(h * D, (h + 1) * D)
            keys = kp[:, cols] if static_k is None else static_k[n * H + h]
            values = vp[:, cols] if static_v is None else static_v[n * H + h]
            m = mask | (False if blocked is None else (blocked if blocked.ndim == 2 else blocked[n * H + h]))
            if bias_k is not None:
                keys, values = np.vstack([keys, bias_k[0, :, cols]]), np.vstack([values, bias_v[0, :, cols]])
                m = np.hstack([m, np.zeros((L, 1), bool)])
            if zero:
                keys, values = np.vstack([keys, np.zeros((1, D))]), np.vstack([values, np.zeros((1, D))])
                m = np.hstack([m, np.zeros((L, 1), bool)])
            scores = np.where(m, -np.inf, qp[:, cols] @ keys.T / math.sqrt(D))
            p = np.exp(scores - scores.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            per_head.append(p)
            out[:, n, cols] = p @ values
        weights.append(per_head)
    return out @ wo.T + bo, np.array(weights)


def parameters(rng, kdim=E, vdim=E):
    t = lambda *shape: autograd.tensor(rng.standard_normal(shape) * 0.5, requires_grad=True)  # noqa: E731
    return {
        "w": t(3 * E, E),
        "b": t(3 * E),
        "wo": t(E, E),
        "bo": t(E),
        "separate": (t(E, E), t(E, kdim), t(E, vdim)),
        "bias_k": t(1, 1, E),
        "bias_v": t(1, 1, E),
    }


def arrays(*tensors):
    return [None if t is None else t.detach().numpy() for t in tensors]


CASES = list(
    itertools.product([False, True], [False, True], [False, True], [None, "2d", "3d"], [False, True])
)


@pytest.mark.parametrize(("bias_kv", "zero", "padding", "mask", "separate"), CASES)
@pytest.mark.parametrize("need_weights", [True, False])
def test_against_the_reference(rng, bias_kv, zero, padding, mask, separate, need_weights):
    p = parameters(rng, 3, 5)
    kdim, vdim = (3, 5) if separate else (E, E)
    q, k, v = (
        rng.standard_normal((L, B, E)),
        rng.standard_normal((S, B, kdim)),
        rng.standard_normal((S, B, vdim)),
    )
    blocked = {None: None, "2d": rng.random((L, S)) < 0.3, "3d": rng.random((B * H, L, S)) < 0.3}[mask]
    if blocked is not None:
        blocked[..., 0] = False  # no fully masked row
    pad = (rng.random((B, S)) < 0.3) & (np.arange(S) > 0) if padding else None
    out, weights = mha(
        autograd.tensor(q),
        autograd.tensor(k),
        autograd.tensor(v),
        E,
        H,
        None if separate else p["w"],
        p["b"],
        p["bias_k"] if bias_kv else None,
        p["bias_v"] if bias_kv else None,
        zero,
        0.0,
        p["wo"],
        p["bo"],
        key_padding_mask=None if pad is None else autograd.tensor(pad),
        need_weights=need_weights,
        attn_mask=None if blocked is None else autograd.tensor(blocked),
        use_separate_proj_weight=separate,
        q_proj_weight=p["separate"][0] if separate else None,
        k_proj_weight=p["separate"][1] if separate else None,
        v_proj_weight=p["separate"][2] if separate else None,
    )
    expected, per_head = reference(
        q,
        k,
        v,
        *arrays(p["w"], p["b"], p["wo"], p["bo"]),
        *(arrays(p["bias_k"], p["bias_v"]) if bias_kv else (None, None)),
        zero=zero,
        blocked=blocked,
        padding=pad,
        separate=arrays(*p["separate"]) if separate else None,
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)
    if need_weights:
        np.testing.assert_allclose(weights.detach().numpy(), per_head.mean(1), atol=1e-12)
    else:
        assert weights is None


def test_static_keys_and_values_unbatched_inputs_and_per_head_weights(rng):
    p = parameters(rng)
    q, k = rng.standard_normal((L, B, E)), rng.standard_normal((S, B, E))
    static_k, static_v = rng.standard_normal((B * H, 5, D)), rng.standard_normal((B * H, 5, D))
    args = (E, H, p["w"], p["b"], None, None, False, 0.0, p["wo"], p["bo"])
    out, weights = mha(
        autograd.tensor(q),
        autograd.tensor(k),
        autograd.tensor(k),
        *args,
        static_k=autograd.tensor(static_k),
        static_v=autograd.tensor(static_v),
        average_attn_weights=False,
    )
    expected, per_head = reference(
        q, k, k, *arrays(p["w"], p["b"], p["wo"], p["bo"]), static_k=static_k, static_v=static_v
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)
    assert weights.shape == (B, H, L, 5)
    np.testing.assert_allclose(weights.detach().numpy(), per_head, atol=1e-12)
    # unbatched (L, E): the batch of one, squeezed; a 3-D attn_mask is (H, L, S)
    blocked = np.zeros((H, L, S), bool)
    blocked[1, :, 1] = True
    one, one_weights = mha(
        autograd.tensor(q[:, 0]),
        autograd.tensor(k[:, 0]),
        autograd.tensor(k[:, 0]),
        *args,
        key_padding_mask=autograd.tensor(np.array([False, False, True, False])),
        attn_mask=autograd.tensor(blocked),
    )
    expected, per_head = reference(
        q[:, :1],
        k[:, :1],
        k[:, :1],
        *arrays(p["w"], p["b"], p["wo"], p["bo"]),
        blocked=blocked,
        padding=np.array([[False, False, True, False]]),
    )
    assert one.shape == (L, E) and one_weights.shape == (L, S)
    np.testing.assert_allclose(one.detach().numpy(), expected[:, 0], atol=1e-12)
    np.testing.assert_allclose(one_weights.detach().numpy(), per_head[0].mean(0), atol=1e-12)


def test_self_attention_matches_the_layers_packed_path_and_the_causal_hint(rng):
    autograd.manual_seed(0)
    layer = MultiheadAttention(E, H).double()
    x = autograd.tensor(rng.standard_normal((L, B, E)))
    causal = autograd.tensor(np.triu(np.ones((L, L), bool), 1))
    expected, expected_weights = layer(x, x, x, attn_mask=causal)
    args = (
        E,
        H,
        layer.in_proj_weight,
        layer.in_proj_bias,
        None,
        None,
        False,
        0.0,
        layer.out_proj.weight,
        layer.out_proj.bias,
    )
    out, weights = mha(x, x, x, *args, attn_mask=causal)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy(), expected_weights.detach().numpy(), atol=1e-12)
    hinted, none = mha(
        x, x, x, *args, attn_mask=causal, is_causal=True, need_weights=False
    )  # the kernel's flag
    assert none is None
    np.testing.assert_allclose(hinted.detach().numpy(), expected.detach().numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, *args, is_causal=True)


def test_dropout_in_training_only_and_the_weights_are_the_dropped_ones(rng):
    p = parameters(rng)
    x = autograd.tensor(rng.standard_normal((L, B, E)))
    args = (E, H, p["w"], p["b"], None, None, False, 0.5, p["wo"], p["bo"])
    evaluated, _ = mha(x, x, x, *args, training=False)
    plain, _ = mha(x, x, x, *args[:7], 0.0, *args[8:])
    np.testing.assert_array_equal(evaluated.detach().numpy(), plain.detach().numpy())
    autograd.manual_seed(3)
    out, weights = mha(x, x, x, *args, average_attn_weights=False)
    w = weights.detach().numpy()
    assert np.any(w == 0) and w.max() > 1.0  # some dropped, the rest rescaled by 1 / (1 - p) = 2
    qkv = x.detach().numpy() @ p["w"].detach().numpy().T + p["b"].detach().numpy()
    values = qkv[..., 2 * E :].reshape(L, B, H, D).transpose(1, 2, 0, 3)
    merged = (w @ values).transpose(2, 0, 1, 3).reshape(L, B, E)
    expected = merged @ p["wo"].detach().numpy().T + p["bo"].detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)  # the output is made of them


@pytest.mark.parametrize("need_weights", [True, False])
def test_gradients_first_and_second(rng, need_weights):
    p = parameters(rng)
    q, k = (
        autograd.tensor(rng.standard_normal((L, 1, E)), requires_grad=True),
        autograd.tensor(rng.standard_normal((S, 1, E)), requires_grad=True),
    )
    pad = autograd.tensor(np.array([[False, True, False, False]]))

    def attend(q, k, w, b, wo, bias_k):
        out, weights = mha(
            q,
            k,
            k,
            E,
            H,
            w,
            b,
            bias_k,
            p["bias_v"],
            True,
            0.0,
            wo,
            None,
            key_padding_mask=pad,
            need_weights=need_weights,
        )
        return out if weights is None else out.sum() + (weights * weights).sum()

    inputs = [q, k, p["w"], p["b"], p["wo"], p["bias_k"]]
    assert autograd.gradcheck(attend, inputs)
    assert autograd.gradgradcheck(attend, inputs)


def test_errors_name_the_argument(rng):
    p = parameters(rng)
    x = autograd.tensor(rng.standard_normal((L, B, E)))
    base = dict(
        embed_dim_to_check=E,
        num_heads=H,
        in_proj_weight=p["w"],
        in_proj_bias=p["b"],
        bias_k=None,
        bias_v=None,
        add_zero_attn=False,
        dropout_p=0.0,
        out_proj_weight=p["wo"],
        out_proj_bias=p["bo"],
    )
    cases = [
        (
            {"query": autograd.zeros(2, 3, 4, E)},
            "query should be unbatched 2D or batched 3D tensor but received 4-D",
        ),
        ({"key": autograd.zeros(S, E)}, "expected `key` and `value` to be 3-D but found 2-D and 3-D"),
        ({"key_padding_mask": autograd.zeros(S)}, "`key_padding_mask` to be `None` or 2-D but found 1-D"),
        ({"attn_mask": autograd.zeros(1, 1, L, L)}, "attn_mask's dimension 4 is not supported"),
        ({"embed_dim_to_check": 8}, "was expecting embedding dimension of 8, but got 6"),
        ({"num_heads": 4}, "embed_dim 6 not divisible by num_heads 4"),
        (
            {"value": autograd.zeros(L + 1, B, E)},
            r"key shape \(3, 2, 6\) does not match value shape \(4, 2, 6\)",
        ),
        ({"in_proj_weight": None}, "use_separate_proj_weight is False but in_proj_weight is None"),
        ({"use_separate_proj_weight": True}, "use_separate_proj_weight is True but q_proj_weight is None"),
        (
            {"attn_mask": autograd.zeros(L, L + 1, dtype=autograd.bool_)},
            r"The shape of the 2D attn_mask is \(3, 4\), but should be \(3, 3\).",
        ),
        (
            {"attn_mask": autograd.zeros(B, L, L, dtype=autograd.bool_)},
            r"The shape of the 3D attn_mask is \(2, 3, 3\), but should be \(4, 3, 3\).",
        ),
        ({"bias_k": p["bias_k"]}, "bias_k and bias_v must be given together"),
        (
            {"bias_k": p["bias_k"], "bias_v": p["bias_v"], "static_k": autograd.zeros(B * H, L, D)},
            "bias cannot be added to static key or value",
        ),
        ({"static_k": autograd.zeros(B, L, D)}, r"expecting static_k.size\(0\) of 4"),
        ({"static_v": autograd.zeros(B * H, L, D + 1)}, r"expecting static_v.size\(2\) of 3"),
        (
            {
                "query": autograd.zeros(L, E),
                "key": autograd.zeros(L, E),
                "value": autograd.zeros(L, E),
                "attn_mask": autograd.zeros(1, L, L),
            },
            r"expected `attn_mask` shape to be \(2, 3, 3\)",
        ),
    ]
    for change, message in cases:
        arguments = {"query": x, "key": x, "value": x, **base, **change}
        with pytest.raises((ValueError, RuntimeError), match=message):
            mha(**arguments)
