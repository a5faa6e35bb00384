"""``Tensor.resize_``, ``resize_as_`` and ``set_``: PyTorch's storage-level in-place ops (values
checked against PyTorch 2.13's on the same calls)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def test_resize_keeps_the_first_elements_of_the_memory_and_regrows_into_it():
    a = autograd.arange(6.0)
    assert a.resize_(2, 2) is a and a.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert a.resize_((6,)).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # the memory was still there
    a.resize_(3, 3)  # more than the memory holds: a new block, the old elements first
    assert a.shape == (3, 3) and a.reshape(9)[:6].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert a.resize_(0).shape == (0,) and a.dtype == autograd.float32


def test_resize_reads_the_memory_in_its_order_and_shares_it():
    x = autograd.arange(6.0).reshape(2, 3).t()  # memory order 0..5, logical order 0 3 1 4 2 5
    x.resize_(4)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]
    base = autograd.arange(8.0)
    view = base[2:]
    view.resize_(2, 3)
    view[0, 0] = -1.0
    assert base.tolist()[2] == -1.0 and view.tolist() == [[-1.0, 3.0, 4.0], [5.0, 6.0, 7.0]]
    view.resize_(7)  # more than the 6 elements after its start: a new block
    assert view.shape == (7,) and view.tolist()[:6] == [-1.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    view[1] = 0.0
    assert base.tolist()[3] == 3.0


def test_resize_of_memory_in_another_layout_takes_its_values_row_major():
    x = autograd.from_numpy(np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    x.resize_(7)
    assert x.tolist()[:6] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_resize_as_takes_the_other_shape():
    r = autograd.zeros(2, 3)
    assert r.resize_as_(autograd.ones(3)).shape == (3,)


def test_set_shares_the_source_memory_or_a_strided_part_of_it():
    c = autograd.zeros(2)
    source = autograd.arange(4.0)
    assert c.set_(source) is c and c.tolist() == [0.0, 1.0, 2.0, 3.0]
    source[0] = 9.0
    assert c.tolist()[0] == 9.0
    memory = autograd.arange(10.0)
    d = autograd.zeros(1).set_(memory, 2, (2, 3), (3, 1))
    assert d.tolist() == [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]
    memory[5] = 100.0
    assert d.tolist() == [[2.0, 3.0, 4.0], [100.0, 6.0, 7.0]]
    assert autograd.zeros(1).set_(memory, 1, (2, 2)).tolist() == [[1.0, 2.0], [3.0, 4.0]]  # row-major
    assert autograd.zeros(3).set_().shape == (0,)
    assert autograd.zeros(1).set_(memory, 0, [3, 0, 2]).stride() == (2, 2, 1)  # PyTorch's empty strides


def test_resize_and_set_refusals_name_the_op_and_the_fix():
    with pytest.raises(RuntimeError, match="resize_: cannot resize variables that require grad"):
        autograd.ones(3, requires_grad=True).resize_(2)
    with pytest.raises(RuntimeError, match="resize_: sizes must be non-negative ints, got \\[2, -1\\]"):
        autograd.ones(3).resize_(2, -1)
    with pytest.raises(RuntimeError, match="resize_: sizes must be non-negative ints"):
        autograd.ones(3).resize_(2.0)
    with pytest.raises(RuntimeError, match="set_: expected a source of this tensor's dtype float32, got int"):
        autograd.zeros(2).set_(autograd.arange(3))
    with pytest.raises(RuntimeError, match="set_: in-place operation on a leaf tensor that requires grad"):
        autograd.ones(2, requires_grad=True).set_(autograd.zeros(3))
    with pytest.raises(RuntimeError, match="set_: sizes must be non-negative ints, got \\[2, -3\\]"):
        autograd.zeros(1).set_(autograd.arange(10.0), 0, (2, -3), (3, 1))
    with pytest.raises(TypeError, match="set_: source must be a tensor, got NoneType"):
        autograd.zeros(2).set_(None)
    with pytest.raises(TypeError, match="resize_as_: the template must be a tensor, got str"):
        autograd.zeros(2).resize_as_("a")
    with pytest.raises(TypeError, match="set_: source must be a tensor, got list"):
        autograd.zeros(2).set_([1.0, 2.0])
