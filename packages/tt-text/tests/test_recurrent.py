"""``RNN``, ``LSTM`` and ``GRU`` (everyday torch API: the word-language-model example's layers).

Outputs are compared with a NumPy reference that runs PyTorch's documented
cell equations one time step at a time; gradients are gradchecked in float64
(backpropagation through time of the composed primitives).

Not course material (the code sits outside the solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import GRU, LSTM, RNN


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference(kind, layers, x, h0, c0=None):
    """PyTorch's equations, per layer and time step; ``layers`` holds (W_ih, W_hh, b_ih, b_hh) per layer."""
    hs, cs = [], []
    for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(layers):
        h, c, out = h0[k], None if c0 is None else c0[k], []
        for t in range(x.shape[0]):
            gi, gh = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
            if kind == "RNN":
                h = np.tanh(gi + gh)
            elif kind == "LSTM":
                i, f, g, o = np.split(gi + gh, 4, axis=-1)
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
            else:
                (ir, iz, i_n), (hr, hz, h_n) = np.split(gi, 3, axis=-1), np.split(gh, 3, axis=-1)
                r, z = _sigmoid(ir + hr), _sigmoid(iz + hz)
                h = (1 - z) * np.tanh(i_n + r * h_n) + z * h
            out.append(h)
        x = np.stack(out)
        hs.append(h)
        cs.append(c)
    return x, np.stack(hs), None if c0 is None else np.stack(cs)


def _layers(module):
    return [
        tuple(getattr(module, f"{name}_l{k}").detach().numpy().astype(np.float64)
              for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        for k in range(module.num_layers)
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_outputs_match_the_documented_equations(kind):
    rng = np.random.default_rng(4)
    module = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[kind](3, 5, num_layers=2)
    x = rng.standard_normal((6, 2, 3)).astype(np.float32)
    h0 = rng.standard_normal((2, 2, 5)).astype(np.float32)
    c0 = rng.standard_normal((2, 2, 5)).astype(np.float32) if kind == "LSTM" else None
    hx = autograd.tensor(h0) if c0 is None else (autograd.tensor(h0), autograd.tensor(c0))
    output, state = module(autograd.tensor(x), hx)
    expected, h_n, c_n = reference(kind, _layers(module), x.astype(np.float64), h0, c0)
    np.testing.assert_allclose(output.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    h_out = state[0] if kind == "LSTM" else state
    np.testing.assert_allclose(h_out.detach().numpy(), h_n, rtol=1e-5, atol=1e-6)
    if kind == "LSTM":
        np.testing.assert_allclose(state[1].detach().numpy(), c_n, rtol=1e-5, atol=1e-6)
    assert sorted(module.state_dict()) == sorted(
        f"{w}_l{k}" for k in range(2) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_backpropagation_through_time(cls):
    module = cls(2, 3, num_layers=2).to(autograd.float64)
    x = autograd.tensor(np.random.default_rng(1).standard_normal((4, 2, 2)), requires_grad=True)
    h0 = autograd.tensor(np.random.default_rng(2).standard_normal((2, 2, 3)), requires_grad=True)
    weights = autograd.arange(24.0, dtype=autograd.float64).reshape(4, 2, 3) / 10

    def loss(*_):
        hx = h0 if cls is not LSTM else (h0, h0 * 0.5)
        return (module(x, hx)[0] * weights).sum()

    # gradcheck perturbs its inputs in place, so the module's own parameters can be inputs too
    inputs = [x, h0, module.weight_ih_l0, module.weight_hh_l0, module.bias_hh_l1]
    assert autograd.gradcheck(loss, inputs) is True


def test_batch_first_unbatched_and_zero_initial_state():
    rng = np.random.default_rng(2)
    module = GRU(3, 4, batch_first=True, bias=False)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    out, h_n = module(autograd.tensor(x))
    assert out.shape == (2, 5, 4) and h_n.shape == (1, 2, 4)
    single, _ = module(autograd.tensor(x[:1]))
    np.testing.assert_allclose(single.detach().numpy()[0], out.detach().numpy()[0], rtol=1e-5, atol=1e-6)
    module.batch_first = False
    time_major, _ = module(autograd.tensor(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(
        out.detach().numpy(), time_major.detach().numpy().transpose(1, 0, 2), rtol=1e-5, atol=1e-6
    )
    unbatched_out, unbatched_h = LSTM(3, 4)(autograd.tensor(x[0]))
    assert unbatched_out.shape == (5, 4) and unbatched_h[0].shape == (1, 4)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"LSTM: expected input of shape \(L, N, 3\)"):
        LSTM(3, 4)(autograd.zeros(2, 2, 5))
    with pytest.raises(ValueError, match=r"GRU: expected hidden state of shape \(1, 2, 4\)"):
        GRU(3, 4)(autograd.zeros(5, 2, 3), autograd.zeros(2, 2, 4))
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu'"):
        RNN(3, 4, nonlinearity="gelu")
    assert repr(LSTM(3, 4, num_layers=2, batch_first=True)) == "LSTM(3, 4, num_layers=2, batch_first=True)"


@pytest.mark.parametrize("layer", [RNN, LSTM, GRU])
@pytest.mark.parametrize("flag", ["bias", "batch_first"])
@pytest.mark.parametrize("value", [np.True_, 1, "yes"])
def test_bias_and_batch_first_must_be_python_bools_as_pytorch(layer, flag, value):
    with pytest.raises(TypeError, match=rf"{layer.__name__}: argument '{flag}' must be bool"):
        layer(2, 3, **{flag: value})


@pytest.mark.parametrize("layer", [RNN, LSTM, GRU])
def test_bidirectional_is_read_by_its_truth_as_pytorch(layer):
    assert layer(2, 3, bidirectional=np.True_).bidirectional is True
    out = layer(2, 3, bidirectional=1, batch_first=True)(autograd.zeros(4, 5, 2))[0]
    assert out.shape == (4, 5, 6)
