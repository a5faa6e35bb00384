"""``bidirectional=True`` for ``RNN``/``LSTM``/``GRU`` and ``LSTM(proj_size=P)``, as PyTorch's.

A bidirectional layer is checked against a slow reference built from two
unidirectional one-layer TinyTorch modules holding the same weights, the second
run on the time-flipped input (and its output flipped back), layer by layer.
The projection is checked against PyTorch's documented equations in NumPy
(``h = W_hr (o * tanh(c))``). Gradients are gradchecked in float64.

Not course material (the code sits outside the solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.rnn_utils import PackedSequence, pack_padded_sequence, pad_packed_sequence
from tt_text import GRU, LSTM, RNN

NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")


def _make(kind, *args, **kwargs):
    if kind == "RNN_RELU":
        return RNN(*args, nonlinearity="relu", **kwargs)
    return {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[kind](*args, **kwargs)


def _direction(module, layer, suffix, width):
    """A one-layer unidirectional module holding ``module``'s weights of one layer and direction."""
    kind = {"RNN_TANH": "RNN", "RNN_RELU": "RNN_RELU"}.get(module.mode, module.mode)
    single = _make(kind, width, module.hidden_size, bias=module.bias, proj_size=module.proj_size)
    single = single.to(autograd.float64)
    for name in NAMES:
        source = getattr(module, f"{name}_l{layer}{suffix}", None)
        if source is not None:
            getattr(single, f"{name}_l0").data = source.detach().numpy().copy()
    return single


def slow_reference(module, x, h0, c0=None, drop_between=False):
    """``(output, h_n, c_n)`` of a bidirectional ``module`` on time-major ``x``, direction by direction."""
    hs, cs = [], []
    for layer in range(module.num_layers):
        outputs = []
        for row, (suffix, flip) in enumerate((("", False), ("_reverse", True))):
            single = _direction(module, layer, suffix, x.shape[-1])
            k = 2 * layer + row
            state = h0[k : k + 1] if c0 is None else (h0[k : k + 1], c0[k : k + 1])
            out, final = single(x.flip(0) if flip else x, state)
            outputs.append(out.flip(0) if flip else out)
            hs.append(final if c0 is None else final[0])
            cs.append(None if c0 is None else final[1])
        x = autograd.cat(outputs, -1)
        if drop_between and layer < module.num_layers - 1:
            x = x * 0.0
    h_n = autograd.cat(hs, 0)
    return x, h_n, None if c0 is None else autograd.cat(cs, 0)


