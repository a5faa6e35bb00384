"""PyTorch's top-level forms of ``nn.functional`` ops (``torch.conv2d``, ``torch.batch_norm``, ...) and its
legacy top-level names (``torch.range``, ``torch.ger``, ``torch.DoubleTensor``, ...), with ATen's argument
orders and integer reductions.

Each adapted form is checked against the ``nn.functional`` call it must equal, with arguments whose roles
differ in value, so a swapped argument or a wrong reduction code shows. Beyond the modules' exercises.
"""

from __future__ import annotations

import array

import numpy as np
import pytest

import tinytorch as tt
from tinytorch.nn import functional as F

RNG = np.random.default_rng(3)


def t(*shape, positive=False):
    values = RNG.standard_normal(shape)
    return tt.tensor(np.abs(values) + 0.1 if positive else values, dtype=tt.float64)


def same(a, b):
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_same_signature_forms_are_the_functional_ones():
    names = (
        "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "pdist",
        "prelu", "selu", "hardshrink", "bilinear", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle",
        "channel_shuffle", "avg_pool1d", "adaptive_avg_pool1d", "cosine_similarity",
    )  # fmt: skip
    for name in names:  # (the same function; those with out= wrapped by tinytorch/out_argument.py)
        top = getattr(tt, name)
        assert getattr(top, "__wrapped__", top) is getattr(F, name), name
    assert tt.native_channel_shuffle is F.channel_shuffle


def test_normalisations_take_atens_argument_order():
    x = t(4, 3, 5)
    weight, bias, mean, var = t(3), t(3), t(3), t(3, positive=True)
    same(
        tt.batch_norm(x, weight, bias, mean, var, False, 0.1, 1e-5, True),
        F.batch_norm(x, mean, var, weight, bias, False, 0.1, 1e-5),
    )
    running_mean, running_var = tt.zeros(3, dtype=tt.float64), tt.ones(3, dtype=tt.float64)
    out = tt.instance_norm(x, weight, bias, running_mean, running_var, True, 0.5, 1e-3, False)
    same(out, F.instance_norm(x, None, None, weight, bias, True, 0.5, 1e-3))
    assert not np.allclose(running_mean.numpy(), 0)  # the running statistics were passed on and updated
    g, b = t(5), t(5)
    same(tt.layer_norm(x, (5,), g, b, 1e-3, False), F.layer_norm(x, (5,), g, b, 1e-3))
    same(tt.layer_norm(x, [5]), F.layer_norm(x, [5]))
    y, gw, gb = t(2, 4, 3), t(4), t(4)
    same(tt.group_norm(y, 2, gw, gb, 1e-3, True), F.group_norm(y, 2, gw, gb, 1e-3))
    same(tt.rms_norm(x, (5,), g, 1e-4), F.rms_norm(x, (5,), g, 1e-4))


def test_embedding_takes_the_table_first_and_minus_one_as_no_padding():
    table = tt.tensor(RNG.standard_normal((5, 3)), requires_grad=True)
    indices = tt.tensor([[0, 2], [2, 4]])
    same(tt.embedding(table, indices).detach(), F.embedding(indices, table).detach())
    tt.embedding(table, indices, 2).sum().backward()
    np.testing.assert_array_equal(table.grad.numpy()[:, 0], [1, 0, 0, 0, 1])  # row 2 is padding: no grad
    table.grad = None
    tt.embedding(table, indices, 0).sum().backward()  # index 0 is a padding index like any other
    np.testing.assert_array_equal(table.grad.numpy()[:, 0], [0, 0, 2, 0, 1])
    table.grad = None
    tt.embedding(table, indices, -1).sum().backward()
    np.testing.assert_array_equal(table.grad.numpy()[:, 0], [1, 0, 2, 0, 1])
    with pytest.raises(NotImplementedError, match="scale_grad_by_freq"):
        tt.embedding(table, indices, -1, True)


