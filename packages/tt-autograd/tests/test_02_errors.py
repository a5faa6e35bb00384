"""Module 02: bad input raises an error a person can act on.

Each message must name the operation and the shapes (or dtype) involved,
and where there is an obvious fix, say it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import Function


def test_matmul_shape_mismatch_names_op_and_shapes():
    a = autograd.randn(2, 3, requires_grad=True)
    b = autograd.randn(4, 5, requires_grad=True)
    with pytest.raises(RuntimeError) as error:
        a @ b
    message = str(error.value)
    assert "matmul" in message and "(2, 3)" in message and "(4, 5)" in message


def test_batched_matmul_with_incompatible_batches_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3, 4\).*\(5, 4, 2\)"):
        autograd.randn(2, 3, 4, requires_grad=True) @ autograd.randn(5, 4, 2)


def test_broadcasting_mismatch_names_op_and_shapes():
    a = autograd.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError) as error:
        a + autograd.randn(4, 3)
    message = str(error.value)
    assert "add" in message and "(2, 3)" in message and "(4, 3)" in message and "broadcast" in message
    with pytest.raises(RuntimeError, match=r"mul.*\(2, 3\).*\(2,\)"):
        a * autograd.randn(2)


def test_backward_on_a_non_scalar_without_gradient():
    y = autograd.randn(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError) as error:
        y.backward()
    message = str(error.value)
    assert "backward" in message and "one-element" in message and "(2, 3)" in message
    assert "gradient=" in message


def test_backward_with_a_gradient_of_the_wrong_shape():
    y = autograd.randn(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"backward.*\(3,\).*\(2, 3\)"):
        y.backward(gradient=autograd.ones(3))


def test_backward_on_a_tensor_outside_any_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.ones(1).backward()


def test_int_tensor_with_requires_grad_names_the_dtype():
    with pytest.raises(RuntimeError) as error:
        autograd.tensor([1, 2, 3], requires_grad=True)
    message = str(error.value)
    assert "requires_grad" in message and "int64" in message and ".float()" in message
    with pytest.raises(RuntimeError, match="int32"):
        autograd.zeros(2, dtype=autograd.int32, requires_grad=True)


def test_index_out_of_range_names_index_and_shape():
    x = autograd.randn(3, 4, requires_grad=True)
    with pytest.raises(IndexError) as error:
        x[5]
    message = str(error.value)
    assert "index" in message and "5" in message and "(3, 4)" in message
    with pytest.raises(IndexError, match=r"7.*\(3, 4\)"):
        x[[0, 7]]
    with pytest.raises(IndexError, match=r"index_select.*\(3, 4\)"):
        x.index_select(1, autograd.tensor([4]))


def test_backward_twice_error_says_what_to_do():
    x = autograd.randn(3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_inplace_error_names_the_op_and_the_fix():
    w = autograd.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError) as error:
        w.mul_(2)
    message = str(error.value)
    assert "mul_" in message and "leaf" in message and "no_grad" in message


def test_a_backward_rule_returning_the_wrong_shape_is_named():
    class BadSumFunction(Function):
        @staticmethod
        def forward(ctx, a):
            return np.asarray(a.sum())

        @staticmethod
        def backward(ctx, grad):
            return (np.ones(3),)  # should be the input's shape (2, 3)

    x = autograd.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError) as error:
        BadSumFunction.apply(x).backward()
    message = str(error.value)
    assert "BadSum" in message and "(3,)" in message and "(2, 3)" in message


def test_dimension_out_of_range_names_the_op():
    x = autograd.randn(2, 3, requires_grad=True)
    with pytest.raises(IndexError, match=re.escape("sum: dimension out of range")):
        x.sum(dim=2)
    with pytest.raises(IndexError, match="transpose"):
        x.transpose(0, 3)


def test_reshape_to_the_wrong_size_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"reshape.*\[4, 2\].*6"):
        autograd.randn(2, 3, requires_grad=True).reshape(4, 2)


def test_cat_of_mismatched_shapes_names_them():
    with pytest.raises(RuntimeError, match=r"cat.*\(2, 3\).*\(2, 4\)"):
        autograd.cat([autograd.randn(2, 3, requires_grad=True), autograd.randn(2, 4)])


@pytest.mark.parametrize("junk", [None, "abc", object()])
@pytest.mark.parametrize(
    "op, call",
    [
        ("qr", lambda t, j: t.qr(j)),
        ("svd", lambda t, j: t.svd(j)),
        ("svd", lambda t, j: t.svd(True, j)),
        ("lu", lambda t, j: t.lu(j)),
        ("lu", lambda t, j: t.lu(True, j)),
        ("dist", lambda t, j: t.dist(j)),
        ("eq_", lambda t, j: t.eq_(j)),
        ("logical_or_", lambda t, j: t.logical_or_(j)),
        ("flip", lambda t, j: t.flip(j) if j is None else t.flip(None)),
        ("diag", lambda t, j: t.diag(j)),
        ("topk", lambda t, j: t.topk(j)),
        ("tril", lambda t, j: t.tril(j)),
        ("triu_", lambda t, j: t.triu_(j)),
        ("chunk", lambda t, j: t.chunk(j)),
        ("split", lambda t, j: t.split(j)),
        ("roll", lambda t, j: t.roll(j)),
        ("pinverse", lambda t, j: t.pinverse(j)),
    ],
)
def test_tensor_methods_refuse_a_junk_argument_by_name(op, call, junk):
    t = autograd.tensor([[2.0, 1.0], [1.0, 3.0]])
    with pytest.raises(TypeError, match=rf"^{op.rstrip('_')}_?: "):
        call(t, junk)
    assert t.tolist() == [[2.0, 1.0], [1.0, 3.0]]


def test_bool_flags_still_take_bools():
    t = autograd.tensor([[2.0, 1.0], [1.0, 3.0]])
    assert t.qr(False).Q.shape == (2, 2) and t.svd(True, False).S.shape == (2,)
    assert t.tril(-1).tolist() == [[0.0, 0.0], [1.0, 0.0]] and t.topk(1).values.tolist() == [[2.0], [3.0]]
    assert t.norm(None).item() == pytest.approx(np.sqrt(15.0))  # None: the 2-norm, as PyTorch
    assert len(t.lu(True, True)) == 3
    assert t.dist(autograd.tensor([2.0, 1.0])).item() == pytest.approx(np.sqrt(5.0))