def _close(actual, expected):
    np.testing.assert_allclose(actual.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize(
    "kind, proj", [("RNN", 0), ("RNN_RELU", 0), ("LSTM", 0), ("LSTM", 2), ("GRU", 0)]
)  # fmt: skip
def test_bidirectional_layers_equal_two_directions_run_one_after_the_other(kind, proj, layers):
    rng = np.random.default_rng(layers)
    extra = {"proj_size": proj} if proj else {}
    module = _make(kind, 3, 4, num_layers=layers, bidirectional=True, **extra).to(autograd.float64)
    x = autograd.tensor(rng.standard_normal((5, 2, 3)))
    h0 = autograd.tensor(rng.standard_normal((2 * layers, 2, proj or 4)))
    c0 = autograd.tensor(rng.standard_normal((2 * layers, 2, 4))) if kind == "LSTM" else None
    output, state = module(x, h0 if c0 is None else (h0, c0))
    expected, h_n, c_n = slow_reference(module, x, h0, c0)
    assert output.shape == (5, 2, 2 * (proj or 4)) and h_n.shape == (2 * layers, 2, proj or 4)
    _close(output, expected)
    _close(state if c0 is None else state[0], h_n)
    if c0 is not None:
        assert state[1].shape == (2 * layers, 2, 4)
        _close(state[1], c_n)
    # batch_first and zero initial states: the same numbers, transposed
    module.batch_first = True
    first, first_state = module(x.transpose(0, 1))
    zero = autograd.zeros(*h0.shape, dtype=autograd.float64)
    expected, h_n, _ = slow_reference(module, x, zero, None if c0 is None else autograd.zeros_like(c0))
    _close(first.transpose(0, 1), expected)
    _close(first_state if c0 is None else first_state[0], h_n)


@pytest.mark.parametrize("kind, proj", [("RNN", 0), ("LSTM", 0), ("LSTM", 2), ("GRU", 0)])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequences_stop_at_their_own_length(kind, proj, bidirectional):
    """Each sequence of a packed batch gives what it gives run alone, cut to its length."""
    rng = np.random.default_rng(9)
    extra = {"proj_size": proj} if proj else {}
    module = _make(kind, 3, 4, num_layers=2, bidirectional=bidirectional, **extra).to(autograd.float64)
    rows, lengths = 4 if bidirectional else 2, [3, 5, 1, 3]
    x = autograd.tensor(rng.standard_normal((5, 4, 3)), requires_grad=True)
    h0 = autograd.tensor(rng.standard_normal((rows, 4, proj or 4)), requires_grad=True)
    c0 = autograd.tensor(rng.standard_normal((rows, 4, 4)))
    hx = h0 if kind != "LSTM" else (h0, c0)
    packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
    output, state = module(packed, hx)
    assert isinstance(output, PackedSequence) and output.batch_sizes.tolist() == packed.batch_sizes.tolist()
    assert output.sorted_indices.tolist() == packed.sorted_indices.tolist()
    padded, got_lengths = pad_packed_sequence(output, padding_value=9.0)
    assert got_lengths.tolist() == lengths
    states = state if kind == "LSTM" else (state,)
    for b, n in enumerate(lengths):
        one_hx = h0[:, b : b + 1] if kind != "LSTM" else (h0[:, b : b + 1], c0[:, b : b + 1])
        alone, alone_state = module(x[:n, b : b + 1], one_hx)
        _close(padded[:n, b : b + 1], alone)
        assert np.all(padded[n:, b].detach().numpy() == 9.0)
        for got, want in zip(states, alone_state if kind == "LSTM" else (alone_state,)):
            _close(got[:, b : b + 1], want)
    # the padding steps get no gradient; batch_first does not apply to a packed input
    padded.sum().backward()
    assert np.all(x.grad.numpy()[1:, 2] == 0) and np.all(x.grad.numpy()[3:, 0] == 0)
    assert np.abs(x.grad.numpy()[0, 2]).min() > 0
    module.batch_first = True
    _close(module(packed, hx)[0].data, output.data)


def test_packed_input_sorted_by_the_caller():
    module = GRU(3, 4, bidirectional=True).to(autograd.float64)
    x = autograd.tensor(np.random.default_rng(3).standard_normal((4, 3, 3)))
    packed = pack_padded_sequence(x, [4, 2, 2])
    output, h_n = module(packed)
    assert output.sorted_indices is None
    unsorted, h_unsorted = module(pack_padded_sequence(x, [4, 2, 2], enforce_sorted=False))
    _close(output.data, unsorted.data)
    _close(h_n, h_unsorted)


def test_packed_gradients():
    module = LSTM(2, 3, bidirectional=True).to(autograd.float64)
    rng = np.random.default_rng(6)
    x = autograd.tensor(rng.standard_normal((3, 3, 2)), requires_grad=True)
    h0 = autograd.tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)

    def loss(*_):
        output, (h_n, c_n) = module(pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False), (h0, h0))
        return (output.data * output.data).sum() + h_n.sum() + c_n.sum()

    assert autograd.gradcheck(loss, [x, h0, module.weight_hh_l0_reverse]) is True


