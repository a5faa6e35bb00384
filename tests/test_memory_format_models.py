"""``Module.to(memory_format=tt.channels_last)`` and channels-last tensors through autograd and convolution:
the same values and gradients as row-major ones. Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import numpy as np

import tinytorch as tt


def test_module_to_channels_last_relays_4d_parameters_only():
    tt.manual_seed(0)
    model = tt.nn.Sequential(
        tt.nn.Conv2d(3, 8, 3, padding=1), tt.nn.BatchNorm2d(8), tt.nn.Flatten(), tt.nn.Linear(8 * 36, 2)
    )
    weight = model[0].weight
    assert model.to(memory_format=tt.channels_last) is model
    assert model[0].weight is weight  # the same Parameter object (optimizers keep it)
    assert weight.stride() == (27, 1, 9, 3) and weight.is_contiguous(memory_format=tt.channels_last)
    assert model[3].weight.is_contiguous() and model[1].weight.is_contiguous()  # 2-d and 1-d untouched
    model.to(memory_format=tt.contiguous_format)  # no 4-d re-lay for the default formats
    assert weight.stride() == (27, 1, 9, 3)


def test_channels_last_gives_the_same_outputs_and_gradients():
    tt.manual_seed(1)
    model = tt.nn.Sequential(
        tt.nn.Conv2d(3, 8, 3, padding=1), tt.nn.BatchNorm2d(8), tt.nn.ReLU(), tt.nn.Conv2d(8, 4, 3)
    )
    x = tt.randn(2, 3, 10, 10)
    plain_input = x.clone().requires_grad_()
    model(plain_input).square().sum().backward()
    plain = [p.grad.numpy().copy() for p in model.parameters()] + [plain_input.grad.numpy().copy()]
    model.zero_grad()
    model.to(memory_format=tt.channels_last)
    last_input = x.contiguous(memory_format=tt.channels_last).requires_grad_()
    out = model(last_input)
    assert out.is_contiguous(memory_format=tt.channels_last)
    out.square().sum().backward()
    last = [p.grad.numpy() for p in model.parameters()] + [last_input.grad.numpy()]
    for a, b in zip(plain, last):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_contiguous_into_a_format_is_recorded_as_a_clone():
    x = tt.randn(2, 3, 4, 5, requires_grad=True)
    y = x.contiguous(memory_format=tt.channels_last)
    assert y.grad_fn.name() == "CloneBackward0"
    (y * tt.arange(5.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.broadcast_to(np.arange(5.0), (2, 3, 4, 5)))
    z = x.clone(memory_format=tt.channels_last)
    assert z.stride() == (60, 1, 15, 3) and z.requires_grad
    assert x.contiguous(memory_format=tt.contiguous_format) is x
