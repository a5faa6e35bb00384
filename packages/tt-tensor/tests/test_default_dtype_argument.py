"""``set_default_dtype`` takes a tinytorch dtype only, as PyTorch 2.13's takes a ``torch.dtype`` only (run
on torch 2.13 in a scratch script): ``float``, ``"float32"``, ``np.float32``, ``np.dtype("float64")`` and
``None`` are a ``TypeError``, and the default stays as it was. (``dtype=`` of the factories still takes
NumPy dtypes and names, where PyTorch refuses them: the packages pass NumPy dtypes through them; see
``tt_tensor.dtypes.as_dtype``.) Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


@pytest.mark.parametrize("junk", [float, "float64", np.float64, np.dtype("float64"), None])
def test_set_default_dtype_refuses_what_is_not_a_dtype(junk, restore_default_dtype):
    with pytest.raises(
        TypeError, match=r"set_default_dtype: dtype must be a tinytorch dtype \(tt.float32 or"
    ):
        tt.set_default_dtype(junk)
    assert tt.get_default_dtype() == tt.float32
    assert tt.tensor([0.5]).dtype == tt.float32


def test_set_default_dtype_takes_the_dtypes(restore_default_dtype):
    tt.set_default_dtype(tt.float64)
    assert tt.get_default_dtype() == tt.float64 and tt.tensor([0.5]).dtype == tt.float64
    tt.set_default_dtype(tt.float32)
    assert tt.tensor([0.5]).dtype == tt.float32