def test_dropout_falls_between_layers_only():
    module = GRU(3, 4, num_layers=2, bidirectional=True, dropout=1.0).to(autograd.float64)
    x = autograd.tensor(np.random.default_rng(0).standard_normal((4, 2, 3)))
    h0 = autograd.tensor(np.random.default_rng(1).standard_normal((4, 2, 4)))
    output, h_n = module(x, h0)  # training: layer 1 sees only zeros, its output is not dropped
    expected, expected_h, _ = slow_reference(module, x, h0, drop_between=True)
    _close(output, expected)
    _close(h_n, expected_h)
    assert np.abs(output.detach().numpy()).min() > 0
    module.eval()
    _close(module(x, h0)[0], slow_reference(module, x, h0)[0])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_projection_follows_the_documented_equations():
    rng = np.random.default_rng(5)
    module = LSTM(3, 5, proj_size=2, num_layers=2).to(autograd.float64)
    x = rng.standard_normal((4, 3, 3))
    h0, c0 = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 5))
    output, (h_n, c_n) = module(autograd.tensor(x), (autograd.tensor(h0), autograd.tensor(c0)))
    layer_input, hs, cs = x, [], []
    for k in range(2):
        w = [getattr(module, f"{name}_l{k}").detach().numpy() for name in NAMES]
        h, c, out = h0[k], c0[k], []
        for t in range(4):
            i, f, g, o = np.split(layer_input[t] @ w[0].T + w[2] + h @ w[1].T + w[3], 4, axis=-1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = (_sigmoid(o) * np.tanh(c)) @ w[4].T
            out.append(h)
        layer_input = np.stack(out)
        hs.append(h)
        cs.append(c)
    np.testing.assert_allclose(output.detach().numpy(), layer_input, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), np.stack(hs), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c_n.detach().numpy(), np.stack(cs), rtol=1e-12, atol=1e-12)
    assert module.weight_ih_l1.shape == (20, 2) and module.weight_hh_l0.shape == (20, 2)
    assert module.weight_hr_l0.shape == (2, 5)


def test_unbatched_bidirectional_projected_input():
    module = LSTM(3, 4, proj_size=3, bidirectional=True).to(autograd.float64)
    rng = np.random.default_rng(2)
    x = autograd.tensor(rng.standard_normal((5, 3)))
    h0, c0 = autograd.tensor(rng.standard_normal((2, 3))), autograd.tensor(rng.standard_normal((2, 4)))
    output, (h_n, c_n) = module(x, (h0, c0))
    assert output.shape == (5, 6) and h_n.shape == (2, 3) and c_n.shape == (2, 4)
    batched, (h_b, c_b) = module(x.unsqueeze(1), (h0.unsqueeze(1), c0.unsqueeze(1)))
    _close(output, batched.squeeze(1))
    _close(h_n, h_b.squeeze(1))
    _close(c_n, c_b.squeeze(1))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_bidirectional_gradients(cls):
    module = cls(2, 3, num_layers=2, bidirectional=True).to(autograd.float64)
    rng = np.random.default_rng(3)
    x = autograd.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = autograd.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    weights = autograd.tensor(rng.standard_normal((3, 2, 6)))

    def loss(*_):
        hx = h0 if cls is not LSTM else (h0, h0 * 0.5)
        output, state = module(x, hx)
        return (output * weights).sum() + (state[0] if cls is LSTM else state).sum()

    inputs = [x, h0, module.weight_hh_l0_reverse, module.weight_ih_l1_reverse, module.bias_ih_l0_reverse]
    assert autograd.gradcheck(loss, inputs) is True


def test_projection_gradients():
    module = LSTM(2, 3, proj_size=2, bidirectional=True).to(autograd.float64)
    rng = np.random.default_rng(4)
    x = autograd.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = autograd.tensor(rng.standard_normal((2, 2, 2)), requires_grad=True)
    c0 = autograd.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    weights = autograd.tensor(rng.standard_normal((3, 2, 4)))

    def loss(*_):
        output, (h_n, c_n) = module(x, (h0, c0))
        return (output * weights).sum() + h_n.sum() + (c_n * c_n).sum()

    inputs = [x, h0, c0, module.weight_hr_l0, module.weight_hr_l0_reverse]
    assert autograd.gradcheck(loss, inputs) is True


