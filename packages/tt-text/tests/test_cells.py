"""``RNNCell``, ``LSTMCell`` and ``GRUCell``: one step against NumPy float64 equations and the layers.

The reference writes PyTorch's documented cell equations in NumPy float64;
a cell loaded (by ``state_dict``) with a one-layer ``RNN``/``LSTM``/``GRU``'s
weights must reproduce that layer's time steps; gradients are gradchecked
through three unrolled steps in float64.

Not course material (outside module 13's solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

CELLS = {"RNN": RNNCell, "RNN_RELU": RNNCell, "LSTM": LSTMCell, "GRU": GRUCell}
LAYERS = {"RNN": RNN, "RNN_RELU": RNN, "LSTM": LSTM, "GRU": GRU}


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261205)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference_step(kind, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's cell equations: ``(h', c')`` (``c'`` None unless LSTM)."""
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    if kind == "RNN":
        return np.tanh(gi + gh), None
    if kind == "RNN_RELU":
        return np.maximum(gi + gh, 0.0), None
    if kind == "LSTM":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    (x_r, x_z, x_n), (h_r, h_z, h_n) = np.split(gi, 3, axis=-1), np.split(gh, 3, axis=-1)
    r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
    return (1.0 - z) * np.tanh(x_n + r * h_n) + z * h, None


def _make(kind, *args, **kwargs):
    if kind == "RNN_RELU":
        kwargs["nonlinearity"] = "relu"
    return CELLS[kind](*args, **kwargs)


def _weights(cell):
    get = lambda p: np.zeros(cell.weight_ih.shape[0]) if p is None else p.detach().numpy().astype(np.float64)  # noqa: E731
    return [get(cell.weight_ih), get(cell.weight_hh), get(cell.bias_ih), get(cell.bias_hh)]


