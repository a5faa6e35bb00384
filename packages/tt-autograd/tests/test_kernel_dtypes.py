"""tt-autograd's recorded ``logcumsumexp``, ``logaddexp`` and ``median`` refuse the dtypes PyTorch 2.13
has no kernel for, as tt-tensor's (its test_kernel_dtypes.py gives the facts); floats still record.

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


def test_recorded_forms_refuse_integer_and_bool_inputs():
    with pytest.raises(NotImplementedError, match="^logcumsumexp: not implemented for int64"):
        autograd.tensor([1, 2]).logcumsumexp(0)
    with pytest.raises(NotImplementedError, match="^logaddexp: not implemented for bool"):
        autograd.tensor([True]).logaddexp(autograd.tensor([False]))
    with pytest.raises(NotImplementedError, match="^median: not implemented for bool"):
        autograd.tensor([True, False]).median()
    with pytest.raises(NotImplementedError, match="^nanmedian: not implemented for bool"):
        autograd.tensor([True, False]).nanmedian()


def test_float_forms_still_record(leaf, check_grad):
    x = leaf((4,))
    check_grad(lambda t: t.logcumsumexp(0), x)
    check_grad(lambda t: t.logaddexp(autograd.tensor(2, dtype=autograd.int64)), x)
    assert autograd.tensor([1, 3]).logaddexp(autograd.tensor([0.5, 0.5])).dtype == autograd.float32
