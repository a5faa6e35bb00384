"""Channel-wise dropout (``Dropout1d/2d/3d``) and alpha dropout (``AlphaDropout``, ``FeatureAlphaDropout``).

Statistics on large inputs (fraction of channels zeroed; mean 0 and variance 1
kept by alpha dropout on standard-normal input, SELU's fixed point), whole
channels zeroed, the values of kept and dropped units against the documented
formulas (a = 1 / sqrt((1 - p)(1 + p alpha'^2)), b = a alpha' p, with SELU's
constants written out here), eval identity, and the gradient equal to the
scaled mask.

Not course material (outside module 04's solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
CHANNEL_FORMS = [  # (function, module, batched shape, unbatched shape or None)
    (F.dropout1d, nn.Dropout1d, (40, 50, 6), (500, 6)),
    (F.dropout2d, nn.Dropout2d, (40, 50, 3, 2), None),
    (F.dropout3d, nn.Dropout3d, (40, 50, 2, 2, 2), (500, 2, 3, 2)),
]


@pytest.fixture(autouse=True)
def _seeded():
    """The masks' draws must not depend on which tests ran before (pytest-xdist reorders them)."""
    autograd.manual_seed(2024)


def _alpha_constants(p):
    saturation = SELU_SCALE * SELU_ALPHA
    a = 1.0 / math.sqrt((1.0 - p) * (1.0 + p * saturation**2))
    return a, a * saturation * p, a * saturation * p - a * saturation  # a, kept shift b, dropped value


def _output_and_grad(fn, x, p):
    """``fn(x, p)`` and the gradient of its sum, which is the scaled mask."""
    leaf = autograd.tensor(x, requires_grad=True)
    out = fn(leaf, p)
    out.sum().backward()
    return out.detach().numpy(), leaf.grad.numpy()


@pytest.mark.parametrize(("fn", "module", "batched", "unbatched"), CHANNEL_FORMS)
@pytest.mark.parametrize("p", [0.2, 0.7])
def test_whole_channels_are_zeroed_at_rate_p_and_the_rest_scaled(rng, fn, module, batched, unbatched, p):
    for shape, channel_axes in [(batched, 2), (unbatched, 1)]:
        if shape is None:
            continue
        x = rng.uniform(0.5, 1.5, shape)  # no zeros of its own
        out, grad = _output_and_grad(lambda t, q: fn(t, q, True), x, p)
        kept_by_element = out != 0
        per_channel = kept_by_element.reshape(shape[:channel_axes] + (-1,))
        assert (per_channel.all(axis=-1) | ~per_channel.any(axis=-1)).all(), "a channel was partly zeroed"
        channels = per_channel[..., 0].size
        assert abs(1.0 - per_channel[..., 0].mean() - p) < 5 * math.sqrt(p * (1 - p) / channels)  # 5 sigma
        np.testing.assert_allclose(out, np.where(kept_by_element, x / (1.0 - p), 0.0), rtol=1e-12)
        np.testing.assert_array_equal(grad, np.where(kept_by_element, 1.0 / (1.0 - p), 0.0))


@pytest.mark.parametrize(("fn", "module", "batched", "unbatched"), CHANNEL_FORMS)
def test_modules_drop_in_training_and_are_the_identity_in_eval(fn, module, batched, unbatched):
    layer = module(0.5)
    x = autograd.ones(*batched)
    assert (layer(x).numpy() == 0).any()
    layer.eval()
    assert layer(x) is x
    assert fn(x, 0.5, training=False) is x
    assert fn(x, 0.0) is x
    assert (fn(x, 1.0).numpy() == 0).all()
    assert fn(x, 0.5).dtype == autograd.float32


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_keeps_selus_fixed_point(rng, p):
    x = rng.standard_normal(400_000)
    out = F.alpha_dropout(autograd.tensor(x), p, training=True).numpy()
    assert abs(out.mean()) < 0.01
    assert abs(out.var() - 1.0) < 0.01
    channels = rng.standard_normal((500, 400, 2))
    out = F.feature_alpha_dropout(autograd.tensor(channels), p, training=True).numpy()
    assert abs(out.mean()) < 0.01
    assert abs(out.var() - 1.0) < 0.02