def _call(cell, kind, x, h, c):
    hx = None if h is None else ((h, c) if kind == "LSTM" else h)
    out = cell(x, hx)
    return out if kind == "LSTM" else (out, None)


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
def test_one_step_matches_the_numpy_equations(rng, kind, bias):
    cell = _make(kind, 3, 5, bias=bias)
    x = rng.standard_normal((4, 3))
    h, c = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    h_new, c_new = _call(
        cell,
        kind,
        autograd.tensor(x, dtype=autograd.float32),
        autograd.tensor(h, dtype=autograd.float32),
        autograd.tensor(c, dtype=autograd.float32),
    )
    assert h_new.dtype == autograd.float32
    x32, h32, c32 = (a.astype(np.float32).astype(np.float64) for a in (x, h, c))
    h_ref, c_ref = reference_step(kind, x32, h32, c32, *_weights(cell))
    np.testing.assert_allclose(h_new.detach().numpy(), h_ref, rtol=1e-5, atol=1e-6)
    if kind == "LSTM":
        np.testing.assert_allclose(c_new.detach().numpy(), c_ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", list(CELLS))
def test_float64_values_and_zero_default_state(rng, kind):
    cell = _make(kind, 3, 5).to(autograd.float64)
    x = rng.standard_normal((2, 3))
    h_new, c_new = _call(cell, kind, autograd.tensor(x), None, None)
    h_ref, c_ref = reference_step(kind, x, np.zeros((2, 5)), np.zeros((2, 5)), *_weights(cell))
    np.testing.assert_allclose(h_new.detach().numpy(), h_ref, rtol=1e-12, atol=1e-14)
    if kind == "LSTM":
        np.testing.assert_allclose(c_new.detach().numpy(), c_ref, rtol=1e-12, atol=1e-14)
    assert h_new.dtype == autograd.float64


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_steps_equal_the_layers_time_steps(rng, kind):
    layer = LAYERS[kind](3, 5, **({"nonlinearity": "relu"} if kind == "RNN_RELU" else {}))
    cell = _make(kind, 3, 5)
    missing, unexpected = cell.load_state_dict({k[: -len("_l0")]: v for k, v in layer.state_dict().items()})
    assert not missing and not unexpected
    x = autograd.tensor(rng.standard_normal((4, 2, 3)), dtype=autograd.float32)
    h0 = autograd.tensor(rng.standard_normal((1, 2, 5)), dtype=autograd.float32)
    c0 = autograd.tensor(rng.standard_normal((1, 2, 5)), dtype=autograd.float32)
    output, state = layer(x, (h0, c0) if kind == "LSTM" else h0)
    h, c = h0[0], c0[0]
    for t in range(4):
        h, c = _call(cell, kind, x[t], h, c)
        np.testing.assert_allclose(h.detach().numpy(), output[t].detach().numpy(), rtol=1e-6, atol=1e-6)
    if kind == "LSTM":
        np.testing.assert_allclose(c.detach().numpy(), state[1][0].detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", list(CELLS))
def test_unbatched_input_and_state(rng, kind):
    cell = _make(kind, 3, 4)
    x = autograd.tensor(rng.standard_normal(3), dtype=autograd.float32)
    h = autograd.tensor(rng.standard_normal(4), dtype=autograd.float32)
    single, single_c = _call(cell, kind, x, h, h * 0.5)
    batched, batched_c = _call(cell, kind, x.unsqueeze(0), h.unsqueeze(0), h.unsqueeze(0) * 0.5)
    assert single.shape == (4,)
    np.testing.assert_allclose(single.detach().numpy(), batched.detach().numpy()[0], rtol=1e-6)
    if kind == "LSTM":
        assert single_c.shape == (4,)
        np.testing.assert_allclose(single_c.detach().numpy(), batched_c.detach().numpy()[0], rtol=1e-6)
    default, _ = _call(cell, kind, x, None, None)
    assert default.shape == (4,)


@pytest.mark.parametrize("kind", list(CELLS))
def test_gradcheck_through_three_unrolled_steps(rng, kind):
    cell = _make(kind, 2, 3).to(autograd.float64)
    xs = autograd.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = autograd.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    c0 = autograd.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    weights = autograd.arange(6.0, dtype=autograd.float64).reshape(2, 3) / 5 - 0.4

    def loss(*_):
        h, c = h0, c0
        total = 0.0
        for t in range(3):
            h, c = _call(cell, kind, xs[t], h, c)
            total = total + (h * weights).sum() + (0.0 if c is None else (c * weights).sum())
        return total

    # gradcheck perturbs its inputs in place, so the cell's own parameters can be inputs too
    inputs = [xs, h0, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    if kind == "LSTM":
        inputs.append(c0)
    assert autograd.gradcheck(loss, inputs) is True


@pytest.mark.parametrize(("kind", "gates"), [("RNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_parameters_names_shapes_and_init(kind, gates):
    cell = _make(kind, 10, 20)
    shapes = {k: tuple(v.shape) for k, v in cell.state_dict().items()}
    assert shapes == {
        "weight_ih": (gates * 20, 10),
        "weight_hh": (gates * 20, 20),
        "bias_ih": (gates * 20,),
        "bias_hh": (gates * 20,),
    }
    bound = 1 / math.sqrt(20)
    values = np.concatenate([p.detach().numpy().ravel() for p in cell.parameters()])
    assert values.dtype == np.float32
    assert values.min() >= -bound and values.max() <= bound
    assert values.max() > 0.9 * bound and values.min() < -0.9 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.1 * bound  # uniform, not normal or constant
    no_bias = _make(kind, 10, 20, bias=False)
    assert list(no_bias.state_dict()) == ["weight_ih", "weight_hh"]
    assert no_bias.bias_ih is None and no_bias.bias_hh is None


@pytest.mark.parametrize("cls", [RNNCell, LSTMCell, GRUCell])
def test_sizes_of_one(cls):
    out = cls(1, 1)(autograd.ones(1))
    assert (out[0] if cls is LSTMCell else out).shape == (1,)


def test_reprs_are_pytorchs():
    assert repr(LSTMCell(10, 20)) == "LSTMCell(10, 20)"
    assert repr(RNNCell(10, 20)) == "RNNCell(10, 20)"
    assert (
        repr(RNNCell(10, 20, bias=False, nonlinearity="relu"))
        == "RNNCell(10, 20, bias=False, nonlinearity=relu)"
    )
    assert repr(GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"


def test_errors_name_the_cell_and_shapes():
    with pytest.raises(
        ValueError, match=r"LSTMCell: expected input of shape \(N, 3\) or \(3,\), got \(2, 5\)"
    ):
        LSTMCell(3, 4)(autograd.zeros(2, 5))
    with pytest.raises(
        ValueError, match=r"GRUCell: expected input of shape \(N, 3\) or \(3,\), got \(1, 2, 3\)"
    ):
        GRUCell(3, 4)(autograd.zeros(1, 2, 3))
    with pytest.raises(
        ValueError, match=r"RNNCell: expected hx of shape \(2, 4\) for input of shape \(2, 3\), got \(3, 4\)"
    ):
        RNNCell(3, 4)(autograd.zeros(2, 3), autograd.zeros(3, 4))
    with pytest.raises(
        ValueError, match=r"GRUCell: expected hx of shape \(4,\) for input of shape \(3,\), got \(1, 4\)"
    ):
        GRUCell(3, 4)(autograd.zeros(3), autograd.zeros(1, 4))
    with pytest.raises(ValueError, match=r"LSTMCell: expected c of shape \(2, 4\)"):
        LSTMCell(3, 4)(autograd.zeros(2, 3), (autograd.zeros(2, 4), autograd.zeros(2, 5)))
    with pytest.raises(TypeError, match=r"LSTMCell: hx must be a tuple \(h, c\) of two tensors, got Tensor"):
        LSTMCell(3, 4)(autograd.zeros(2, 3), autograd.zeros(2, 4))
    with pytest.raises(ValueError, match="RNNCell: nonlinearity must be 'tanh' or 'relu', got 'gelu'"):
        RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="GRUCell: input_size and hidden_size must be positive, got 0 and 4"):
        GRUCell(0, 4)
    with pytest.raises(
        ValueError, match="LSTMCell: input_size and hidden_size must be positive, got 3 and 0"
    ):
        LSTMCell(3, 0)