def test_max_pools_read_an_empty_stride_as_the_kernel_size():
    x = t(2, 3, 8, 8)
    same(tt.max_pool2d(x, 2), F.max_pool2d(x, 2, 2))
    same(tt.max_pool2d(x, 3, (), 1, 1, True), F.max_pool2d(x, 3, 3, 1, 1, True))
    same(tt.max_pool2d(x, 3, 1), F.max_pool2d(x, 3, 1))
    z = t(2, 3, 9)
    same(tt.max_pool1d(z, 3), F.max_pool1d(z, 3, 3))
    values, indices = tt.max_pool1d_with_indices(z, 3)
    expected_values, expected_indices = F.max_pool1d(z, 3, 3, return_indices=True)
    same(values, expected_values)
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    v3 = t(1, 2, 4, 4, 4)
    same(tt.max_pool3d(v3, 2), F.max_pool3d(v3, 2, 2))
    values, indices = tt.adaptive_max_pool1d(z, 4)
    expected_values, expected_indices = F.adaptive_max_pool1d(z, 4, return_indices=True)
    same(values, expected_values)
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


def test_convolution_dispatches_on_the_weight_rank_and_transposed():
    x1, w1, b = t(2, 3, 9), t(4, 3, 2), t(4)
    same(tt.convolution(x1, w1, b, [2], [1], [1], False, [0], 1), F.conv1d(x1, w1, b, 2, 1, 1, 1))
    x2, w2 = t(2, 4, 5, 5), t(4, 2, 3, 3)
    same(
        tt.convolution(x2, w2, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 2),
        F.conv2d(x2, w2, None, 1, 1, 1, 2),
    )
    wt = t(4, 3, 3, 3)
    same(
        tt.convolution(x2, wt, b[:3], [2, 2], [1, 1], [1, 1], True, [1, 1], 1),
        F.conv_transpose2d(x2, wt, b[:3], 2, 1, 1, 1, 1),
    )
    x3, w3 = t(1, 2, 4, 4, 4), t(3, 2, 2, 2, 2)
    same(tt.convolution(x3, w3, None, [1] * 3, [0] * 3, [1] * 3, False, [0] * 3, 1), F.conv3d(x3, w3))
    with pytest.raises(RuntimeError, match="weight must be 3-, 4- or 5-d"):
        tt.convolution(x1, t(4, 3), None, [1], [0], [1], False, [0], 1)


def test_conv_tbc_is_a_time_first_convolution():
    x, w, b = t(7, 2, 3), t(3, 3, 4), t(4)  # (time, batch, in), (width, in, out)
    out = tt.conv_tbc(x, w, b, 1)
    padded = np.pad(x.numpy(), ((1, 1), (0, 0), (0, 0)))
    windows = np.stack([padded[i : i + 3] for i in range(7)])  # (time', width, batch, in)
    expected = np.einsum("twbi,wio->tbo", windows, w.numpy()) + b.numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_constant_pad_nd():
    x = t(2, 3)
    same(tt.constant_pad_nd(x, [1, 2], 5.0), F.pad(x, (1, 2), value=5.0))


@pytest.mark.parametrize(("code", "name"), [(0, "none"), (1, "mean"), (2, "sum")])
def test_losses_take_atens_integer_reduction(code, name):
    a, b, target = t(4, 3), t(4, 3), tt.tensor([1.0, -1.0, 1.0, -1.0], dtype=tt.float64)
    log_p = F.log_softmax(a, 1)
    same(tt.kl_div(log_p, F.softmax(b, 1), code), F.kl_div(log_p, F.softmax(b, 1), reduction=name))
    same(
        tt.kl_div(log_p, log_p * 2, code, log_target=True),
        F.kl_div(log_p, log_p * 2, reduction=name, log_target=True),
    )
    labels, w, pos = tt.tensor(RNG.random((4, 3))), t(4, 3, positive=True), t(3, positive=True)
    same(
        tt.binary_cross_entropy_with_logits(a, labels, w, pos, code),
        F.binary_cross_entropy_with_logits(a, labels, w, reduction=name, pos_weight=pos),
    )
    same(
        tt.cosine_embedding_loss(a, b, target, 0.2, code),
        F.cosine_embedding_loss(a, b, target, 0.2, reduction=name),
    )
    same(
        tt.hinge_embedding_loss(a, a.sign(), 0.5, code),
        F.hinge_embedding_loss(a, a.sign(), 0.5, reduction=name),
    )
    x1, x2 = t(4), t(4)
    same(
        tt.margin_ranking_loss(x1, x2, target, 0.1, code),
        F.margin_ranking_loss(x1, x2, target, 0.1, reduction=name),
    )
    c = t(4, 3)
    same(
        tt.triplet_margin_loss(a, b, c, 0.5, 1.0, 1e-6, True, code),
        F.triplet_margin_loss(a, b, c, 0.5, 1.0, 1e-6, True, reduction=name),
    )
    counts = tt.tensor(RNG.poisson(2.0, (4, 3)).astype(float))
    same(
        tt.poisson_nll_loss(a, counts, True, True, 1e-8, code),
        F.poisson_nll_loss(a, counts, True, True, eps=1e-8, reduction=name),
    )
    log_probs = F.log_softmax(t(6, 2, 4), 2)
    targets, lengths, target_lengths = tt.tensor([[1, 2], [3, 1]]), [6, 5], [2, 1]
    same(
        tt.ctc_loss(log_probs, targets, lengths, target_lengths, 0, code),
        F.ctc_loss(log_probs, targets, lengths, target_lengths, 0, name),
    )


