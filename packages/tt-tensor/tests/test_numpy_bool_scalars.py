"""A NumPy bool scalar as PyTorch 2.13 reads it (each form run on torch 2.13 in a scratch script):

* as an *operand* it is a Python float: ``x - np.True_`` is ``x - 1.0`` (where ``x - True`` and
  ``x - torch.tensor(True)`` are refused), ``int_tensor + np.True_`` and ``bool_tensor + np.True_``
  are float32 (``[True, False] + np.True_`` is ``[2., 1.]``), and ``bool_tensor - np.True_`` is
  refused as a bool tensor with a number;
* as a *flag* (``keepdim``, ``descending``, ``equal_nan``, ...) it is refused: "sum(): argument
  'keepdim' must be bool, not numpy.bool"; ``var(x, np.True_)`` too. ``torch.lu``'s ``get_infos`` and
  ``pca_lowrank``'s ``center``, which PyTorch reads in Python by their truth, take it.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

T, F = np.bool_(True), np.bool_(False)


def test_a_numpy_bool_operand_is_a_float():
    x = tt.tensor([1.0, 2.0])
    assert (x - T).tolist() == [0.0, 1.0] and (T - x).tolist() == [0.0, -1.0]
    assert x.sub(T).tolist() == [0.0, 1.0] and tt.rsub(x, T).tolist() == [0.0, -1.0]
    i = tt.tensor([1, 2])
    assert (i + T).dtype == tt.float32 and (i + T).tolist() == [2.0, 3.0]
    assert (i * F).dtype == tt.float32 and (i - T).tolist() == [0.0, 1.0]
    b = tt.tensor([True, False])
    assert (b + T).dtype == tt.float32 and (b + T).tolist() == [2.0, 1.0]
    assert (T * b).dtype == tt.float32 and (T * b).tolist() == [1.0, 0.0]
    h = tt.tensor([1.0, 2.0], dtype=tt.float16)
    assert (h - T).dtype == tt.float16  # (a float number does not widen a float tensor)
    assert (i * np.int64(3)).tolist() == [3, 6] and (x * np.float64(0.5)).tolist() == [0.5, 1.0]


def test_a_numpy_bool_operand_writes_in_place_as_a_float():
    x = tt.tensor([1.0, 2.0])
    x.sub_(T)
    assert x.tolist() == [0.0, 1.0]
    i = tt.tensor([1, 2])
    with pytest.raises(TypeError, match="add_: result of dtype float32 can't be cast"):
        i.add_(T)  # PyTorch: "result type Float can't be cast to the desired output type Long"


def test_a_bool_tensor_minus_a_numpy_bool_is_refused_as_bool_minus_number():
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        tt.tensor([True]) - T
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        tt.tensor([1.0]) - tt.tensor(True)  # (a bool tensor stays a bool)


@pytest.mark.parametrize(
    "call, op, name",
    [
        (lambda x: x.sum(0, keepdim=T), "sum", "keepdim"),
        (lambda x: x.mean(0, T), "mean", "keepdim"),
        (lambda x: x.amax(0, keepdim=F), "amax", "keepdim"),
        (lambda x: x.argmax(0, keepdim=T), "argmax", "keepdim"),
        (lambda x: x.sort(0, descending=T), "sort", "descending"),
        (lambda x: x.argsort(0, stable=T), "argsort", "stable"),
        (lambda x: x.unique(sorted=T), "unique", "sorted"),
        (lambda x: x.allclose(x, equal_nan=T), "allclose", "equal_nan"),
        (lambda x: x.nonzero(as_tuple=F), "nonzero", "as_tuple"),
        (lambda x: x.topk(1, largest=F), "topk", "largest"),
        (lambda x: x.topk(1, sorted=T), "topk", "sorted"),
    ],
)
def test_a_numpy_bool_flag_is_refused(call, op, name):
    x = tt.tensor([[1.0, 2.0], [3.0, 0.0]])
    with pytest.raises(TypeError, match=f"{op}: argument '{name}' must be bool, got numpy.bool"):
        call(x)


def test_var_of_a_numpy_bool_is_refused_and_of_a_bool_is_unbiased():
    x = tt.tensor([[1.0, 2.0], [3.0, 6.0]])
    with pytest.raises(TypeError, match="var: dim must be an int, a tuple of ints or None, got numpy.bool"):
        x.var(T)
    assert x.var(False).item() == pytest.approx(3.5)  # population variance of all four (mean 3)
    assert x.var(True).item() == pytest.approx(14 / 3)
