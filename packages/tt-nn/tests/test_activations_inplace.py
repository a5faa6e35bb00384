"""The in-place activations ``F.relu_``, ``F.leaky_relu_``, ``F.elu_``, ``F.celu_``, ``F.selu_``,
``F.hardtanh_``, ``F.threshold_``, ``F.rrelu_`` (values, the same tensor returned, memory and views
written, version counters, leaves refused, recorded on graph tensors with float64 gradients) and
``F.gumbel_softmax`` (values against a NumPy reference on the same seeded draws, reproducibility, the
Gumbel-max frequencies, hard one-hots with the soft gradient, float64 gradients, dtype, errors).

Not course material (outside module 03's solution regions), so no module number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_nn import functional as F

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

# name, extra arguments, NumPy reference of the same formula (x away from the kinks in the tests)
INPLACE = [
    ("relu_", (), lambda x: np.maximum(x, 0)),
    ("leaky_relu_", (0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu_", (1.5,), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x))),
    ("celu_", (2.0,), lambda x: np.where(x > 0, x, 2.0 * np.expm1(x / 2.0))),
    ("selu_", (), lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    ("hardtanh_", (-0.5, 0.75), lambda x: np.clip(x, -0.5, 0.75)),
    ("threshold_", (0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0)),
    ("rrelu_", (0.1, 0.3), lambda x: np.where(x > 0, x, 0.2 * x)),  # eval mode: the mean slope
]
IDS = [case[0] for case in INPLACE]


def _away_from_kinks(rng, shape) -> np.ndarray:
    x = rng.uniform(0.05, 2.0, shape) * np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return np.where(np.abs(x - 0.3) < 0.05, 0.5, x)  # not at threshold_'s 0.3, -0.5 or 0.75 either
    # (-0.5 and 0.75 are hit with probability 0 by a continuous draw)


@pytest.mark.parametrize(("name", "args", "reference"), INPLACE, ids=IDS)
def test_writes_into_the_tensor_and_returns_it(rng, check, name, args, reference):
    values = _away_from_kinks(rng, (3, 4))
    base = autograd.tensor(values.copy(), dtype=autograd.float64)
    view = base[1]
    out = getattr(F, name)(view, *args)
    assert out is view
    check(base[1], reference(values[1]), rtol=1e-12)
    check(base[0], values[0], rtol=0)  # only the view's row changed
    assert base._version == 1


@pytest.mark.parametrize(("name", "args", "reference"), INPLACE, ids=IDS)
def test_recorded_on_a_graph_tensor(rng, check, check_grad, leaf, name, args, reference):
    a = autograd.tensor(_away_from_kinks(rng, (2, 5)), dtype=autograd.float64, requires_grad=True)
    hidden = a * 1.0
    out = getattr(F, name)(hidden, *args)
    assert out is hidden and hidden.grad_fn is not None
    check(hidden, reference(a.detach().numpy()), rtol=1e-12)
    check_grad(lambda z: getattr(F, name)(z * 1.0, *args), a)


def test_recorded_gradient_values(rng, check):
    a = autograd.tensor(_away_from_kinks(rng, (6,)), dtype=autograd.float64, requires_grad=True)
    hidden = a * 2.0
    hidden.retain_grad()
    F.elu_(hidden, 1.5)
    (hidden * 3.0).sum().backward()
    x = 2.0 * a.detach().numpy()
    check(a.grad, 6.0 * np.where(x > 0, 1.0, 1.5 * np.exp(x)), rtol=1e-12)
    check(hidden.grad, np.full(6, 3.0))  # retain_grad follows the new version


def test_a_view_written_in_place_changes_its_base_and_the_base_gradient(leaf):
    x = leaf(2, 3)
    y = x * 1.0
    assert F.relu_(y[1]) is not None  # a view: the base's history is rewritten (PyTorch's CopySlices)
    values = x.detach().numpy()
    np.testing.assert_array_equal(y.detach().numpy(), [values[0], np.maximum(values[1], 0.0)])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0] * 3, (values[1] > 0).astype(float)])


@pytest.mark.parametrize("name", IDS)
def test_a_leaf_that_requires_grad_is_refused(leaf, name):
    x = leaf(3)
    args = dict(INPLACE_ARGS)[name]
    with pytest.raises(
        RuntimeError,
        match=rf"{name}: in-place operation on a leaf tensor that requires grad; do it under tt.no_grad",
    ):
        getattr(F, name)(x, *args)
    with autograd.no_grad():
        assert getattr(F, name)(x, *args) is x
    assert x.requires_grad and x.grad_fn is None


INPLACE_ARGS = [(case[0], case[1]) for case in INPLACE]


def test_a_saved_tensor_changed_in_place_stops_backward(leaf):
    w = leaf(3)
    x = autograd.tensor([-1.0, 2.0, -3.0], dtype=autograd.float64)
    y = (w * x).sum()  # mul saves x for w's gradient
    F.relu_(x)
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()


def test_rrelu_training_draws_like_rrelu(rng):
    values = -np.abs(rng.standard_normal(50))
    autograd.manual_seed(4)
    expected = F.rrelu(autograd.tensor(values), 0.1, 0.3, training=True).numpy()
    autograd.manual_seed(4)
    x = autograd.tensor(values)
    F.rrelu_(x, 0.1, 0.3, training=True)
    np.testing.assert_array_equal(x.numpy(), expected)
    assert len(np.unique(expected / values)) > 10  # the slopes were drawn, not the mean


def test_dtypes_are_kept():
    x = autograd.tensor([-1.5, 0.5], dtype=autograd.float32)
    assert F.elu_(x).dtype == autograd.float32 and x.dtype == autograd.float32
    integers = autograd.tensor([-2, 3])
    assert F.relu_(integers) is integers
    np.testing.assert_array_equal(integers.numpy(), [0, 3])
    assert integers.dtype == autograd.int64


def test_inplace_bad_input():
    with pytest.raises(TypeError, match="relu_: argument 'input' must be a Tensor"):
        F.relu_([1.0, -1.0])
    with pytest.raises(TypeError, match="elu: 'input' must be a floating-point tensor"):
        F.elu_(autograd.tensor([1, 2]))


# ----------------------------------------------------------------- gumbel_softmax


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _gumbel_reference(logits: np.ndarray, seed: int, tau: float, axis: int) -> np.ndarray:
    autograd.manual_seed(seed)
    gumbels = -np.log(tt_tensor.numpy_generator(None).standard_exponential(logits.shape))
    return _softmax((logits + gumbels) / tau, axis)


@pytest.mark.parametrize(("tau", "dim"), [(1.0, -1), (0.5, 0), (2.0, 1)])
def test_gumbel_softmax_values(rng, check, tau, dim):
    logits = rng.standard_normal((4, 5))
    expected = _gumbel_reference(logits, 11, tau, dim)
    autograd.manual_seed(11)
    out = F.gumbel_softmax(autograd.tensor(logits, dtype=autograd.float64), tau=tau, dim=dim)
    check(out, expected, rtol=1e-12)
    check(out.sum(dim), np.ones(expected.sum(dim).shape), rtol=1e-12)


def test_gumbel_softmax_default_is_tau_1_on_the_last_dim(rng, check):
    logits = rng.standard_normal((2, 3, 4))
    expected = _gumbel_reference(logits, 2, 1.0, -1)
    autograd.manual_seed(2)
    check(F.gumbel_softmax(autograd.tensor(logits, dtype=autograd.float64)), expected, rtol=1e-12)


def test_gumbel_softmax_is_reproducible_and_random(rng):
    logits = autograd.tensor(rng.standard_normal((3, 6)))
    autograd.manual_seed(5)
    first = F.gumbel_softmax(logits).numpy()
    second = F.gumbel_softmax(logits).numpy()
    autograd.manual_seed(5)
    np.testing.assert_array_equal(F.gumbel_softmax(logits).numpy(), first)
    assert not np.allclose(first, second)


def test_gumbel_max_frequencies_follow_softmax():
    # the argmax of logits + Gumbel noise is a sample of softmax(logits) (the Gumbel-max trick)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    autograd.manual_seed(0)
    hard = F.gumbel_softmax(autograd.tensor(np.tile(logits, (20000, 1))), tau=0.3, hard=True).numpy()
    np.testing.assert_allclose(hard.mean(0), [0.1, 0.2, 0.3, 0.4], atol=0.015)


@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient(rng, dim):
    logits = rng.standard_normal((3, 4))
    soft_x = autograd.tensor(logits, dtype=autograd.float64, requires_grad=True)
    hard_x = autograd.tensor(logits, dtype=autograd.float64, requires_grad=True)
    weights = autograd.tensor(rng.standard_normal((3, 4)), dtype=autograd.float64)
    autograd.manual_seed(8)
    soft = F.gumbel_softmax(soft_x, tau=0.5, dim=dim)
    autograd.manual_seed(8)
    hard = F.gumbel_softmax(hard_x, tau=0.5, hard=True, dim=dim)
    picked = soft.detach().numpy().argmax(dim)
    expected = np.moveaxis(np.eye(soft.shape[dim])[picked], -1, dim)
    np.testing.assert_array_equal(hard.detach().numpy(), expected)  # exactly 0 and 1
    (soft * weights).sum().backward()
    (hard * weights).sum().backward()
    np.testing.assert_allclose(hard_x.grad.numpy(), soft_x.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(("tau", "dim"), [(1.0, -1), (0.7, 0)])
def test_gumbel_softmax_gradcheck(leaf, check_grad, tau, dim):
    def sample(z):
        autograd.manual_seed(3)  # the same noise at every evaluation
        return F.gumbel_softmax(z, tau=tau, dim=dim)

    check_grad(sample, leaf(3, 4))


def test_gumbel_softmax_dtype_and_errors():
    autograd.manual_seed(0)
    out = F.gumbel_softmax(autograd.tensor([[0.5, 1.0, -1.0]], dtype=autograd.float32), hard=True)
    assert out.dtype == autograd.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default eps does not warn
        F.gumbel_softmax(autograd.tensor([0.5, 1.0]))
    with pytest.warns(UserWarning, match="eps argument is deprecated") as caught:
        F.gumbel_softmax(autograd.tensor([0.5, 1.0]), eps=1e-5)
    assert caught[0].filename == __file__  # the warning points at the caller
    with pytest.raises(TypeError, match="gumbel_softmax: 'logits' must be a floating-point tensor"):
        F.gumbel_softmax(autograd.tensor([1, 2]))
    with pytest.raises(IndexError, match="gumbel_softmax"):
        F.gumbel_softmax(autograd.tensor([0.5, 1.0]), dim=2)