def test_the_default_reduction_is_the_mean_and_a_bad_code_is_named():
    a, b = F.log_softmax(t(4, 3), 1), F.softmax(t(4, 3), 1)
    same(tt.kl_div(a, b), F.kl_div(a, b, reduction="mean"))
    with pytest.raises(ValueError, match=r"0 \(none\), 1 \(mean\) or 2 \(sum\), got 'sum'"):
        tt.kl_div(a, b, "sum")
    with pytest.raises(ValueError, match="got 3"):
        tt.hinge_embedding_loss(a, b, 1.0, 3)


def test_dropouts_take_p_and_train_positionally():
    x = tt.ones(200, 50, dtype=tt.float64)
    assert tt.dropout(x, 0.5, False) is x or np.array_equal(tt.dropout(x, 0.5, False).numpy(), x.numpy())
    tt.manual_seed(0)
    dropped = tt.dropout(x, 0.25, True).numpy()
    assert set(np.unique(dropped)) == {0.0, 4.0 / 3.0}
    assert abs((dropped == 0).mean() - 0.25) < 0.02
    y = tt.ones(300, 20, 4, dtype=tt.float64)
    features = tt.feature_dropout(y, 0.5, True).numpy()
    assert np.all(features == features[:, :, :1])  # whole channels, kept or dropped
    assert set(np.unique(features)) == {0.0, 2.0} and abs((features == 0).mean() - 0.5) < 0.03
    np.testing.assert_array_equal(tt.feature_dropout(y, 0.5, False).numpy(), y.numpy())
    z = tt.ones(300, 20, dtype=tt.float64)
    same_z = tt.dropout_(z, 0.5, True)
    assert same_z is z and set(np.unique(z.numpy())) == {0.0, 2.0}
    w = tt.ones(50, 8, 3, dtype=tt.float64)
    assert tt.feature_dropout_(w, 0.5, True) is w and np.all(w.numpy() == w.numpy()[:, :, :1])
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        tt.feature_dropout(y, 1.5, True)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        tt.feature_dropout(tt.ones(6), 0.5, True)
    assert np.all(tt.feature_dropout(y, 1.0, True).numpy() == 0)  # every channel dropped, no 0/0
    np.testing.assert_array_equal(tt.feature_dropout(y, 0.0, True).numpy(), y.numpy())
    flat = tt.feature_dropout(tt.ones(400, 30), 0.5, True).numpy()  # (N, C): each element on its own
    assert set(np.unique(flat)) == {0.0, 2.0} and abs((flat == 0).mean() - 0.5) < 0.03
    alpha = tt.alpha_dropout(tt.ones(400, 50, dtype=tt.float64), 0.2, True).numpy()
    assert len(np.unique(alpha)) == 2  # SELU's saturation value and the scaled kept value
    features = tt.feature_alpha_dropout(tt.ones(300, 20, 4, dtype=tt.float64), 0.5, True).numpy()
    assert len(np.unique(features)) == 2 and np.all(features == features[:, :, :1])
    for inplace in (tt.alpha_dropout_, tt.feature_alpha_dropout_):
        target = tt.ones(300, 20, 4, dtype=tt.float64)
        assert inplace(target, 0.5, True) is target and len(np.unique(target.numpy())) == 2


