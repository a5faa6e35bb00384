"""``Module.to`` takes complex dtypes as PyTorch 2.13 does (checked in a scratch script): every floating
parameter, buffer and gradient becomes complex, integer buffers (``num_batches_tracked``) stay, a
UserWarning says complex modules are new; back to a float dtype keeps the real parts (and warns);
an integer dtype is refused with PyTorch's message ("nn.Module.to only accepts floating point or
complex dtypes, but got desired dtype=torch.int32").

Not course material, so no module number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


def test_to_a_complex_dtype_converts_floating_tensors_and_their_gradients():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = model[0].weight
    before = weight.array.copy()
    weight.grad = autograd.ones(3, 2)
    with pytest.warns(UserWarning, match="Complex modules are a new feature") as record:
        assert model.to(autograd.complex64) is model
    assert record[0].filename == __file__  # (the warning points at the caller's line)
    kinds = {key: value.dtype for key, value in model.state_dict().items()}
    assert kinds.pop("1.num_batches_tracked") == autograd.int64
    assert set(kinds.values()) == {autograd.complex64}
    assert model[0].weight is weight and weight.grad.dtype == autograd.complex64
    assert np.array_equal(weight.array, before.astype(np.complex64))


def test_back_to_float_keeps_the_real_parts_and_warns():
    layer = nn.Linear(2, 2)
    with pytest.warns(UserWarning):
        layer.to(autograd.complex128)
    layer.weight.array = layer.weight.array + 1j  # an imaginary part to drop
    real = layer.weight.array.real.copy()
    with pytest.warns(UserWarning, match="discards the imaginary part") as record:
        layer.to(autograd.float32)
    assert record[0].filename == __file__
    assert layer.weight.dtype == autograd.float32 and np.array_equal(
        layer.weight.array, real.astype(np.float32)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # real to real: nothing to warn about
        layer.to(autograd.float64)


def test_an_integer_dtype_is_refused():
    with pytest.raises(
        TypeError, match="only accepts floating point or complex dtypes, but got desired dtype=int32"
    ):
        nn.Linear(2, 2).to(autograd.int32)


def test_float_double_and_half_leave_complex_tensors_complex():
    """PyTorch's ``Module.float()`` / ``double()`` / ``half()`` convert floating-point tensors only: a complex
    module's parameters keep their dtype and imaginary parts; its real buffers are converted."""
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    with pytest.warns(UserWarning):
        model[0].to(autograd.complex64)
    model[0].weight.array = model[0].weight.array + 1j
    values = model[0].weight.array.copy()
    for convert, real in ((model.double, np.float64), (model.half, np.float16), (model.float, np.float32)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "discards the imaginary part" warning: nothing is discarded
            assert convert() is model
        assert model[0].weight.array.dtype == np.complex64 and np.array_equal(model[0].weight.array, values)
        assert model[1].weight.array.dtype == real and model[1].running_mean.array.dtype == real
        assert model[1].num_batches_tracked.array.dtype == np.int64
