"""tt-nn's ``dtype=`` arguments take what PyTorch's take (a dtype, or Python's ``float`` and the other
number types) and refuse a name or a NumPy dtype with PyTorch's TypeError; ``Module.to("float64")``
reads the string as a device, as PyTorch does, and refuses it. Beyond the exercises.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F  # noqa: N812

x = autograd.tensor([[1.0, 2.0, 0.5]])

CALLS = [
    ("to", lambda d: nn.Linear(2, 2).to(dtype=d).weight),
    ("softmax", lambda d: F.softmax(x, 1, dtype=d)),
    ("log_softmax", lambda d: F.log_softmax(x, 1, dtype=d)),
    ("softmin", lambda d: F.softmin(x, 1, dtype=d)),
    ("empty", lambda d: nn.Linear(2, 2, dtype=d).weight),  # (PyTorch's message names empty() too)
    ("empty", lambda d: nn.UninitializedParameter(dtype=d)),
    ("materialize", lambda d: _materialized(d)),
]


def _materialized(dtype):
    parameter = nn.UninitializedParameter()
    parameter.materialize((2,), dtype=dtype)
    return parameter


@pytest.mark.parametrize(("op", "call"), CALLS, ids=[f"{op}-{k}" for k, (op, _) in enumerate(CALLS)])
@pytest.mark.parametrize(("given", "type_name"), [("float64", "str"), (np.float64, "type")])
def test_a_name_or_numpy_dtype_is_refused_by_name(op, call, given, type_name):
    with pytest.raises(
        TypeError, match=rf"^{op}\(\): argument 'dtype' must be torch.dtype, not {type_name} "
    ):
        call(given)


@pytest.mark.parametrize(("op", "call"), CALLS, ids=[f"{op}-{k}" for k, (op, _) in enumerate(CALLS)])
@pytest.mark.parametrize("given", [autograd.float64, float])
def test_a_dtype_or_python_float_is_taken(op, call, given):
    assert call(given).dtype == autograd.float64


def test_module_to_reads_a_string_as_a_device():
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"^to\(\): invalid device string: 'float64'"):
        model.to("float64")
    assert model.to("cpu") is model and model.weight.dtype == autograd.float32


def test_the_conversion_methods_still_convert_parameters_and_lazy_ones():
    model = nn.Sequential(nn.Linear(2, 2), nn.LazyLinear(3))
    assert model.double()[0].weight.dtype == autograd.float64
    model.half()
    model(autograd.ones(1, 2, dtype=autograd.float16))
    assert [p.dtype for p in model.parameters()] == [autograd.float16] * 4
    assert model.float()[1].bias.dtype == autograd.float32
