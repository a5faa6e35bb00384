"""``GradScaler`` (``torch.amp.GradScaler``): loss scaling, unscaling, skipped steps, the scale's update.

References are the rule of PyTorch's documentation (back off by ``backoff_factor``
after a step with an inf/NaN gradient, grow by ``growth_factor`` after
``growth_interval`` clean steps, the scale a float32) written out here, and a
scaler-free run of the same loop. Not course material (no module number).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim import SGD, Adam
from tt_optim.grad_scaler import GradScaler


def model():
    return nn.Parameter(autograd.tensor([1.0, -2.0]))


def backward(scaler, param, poison=None):
    """loss = Σ p², scaled; optionally poison one gradient element (an overflow)."""
    param.grad = None
    scaler.scale((param * param).sum()).backward()
    if poison is not None:
        param.grad.array[0] = poison


def test_scale_multiplies_the_loss_and_unscale_divides_the_gradients_back():
    param = model()
    scaler = GradScaler("cpu", init_scale=1024.0)
    optimizer = SGD([param], lr=0.1)
    backward(scaler, param)
    np.testing.assert_array_equal(param.grad.numpy(), [2048.0, -4096.0])
    scaler.unscale_(optimizer)
    np.testing.assert_array_equal(param.grad.numpy(), [2.0, -4.0])
    assert scaler.step(optimizer) is None  # SGD.step returns None (its closure's loss)
    np.testing.assert_allclose(param.detach().numpy(), [0.8, -1.6], rtol=1e-6)


def test_scale_keeps_the_structure_of_lists_tuples_and_iterables():
    scaler = GradScaler("cpu", init_scale=3.0)
    one = autograd.ones(1)
    scaled = scaler.scale([one, (one * 2, [one * 3])])
    assert isinstance(scaled, list) and isinstance(scaled[1], tuple) and isinstance(scaled[1][1], list)
    assert [scaled[0].item(), scaled[1][0].item(), scaled[1][1][0].item()] == [3.0, 6.0, 9.0]
    lazy = scaler.scale(iter([one]))
    assert not isinstance(lazy, (list, tuple)) and [t.item() for t in lazy] == [3.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale([1.0])


def expected_scales(init, growth, backoff, interval, bad_steps, steps):
    """The documented update rule, in float32 as PyTorch keeps the scale."""
    scale, tracker, scales = np.float32(init), 0, []
    for step in range(steps):
        if step in bad_steps:
            scale, tracker = np.float32(np.float64(scale) * backoff), 0
        elif tracker + 1 == interval:
            scale, tracker = np.float32(np.float64(scale) * growth), 0
        else:
            tracker += 1
        scales.append((float(scale), tracker))
    return scales


@pytest.mark.parametrize(
    "init,growth,backoff,interval,bad",
    [
        (4.0, 2.0, 0.5, 2, {2}),
        (1.7, 1.5, 0.7, 3, {0, 4, 5}),
        (65536.0, 3.0, 0.3, 1, {1, 3}),
        (8.0, 2.0, 0.5, 4, set()),
        (4.0, 2.0, 0.5, 3, {1, 7}),  # a bad step after clean ones resets the count
    ],
)
def test_update_backs_off_after_inf_or_nan_and_grows_after_clean_intervals(
    init, growth, backoff, interval, bad
):
    param = model()
    optimizer = SGD([param], lr=0.01)
    scaler = GradScaler("cpu", init, growth, backoff, interval)
    got = []
    for step in range(9):
        backward(scaler, param, poison=(np.inf if step % 2 else np.nan) if step in bad else None)
        scaler.step(optimizer)
        scaler.update()
        got.append((scaler.get_scale(), scaler._get_growth_tracker()))
    assert got == expected_scales(init, growth, backoff, interval, bad, 9)


def test_a_step_with_inf_or_nan_gradients_is_skipped_and_returns_none():
    param, reference = model(), model()
    optimizer, plain = SGD([param], lr=0.1, momentum=0.9), SGD([reference], lr=0.1, momentum=0.9)
    scaler = GradScaler("cpu", init_scale=256.0)
    for step in range(6):
        backward(scaler, param, poison=np.inf if step == 2 else None)
        result = scaler.step(optimizer, lambda: 7.0)  # positional args reach optimizer.step
        assert result == (None if step == 2 else 7.0)
        scaler.update()
        if step != 2:  # the reference takes only the clean steps
            reference.grad = None
            (reference * reference).sum().backward()
            plain.step()
    np.testing.assert_allclose(param.detach().numpy(), reference.detach().numpy(), rtol=1e-6)


def test_an_overflowing_scale_backs_off_until_the_gradients_are_finite():
    param = nn.Parameter(autograd.tensor([3e4]))
    optimizer = SGD([param], lr=0.0)
    scaler = GradScaler("cpu", init_scale=2.0**120, growth_interval=1000)
    with np.errstate(over="ignore", invalid="ignore"):  # the gradient 6e4 · scale overflows float32 ...
        for _ in range(10):
            backward(scaler, param)
            scaler.step(optimizer)
            scaler.update()
    # ... until 6e4 · 2^112 (3.1e38) fits: 8 back-offs, then 2 clean steps
    assert (scaler.get_scale(), scaler._get_growth_tracker()) == (2.0**112, 2)


def test_unscale_once_per_optimizer_and_step_once_per_update():
    param, other = model(), model()
    optimizer, adam = SGD([param], lr=0.1), Adam([other], lr=0.1)
    scaler = GradScaler("cpu")
    backward(scaler, param)
    backward(scaler, other)
    scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer"):
        scaler.unscale_(optimizer)
    scaler.unscale_(adam)  # another optimizer has its own stage
    scaler.step(optimizer)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)"):
        scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)"):
        scaler.step(optimizer)
    scaler.update()
    backward(scaler, param)
    scaler.unscale_(optimizer)  # a new iteration after update()


def test_calls_before_scale_and_update_without_a_step_are_refused_as_pytorch():
    param = model()
    optimizer = SGD([param], lr=0.1)
    scaler = GradScaler("cpu")
    calls = {"step": lambda: scaler.step(optimizer), "unscale_": lambda: scaler.unscale_(optimizer)}
    for name, call in {**calls, "update": scaler.update}.items():
        with pytest.raises(
            AssertionError, match=f"Attempted {name} but _scale is None.*did not use scaler.scale"
        ):
            call()
    scaler.scale(autograd.ones(1))
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        scaler.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(optimizer, closure=lambda: 0.0)


def test_update_with_new_scale_sets_it():
    scaler = GradScaler("cpu")
    scaler.scale(autograd.ones(1))
    scaler.update(3.0)
    assert scaler.get_scale() == 3.0
    scaler.update(autograd.tensor([0.1]))
    assert scaler.get_scale() == float(np.float32(0.1))
    for bad in (autograd.tensor([1.0, 2.0]), autograd.tensor([1.0], requires_grad=True), "2"):
        with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
            scaler.update(bad)


def test_float16_gradients_are_refused():
    param = nn.Parameter(autograd.ones(2, dtype=autograd.float16))
    scaler = GradScaler("cpu", init_scale=2.0)
    scaler.scale(param.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.unscale_(SGD([param], lr=0.1))


def test_disabled_scalers_pass_everything_through():
    param = model()
    optimizer = SGD([param], lr=0.5)
    loss = (param * param).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaler = GradScaler("cpu", enabled=False)
    assert scaler.is_enabled() is False and scaler.scale(loss) is loss and scaler.get_scale() == 1.0
    loss.backward()
    scaler.unscale_(optimizer)
    assert scaler.step(optimizer, lambda: 5.0) == 5.0
    scaler.update()
    np.testing.assert_allclose(param.detach().numpy(), [0.0, 0.0])
    assert scaler.state_dict() == {}
    scaler.load_state_dict({})  # ignored
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
        assert GradScaler().is_enabled() is False  # PyTorch's default device is "cuda"


def test_state_dict_is_json_and_load_state_dict_resumes_scale_and_tracker():
    param = model()
    optimizer = SGD([param], lr=0.01)
    scaler = GradScaler("cpu", init_scale=16.0, growth_factor=4.0, backoff_factor=0.25, growth_interval=3)
    for step in range(5):
        backward(scaler, param, poison=np.inf if step == 0 else None)
        scaler.step(optimizer)
        scaler.update()
    state = json.loads(json.dumps(scaler.state_dict()))
    assert state == {"scale": 16.0, "growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 3,
                     "_growth_tracker": 1}  # fmt: skip
    fresh = GradScaler("cpu")
    fresh.load_state_dict(state)
    assert fresh.get_scale() == 16.0 and fresh._get_growth_tracker() == 1
    assert (fresh.get_growth_factor(), fresh.get_backoff_factor(), fresh.get_growth_interval()) == (
        4.0,
        0.25,
        3,
    )
    used = GradScaler("cpu", init_scale=2.0)  # a scaler that has scaled already takes the state too
    backward(used, param, poison=np.inf)  # its count back to 0
    used.step(optimizer)
    used.update()
    used.load_state_dict(state)
    assert used.get_scale() == 16.0 and used._get_growth_tracker() == 1
    for s in (scaler, fresh):  # both grow after the same two clean steps
        for _ in range(2):
            backward(s, param)
            s.step(optimizer)
            s.update()
    assert fresh.get_scale() == scaler.get_scale() == 64.0
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        fresh.load_state_dict({})


def test_growth_parameters_get_and_set():
    scaler = GradScaler("cpu")
    assert (scaler.get_growth_factor(), scaler.get_backoff_factor(), scaler.get_growth_interval()) == (
        2.0,
        0.5,
        2000,
    )
    scaler.set_growth_factor(3.0)
    scaler.set_backoff_factor(0.125)
    scaler.set_growth_interval(1)
    param = model()
    backward(scaler, param)
    scaler.step(SGD([param], lr=0.0))
    scaler.update()
    assert scaler.get_scale() == 2.0**16 * 3
    assert (scaler.get_growth_factor(), scaler.get_backoff_factor(), scaler.get_growth_interval()) == (
        3.0,
        0.125,
        1,
    )


def test_bad_arguments_are_refused():
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0"):
        GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="The backoff factor must be < 1.0"):
        GradScaler("cpu", backoff_factor=1.0)
    with pytest.raises(ValueError, match="device must be 'cpu'"):
        GradScaler("mps")