def test_activation_forms():
    x = t(3, 4)
    same(tt.celu(x, 0.5), F.celu(x, 0.5))
    same(tt.threshold(x, 0.1, -2.0), F.threshold(x, 0.1, -2.0))
    same(tt.rrelu(x, 0.1, 0.3, False), F.rrelu(x, 0.1, 0.3, False))
    for inplace, plain, args in ((tt.celu_, F.celu, (0.5,)), (tt.threshold_, F.threshold, (0.1, -2.0))):
        y = x.clone()
        assert inplace(y, *args) is y
        same(y, plain(x, *args))
    y = x.clone()
    tt.selu_(y)
    same(y, F.selu(x))
    with pytest.raises(NotImplementedError, match="generator"):
        tt.rrelu(x, generator=tt.Generator())
    with pytest.raises(NotImplementedError, match="generator"):
        tt.rrelu_(x.clone(), generator=tt.Generator())
    y = x.clone()
    assert tt.rrelu_(y, 0.1, 0.3, False) is y
    same(y, F.rrelu(x, 0.1, 0.3, False))


def test_fill_clamp_and_detach_forms():
    x = t(2, 3)
    value = tt.tensor(2.5, dtype=tt.float64, requires_grad=True)
    filled = tt.fill(x, value)
    assert filled.shape == (2, 3) and np.all(filled.detach().numpy() == 2.5)
    (filled * t(2, 3)).sum().backward()
    assert value.grad is not None and value.grad.shape == ()
    np.testing.assert_array_equal(tt.fill(tt.zeros(2, dtype=tt.int64), 7).numpy(), [7, 7])
    with pytest.raises(RuntimeError, match="0-dimension value"):
        tt.fill(x, tt.ones(2))
    y = tt.tensor([-1.0, 0.5, 2.0])
    assert tt.clamp_(y, 0.0, 1.0) is y and y.tolist() == [0.0, 0.5, 1.0]
    assert tt.fill_(y, 3.0) is y and y.tolist() == [3.0, 3.0, 3.0]
    z = tt.ones(2, requires_grad=True) * 2
    assert tt.detach_(z) is z and not z.requires_grad


