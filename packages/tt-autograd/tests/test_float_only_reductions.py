"""tt-autograd's recorded ``mean`` and ``var`` refuse integer and bool tensors as tt-tensor's do (and
PyTorch 2.13: "mean(): could not infer output dtype. Input dtype must be either a floating point or
complex dtype. Got: Long", "std and var only support floating point and complex dtypes"), and
``mean(dtype=...)`` still records a gradient path for floats. The full set of forms is in tt-tensor's
test_float_only_reductions.py.

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool"])
def test_recorded_mean_var_std_refuse_integers(dtype):
    x = autograd.tensor([[1, 0, 4], [3, 5, 9]], dtype=getattr(autograd, dtype))
    with pytest.raises(RuntimeError, match=rf"mean\(\): could not infer output dtype.*Got: {dtype}"):
        x.mean(1)
    for op in ("var", "std"):
        with pytest.raises(RuntimeError, match=rf"std and var only support .* \({op} of {dtype}\)"):
            getattr(x, op)(0)
    with pytest.raises(RuntimeError, match="var_mean only support floating point"):
        autograd.var_mean(x)


def test_recorded_mean_with_a_dtype_and_of_floats():
    counts = autograd.tensor([[1, 2, 4], [3, 5, 9]])
    assert counts.mean(dtype=autograd.float64).item() == 4.0  # 24 / 6
    x = autograd.tensor([[1.0, 2.0], [4.0, 7.0]], requires_grad=True)
    x.mean().backward()
    assert x.grad.tolist() == [[0.25, 0.25], [0.25, 0.25]]
    x.grad = None
    x.var(1, correction=0).sum().backward()  # d/dx Σ(x-m)²/2 per row = (x - m)
    assert x.grad.tolist() == [[-0.5, 0.5], [-1.5, 1.5]]