@pytest.mark.parametrize("p", [0.3, 0.8])
def test_alpha_dropout_values_and_gradient(rng, p):
    a, b, dropped_value = _alpha_constants(p)
    x = rng.standard_normal((300, 200))
    out, grad = _output_and_grad(lambda t, q: F.alpha_dropout(t, q, True), x, p)
    kept = grad != 0
    np.testing.assert_array_equal(grad, np.where(kept, a, 0.0))
    np.testing.assert_allclose(out, np.where(kept, a * x + b, dropped_value), rtol=1e-12, atol=1e-12)
    assert abs(1.0 - kept.mean() - p) < 0.01


def test_feature_alpha_dropout_drops_whole_channels(rng):
    p = 0.4
    a, b, dropped_value = _alpha_constants(p)
    x = rng.standard_normal((60, 50, 3, 2))
    out, grad = _output_and_grad(lambda t, q: F.feature_alpha_dropout(t, q, True), x, p)
    kept_channels = grad.reshape(60, 50, -1)[..., 0] != 0
    kept = np.broadcast_to(kept_channels[..., None, None], x.shape)
    np.testing.assert_array_equal(grad, np.where(kept, a, 0.0))
    np.testing.assert_allclose(out, np.where(kept, a * x + b, dropped_value), rtol=1e-12, atol=1e-12)
    assert abs(1.0 - kept_channels.mean() - p) < 0.03
    flat = F.feature_alpha_dropout(autograd.tensor(x[:, :, 0, 0]), p, training=True).numpy()
    assert flat.shape == (60, 50)


@pytest.mark.parametrize(
    ("fn", "module"), [(F.alpha_dropout, nn.AlphaDropout), (F.feature_alpha_dropout, nn.FeatureAlphaDropout)]
)
def test_alpha_forms_identity_and_edges(fn, module):
    x = autograd.ones(4, 3, 2)
    assert fn(x, 0.5) is x  # training=False by default, as PyTorch
    assert fn(x, 0.0, training=True) is x
    assert (fn(x, 1.0, training=True).numpy() == 0).all()
    assert fn(x, 0.5, training=True).dtype == autograd.float32
    layer = module(0.5)
    assert not np.allclose(layer(x).numpy(), 1.0)
    assert layer.eval()(x) is x


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
def test_draws_come_from_the_default_generator_as_f_dropouts(dtype):
    x = autograd.ones(64, 32, 1, 1, dtype=dtype)  # one element per channel: the same draws as F.dropout's
    autograd.manual_seed(5)
    expected = F.dropout(x, 0.3).numpy()
    autograd.manual_seed(5)
    np.testing.assert_array_equal(F.dropout2d(x, 0.3).numpy(), expected)
    autograd.manual_seed(5)
    np.testing.assert_array_equal(F.dropout1d(x[..., 0], 0.3).numpy(), expected[..., 0])


def test_seeded_runs_repeat_the_mask():
    x = autograd.ones(8, 16, 5)
    autograd.manual_seed(3)
    first = F.dropout1d(x, 0.5).numpy()
    autograd.manual_seed(3)
    np.testing.assert_array_equal(F.dropout1d(x, 0.5).numpy(), first)


@pytest.mark.parametrize(
    ("fn", "shape"),
    [
        (F.dropout1d, (2, 3, 4)),
        (F.dropout1d, (3, 4)),
        (F.dropout2d, (2, 3, 4, 2)),
        (F.dropout3d, (2, 2, 3, 2, 2)),
        (F.dropout3d, (2, 3, 2, 2)),
        (F.alpha_dropout, (3, 4)),
        (F.feature_alpha_dropout, (2, 3, 4)),
    ],
)
def test_gradcheck_with_a_fixed_mask(leaf, check_grad, fn, shape):
    def seeded(x):
        autograd.manual_seed(11)
        return fn(x, 0.4, True)

    check_grad(seeded, leaf(*shape))