# ------------------------------------------------------------------------------------ legacy names
def test_range_includes_its_end_and_warns():
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        values = tt.range(1, 4)
    assert values.dtype == tt.float32 and values.tolist() == [1.0, 2.0, 3.0, 4.0]
    with pytest.warns(UserWarning):
        assert tt.range(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
        assert tt.range(5, 1, -2, dtype=tt.int64).tolist() == [5, 3, 1]
        assert tt.range(3).tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.warns(UserWarning) as record:
        assert tt.range(2, 2).tolist() == [2.0]  # start == end: one value
    assert record[0].filename == __file__  # the warning points at the caller
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        tt.range(1, 4, -1)
    for dtype in (tt.bool, tt.complex64):  # PyTorch 2.13: '"range_cpu" not implemented for 'Bool''
        with pytest.raises(NotImplementedError, match=f"^range: not implemented for {dtype.name}"):
            tt.range(0, 1, dtype=dtype)


def test_deprecated_products_and_norms():
    a, b = t(3), t(4)
    np.testing.assert_allclose(tt.ger(a, b).numpy(), np.outer(a.numpy(), b.numpy()))
    m1, m2, m3 = t(2, 3), t(3, 4), t(4, 2)
    with pytest.warns(UserWarning, match="multi_dot"):
        np.testing.assert_allclose(tt.chain_matmul(m1, m2, m3).numpy(), m1.numpy() @ m2.numpy() @ m3.numpy())
    with pytest.warns(UserWarning) as record:
        assert tt.chain_matmul(m1) is m1
        tt.frobenius_norm(m1, (0, 1))
        tt.nuclear_norm(m1)
    assert [w.filename for w in record] == [__file__] * 3
    m = t(3, 4, 5)
    with pytest.warns(UserWarning, match="vector_norm"):
        np.testing.assert_allclose(
            tt.frobenius_norm(m, (1, 2)).numpy(), np.sqrt((m.numpy() ** 2).sum((1, 2)))
        )
        np.testing.assert_allclose(
            tt.frobenius_norm(m, 0, True).numpy(), np.sqrt((m.numpy() ** 2).sum(0, keepdims=True))
        )
    nuclear = np.linalg.svd(m.numpy(), compute_uv=False).sum(-1)
    with pytest.warns(UserWarning, match="matrix_norm"):
        np.testing.assert_allclose(tt.nuclear_norm(m).numpy(), nuclear)
        assert tt.nuclear_norm(m, True).shape == (3, 1, 1)
        np.testing.assert_allclose(
            tt.nuclear_norm(m, (0, 2)).numpy(),
            np.linalg.svd(m.numpy().transpose(1, 0, 2), compute_uv=False).sum(-1),
        )


REMOVED = [
    ("matrix_rank", "linalg.matrix_rank"),
    ("lstsq", "linalg.lstsq"),
    ("eig", "linalg.eig"),
    ("symeig", "linalg.eigh"),
    ("solve", "linalg.solve"),
]


@pytest.mark.parametrize(("name", "replacement"), REMOVED)
def test_removed_functions_say_what_replaced_them(name, replacement):
    with pytest.raises(RuntimeError, match=f"torch.{name} was deprecated.*torch.{replacement}"):
        getattr(tt, name)(tt.eye(3), tt.eye(3))
    assert getattr(tt, name).__name__ == name and replacement in getattr(tt, name).__doc__


def test_legacy_typed_constructors_and_names():
    types = {
        "DoubleTensor": tt.float64, "HalfTensor": tt.float16, "IntTensor": tt.int32, "ShortTensor": tt.int16,
        "CharTensor": tt.int8, "ByteTensor": tt.uint8, "BoolTensor": tt.bool, "FloatTensor": tt.float32,
        "LongTensor": tt.int64,
    }  # fmt: skip
    for name, dtype in types.items():
        made = getattr(tt, name)([1, 0])
        assert made.dtype == dtype
        assert made.tolist() == ([True, False] if dtype == tt.bool else [1, 0])
        assert getattr(tt, name)(2, 3).shape == (2, 3) and getattr(tt, name)(2, 3).dtype == dtype
        assert tt.typename(made) == f"torch.{name}"
        assert getattr(tt, name).dtype == dtype  # (as PyTorch's tensor types)
        assert tt.ones(2).type(getattr(tt, name)).dtype == dtype  # x.type(torch.DoubleTensor)
    assert tt.typename(3) == "int" and tt.typename(tt.nn.Linear(2, 2)).endswith("Linear")
    assert tt.FloatTensor(3).shape == (3,) and tt.FloatTensor(3).tolist() == [0.0, 0.0, 0.0]  # a size
    assert tt.FloatTensor([3]).tolist() == [3.0]  # data
    for bad in (("a", 2), (2, True), (2.5, 1)):
        with pytest.raises(TypeError, match="expected data"):
            tt.LongTensor(*bad)
    assert "float64" in tt.DoubleTensor.__doc__
    try:
        tt.set_default_tensor_type(tt.DoubleTensor)
        assert tt.ones(1).dtype == tt.float64
        tt.set_default_tensor_type("torch.FloatTensor")
        assert tt.ones(1).dtype == tt.float32
        with pytest.raises(TypeError, match="only floating-point types"):
            tt.set_default_tensor_type(tt.LongTensor)
    finally:
        tt.set_default_dtype(tt.float32)


# ------------------------------------------------------------------------- sampling, histograms, memory
def test_binomial_draws_have_the_binomial_mean_and_bounds():
    tt.manual_seed(1)
    count = tt.full((20000,), 10.0)
    prob = tt.tensor([0.0, 0.3, 1.0]).reshape(3, 1).expand(3, 20000)
    draws = tt.binomial(count, prob).numpy()
    assert draws.shape == (3, 20000) and draws.dtype == np.float32
    assert np.all(draws[0] == 0) and np.all(draws[2] == 10)
    assert abs(draws[1].mean() - 3.0) < 0.05 and abs(draws[1].var() - 2.1) < 0.1
    assert np.all((draws >= 0) & (draws <= 10) & (draws == np.floor(draws)))
    tt.manual_seed(5)
    first = tt.binomial(count, prob).numpy()
    tt.manual_seed(5)
    np.testing.assert_array_equal(tt.binomial(count, prob).numpy(), first)
    with pytest.raises(ValueError, match="floating-point dtypes for count"):
        tt.binomial(tt.tensor([3]), tt.tensor([0.5]))
    with pytest.raises(RuntimeError, match=r"prob must be in \[0, 1\]"):
        tt.binomial(tt.tensor([3.0]), tt.tensor([1.5]))
    for count in ([2.5], [-1.0], [float("inf")]):
        with pytest.raises(RuntimeError, match="whole numbers"):
            tt.binomial(tt.tensor(count), tt.tensor([0.5]))
    assert tt.binomial(tt.tensor([0.0]), tt.tensor([0.5])).tolist() == [0.0]  # zero trials are allowed
    with pytest.raises(RuntimeError, match="do not broadcast"):
        tt.binomial(tt.ones(2), tt.full((3,), 0.5))


def test_histogramdd_matches_numpy():
    points = RNG.random((50, 3)).astype(np.float32)
    weights = RNG.random(50).astype(np.float32)
    result = tt.histogramdd(tt.tensor(points), bins=[2, 3, 4], weight=tt.tensor(weights), density=True)
    hist, edges = np.histogramdd(points, bins=[2, 3, 4], weights=weights, density=True)
    np.testing.assert_allclose(result.hist.numpy(), hist, rtol=1e-5)
    assert len(result.bin_edges) == 3 and result.hist.dtype == tt.float32
    for mine, theirs in zip(result.bin_edges, edges):
        np.testing.assert_allclose(mine.numpy(), theirs, rtol=1e-6)
    ranged = tt.histogramdd(tt.tensor(points[:, :2]), bins=2, range=[0.0, 0.5, 0.0, 1.0])
    np.testing.assert_array_equal(
        ranged.hist.numpy(), np.histogramdd(points[:, :2], 2, range=[(0, 0.5), (0, 1)])[0]
    )
    given = [tt.tensor([0.0, 0.2, 1.0]), tt.tensor([0.0, 0.9, 1.0])]
    np.testing.assert_array_equal(
        tt.histogramdd(tt.tensor(points[:, :2]), bins=given).hist.numpy(),
        np.histogramdd(points[:, :2], bins=[g.numpy() for g in given])[0],
    )
    with pytest.raises(RuntimeError, match="list of 3 ints"):
        tt.histogramdd(tt.tensor(points), bins=[2, 3])
    with pytest.raises(RuntimeError, match="6 numbers"):
        tt.histogramdd(tt.tensor(points), bins=2, range=[0.0, 1.0])
    batched = tt.histogramdd(
        tt.tensor(points.reshape(5, 10, 3)), bins=2
    )  # (*, D): every leading axis lists points
    np.testing.assert_array_equal(batched.hist.numpy(), np.histogramdd(points, 2)[0])
    weighted = tt.histogramdd(
        tt.tensor(points.reshape(5, 10, 3)), bins=2, weight=tt.tensor(weights.reshape(5, 10))
    )
    np.testing.assert_allclose(
        weighted.hist.numpy(), np.histogramdd(points, 2, weights=weights)[0], rtol=1e-6
    )
    for bad_weight in (tt.tensor(weights[:10]), weights):
        with pytest.raises(RuntimeError, match="weight must be a tensor of the input's shape"):
            tt.histogramdd(tt.tensor(points), bins=2, weight=bad_weight)
    with pytest.raises(TypeError, match="shape \\(\\*, D\\)"):
        tt.histogramdd(points, bins=2)
    with pytest.raises(TypeError, match="shape \\(\\*, D\\)"):
        tt.histogramdd(tt.tensor(1.0), bins=2)
    with pytest.raises(RuntimeError, match="floating point"):
        tt.histogramdd(tt.tensor([[1, 2]]), bins=2)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        tt.histogramdd(tt.tensor(points), bins=[2, 0, 1])
    with pytest.raises(RuntimeError, match="not decreasing"):
        tt.histogramdd(tt.tensor(points[:, :1]), bins=[tt.tensor([1.0, 0.0])])
    with pytest.raises(RuntimeError, match="min must be <= its max"):
        tt.histogramdd(tt.tensor(points[:, :1]), bins=2, range=[1.0, 0.0])


def test_frombuffer_shares_the_buffers_memory():
    buffer = bytearray(np.arange(6, dtype=np.int32).tobytes())
    values = tt.frombuffer(buffer, dtype=tt.int32, count=3, offset=8)
    assert values.tolist() == [2, 3, 4]
    values[0] = 20
    assert np.frombuffer(buffer, dtype=np.int32)[2] == 20
    assert tt.frombuffer(array.array("f", [1.5, 2.5]), dtype=tt.float32).tolist() == [1.5, 2.5]
    with pytest.warns(UserWarning, match="not writable") as record:
        assert tt.frombuffer(b"ab", dtype=tt.uint8).tolist() == [97, 98]
    assert record[0].filename == __file__
    sixteen = bytearray(range(16))
    assert tt.frombuffer(sixteen, dtype=tt.uint8, offset=15).tolist() == [15]  # the last byte alone
    assert tt.frombuffer(sixteen, dtype=tt.uint8, offset=4, count=12).tolist() == list(range(4, 16))
    assert tt.frombuffer(sixteen, dtype=tt.int32, offset=4, count=3).numel() == 3
    for options, message in (
        ({"offset": 16}, "no greater than buffer length \\(16 bytes\\) minus 1"),
        ({"offset": -1}, "must be non-negative"),
        ({"count": 0}, "count \\(0\\) must not be 0"),
        ({"offset": 2}, "buffer length \\(14 bytes\\) after offset \\(2 bytes\\) must be a multiple"),
        ({"offset": 4, "count": 4}, "requested buffer length \\(4 \\* 4 bytes\\) after offset \\(4 bytes\\)"),
        ({"count": 5}, "must not be greater than actual buffer length \\(16 bytes\\)"),
    ):
        with pytest.raises(ValueError, match=message):
            tt.frombuffer(sixteen, dtype=tt.int32, **options)
    with pytest.raises(ValueError, match="buffer length \\(0\\)"):
        tt.frombuffer(bytearray(), dtype=tt.int32)
    with pytest.raises(TypeError, match="buffer protocol"):
        tt.frombuffer([1, 2], dtype=tt.int32)


def test_dlpack_exchanges_memory_without_copies():
    x = tt.arange(4.0)
    shared = np.from_dlpack(x)  # NumPy reads our tensor through __dlpack__
    shared[0] = 9.0
    assert x.tolist() == [9.0, 1.0, 2.0, 3.0]
    back = tt.from_dlpack(shared)
    back[1] = 7.0
    assert x.tolist()[1] == 7.0 and isinstance(back, tt.Tensor)
    assert x.__dlpack_device__() == (1, 0)
    capsule = tt.to_dlpack(x)
    assert type(capsule).__name__ == "PyCapsule"
    with pytest.raises(RuntimeError, match="require gradient"):
        np.from_dlpack(tt.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="__dlpack__"):
        tt.from_dlpack([1, 2])
    with pytest.raises(TypeError, match="to_dlpack: expected a tensor"):
        tt.to_dlpack(np.ones(2))

    class Unreadable:
        def __dlpack__(self, **options):
            raise BufferError("no memory to share")

    with pytest.raises(RuntimeError, match="from_dlpack: cannot read Unreadable"):
        tt.from_dlpack(Unreadable())


def test_in_place_forms_write_and_return_their_input_and_refuse_leaves():
    for name, call in [
        ("dropout_", lambda x: tt.dropout_(x, 0.3, True)),
        ("alpha_dropout_", lambda x: tt.alpha_dropout_(x, 0.3, True)),
        ("feature_alpha_dropout_", lambda x: tt.feature_alpha_dropout_(x, 0.3, True)),
        ("feature_dropout_", lambda x: tt.feature_dropout_(x, 0.3, True)),
        ("celu_", lambda x: tt.celu_(x, 1.3)),
        ("selu_", lambda x: tt.selu_(x)),
        ("rrelu_", lambda x: tt.rrelu_(x, 0.1, 0.3, True)),
        ("threshold_", lambda x: tt.threshold_(x, 0.1, -2.0)),
    ]:
        values = np.random.default_rng(3).uniform(-1.9, 1.9, (2, 3, 4))
        x = tt.tensor(values.copy())
        tt.manual_seed(5)
        assert call(x) is x, name
        assert not np.allclose(x.numpy(), values), name
        leaf = tt.tensor(values, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            call(leaf)
