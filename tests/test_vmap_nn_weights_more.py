"""``vmap`` without the per-sample loop for the nn ops that looped: group_norm, prelu and batch_norm with
batched weights (per-sample gradients of a model, ensembles), batch_norm's running statistics (batched:
updated per sample; shared in training: PyTorch's error), embedding_bag (batched weights, per-sample
weights, ids or offsets) and scaled_dot_product_attention's dropout under each randomness.

Each case runs with the fallback warning as an error (``vmap_agrees``, tt-autograd's test fixture) and
equals the op on each sample, stacked; so do the per-sample gradients (vmap of grad).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from by_path import ROOT, load_file

import tinytorch as torch
import tinytorch.nn.functional as F
from tinytorch.func import grad, vmap

vmap_agrees = load_file(
    "_tt_autograd_fixtures", ROOT / "packages" / "tt-autograd" / "tests" / "conftest.py"
).vmap_agrees
B = 3
GEN = np.random.default_rng(3031)


def floats(*shape):
    return torch.tensor(GEN.standard_normal(shape), dtype=torch.float64)


def ids(*shape, high=5):
    return torch.tensor(GEN.integers(0, high, size=shape))


# ----------------------------------------------------------------- group_norm, prelu: batched weights
WEIGHTED = [
    (lambda x, w: F.group_norm(x, 2, w), ((B, 2, 4, 3), (B, 4)), 0),
    (lambda x, w: F.group_norm(x, 2, None, w), ((2, 4, 3), (B, 4)), (None, 0)),  # (an ensemble)
    (lambda x, w: F.group_norm(x, 4, w, w * 0.5 + 1), ((2, 4, B), (4, B)), (2, 1)),
    (lambda x, w: F.instance_norm(x, weight=w, bias=w), ((B, 2, 4, 3), (B, 4)), 0),
    (lambda x, w: F.prelu(x, w), ((B, 2, 4, 3), (B, 4)), 0),
    (lambda x, w: F.prelu(x, w), ((B, 2, 4, 3), (B, 1)), 0),  # (one slope for every channel)
    (lambda x, w: F.prelu(x, w), ((2, 4, B), (4, B)), (2, 1)),
    (lambda x, w: F.prelu(x, w), ((B, 5), (B, 1)), 0),  # (a 1-d sample: one channel)
    (lambda x, w: F.prelu(x, w[0]), ((B,), (B, 1)), 0),  # (0-d samples, a 0-d slope)
    (lambda x, w: F.prelu(x, w), ((5,), (B, 1)), (None, 0)),
]


@pytest.mark.parametrize("op, shapes, in_dims", WEIGHTED)
def test_group_norm_and_prelu_with_batched_weights(vmap_agrees, op, shapes, in_dims):
    vmap_agrees(op, *(floats(*s) for s in shapes), in_dims=in_dims, argnums=(0, 1))


def test_per_sample_gradients_of_a_model_with_group_norm_and_prelu(vmap_agrees):
    x, w, a = floats(B, 4, 3), torch.linspace(0.5, 1.5, 4).double(), torch.full((4,), 0.25).double()
    loss = lambda v, g, s: (F.prelu(F.group_norm(v[None], 2, g, g), s) ** 3).sum()  # noqa: E731
    vmap_agrees(grad(loss, argnums=(0, 1, 2)), x, w, a, in_dims=(0, None, None))


# ----------------------------------------------------------------- batch_norm
def _batch_norms():
    mean, var = torch.linspace(-0.2, 0.2, 4).double(), torch.linspace(0.5, 2.0, 4).double()
    yield lambda v, w: F.batch_norm(v, mean, var, w, None, training=False), (0, 0)  # (batched weight)
    yield lambda v, w: F.batch_norm(v, mean, var, None, w, training=False), (None, 0)  # (an ensemble)
    yield lambda v, w: F.batch_norm(v, mean, var, w, w * 0.5, training=False), (0, 0)  # (both batched)
    yield lambda v, w: F.batch_norm(v, w, var, w, w, training=False), (0, 0)  # (batched running mean)
    yield lambda v, w: F.batch_norm(v, mean, w.abs() + 0.5, training=False), (1, 0)  # (batched variance)


@pytest.mark.parametrize("op, in_dims", list(_batch_norms()))
def test_batch_norm_in_evaluation_with_batched_weights_or_statistics(vmap_agrees, op, in_dims):
    x = floats(B, 6, 4) if in_dims[0] != 1 else floats(6, B, 4)
    x = x[0] if in_dims[0] is None else x
    vmap_agrees(op, x, floats(B, 4), in_dims=in_dims, argnums=(0, 1) if in_dims[0] is not None else 1)


def _trained(x, means, variances, in_dims, **options):
    """batch_norm in training of each sample with its own running statistics (updated in place)."""
    outs = []
    for k in range(x.shape[0]):
        mean, var = (s.select(d, k).clone() for s, d in zip((means, variances), in_dims))
        outs.append(F.batch_norm(x[k], mean, var, training=True, **options))
        for s, d, new in zip((means, variances), in_dims, (mean, var)):
            s.select(d, k).copy_(new)
    return torch.stack(outs)


@pytest.mark.parametrize("in_dims", [(0, 0), (1, 0), (0, 1)])
def test_batch_norm_in_training_updates_batched_running_statistics_per_sample(in_dims):
    x, w = floats(B, 5, 4), floats(B, 4)
    mean, var = floats(B, 4), floats(B, 4).abs() + 0.5
    mean, var = (s.T.clone() if d else s for s, d in zip((mean, var), in_dims))
    means, variances = mean.clone(), var.clone()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(
            lambda v, m, s, g: F.batch_norm(v, m, s, g, training=True, momentum=0.3), in_dims=(0, *in_dims, 0)
        )(x, mean, var, w)
    want = _trained(x, means, variances, in_dims, momentum=0.3) * w[:, None, :]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), means.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), variances.numpy(), rtol=1e-12)


def test_batch_norm_in_training_under_nested_vmaps_updates_each_samples_statistics():
    x, mean, var = floats(2, B, 5, 4), floats(2, B, 4), floats(2, B, 4).abs() + 0.5
    means, variances = mean.clone(), var.clone()
    op = lambda v, m, s: F.batch_norm(v, m, s, training=True, momentum=0.5)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(vmap(op))(x, mean, var)
    want = torch.stack([_trained(x[k], means[k], variances[k], (0, 0), momentum=0.5) for k in range(2)])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), means.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), variances.numpy(), rtol=1e-12)


def test_batch_norm_of_an_unbatched_input_with_batched_running_statistics(vmap_agrees):
    x, var = floats(5, 4), torch.linspace(0.5, 2.0, 4).double()
    evaluated = lambda m, s: F.batch_norm(x, m, s, training=False)  # noqa: E731  (an ensemble of statistics)
    vmap_agrees(evaluated, floats(B, 4), floats(4, B).abs() + 0.5, in_dims=(0, 1))
    vmap_agrees(lambda m: F.batch_norm(x, m, var, training=False), floats(B, 4))
    mean, means = floats(B, 4), None
    means = mean.clone()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(lambda m: F.batch_norm(x, m, None, training=True, momentum=0.5))(mean)
    want = _trained(torch.stack([x] * B), means, torch.ones(B, 4).double(), (0, 0), momentum=0.5)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), means.numpy(), rtol=1e-12)


def test_batch_norm_in_physical_mode_is_the_plain_function():
    from tt_autograd.batched import physical

    def func(m):
        with physical():  # (the physical (B, 4) statistics: the op's own shape check)
            return F.batch_norm(floats(5, 4), m, None, training=False)

    with pytest.raises(
        RuntimeError, match=r"input of shape \(5, 4\) has 4 channels .* running_mean has shape \(3, 4\)"
    ):
        vmap(func)(floats(B, 4))


def test_batch_norm_in_training_with_shared_running_statistics_is_pytorchs_error():
    x, mean, var = floats(B, 5, 4), torch.zeros(4).double(), torch.ones(4).double()
    for running in ((mean, var), (mean, None), (None, var)):
        with pytest.raises(
            RuntimeError, match="Batch norm got a batched tensor as input while the running_mean"
        ):
            vmap(lambda v, r=running: F.batch_norm(v, *r, training=True))(x)
    assert mean.tolist() == [0.0] * 4 and var.tolist() == [1.0] * 4  # (refused before any update)
    inner = lambda v, m: vmap(lambda u: F.batch_norm(u, m, None, training=True))(v)  # noqa: E731
    with pytest.raises(
        RuntimeError, match="Batch norm got a batched tensor as input"
    ):  # (not the inner level)
        vmap(inner)(floats(2, B, 5, 4), floats(2, 4))
    evaluated = lambda v, m: F.batch_norm(v, m, var, training=False)  # noqa: E731
    with pytest.raises(RuntimeError, match=r"running_mean of physical shape \(2, 4\) is batched over other"):
        vmap(lambda v, m: vmap(evaluated, in_dims=(0, None))(v, m))(floats(2, B, 5, 4), floats(2, 4))
    with pytest.raises(RuntimeError, match="Batch norm got a batched tensor as input"):  # (a module)
        vmap(torch.nn.BatchNorm1d(4).double())(x)


def test_batch_norm_of_an_unbatched_input_with_batched_weights_updates_the_statistics_once():
    x, w = floats(5, 4), floats(B, 4)
    mean, var, want_mean, want_var = (s.double() for s in (torch.zeros(4), torch.ones(4)) * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(lambda g: F.batch_norm(x, mean, var, g, training=True, momentum=0.5))(w)
    want = F.batch_norm(x, want_mean, want_var, training=True, momentum=0.5)
    np.testing.assert_allclose(got.numpy(), (want[None] * w[:, None, :]).numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), want_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), want_var.numpy(), rtol=1e-12)


# ----------------------------------------------------------------- embedding_bag
OFFSETS = torch.tensor([0, 2, 2])
TABLE = floats(5, 3)


def _bags(mode):
    """``(op, args, in_dims, argnums)``: batched weights, ids and offsets; padding; the last offset."""
    bag = F.embedding_bag
    flat = torch.tensor([0, 2, 1, 3, 4])
    yield lambda w: bag(flat, w, OFFSETS, mode=mode), (floats(B, 5, 3),), 0, 0
    yield lambda w: bag(torch.tensor([[0, 2], [1, 1]]), w, mode=mode, padding_idx=1), (floats(5, B, 3),), 1, 0
    yield lambda i: bag(i, TABLE, OFFSETS, mode=mode), (ids(B, 5),), 0, None
    yield lambda i, w: bag(i, w, OFFSETS, mode=mode, padding_idx=-1), (ids(B, 5), floats(B, 5, 3)), 0, 1
    yield lambda i, w: bag(i, w, mode=mode, padding_idx=2), (ids(2, B, 4), floats(B, 5, 3)), (1, 0), 1
    ends = torch.tensor([[0, 1, 3], [0, 0, 4], [0, 2, 5]])  # (batched offsets, each ending its last bag)
    last = lambda i, w, o: bag(i, w, o, mode=mode, include_last_offset=True)  # noqa: E731
    yield last, (ids(B, 5), floats(B, 5, 3), ends), 0, 1
    starts = torch.tensor([[0, 0, 0], [3, 0, 5]])  # (offsets batched along dim 1; empty bags)
    yield lambda i, o: bag(i, TABLE, o, mode=mode), (ids(5, B), starts), 1, None
    one = torch.zeros(B, 1, dtype=torch.int64)  # (one bag per sample)
    yield lambda i, o: bag(i, TABLE, o, mode=mode), (ids(B, 3), one), 0, None
    four = torch.tensor([[0, 1, 1, 4], [0, 0, 2, 5], [0, 3, 3, 3]])  # (4 bags per sample, for 3 samples)
    yield lambda w, o: bag([4, 0, 1, 1, 2], w, o, mode=mode, padding_idx=0), (floats(B, 5, 3), four), 0, 0
    yield (
        lambda i, w: bag(i, w, mode=mode, padding_idx=0),
        (ids(B, 4, 2), floats(B, 5, 3)),
        0,
        1,
    )  # (4 bags of 2)
    yield lambda i: bag(i, TABLE, [0, 1], mode=mode), (ids(B, 3),), 0, None  # (offsets as a list)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_with_batched_weights_ids_or_offsets(vmap_agrees, mode):
    for op, args, in_dims, argnums in _bags(mode):
        vmap_agrees(op, *args, in_dims=in_dims, argnums=argnums)


def test_embedding_bag_with_per_sample_weights(vmap_agrees):
    bag, flat = F.embedding_bag, torch.tensor([0, 2, 1, 3, 4])
    summed = lambda w, p: bag(flat, w, OFFSETS, mode="sum", per_sample_weights=p)  # noqa: E731
    vmap_agrees(summed, floats(B, 5, 3), floats(B, 5), argnums=(0, 1))
    vmap_agrees(summed, floats(5, 3), floats(B, 5), in_dims=(None, 0), argnums=(0, 1))
    vmap_agrees(summed, floats(B, 5, 3), floats(5), in_dims=(0, None), argnums=(0, 1))
    vmap_agrees(
        lambda i, p: bag(i, TABLE, OFFSETS, mode="sum", per_sample_weights=p),
        ids(B, 5),
        floats(B, 5),
        argnums=1,
    )
    vmap_agrees(
        lambda i, p: bag(i, TABLE, mode="sum", per_sample_weights=p), ids(B, 2, 3), floats(B, 2, 3), argnums=1
    )
    shared = floats(2, 3)  # (one per-sample weight for every sample's ids: expanded)
    vmap_agrees(lambda i: bag(i, TABLE, mode="sum", per_sample_weights=shared), ids(B, 2, 3))


def test_embedding_bag_inputs_the_op_refuses_loop_for_its_own_error():
    cases = [
        (
            lambda i: F.embedding_bag(i, TABLE, OFFSETS),
            torch.tensor([[0, 1, 2, 3, 4]] * 2 + [[0, 1, 2, 3, 5]]),
        ),
        (lambda i: F.embedding_bag(i, TABLE, OFFSETS), torch.tensor([[0, 1, 2, 3, -1]] * B)),
        (
            lambda o: F.embedding_bag(torch.tensor([0, 1, 2]), TABLE, o),
            torch.tensor([[0, 1], [0, 4], [0, 1]]),
        ),
        (
            lambda o: F.embedding_bag(torch.tensor([0, 1, 2]), TABLE, o),
            torch.tensor([[0, 1], [1, 2], [0, 1]]),
        ),
        (
            lambda o: F.embedding_bag(torch.tensor([0, 1, 2]), TABLE, o),
            torch.tensor([[0, 2], [0, 1], [2, 1]]),
        ),
        (lambda i: F.embedding_bag(i, TABLE), ids(B, 5)),  # (1-d ids need offsets)
        (lambda i: F.embedding_bag(i, TABLE, per_sample_weights=torch.ones(3), mode="sum"), ids(B, 2, 2)),
    ]
    cases = [(op, (batch,)) for op, batch in cases]
    table = floats(B, 5, 3)  # (a batched table: a wrong id would point into another sample's block)
    past, below = (
        torch.tensor([[0, 1, 2, 3, 4]] * 2 + [[0, 1, 2, 3, 5]]),
        torch.tensor([[0, 1, 2, 3, -1]] * B),
    )
    bag = F.embedding_bag
    cases += [
        (lambda i, w: bag(i, w, OFFSETS), (past, table)),
        (lambda i, w: bag(i, w, OFFSETS), (below, table)),
        (lambda i, w: bag(i.float(), w), (ids(B, 2, 2), table)),  # (shifted ids, still float32)
        (lambda i, w: bag(i, w), (ids(B, 2, 2), floats(B, 5, 3, 2))),  # (a 3-d table)
        (lambda o: bag(torch.tensor([0, 1, 2, 3, 4]), TABLE, o), (torch.tensor([[0, 1, 6]] * B),)),
        (lambda o: bag(torch.tensor([0, 1, 2]), TABLE, o), (torch.tensor([[[0, 1]]] * B),)),
        (lambda o: bag(torch.tensor([0, 1, 2]), TABLE, o), (torch.zeros(B, 0, dtype=torch.int64),)),
        (
            lambda o: bag(torch.tensor([0, 1]), TABLE, o, include_last_offset=True),
            (torch.zeros(B, 1).long(),),
        ),
        (lambda o: bag(torch.tensor([0, 1, 2]), TABLE, o), (torch.tensor([[0.0, 1.0]] * B),)),
        (lambda o: bag(torch.tensor(1), TABLE, o), (torch.zeros(B, 1).long(),)),  # (0-d ids)
        (lambda i: bag(i, TABLE), (ids(B, 2, 2, 2),)),  # (3-d ids)
        (lambda i: bag(i, TABLE[0]), (ids(B, 2, 2),)),  # (a 1-d table)
        (lambda i: bag(i.double(), TABLE), (ids(B, 2, 2),)),  # (ids that are not integers)
    ]
    for op, args in cases:
        with pytest.raises(Exception) as one:
            for k in range(B):
                op(*(a[k] for a in args))
        with pytest.raises(type(one.value)) as batched, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vmap(op)(*args)
        assert str(batched.value) == str(one.value)
    with pytest.raises(ValueError, match="mode has to be one of"):  # (checked by the flattened call)
        vmap(lambda i: F.embedding_bag(i, TABLE, mode="median"))(ids(B, 2, 2))


def test_embedding_bag_in_physical_mode_is_the_plain_function():
    from tt_autograd.batched import physical

    seen = []

    def func(i):
        with physical():
            seen.append(F.embedding_bag(i, TABLE).numpy())  # (the physical (B, 4) ids: B bags)
        return i

    batch = ids(B, 4)
    vmap(func)(batch)
    np.testing.assert_array_equal(seen[0], F.embedding_bag(batch, TABLE).numpy())


# ----------------------------------------------------------------- attention's dropout
def test_attention_dropout_draws_each_samples_mask_as_the_loop_does():
    x, k = floats(B, 2, 4, 5), floats(2, 4, 5)
    sdpa = F.scaled_dot_product_attention
    cases = [
        (lambda v: sdpa(v, v, v, dropout_p=0.5), (x,), 0),
        (lambda v: sdpa(k, k, v, dropout_p=0.3), (x,), 0),  # (only the values batched: still one mask each)
        (lambda v: sdpa(v, k, k, dropout_p=0.4, is_causal=True), (x.movedim(0, 2),), 2),
        (lambda v: sdpa(v[0], k, k, dropout_p=0.5), (x,), 0),  # (a query of fewer dims than the keys)
    ]
    for op, args, in_dim in cases:
        torch.manual_seed(7)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = vmap(op, in_dims=in_dim, randomness="different")(*args)
        torch.manual_seed(7)
        want = torch.stack([op(a.select(in_dim, i)) for a in args for i in range(B)])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
        loss = grad(lambda v, op=op: (op(v) ** 2).sum())
        torch.manual_seed(8)
        got = vmap(loss, in_dims=in_dim, randomness="different")(*args)
        torch.manual_seed(8)
        want = torch.stack([loss(a.select(in_dim, i)) for a in args for i in range(B)])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def test_attention_dropout_with_same_randomness_shares_one_mask():
    one = floats(2, 4, 5)
    x = torch.stack([one] * B)
    op = lambda v: F.scaled_dot_product_attention(v, v, v, dropout_p=0.5)  # noqa: E731
    torch.manual_seed(9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(op, randomness="same")(x)
    torch.manual_seed(9)
    want = op(one)  # (one draw of one sample's mask)
    np.testing.assert_allclose(got.numpy(), torch.stack([want] * B).numpy(), rtol=1e-12, atol=1e-12)
    kept = F.scaled_dot_product_attention(one, one, one)
    assert not np.allclose(want.numpy(), kept.numpy())  # (some weights were dropped)


def test_attention_dropout_under_nested_vmaps_differs_where_asked():
    one = floats(3, 4)
    x = torch.stack([torch.stack([one] * 2)] * B)  # (B, 2, 3, 4): every sample the same
    op = lambda v: F.scaled_dot_product_attention(v, v, v, dropout_p=0.5)  # noqa: E731
    got = vmap(vmap(op, randomness="same"), randomness="different")(x).numpy()
    assert np.array_equal(got[:, 0], got[:, 1]) and not np.array_equal(got[0], got[1])
    got = vmap(vmap(op, randomness="different"), randomness="same")(x).numpy()
    assert np.array_equal(got[0], got[1]) and not np.array_equal(got[:, 0], got[:, 1])
    outer = torch.ones(2).double()  # (an outer level the attention's input is not batched over)
    got = vmap(lambda a: vmap(op, randomness="different")(x[0]) * a, randomness="different")(outer).numpy()
    assert not np.array_equal(got[0], got[1])


def test_attention_dropout_under_error_randomness_is_refused():
    x = floats(B, 2, 4, 5)
    with pytest.raises(RuntimeError, match=r"randomness error mode.*scaled_dot_product_attention\(\)"):
        vmap(lambda v: F.scaled_dot_product_attention(v, v, v, dropout_p=0.5))(x)
    own = torch.Generator().manual_seed(0)  # (a generator of one's own: refused too, as any draw)
    with pytest.raises(RuntimeError, match=r"randomness error mode.*scaled_dot_product_attention\(\)"):
        vmap(lambda v: F.scaled_dot_product_attention(v, v, v, dropout_p=0.5, generator=own))(x)
    out = vmap(lambda v: F.scaled_dot_product_attention(v, v, v, dropout_p=0.0))(x)  # (no draw: fine)
    assert tuple(out.shape) == (B, 2, 4, 5)
