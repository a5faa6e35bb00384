"""Module 01: bad arguments get errors naming the op, the value and the fix (issue #14)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor.checks import check_count


@pytest.mark.parametrize("value", [2**70, -(2**64), [1, 2**64], [[3], [-(2**80)]]])
def test_integers_beyond_int64_are_refused_instead_of_wrapping(value):
    with pytest.raises(OverflowError, match=r"tensor: the integer -?\d+ does not fit in int64"):
        tt.tensor(value)


def test_int64_limits_still_fit():
    assert tt.tensor(2**63 - 1).item() == 2**63 - 1
    assert tt.tensor([-(2**63)]).array.dtype == np.int64


def test_cuda_is_refused_with_the_fix():
    with pytest.raises(RuntimeError, match=r"cuda: TinyTorch runs on the CPU only.*\.to\('cpu'\)"):
        tt.zeros(2).cuda()


@pytest.mark.parametrize(
    ("value", "minimum", "error", "message"),
    [
        (4.5, 0, TypeError, "in_features must be an int, got float 4.5"),
        (True, 0, TypeError, "in_features must be an int, got the bool True"),
        ("3", 0, TypeError, "got str '3'"),
        (-3, 0, ValueError, "in_features must be non-negative, got -3"),
        (0, 1, ValueError, "in_features must be at least 1, got 0"),
    ],
)
def test_check_count_names_the_op_argument_and_value(value, minimum, error, message):
    with pytest.raises(error, match=message):
        check_count("Linear", "in_features", value, minimum)


def test_check_count_accepts_numpy_integers():
    assert check_count("Linear", "in_features", np.int32(7)) == 7


@pytest.mark.parametrize(
    ("compute", "message"),
    [
        (lambda: tt.randn(3) + "abc", r"add: unsupported operand of type str"),
        (lambda: tt.randn(3) < None, r"lt: unsupported operand of type NoneType"),
        (lambda: tt.maximum(tt.randn(3), {}), r"maximum: unsupported operand of type dict"),
        (lambda: tt.where(tt.randn(3) > 0, tt.randn(3), None), r"where: unsupported operand"),
        (lambda: tt.randn(3) * np.array(["a", "b", "c"]), r"mul: unsupported operand of type <U1 array"),
        (lambda: tt.stack([tt.zeros(2), 1]), r"stack: expected Tensor as element 1, but got int"),
        (lambda: tt.cat(tt.zeros(2)), r"cat: expected a list or tuple of tensors"),
        (lambda: tt.eye(-1), r"eye: n must be non-negative, got -1"),
        (lambda: tt.linspace(0, 1, -1), r"linspace: steps must be non-negative"),
        (lambda: tt.randperm(-1), r"randperm: n must be non-negative"),
        (lambda: tt.arange("a"), r"arange: end must be a number"),
        (lambda: tt.manual_seed("x"), r"manual_seed: seed must be an int"),
    ],
)
def test_non_numeric_operands_and_bad_sizes_name_the_op(compute, message):
    kind = ValueError if "non-negative" in message else TypeError
    with pytest.raises(kind, match=message):
        compute()


def test_reshape_refuses_sizes_below_minus_one():
    with pytest.raises(RuntimeError, match=r"reshape: shape \[-2, 3\] is invalid for input of size 6"):
        tt.zeros(2, 3).reshape(-2, 3)
    assert tt.zeros(2, 3).reshape(-1, 2).shape == (3, 2)


def test_equality_with_a_non_number_is_false_everywhere_as_in_python():
    assert (tt.zeros(3) == None).tolist() == [False] * 3  # noqa: E711
    assert (tt.zeros(3) != "abc").tolist() == [True] * 3
    assert tt.manual_seed(3.0).initial_seed() == 3


JUNK_REFUSED = (
    "eq ne equal logical_and logical_or logical_xor fill_ copy_ unique unique_consecutive softmax "
    "log_softmax "
    "add_ sub_ mul_ div_ allclose isclose mm bmm dot view_as reshape_as expand_as diagonal diff diagflat "
    "kthvalue quantile nanquantile type_as rot90 tile tensor_split diag_embed inner kron bernoulli_ "
    "new_tensor"
)


@pytest.mark.parametrize("junk", [None, "abc", object()])
@pytest.mark.parametrize("op", JUNK_REFUSED.split())
def test_methods_refuse_a_junk_first_argument_by_name(op, junk):
    t = tt.ones(2, 3)
    with pytest.raises(TypeError, match=rf"^{op}: "):
        getattr(t, op)(junk)
    assert t.tolist() == [[1.0] * 3] * 2  # an in-place method left the tensor as it was


def test_none_is_refused_where_pytorch_requires_the_argument():
    with pytest.raises(TypeError, match=r"^flip: argument 'dims' must be an int or a tuple of ints, got"):
        tt.ones(2).flip(None)
    with pytest.raises(TypeError, match=r"^new_tensor: argument 'data'"):
        tt.ones(2).new_tensor(None)
    with pytest.raises(TypeError, match=r"^logit: eps must be a number, got str"):
        tt.ones(2).logit("abc")
    assert tt.tensor([0.5]).logit(None).item() == 0.0  # None: no clamping, as PyTorch
    assert tt.tensor([float("nan"), 1.0]).nan_to_num(None).tolist() == [0.0, 1.0]  # None: the default
    with pytest.raises(RuntimeError, match=r"^repeat_interleave: repeats must be non-negative integers"):
        tt.ones(2).repeat_interleave(None)  # None: the tensor holds the counts, and floats are not counts
    assert tt.tensor([1, 2]).repeat_interleave(None).tolist() == [0, 1, 1]


def test_the_strict_methods_still_take_numbers_lists_and_tensors():
    t = tt.tensor([1.0, 0.0, 2.0])
    assert t.eq(2).tolist() == [False, False, True] and t.ne(tt.tensor(0.0)).tolist() == [True, False, True]
    assert t.equal([1.0, 0.0, 2.0]) and t.logical_and(True).tolist() == [True, False, True]
    assert t.clone().fill_(tt.tensor(3)).tolist() == [3.0] * 3
    assert t.clone().copy_([4, 5, 6]).tolist() == [4, 5, 6]
    assert t.clone().add_(1, alpha=2).tolist() == [3.0, 2.0, 4.0] and t.diff(0).tolist() == t.tolist()
    assert t.quantile(0.5).item() == 1.0 and t.kthvalue(1).values.item() == 0.0
    assert t.unique(True, True)[1].tolist() == [1, 0, 2] and t.softmax(0).sum().item() == pytest.approx(1.0)
