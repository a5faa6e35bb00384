"""``inplace=True`` of ``nn.functional``'s activations and dropouts, and of their layers: the input is
changed and returned, as in PyTorch (values equal to the out-of-place form's on the same seed, the
same tensor back, its memory and views written, float64 gradients through graph tensors, views and
tensors with live views, leaves refused, nothing written by a dropout that changes nothing, inside
vmap); and a tensor with live views written by ``F.relu_`` & co (its views follow, as PyTorch's).

Not course material (the ``inplace`` branch sits before module 03's and 04's regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_autograd.transforms import grad
from tt_nn import functional as F

# name, functional call with ``inplace``, the layer that passes its ``inplace`` on, input shape
CASES = [
    ("relu", lambda x, i: F.relu(x, inplace=i), lambda: nn.ReLU(inplace=True), (3, 4)),
    ("leaky_relu", lambda x, i: F.leaky_relu(x, 0.2, i), lambda: nn.LeakyReLU(0.2, True), (3, 4)),
    ("silu", lambda x, i: F.silu(x, inplace=i), lambda: nn.SiLU(inplace=True), (3, 4)),
    ("elu", lambda x, i: F.elu(x, 0.7, i), lambda: nn.ELU(0.7, True), (3, 4)),
    ("celu", lambda x, i: F.celu(x, 1.3, i), lambda: nn.CELU(1.3, True), (3, 4)),
    ("selu", lambda x, i: F.selu(x, i), lambda: nn.SELU(True), (3, 4)),
    ("mish", lambda x, i: F.mish(x, i), lambda: nn.Mish(True), (3, 4)),
    ("hardtanh", lambda x, i: F.hardtanh(x, -0.5, 0.8, i), lambda: nn.Hardtanh(-0.5, 0.8, True), (3, 4)),
    ("relu6", lambda x, i: F.relu6(x, i), lambda: nn.ReLU6(True), (3, 4)),
    ("hardsigmoid", lambda x, i: F.hardsigmoid(x, i), lambda: nn.Hardsigmoid(True), (3, 4)),
    ("hardswish", lambda x, i: F.hardswish(x, i), lambda: nn.Hardswish(True), (3, 4)),
    ("threshold", lambda x, i: F.threshold(x, 0.1, -2.0, i), lambda: nn.Threshold(0.1, -2.0, True), (3, 4)),
    ("rrelu", lambda x, i: F.rrelu(x, 0.1, 0.3, True, i), lambda: nn.RReLU(0.1, 0.3, True).train(), (3, 4)),
    ("dropout", lambda x, i: F.dropout(x, 0.3, True, i), lambda: nn.Dropout(0.3, True).train(), (3, 4)),
    (
        "dropout1d",
        lambda x, i: F.dropout1d(x, 0.3, True, i),
        lambda: nn.Dropout1d(0.3, True).train(),
        (2, 3, 4),
    ),
    (
        "dropout2d",
        lambda x, i: F.dropout2d(x, 0.3, True, i),
        lambda: nn.Dropout2d(0.3, True).train(),
        (2, 3, 2, 2),
    ),
    (
        "dropout3d",
        lambda x, i: F.dropout3d(x, 0.3, True, i),
        lambda: nn.Dropout3d(0.3, True).train(),
        (2, 3, 1, 2, 2),
    ),
    (
        "alpha_dropout",
        lambda x, i: F.alpha_dropout(x, 0.3, True, i),
        lambda: nn.AlphaDropout(0.3, True).train(),
        (3, 4),
    ),
    (
        "feature_alpha_dropout",
        lambda x, i: F.feature_alpha_dropout(x, 0.3, True, i),
        lambda: nn.FeatureAlphaDropout(0.3, True).train(),
        (2, 3, 2),
    ),
]
IDS = [case[0] for case in CASES]


def _values(shape: tuple[int, ...], seed: int = 7) -> np.ndarray:
    """Values away from every kink of the cases (0, -0.5, 0.8, 0.1, ±3, 6)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 1.9, shape) * np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return np.where(np.abs(np.abs(x) - 0.5) < 0.03, 1.2, np.where(np.abs(x - 0.8) < 0.03, 1.3, x))


def _seeded(call, x, inplace: bool):
    autograd.manual_seed(11)  # (the random cases draw the same masks and slopes on both sides)
    return call(x, inplace)


@pytest.mark.parametrize(("name", "call", "layer", "shape"), CASES, ids=IDS)
def test_the_input_is_written_and_returned(name, call, layer, shape):
    values = _values(shape)
    expected = _seeded(call, autograd.tensor(values.copy()), False).numpy()
    assert not np.allclose(expected, values)  # (each case changes its input)
    x = autograd.tensor(values.copy())
    view = x[1]
    out = _seeded(call, x, True)
    assert out is x
    np.testing.assert_array_equal(x.numpy(), expected)
    np.testing.assert_array_equal(view.numpy(), expected[1])  # the memory itself was written
    assert x._version == 1
    y = autograd.tensor(values.copy())
    autograd.manual_seed(11)
    assert layer()(y) is y
    np.testing.assert_array_equal(y.numpy(), expected)


@pytest.mark.parametrize(("name", "call", "layer", "shape"), CASES, ids=IDS)
def test_recorded_on_a_graph_tensor_with_its_gradient(name, call, layer, shape, check_grad):
    a = autograd.tensor(_values(shape), dtype=autograd.float64, requires_grad=True)
    hidden = a * 1.0
    out = _seeded(call, hidden, True)
    assert out is hidden and hidden.grad_fn is not None
    (hidden * hidden).sum().backward()
    inplace_grad = a.grad.numpy().copy()
    a.grad = None
    (_seeded(call, a * 1.0, False) ** 2).sum().backward()
    np.testing.assert_allclose(inplace_grad, a.grad.numpy(), rtol=1e-12)
    check_grad(lambda z: _seeded(call, z * 1.0, True), a)


