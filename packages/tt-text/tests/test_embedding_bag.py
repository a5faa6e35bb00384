"""``F.embedding_bag`` and ``nn.EmbeddingBag``: values of every mode against a NumPy reference that loops
over the bags, 2-D inputs and 1-D inputs with offsets (empty bags, include_last_offset), padding_idx,
per_sample_weights and its gradient, the weight's gradient (float64 gradcheck, and ``"max"``'s argmax rows
with PyTorch's tie rule pinned), dtype, repr, state_dict keys and bad arguments.

Not course material (outside module 11's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
import tt_text
from tt_text import EmbeddingBag, embedding_bag

MODES = ["sum", "mean", "max"]


def bag_reference(ids, weight, offsets, mode, per_sample_weights=None, padding_idx=None, end=None):
    """A plain loop over the bags (the reference, not the code under test)."""
    ids = np.asarray(ids).reshape(-1)
    scale = np.ones(ids.size) if per_sample_weights is None else np.asarray(per_sample_weights).reshape(-1)
    bounds = list(offsets) + [ids.size if end is None else end]
    out = np.zeros((len(offsets), weight.shape[1]))
    for b in range(len(offsets)):
        members = [i for i in range(bounds[b], bounds[b + 1]) if ids[i] != padding_idx]
        if not members:
            continue
        rows = np.stack([weight[ids[i]] * scale[i] for i in members])
        out[b] = {"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0)}[mode]
    return out


def _weight(rng, rows=10, dim=3, requires_grad=False) -> autograd.Tensor:
    return autograd.tensor(
        rng.standard_normal((rows, dim)), dtype=autograd.float64, requires_grad=requires_grad
    )


def _ints(values) -> autograd.Tensor:
    return autograd.tensor(np.asarray(values, dtype=np.int64))


@pytest.fixture
def rng():
    return np.random.default_rng(31)


IDS = [1, 2, 4, 5, 4, 3, 2, 9]
OFFSETS = [0, 2, 2, 5]  # bags [1, 2], [], [4, 5, 4], [3, 2, 9]


# ----------------------------------------------------------------- values


@pytest.mark.parametrize("mode", MODES)
def test_offsets_with_an_empty_bag(rng, mode):
    weight = _weight(rng)
    out = embedding_bag(_ints(IDS), weight, _ints(OFFSETS), mode=mode)
    np.testing.assert_allclose(
        out.detach().numpy(), bag_reference(IDS, weight.numpy(), OFFSETS, mode), rtol=1e-12
    )
    assert (out.detach().numpy()[1] == 0).all()


@pytest.mark.parametrize("mode", MODES)
def test_two_dimensional_input(rng, mode):
    weight = _weight(rng)
    ids = np.array(IDS).reshape(2, 4)
    out = embedding_bag(_ints(ids), weight, mode=mode)
    np.testing.assert_allclose(
        out.detach().numpy(), bag_reference(ids, weight.numpy(), [0, 4], mode), rtol=1e-12
    )


@pytest.mark.parametrize("mode", MODES)
def test_padding_idx_is_left_out(rng, mode):
    weight = _weight(rng)
    out = embedding_bag(_ints(IDS), weight, _ints(OFFSETS), mode=mode, padding_idx=2)
    expected = bag_reference(IDS, weight.numpy(), OFFSETS, mode, padding_idx=2)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    negative = embedding_bag(_ints(IDS), weight, _ints(OFFSETS), mode=mode, padding_idx=-8)  # 10 - 8 = 2
    np.testing.assert_allclose(negative.detach().numpy(), expected, rtol=1e-12)
    only_padding = embedding_bag(_ints([2, 2, 1]), weight, _ints([0, 2]), mode=mode, padding_idx=2)
    assert (only_padding.detach().numpy()[0] == 0).all()  # a bag of padding only is empty: zeros


def test_pinned_pytorch_values():
    # PyTorch 2.13 on weight = arange(30).reshape(10, 3), padding_idx=2
    weight = autograd.tensor(np.arange(30.0).reshape(10, 3))
    mean = embedding_bag(_ints(IDS), weight, _ints(OFFSETS), mode="mean", padding_idx=2).numpy()
    np.testing.assert_array_equal(mean, [[3, 4, 5], [0, 0, 0], [13, 14, 15], [18, 19, 20]])
    top = embedding_bag(_ints(IDS), weight, _ints(OFFSETS), mode="max").numpy()
    np.testing.assert_array_equal(top, [[6, 7, 8], [0, 0, 0], [15, 16, 17], [27, 28, 29]])


def test_include_last_offset(rng):
    weight = _weight(rng)
    full = embedding_bag(_ints(IDS), weight, _ints(OFFSETS + [8]), mode="sum", include_last_offset=True)
    np.testing.assert_allclose(full.numpy(), bag_reference(IDS, weight.numpy(), OFFSETS, "sum"), rtol=1e-12)
    # the last offset ends the last bag: ids past it belong to no bag
    short = embedding_bag(_ints(IDS), weight, _ints([0, 2, 2, 5]), mode="mean", include_last_offset=True)
    expected = bag_reference(IDS, weight.numpy(), [0, 2, 2], "mean", end=5)
    np.testing.assert_allclose(short.numpy(), expected, rtol=1e-12)


def test_per_sample_weights(rng):
    weight = _weight(rng)
    scale = rng.uniform(0.5, 2.0, 8)
    out = embedding_bag(
        _ints(IDS), weight, _ints(OFFSETS), mode="sum", per_sample_weights=autograd.tensor(scale)
    )
    expected = bag_reference(IDS, weight.numpy(), OFFSETS, "sum", per_sample_weights=scale)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    ids = np.array(IDS).reshape(2, 4)
    out = embedding_bag(
        _ints(ids), weight, mode="sum", per_sample_weights=autograd.tensor(scale.reshape(2, 4))
    )
    np.testing.assert_allclose(
        out.numpy(), bag_reference(ids, weight.numpy(), [0, 4], "sum", scale), rtol=1e-12
    )


# ----------------------------------------------------------------- gradients


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_gradcheck_weight(rng, mode, padding_idx):
    weight = _weight(rng, requires_grad=True)  # distinct values: no ties for "max"
    assert autograd.gradcheck(
        lambda w: embedding_bag(_ints(IDS), w, _ints(OFFSETS), mode=mode, padding_idx=padding_idx), [weight]
    )


def test_gradcheck_per_sample_weights(rng):
    weight = _weight(rng, requires_grad=True)
    scale = autograd.tensor(rng.uniform(0.5, 2.0, 8), dtype=autograd.float64, requires_grad=True)
    assert autograd.gradcheck(
        lambda w, s: embedding_bag(
            _ints(IDS), w, _ints(OFFSETS), mode="sum", per_sample_weights=s, padding_idx=3
        ),
        [weight, scale],
    )


def test_per_sample_weights_gradient_without_the_weights(rng):
    weight = _weight(rng)  # a frozen table: only the per-sample weights learn
    scale = autograd.tensor(np.ones(8), dtype=autograd.float64, requires_grad=True)
    embedding_bag(_ints(IDS), weight, _ints([0]), mode="sum", per_sample_weights=scale).sum().backward()
    np.testing.assert_allclose(scale.grad.numpy(), weight.numpy()[IDS].sum(1), rtol=1e-12)


@pytest.mark.parametrize("mode, weighted", [("sum", False), ("mean", False), ("max", False), ("sum", True)])
def test_higher_order_gradients_raise_as_in_pytorch(rng, mode, weighted):
    # PyTorch's gradient of embedding_bag is not differentiable again, in any mode: the recorded pass gives
    # it, and differentiating it stops with a message that says so and names the differentiable way
    weight = _weight(rng, requires_grad=True)
    scale = autograd.tensor(rng.uniform(0.5, 2.0, 8), dtype=autograd.float64, requires_grad=True)
    out = embedding_bag(
        _ints(IDS), weight, _ints(OFFSETS), mode=mode, per_sample_weights=scale if weighted else None
    )
    inputs = [weight, scale] if weighted else [weight]
    recorded = autograd.gradients.grad((out**2).sum(), inputs, create_graph=True, retain_graph=True)
    first = autograd.gradients.grad((out**2).sum(), inputs)  # the plain first derivative
    assert all(g.grad_fn is None for g in first)
    for r, f in zip(recorded, first):
        np.testing.assert_array_equal(r.detach().numpy(), f.numpy())
    with pytest.raises(NotImplementedError, match="embedding_bag's gradient cannot be differentiated again"):
        autograd.gradients.grad(recorded[0].sum(), inputs)


def test_one_bag(rng):
    weight = _weight(rng)
    out = embedding_bag(_ints(IDS), weight, _ints([0]), mode="mean")
    np.testing.assert_allclose(out.numpy(), weight.numpy()[IDS].mean(0, keepdims=True), rtol=1e-12)


def test_gradient_values(rng):
    weight = _weight(rng, requires_grad=True)
    upstream = rng.standard_normal((4, 3))
    (
        embedding_bag(_ints(IDS), weight, _ints(OFFSETS), mode="mean", padding_idx=2)
        * autograd.tensor(upstream)
    ).sum().backward()
    expected = np.zeros((10, 3))
    expected[1] += upstream[0]  # bag 0 is [1, 2] without the padding 2: a mean of one
    expected[4] += 2 * upstream[2] / 3  # bag 2 is [4, 5, 4]
    expected[5] += upstream[2] / 3
    expected[3] += upstream[3] / 2  # bag 3 is [3, 2, 9] without the padding 2
    expected[9] += upstream[3] / 2
    np.testing.assert_allclose(weight.grad.numpy(), expected, rtol=1e-12)


def test_max_gradient_goes_to_the_first_maximum():
    # pinned from PyTorch: ties go to the first position of the bag; a repeated id counts once
    weight = autograd.tensor([[1.0, 5.0], [1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    out = embedding_bag(_ints([[0, 1, 2]]), weight, mode="max")
    np.testing.assert_array_equal(out.detach().numpy(), [[3.0, 5.0]])
    out.sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy(), [[0, 1], [0, 0], [1, 0]])
    repeated = autograd.tensor([[1.0, 5.0], [2.0, 2.0]], requires_grad=True)
    embedding_bag(_ints([[1, 1, 0]]), repeated, mode="max").sum().backward()
    np.testing.assert_array_equal(repeated.grad.numpy(), [[0, 1], [1, 0]])


def test_empty_input(rng):
    weight = _weight(rng, requires_grad=True)
    for mode in MODES:
        out = embedding_bag(_ints([]), weight, _ints([0, 0]), mode=mode)
        np.testing.assert_array_equal(out.detach().numpy(), np.zeros((2, 3)))
        out.sum().backward()
        assert (weight.grad.numpy() == 0).all()


# ----------------------------------------------------------------- module, dtype, errors


def test_module(rng):
    bag = EmbeddingBag(10, 3, mode="sum", padding_idx=-1)
    assert repr(bag) == "EmbeddingBag(10, 3, mode='sum', padding_idx=9)"
    assert repr(EmbeddingBag(10, 3)) == "EmbeddingBag(10, 3, mode='mean')"
    assert list(bag.state_dict()) == ["weight"]
    assert bag.weight.shape == (10, 3) and bag.weight.dtype == autograd.float32
    assert (bag.weight.detach().numpy()[9] == 0).all() and bag.weight.detach().numpy()[:9].std() > 0.3
    out = bag(_ints(IDS), _ints(OFFSETS))
    expected = bag_reference(IDS, bag.weight.detach().numpy(), OFFSETS, "sum", padding_idx=9)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    assert out.dtype == autograd.float32
    given = autograd.tensor(np.arange(6.0).reshape(3, 2), dtype=autograd.float32)
    last = EmbeddingBag(3, 2, mode="max", include_last_offset=True, _weight=given)
    np.testing.assert_array_equal(last(_ints([0, 2, 1]), _ints([0, 2, 3])).detach().numpy(), [[4, 5], [2, 3]])
    assert tt_text.functional.embedding_bag is embedding_bag


def test_module_settings_and_initialisation():
    bag = EmbeddingBag(4, 2, padding_idx=-4)
    assert bag.padding_idx == 0
    assert (bag.max_norm, bag.norm_type, bag.scale_grad_by_freq, bag.sparse) == (None, 2.0, False, False)
    assert (bag.num_embeddings, bag.embedding_dim, bag.mode, bag.include_last_offset) == (4, 2, "mean", False)
    autograd.manual_seed(3)
    drawn = EmbeddingBag(50, 4).weight.detach().numpy()
    autograd.manual_seed(3)
    np.testing.assert_array_equal(
        drawn, tt_tensor.numpy_generator(None).standard_normal((50, 4), dtype=np.float32)
    )
    with pytest.raises(TypeError, match="EmbeddingBag: num_embeddings"):
        EmbeddingBag(4.5, 2)
    with pytest.raises(TypeError, match="EmbeddingBag: embedding_dim"):
        EmbeddingBag(4, 2.5)


def test_padding_idx_zero(rng):
    weight = _weight(rng)
    out = embedding_bag(_ints([0, 1, 0]), weight, _ints([0]), mode="sum", padding_idx=0)
    np.testing.assert_allclose(out.numpy(), weight.numpy()[[1]], rtol=1e-12)


def test_float32_weight_and_float64_per_sample_weights():
    weight = autograd.tensor(np.ones((4, 2)), dtype=autograd.float32, requires_grad=True)
    scale = autograd.tensor([[0.5, 2.0]], dtype=autograd.float64, requires_grad=True)
    out = embedding_bag(_ints([[1, 3]]), weight, mode="sum", per_sample_weights=scale)
    assert out.dtype == autograd.float32
    out.sum().backward()
    assert weight.grad.dtype == autograd.float32 and scale.grad.dtype == autograd.float64
    np.testing.assert_allclose(scale.grad.numpy(), [[2.0, 2.0]])


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        (dict(mode="avg"), ValueError, "mode has to be one of 'sum', 'mean' or 'max'"),
        (
            dict(mode="mean", per_sample_weights=autograd.tensor(np.ones(8))),
            NotImplementedError,
            "only supported for mode='sum'",
        ),
        (dict(offsets=None), ValueError, "a 1-D input needs offsets"),
        (dict(offsets=_ints([1, 2])), ValueError, r"offsets\[0\] has to be 0"),
        (dict(offsets=_ints([0, 5, 2])), ValueError, "non-decreasing"),
        (dict(offsets=_ints([0, 9])), ValueError, "at most the input's length 8"),
        (dict(offsets=_ints([0]), include_last_offset=True), ValueError, "1-D tensor of bag starts"),
        (
            dict(mode="sum", per_sample_weights=autograd.tensor(np.ones(7))),
            ValueError,
            "must have the input's shape",
        ),
        (dict(sparse=True), NotImplementedError, "not supported"),
        (dict(scale_grad_by_freq=True), NotImplementedError, "not supported"),
    ],
)
def test_bad_arguments(rng, arguments, error, match):
    arguments = {"offsets": _ints(OFFSETS), **arguments}
    with pytest.raises(error, match=f"embedding_bag: .*{match}"):
        embedding_bag(_ints(IDS), _weight(rng), **arguments)


def test_bad_inputs(rng):
    weight = _weight(rng)
    with pytest.raises(ValueError, match="with a 2-D input .* offsets has to be None"):
        embedding_bag(_ints([[1, 2]]), weight, _ints([0]))
    with pytest.raises(ValueError, match="input has to be 1-D or 2-D, got 0 dims"):
        embedding_bag(_ints(3), weight, _ints([0]))
    with pytest.raises(IndexError, match="index 12 is out of range for an embedding of 10 rows"):
        embedding_bag(_ints([1, 12]), weight, _ints([0]))
    with pytest.raises(IndexError, match="index 10 is out of range for an embedding of 10 rows"):
        embedding_bag(_ints([0, 10]), weight, _ints([0]))  # the first id past the table, after a valid 0
    with pytest.raises(IndexError, match="index -1 is out of range"):
        embedding_bag(_ints([3, -1]), weight, _ints([0]))
    with pytest.raises(TypeError, match="input must be integers"):
        embedding_bag(autograd.tensor([1.0]), weight, _ints([0]))
    for unsupported in (dict(scale_grad_by_freq=True), dict(sparse=True)):  # (max_norm works)
        with pytest.raises(NotImplementedError, match="EmbeddingBag: scale_grad_by_freq and sparse"):
            EmbeddingBag(4, 2, **unsupported)
    with pytest.raises(ValueError, match="EmbeddingBag: mode has to be one of"):
        EmbeddingBag(4, 2, mode="median")
    with pytest.raises(ValueError, match=r"EmbeddingBag: padding_idx=4 must be in \[-4, 4\)"):
        EmbeddingBag(4, 2, padding_idx=4)
    with pytest.raises(ValueError, match=r"_weight of shape \(3, 2\) must be \(4, 2\)"):
        EmbeddingBag(4, 2, _weight=autograd.tensor(np.ones((3, 2))))