def test_reprs_are_pytorchs():
    assert repr(nn.Dropout1d()) == "Dropout1d(p=0.5, inplace=False)"
    assert repr(nn.Dropout2d(0.2)) == "Dropout2d(p=0.2, inplace=False)"
    assert repr(nn.Dropout3d(inplace=True)) == "Dropout3d(p=0.5, inplace=True)"
    assert repr(nn.AlphaDropout(0.3)) == "AlphaDropout(p=0.3, inplace=False)"
    assert repr(nn.FeatureAlphaDropout()) == "FeatureAlphaDropout(p=0.5, inplace=False)"


@pytest.mark.parametrize(
    ("fn", "shape", "message"),
    [
        (
            F.dropout1d,
            (3,),
            r"dropout1d: expected a 2-D \(C, L\) or a 3-D \(N, C, L\) input, got shape \(3,\)",
        ),
        (F.dropout1d, (1, 2, 3, 4), r"dropout1d: expected .* got shape \(1, 2, 3, 4\)"),
        (F.dropout2d, (2, 3, 4), r"dropout2d: expected a 4-D \(N, C, H, W\) input.*use dropout1d"),
        (F.dropout2d, (2, 3), r"dropout2d: expected a 4-D \(N, C, H, W\) input, got shape \(2, 3\)$"),
        (F.dropout2d, (1, 2, 3, 4, 5), r"dropout2d: expected a 4-D"),
        (F.dropout3d, (2, 3, 4), r"dropout3d: expected a 4-D \(C, D, H, W\) or a 5-D \(N, C, D, H, W\)"),
        (F.dropout3d, (1, 1, 2, 3, 4, 5), r"dropout3d: expected"),
        (
            F.feature_alpha_dropout,
            (3,),
            r"feature_alpha_dropout: expected an input \(N, C, \*\) with at least 2",
        ),
    ],
)
def test_wrong_ranks_are_refused(fn, shape, message):
    with pytest.raises(ValueError, match=message):
        fn(autograd.zeros(*shape), 0.5, True)


@pytest.mark.parametrize(
    "fn", [F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout]
)
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_bad_probability_is_refused(fn, p):
    with pytest.raises(
        ValueError, match=rf"{fn.__name__}: dropout probability has to be between 0 and 1, but got {p}"
    ):
        fn(autograd.zeros(2, 3, 4, 5), p)  # the probability is checked first, whatever the rank


@pytest.mark.parametrize(
    "module", [nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout]
)
def test_modules_check_p(module):
    with pytest.raises(
        ValueError, match=rf"{module.__name__}: dropout probability has to be between 0 and 1"
    ):
        module(1.1)


@pytest.mark.parametrize(
    "module", [nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout]
)
def test_modules_take_the_end_probabilities(module):
    x = autograd.ones(2, 3, 2, 2, 2) if module is nn.Dropout3d else autograd.ones(2, 3, 2, 2)
    if module is nn.Dropout1d:
        x = autograd.ones(2, 3, 4)
    assert module(0.0)(x) is x
    assert (module(1.0)(x).numpy() == 0).all()


def test_integer_input_is_refused():
    with pytest.raises(TypeError, match="dropout2d: 'input' must be a floating-point tensor"):
        F.dropout2d(autograd.zeros(1, 2, 3, 3, dtype=autograd.int64), 0.5)
    with pytest.raises(TypeError, match="alpha_dropout: 'input' must be a floating-point tensor"):
        F.alpha_dropout(autograd.zeros(3, dtype=autograd.int64), 0.5, True)
