"""Reductions' dtype arguments and integer results, as PyTorch 2.13 (found by a sweep against it).

``cumsum`` of uint8 gave NumPy's uint64, which has no TinyTorch dtype (a TypeError); ``prod``,
``cumprod``, ``nansum`` and ``nanmean`` refused PyTorch's ``dtype=``; ``mean(dtype=int64)`` gave
garbage where PyTorch refuses; the norm of a float16 tensor was refused.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_autograd.gradients import grad


@pytest.mark.parametrize("module", [autograd, tt_tensor])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "bool"])
def test_cumsum_of_small_integers_and_bools_is_int64(module, dtype):
    values = (
        np.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
        if dtype == "bool"
        else np.array([[1, 200, 50], [3, 4, 5]])
    )
    x = module.tensor(values.astype(dtype))
    out = x.cumsum(1)
    assert out.dtype == module.int64
    np.testing.assert_array_equal(out.numpy(), np.cumsum(values.astype(dtype).astype(np.int64), axis=1))
    assert module.tensor([[0.5, 1.25]]).cumsum(1).dtype == module.float32  # floats stay floats
    assert x.cumsum(1, dtype=module.float64).dtype == module.float64


@pytest.mark.parametrize("module", [autograd, tt_tensor])
def test_products_and_nan_sums_take_a_dtype(module):
    x = module.tensor([[1.5, 2.0, float("nan")], [3.0, 0.5, 2.0]])
    assert x.prod(1, dtype=module.float64).dtype == module.float64
    np.testing.assert_allclose(x.prod(1, dtype=module.float64).numpy(), [np.nan, 3.0])
    ints = module.tensor([[2, 3], [4, 5]], dtype=module.int32)
    assert ints.prod(1).dtype == module.int64  # integers multiply in int64 by default
    assert ints.prod(1, dtype=module.int32).dtype == module.int32  # unless dtype says otherwise
    assert ints.cumprod(1, dtype=module.int32).dtype == module.int32
    np.testing.assert_array_equal(ints.cumprod(1, dtype=module.float64).numpy(), [[2.0, 6.0], [4.0, 20.0]])
    np.testing.assert_allclose(x.nansum(1, dtype=module.float64).numpy(), [3.5, 5.5])
    assert x.nansum(dtype=module.float64).dtype == module.float64
    np.testing.assert_allclose(x.nanmean(1, dtype=module.float64).numpy(), [1.75, 5.5 / 3])
    assert x.nanmean(1, dtype=module.float64).dtype == module.float64


@pytest.mark.parametrize("module", [autograd, tt_tensor])
def test_a_mean_in_an_integer_dtype_is_refused(module):
    x = module.tensor([[1.5, float("nan")]])
    for name in ("int64", "int32", "bool"):
        with pytest.raises(RuntimeError, match=f"mean\\(\\): could not infer output dtype.*Got: {name}"):
            x.mean(1, dtype=getattr(module, name))
    with pytest.raises(RuntimeError, match="Got: int64"):
        x.nanmean(dtype=module.int64)
    assert x.mean(dtype=module.float64).dtype == module.float64


def test_dtype_arguments_keep_the_graph():
    x = autograd.tensor([[1.5, 2.0], [3.0, 0.5]], requires_grad=True)
    (g,) = grad(x.prod(1, dtype=autograd.float64).sum(), x)
    np.testing.assert_allclose(g.numpy(), [[2.0, 1.5], [0.5, 3.0]])
    assert g.dtype == autograd.float32
    (g,) = grad(x.cumprod(1, dtype=autograd.float64).sum(), x)
    np.testing.assert_allclose(g.numpy(), [[3.0, 1.5], [1.5, 3.0]])


def test_the_norm_of_a_float16_tensor_is_reduced_in_float32():
    # 300^2 + 400^2 overflows float16 (65504): in float16 the norm would be inf.
    x = autograd.tensor([300.0, 400.0], requires_grad=True)
    norm = x.half().norm()
    assert norm.dtype == autograd.float16 and norm.item() == 500.0
    assert autograd.linalg.vector_norm(x.half(), 1).item() == 700.0
    (g,) = grad(norm, x)
    np.testing.assert_allclose(g.numpy(), [0.6, 0.8], rtol=1e-3)
    assert x.half().norm(dim=0, keepdim=True).shape == (1,)
