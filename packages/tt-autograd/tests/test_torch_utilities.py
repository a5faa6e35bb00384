"""PyTorch's small top-level utilities: ``finfo``/``iinfo``, ``promote_types``/``result_type``/``can_cast``,
``is_tensor``, ``isin``, ``unravel_index``, ``broadcast_shapes``, ``scalar_tensor``, ``asarray``, ``rsub``,
``randint_like``, and the function forms of ``numel``, ``clone``, ``t``, ... (``tt_tensor.dtype_info``,
``tt_tensor.utilities``). The expected values are PyTorch 2.13's, checked in a scratch script.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as tt


def test_finfo_and_iinfo_give_the_limits_pytorch_gives():
    f32 = tt.finfo(tt.float32)
    assert (f32.bits, f32.eps, f32.max, f32.min) == (32, 2.0**-23, float(np.finfo(np.float32).max), -f32.max)
    assert f32.tiny == f32.smallest_normal == 2.0**-126 and f32.resolution == 1e-6 and f32.dtype == "float32"
    assert tt.finfo().dtype == "float32" and tt.finfo(tt.float64).eps == 2.0**-52
    assert tt.finfo(tt.float16).max == 65504.0
    i64 = tt.iinfo(tt.int64)
    assert (i64.bits, i64.max, i64.min, i64.dtype) == (64, 2**63 - 1, -(2**63), "int64")
    assert (tt.iinfo(tt.uint8).min, tt.iinfo(tt.uint8).max, tt.iinfo(tt.int8).min) == (0, 255, -128)
    assert repr(tt.iinfo(tt.uint8)) == "iinfo(min=0, max=255, dtype=uint8)"
    with pytest.raises(TypeError, match=r"^finfo: requires a floating point dtype, got int32; use iinfo"):
        tt.finfo(tt.int32)
    with pytest.raises(TypeError, match=r"^iinfo: requires an integer dtype, got a bool one"):
        tt.iinfo(tt.bool)


def test_promotion_rules():
    assert tt.promote_types(tt.int64, tt.float32) == tt.float32
    assert tt.promote_types(tt.uint8, tt.int8) == tt.int16
    assert tt.result_type(tt.tensor([1, 2]), 2.5) == tt.float32  # an int tensor and a float: default float
    zero_d = tt.tensor(2.0, dtype=tt.float64)
    assert tt.result_type(tt.tensor([1.0]), zero_d) == tt.float32  # a 0-d tensor does not widen
    assert tt.result_type(tt.tensor([True]), 3) == tt.int64
    assert tt.result_type(tt.tensor([True]), True) == tt.bool
    assert tt.result_type(2, 3.5) == tt.float32 and tt.result_type(2, 3) == tt.int64
    assert tt.result_type(True, False) == tt.bool and tt.result_type(True, 2) == tt.int64
    assert tt.result_type(2.5, tt.tensor([1, 2])) == tt.float32  # a number first
    assert tt.result_type(tt.tensor([1, 2]), tt.tensor([1.0], dtype=tt.float64)) == tt.float64
    assert tt.result_type(tt.tensor([1, 2], dtype=tt.int32), 7) == tt.int32
    assert repr(tt.finfo(tt.float64)).startswith("finfo(resolution=1e-15, min=-1.79769e+308, max=1.7")
    assert [tt.can_cast(a, b) for a, b in [(tt.float32, tt.int32), (tt.int32, tt.float32)]] == [False, True]
    assert [tt.can_cast(a, b) for a, b in [(tt.float64, tt.float32), (tt.int64, tt.bool)]] == [True, False]
    with pytest.raises(TypeError, match=r"^result_type: expected tensors or numbers, got str"):
        tt.result_type(tt.ones(2), "a")


def test_isin_unravel_index_broadcast_shapes():
    assert tt.isin(tt.tensor([1, 2, 3]), tt.tensor([2, 5])).tolist() == [False, True, False]
    assert tt.isin(tt.tensor([1, 2, 3]), 2).tolist() == [False, True, False]
    assert tt.isin(tt.tensor([1, 2, 3]), tt.tensor([2]), invert=True).tolist() == [True, False, True]
    assert tt.isin(3, tt.tensor([3])).tolist() is True
    assert isinstance(tt.isin(tt.tensor([1]), 1), tt.Tensor)
    with pytest.raises(TypeError, match=r"^isin: elements must be a tensor or a number, got str"):
        tt.isin("abc", tt.tensor([1]))
    for flag in ("invert", "assume_unique"):
        with pytest.raises(TypeError, match=rf"^isin: argument '{flag}' must be bool, got str"):
            tt.isin(tt.tensor([1]), 1, **{flag: "yes"})
    rows, cols = tt.unravel_index(tt.tensor([4, 7, -1]), (2, 4))
    assert rows.tolist() == [1, 1, 1] and cols.tolist() == [0, 3, 3] and rows.dtype == tt.int64
    assert [c.tolist() for c in tt.unravel_index(tt.tensor(5), (2, 3))] == [1, 2]
    assert [c.tolist() for c in tt.unravel_index(tt.tensor([-6, 0]), (2, 3))] == [[0, 0], [0, 0]]
    for outside in (6, -7):  # PyTorch wraps these around silently
        with pytest.raises(RuntimeError, match=r"^unravel_index: an index is out of range for shape"):
            tt.unravel_index(tt.tensor([outside]), (2, 3))
    with pytest.raises(TypeError, match=r"^unravel_index: indices must be integers"):
        tt.unravel_index(tt.tensor([1.0]), (2, 3))
    assert tt.broadcast_shapes((2, 1), (3,)) == (2, 3) and tt.broadcast_shapes(4, (1,)) == (4,)
    with pytest.raises(RuntimeError, match=r"^broadcast_shapes: shapes \(2,\), \(3,\) cannot be broadcast"):
        tt.broadcast_shapes((2,), (3,))


def test_scalar_tensor_asarray_randint_like_and_rsub():
    s = tt.scalar_tensor(3)
    assert s.shape == () and s.dtype == tt.float32 and s.item() == 3.0
    assert tt.scalar_tensor(2, dtype=tt.int64).dtype == tt.int64
    with pytest.raises(TypeError, match=r"^scalar_tensor: s must be a number, got list"):
        tt.scalar_tensor([1])
    data = np.ones(3)
    shared = tt.asarray(data)
    data[0] = 5.0
    assert shared.tolist()[0] == 5.0  # shares memory, as PyTorch's
    copied = tt.asarray(data, copy=True)
    data[1] = 7.0
    assert copied.tolist() == [5.0, 1.0, 1.0] and tt.asarray([1, 2]).dtype == tt.int64
    tt.manual_seed(0)
    drawn = tt.randint_like(tt.zeros(2, 50), 3, 10)
    assert drawn.shape == (2, 50) and drawn.dtype == tt.float32
    assert drawn.min().item() >= 3 and drawn.max().item() <= 9 and len(set(drawn.flatten().tolist())) == 7
    assert tt.randint_like(tt.zeros(4, dtype=tt.int64), 2).dtype == tt.int64
    x = tt.tensor([1.0, 2.0], dtype=tt.float64, requires_grad=True)
    assert tt.rsub(x, 5, alpha=2).tolist() == [3.0, 1.0]  # 5 - 2 x
    assert tt.gradcheck(lambda t: tt.rsub(t, t * t), (x,))
    with pytest.raises(TypeError, match=r"^rsub: argument 'input' must be a Tensor"):
        tt.rsub(3, x)
    with pytest.raises(TypeError, match=r"^randint_like: argument 'input' must be a Tensor"):
        tt.randint_like([1, 2], 5)


def test_function_forms_of_tensor_methods():
    x = tt.ones(2, 3, requires_grad=True)
    assert tt.is_tensor(x) and not tt.is_tensor(np.ones(2)) and tt.numel(x) == 6 and tt.is_floating_point(x)
    assert tt.t(x).shape == (3, 2) and tt.swapaxes(x, 0, 1).shape == (3, 2)
    assert tt.clone(x).grad_fn is not None and not tt.detach(x).requires_grad
    assert tt.zero_(tt.ones(2)).tolist() == [0.0, 0.0]
    assert tt.get_num_threads() >= 1