def test_state_dict_keys_order_and_seeded_draws_follow_pytorch():
    module = LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    expected = [
        f"{name}_l{k}{suffix}" for k in range(2) for suffix in ("", "_reverse") for name in NAMES
    ]  # PyTorch's registration order
    assert list(module.state_dict()) == expected
    assert [name for name, _ in module.named_parameters()] == expected
    assert module.weight_ih_l1_reverse.shape == (20, 4)
    assert list(GRU(3, 4, bias=False, bidirectional=True).state_dict()) == [
        "weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse"
    ]  # fmt: skip
    # the draws run in parameter order: the forward layer 0 is the unidirectional layer's
    autograd.manual_seed(7)
    single = LSTM(3, 5, num_layers=2)
    autograd.manual_seed(7)
    both = LSTM(3, 5, num_layers=2, bidirectional=True)
    state, single_state = both.state_dict(), single.state_dict()
    for name in NAMES[:4]:
        np.testing.assert_array_equal(state[f"{name}_l0"].numpy(), single_state[f"{name}_l0"].numpy())
    # ... and the reverse direction's weight_ih takes the next 60 draws (the single model's weight_ih_l1)
    following = single_state["weight_ih_l1"].numpy().ravel()[:60]
    np.testing.assert_array_equal(state["weight_ih_l0_reverse"].numpy().ravel(), following)
    values = np.concatenate([p.detach().numpy().ravel() for p in both.parameters()])
    assert np.abs(values).max() <= 1 / np.sqrt(5) and values.max() > 0.4 and values.min() < -0.4


def test_errors_and_repr():
    with pytest.raises(
        ValueError, match=r"LSTM: proj_size must be 0 \(no projection\) or in \[1, hidden_size=4\)"
    ):
        LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="got -1"):
        LSTM(3, 4, proj_size=-1)
    LSTM(3, 4, proj_size=3)  # the largest allowed
    for sizes in ((0, 4, 1), (3, 0, 1), (3, 4, 0)):
        with pytest.raises(ValueError, match="GRU: input_size, hidden_size and num_layers must be positive"):
            GRU(*sizes, bidirectional=True)
    assert GRU(1, 1, 1, bidirectional=True)(autograd.zeros(2, 1, 1))[0].shape == (2, 1, 2)
    for cls in (GRU, RNN):
        with pytest.raises(
            ValueError, match=f"{cls.__name__}: proj_size argument is only supported for LSTM"
        ):
            cls(3, 4, proj_size=2)
    with pytest.raises(ValueError, match=r"GRU: expected hidden state of shape \(4, 2, 4\)"):
        GRU(3, 4, num_layers=2, bidirectional=True)(autograd.zeros(5, 2, 3), autograd.zeros(2, 2, 4))
    lstm = LSTM(3, 4, proj_size=2, bidirectional=True)
    with pytest.raises(TypeError, match="LSTM: argument 'input' must be a Tensor, got ndarray"):
        lstm(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"LSTM: expected hidden state of shape \(2, 2, 2\)"):
        lstm(autograd.zeros(5, 2, 3), (autograd.zeros(2, 2, 4), autograd.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"LSTM: expected hidden state of shape \(2, 2, 4\)"):
        lstm(autograd.zeros(5, 2, 3), (autograd.zeros(2, 2, 2), autograd.zeros(2, 2, 2)))
    assert repr(lstm) == "LSTM(3, 4, proj_size=2, bidirectional=True)"
    gru = GRU(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)
    assert repr(gru) == "GRU(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)"


def test_second_derivatives_of_a_packed_bidirectional_gru():
    module = GRU(2, 2, bidirectional=True).to(autograd.float64)
    rng = np.random.default_rng(8)
    x = autograd.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = autograd.tensor(rng.standard_normal((2, 2, 2)), requires_grad=True)

    def run(x, h0):
        output, h_n = module(pack_padded_sequence(x, [3, 2]), h0)
        return output.data, h_n

    assert autograd.gradgradcheck(run, [x, h0]) is True