@pytest.mark.parametrize(("name", "call", "layer", "shape"), CASES, ids=IDS)
def test_a_view_and_a_tensor_with_live_views(name, call, layer, shape, check_grad):
    a = autograd.tensor(_values(shape), dtype=autograd.float64, requires_grad=True)
    expected = _seeded(call, a.detach() * 1.0, False).numpy()

    def through_a_view(z):
        y = z * 1.0
        _seeded(call, y[1:], True)  # the base's history is rewritten (PyTorch's CopySlices)
        return y

    y = through_a_view(a)
    np.testing.assert_allclose(y[1:].detach().numpy(), _seeded(call, a.detach()[1:] * 1.0, False).numpy())
    np.testing.assert_array_equal(y[0].detach().numpy(), a.detach().numpy()[0])
    check_grad(through_a_view, a)

    def with_a_live_view(z):
        y = z * 1.0
        first = y[:1]  # taken before the write: it reads the new values and differentiates them
        _seeded(call, y, True)
        return first * 3.0

    np.testing.assert_allclose(with_a_live_view(a).detach().numpy(), 3.0 * expected[:1], rtol=1e-12)
    check_grad(with_a_live_view, a)


@pytest.mark.parametrize(("name", "call", "layer", "shape"), CASES, ids=IDS)
def test_a_leaf_that_requires_grad_is_refused(name, call, layer, shape):
    x = autograd.tensor(_values(shape), requires_grad=True)
    leaf_error = rf"{name}\(inplace=True\): in-place operation on a leaf tensor that requires grad"
    with pytest.raises(RuntimeError, match=leaf_error):
        call(x, True)
    with pytest.raises(RuntimeError, match="a leaf tensor that requires grad"):
        layer()(x)
    with autograd.no_grad():
        assert _seeded(call, x, True) is x  # allowed outside grad mode, as in PyTorch
    assert x.grad_fn is None and x._version == 1


def test_a_dropout_that_changes_nothing_returns_its_input_unwritten():
    x = autograd.tensor(_values((3, 4)), requires_grad=True)  # (a leaf: a write would be refused)
    assert F.dropout(x, 0.5, training=False, inplace=True) is x
    assert F.dropout(x, 0.0, training=True, inplace=True) is x
    assert nn.Dropout(0.5, inplace=True).eval()(x) is x
    assert F.alpha_dropout(x, 0.5, training=False, inplace=True) is x
    assert x._version == 0
    with pytest.raises(ValueError, match="between 0 and 1"):  # the arguments are still checked
        F.dropout(x, 2.0, training=False, inplace=True)


def test_a_graph_that_saved_the_input_refuses_backward_after_an_unrecorded_write():
    w = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = autograd.tensor([-1.0, 2.0, -3.0])
    y = (w * x).sum()  # mul saves x for w's gradient
    nn.ReLU(inplace=True)(x)
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()


def test_inside_vmap_and_vmap_of_grad():
    batch = autograd.tensor(_values((4, 3)))
    relu = nn.ReLU(inplace=True)
    np.testing.assert_array_equal(
        autograd.vmap(lambda t: relu(t * 1))(batch).numpy(), np.maximum(batch.numpy(), 0)
    )
    per_sample = autograd.vmap(grad(lambda t: (relu(t * t - 1.0) * t).sum()))(batch)
    t = batch.numpy()
    expected = np.where(t * t - 1.0 > 0, 2 * t * t + (t * t - 1.0), 0.0)
    np.testing.assert_allclose(per_sample.numpy(), expected, rtol=1e-6)


def test_copy_of_a_batched_tensor_inside_vmap():
    batch = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])

    def write(t):
        y = t * 1
        y[:1].copy_(t[1:] * 10)  # a sample's values, into a view of a sample's tensor
        y.copy_(y + autograd.tensor([0.5, 0.0]))  # a value shared by all samples, broadcast
        return y

    np.testing.assert_array_equal(autograd.vmap(write)(batch).numpy(), [[20.5, 2.0], [40.5, 4.0]])

    def into_integers(t):
        y = (t * 1).long()
        y.copy_(t * 3.7)  # float64 values into an int64 tensor: cast, truncated (PyTorch's copy_)
        return y

    out = autograd.vmap(into_integers)(batch.double())
    assert out.dtype == autograd.int64
    np.testing.assert_array_equal(out.numpy(), [[3, 7], [11, 14]])


@pytest.mark.parametrize(
    ("name", "args"),
    [("relu_", ()), ("elu_", (0.7,)), ("hardtanh_", (-0.5, 0.8)), ("threshold_", (0.1, -2.0))],
)
def test_in_place_forms_on_a_tensor_with_live_views(name, args, check_grad):
    a = autograd.tensor(_values((3, 4)), dtype=autograd.float64, requires_grad=True)

    def with_a_live_view(z):
        y = z * 1.0
        first = y[0]
        getattr(F, name)(y, *args)
        return first

    expected = getattr(F, name.rstrip("_"))(a.detach()[0] * 1.0, *args).numpy()
    np.testing.assert_allclose(with_a_live_view(a).detach().numpy(), expected, rtol=1e-12)
    check_grad(with_a_live_view, a)
