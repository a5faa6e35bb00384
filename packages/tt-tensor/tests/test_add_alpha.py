"""``add``/``sub``/``add_``/``sub_``/``rsub``'s ``alpha`` by PyTorch 2.13's rules (each form run on
torch 2.13 in a scratch script):

* a bool ``alpha`` only for a bool result ("Boolean alpha only supported for Boolean results.");
* a float ``alpha`` (a NumPy bool counts as one) not for an integer or bool result ("For integral
  input tensors, argument alpha must not be a floating point number."); a complex one only for a
  complex result;
* a bool result keeps its dtype: ``bool_tensor.add(bool_tensor, alpha=2)`` is ``[True]``, not ``[3]``.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

BOOL_ALPHA = "Boolean alpha only supported for Boolean results"
FLOAT_ALPHA = "For integral input tensors, argument alpha must not be a floating point number"


@pytest.mark.parametrize(
    "call, op, message",
    [
        (lambda: tt.tensor([1]).add(tt.tensor([1]), alpha=True), "add", BOOL_ALPHA),
        (lambda: tt.tensor([1.0]).add(1, alpha=False), "add", BOOL_ALPHA),
        (lambda: tt.tensor([1.0]).sub(tt.tensor([1.0]), alpha=True), "sub", BOOL_ALPHA),
        (lambda: tt.tensor([True]).add(tt.tensor([1.0]), alpha=True), "add", BOOL_ALPHA),
        (lambda: tt.tensor([1]).add(tt.tensor([1]), alpha=1.5), "add", FLOAT_ALPHA),
        (lambda: tt.tensor([True]).add(tt.tensor([True]), alpha=1.0), "add", FLOAT_ALPHA),
        (lambda: tt.tensor([True]).add(tt.tensor([True]), alpha=np.bool_(True)), "add", FLOAT_ALPHA),
        (lambda: tt.tensor([3]).sub(1, alpha=0.5), "sub", FLOAT_ALPHA),
        (lambda: tt.tensor([3]).add_(1, alpha=2.0), "add_", FLOAT_ALPHA),
        (lambda: tt.tensor([3]).sub_(1, alpha=2.0), "sub_", FLOAT_ALPHA),
        (lambda: tt.tensor([3.0]).add_(1, alpha=True), "add_", BOOL_ALPHA),
        (lambda: tt.rsub(tt.tensor([3]), 1, alpha=2.5), "rsub", FLOAT_ALPHA),
        (lambda: tt.rsub(tt.tensor([3.0]), 1, alpha=True), "rsub", BOOL_ALPHA),
        (
            lambda: tt.tensor([1.0]).add(1, alpha=1j),
            "add",
            "For non-complex input tensors, argument alpha must",
        ),
    ],
)
def test_an_alpha_the_result_cannot_take_is_refused(call, op, message):
    with pytest.raises(RuntimeError, match=f"{op}: {message}"):
        call()


def test_a_bool_result_reads_alpha_as_a_bool():
    b, c = tt.tensor([True, False, False]), tt.tensor([True, True, False])
    for alpha, expected in ((2, [True, True, False]), (True, [True, True, False]), (0, [True, False, False])):
        out = b.add(c, alpha=alpha)
        assert out.dtype == tt.bool and out.tolist() == expected
    inplace = b.clone()
    inplace.add_(c, alpha=5)
    assert inplace.dtype == tt.bool and inplace.tolist() == [True, True, False]
    inplace.add_(c, alpha=False)
    assert inplace.tolist() == [True, True, False]


def test_the_alphas_each_result_takes():
    assert tt.tensor([1.0, 2.0]).add(tt.tensor([1.0, 1.0]), alpha=0.5).tolist() == [1.5, 2.5]
    assert tt.tensor([1.0, 2.0]).sub(1, alpha=np.bool_(True)).tolist() == [0.0, 1.0]  # (a float alpha)
    i = tt.tensor([5, 7])
    assert i.add(tt.tensor([1, 2]), alpha=3).tolist() == [8, 13] and i.add(1, alpha=3).dtype == tt.int64
    assert i.sub(2, alpha=2).tolist() == [1, 3] and i.add(2.5, alpha=2).tolist() == [10.0, 12.0]
    i.sub_(tt.tensor([1, 1]), alpha=2)
    assert i.tolist() == [3, 5]
    i.add_(tt.tensor([1, 2]), alpha=3)
    assert i.tolist() == [6, 11]
    i.sub_([1, 2], alpha=2)  # (a list operand, scaled after its conversion)
    assert i.tolist() == [4, 7]
    i.add_([1, 0], alpha=-1)
    assert i.tolist() == [3, 7]
    i.add_([5, 5], alpha=0)
    i.sub_([5, 5], alpha=0)
    assert (
        i.tolist() == [3, 7] and i.add(5, alpha=0).tolist() == [3, 7] and i.sub(5, alpha=0).tolist() == [3, 7]
    )
    assert tt.rsub(i, 10, alpha=0).tolist() == [10, 10]
    assert tt.rsub(tt.tensor([1, 2]), 5, alpha=2).tolist() == [3, 1]
    z = tt.tensor([1.0 + 1.0j]).add(1, alpha=1j)
    assert z.tolist() == [1.0 + 2.0j]


def test_rsub_takes_a_tensor_first():
    with pytest.raises(TypeError, match="rsub: argument 'input' must be a Tensor, got list"):
        tt.rsub([1.0], 1, alpha=2)
