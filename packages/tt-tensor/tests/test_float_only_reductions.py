"""``mean``, ``nanmean``, ``var``, ``std``, ``var_mean`` and ``std_mean`` refuse integer and bool
tensors, as PyTorch does (they used to return a float). ``mean(dtype=float)`` still computes them.

The messages and results are PyTorch 2.13's, checked in a scratch script: ``torch.tensor([1, 2, 3]).mean()``
raises "mean(): could not infer output dtype. Input dtype must be either a floating point or complex
dtype. Got: Long"; ``.var()`` and ``.std()`` "std and var only support floating point and complex
dtypes"; ``.nanmean()`` "nanmean(): expected input to have floating point or complex dtype but got
Long", even with ``dtype=torch.float64``; ``.mean(dtype=torch.float32)`` is ``tensor(2.)``.

tt-autograd's own ``mean`` and ``var`` are checked in its test_float_only_reductions.py. Not course
material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

INTEGERS = [[1, 2, 4], [3, 5, 9]]
MEAN_REFUSAL = r"mean\(\): could not infer output dtype\. Input dtype must be either a floating point"
VARIANCE_REFUSAL = "std and var only support floating point and complex dtypes"


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_and_bool_means_and_variances_are_refused(dtype):
    x = tt.tensor(INTEGERS, dtype=getattr(tt, dtype))
    with pytest.raises(RuntimeError, match=MEAN_REFUSAL + f".*Got: {dtype}; pass a float dtype="):
        x.mean()
    with pytest.raises(RuntimeError, match=MEAN_REFUSAL):
        x.mean(1, keepdim=True)
    with pytest.raises(RuntimeError, match=MEAN_REFUSAL):
        tt.mean(x, 0)
    for op in ("var", "std"):
        with pytest.raises(RuntimeError, match=VARIANCE_REFUSAL + rf" \({op} of {dtype}\).*x\.float\(\)"):
            getattr(x, op)()
        with pytest.raises(RuntimeError, match=VARIANCE_REFUSAL):
            getattr(x, op)(1, correction=0)
        with pytest.raises(RuntimeError, match=f"{op}_mean only support floating point.*{op}_mean\\(x.float"):
            getattr(tt, f"{op}_mean")(x, 1)


def test_nanmean_refuses_integers_even_with_a_float_dtype():
    x = tt.tensor(INTEGERS)
    refusal = r"nanmean\(\): expected input to have floating point or complex dtype but got int64"
    with pytest.raises(RuntimeError, match=refusal):
        x.nanmean()
    with pytest.raises(RuntimeError, match=refusal):
        x.nanmean(dtype=tt.float64)
    with pytest.raises(RuntimeError, match=r"nanmean\(\): could not infer output dtype\. Optional dtype"):
        tt.tensor([1.0, float("nan")]).nanmean(dtype=tt.int64)
    kept = tt.tensor([1.0, float("nan"), 4.0]).nanmean(dtype=tt.float64)
    assert kept.dtype == tt.float64 and kept.item() == 2.5


def test_a_float_dtype_still_gives_the_mean_of_integers():
    x = tt.tensor(INTEGERS)
    by_row = x.mean(1, dtype=tt.float32)
    assert by_row.dtype == tt.float32
    np.testing.assert_allclose(by_row.numpy(), [7 / 3, 17 / 3], rtol=1e-6)  # (1+2+4)/3, (3+5+9)/3
    whole = x.mean(dtype=tt.float64)
    assert whole.dtype == tt.float64 and whole.item() == 4.0  # 24 / 6
    assert tt.tensor([True, False, True, True]).mean(dtype=tt.float32).item() == 0.75
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype\. Optional dtype"):
        x.mean(dtype=tt.int64)


def test_float_and_complex_inputs_are_unchanged():
    x = tt.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], dtype=tt.float64)
    assert x.mean().item() == 4.0 and x.var(correction=0).item() == pytest.approx(
        40 / 6
    )  # Σ(x-4)² = 9+4+0+1+1+25
    assert x.std(1).tolist() == pytest.approx([np.sqrt(7 / 3), np.sqrt(28 / 3)])  # rows: var 7/3, 28/3
    var, mean = tt.var_mean(x, 1)
    assert var.tolist() == pytest.approx([7 / 3, 28 / 3]) and mean.tolist() == pytest.approx([7 / 3, 17 / 3])
    z = tt.tensor([1 + 2j, 3 - 2j])
    assert z.mean().item() == 2 + 0j and z.var().item() == pytest.approx(10.0)  # (|-1+2j|² + |1-2j|²) / 1
