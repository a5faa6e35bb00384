"""Module 01: attributes, conversion to NumPy and Python, and PyTorch-style ``repr``."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

# ----------------------------------------------------------------- attributes


def test_attributes():
    t = tt.zeros(2, 3, 4, dtype=tt.float64)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.ndim == 3 and t.dim() == 3
    assert t.numel() == 24 and t.nelement() == 24
    assert t.element_size() == 8
    assert t.dtype == tt.float64 and t.device == "cpu" and t.cpu() is t
    assert t.is_floating_point() and not tt.zeros(2, dtype=tt.int64).is_floating_point()
    assert t.stride() == (12, 4, 1) and t.transpose(0, 2).stride() == (1, 4, 12) and t.stride(1) == 4


def test_len_and_iteration():
    t = tt.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, tt.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tt.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tt.tensor(1.0))


# ----------------------------------------------------------------- to NumPy and Python


def test_numpy_shares_memory():
    t = tt.tensor([1.0, 2.0])
    array = t.numpy()
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0]


def test_array_protocol():
    t = tt.tensor([[1.0, 2.0], [3.0, 4.0]])
    as_array = np.asarray(t)
    assert isinstance(as_array, np.ndarray) and as_array.dtype == np.float32
    np.testing.assert_array_equal(as_array, [[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    copied = np.array(t, copy=True)
    copied[0, 0] = -1.0
    assert t[0, 0].item() == 1.0
    assert float(np.add.reduce(t, axis=None)) == 10.0  # NumPy functions accept tensors


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [(tt.tensor(2.5), 2.5, float), (tt.tensor([[7]]), 7, int), (tt.tensor(True), True, bool)],
)
def test_item(value, expected, kind):
    result = value.item()
    assert result == expected and type(result) is kind


def test_item_of_many_elements_is_refused():
    with pytest.raises(
        RuntimeError, match=r"item: only one-element tensors can be converted, got shape \(2,\)"
    ):
        tt.tensor([1.0, 2.0]).item()


def test_tolist():
    assert tt.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert tt.tensor([0.5, 1.5]).tolist() == [0.5, 1.5]
    assert tt.tensor(3).tolist() == 3


def test_python_numbers_and_indexes():
    assert float(tt.tensor([2.5])) == 2.5 and int(tt.tensor(3.9)) == 3
    assert ["a", "b", "c"][tt.tensor(1)] == "b"
    with pytest.raises(TypeError, match="only one-element integer tensors can be used as an index"):
        ["a", "b"][tt.tensor(1.0)]
    assert f"{tt.tensor(3.14159):.2f}" == "3.14"


def test_clone_and_detach():
    t = tt.tensor([1.0, 2.0])
    c, d = t.clone(), t.detach()
    c[0] = 9.0
    d[1] = 8.0
    assert t.tolist() == [1.0, 8.0] and c.tolist() == [9.0, 2.0]


def test_data_property_round_trip():
    t = tt.tensor([1.0, 2.0])
    t.data = tt.tensor([3.0])
    assert t.tolist() == [3.0]


def test_new_tensors_keep_dtype():
    base = tt.zeros(2, dtype=tt.float64)
    for made, values in [
        (base.new_zeros(3), [0.0] * 3),
        (base.new_ones((2, 2)), [[1.0, 1.0], [1.0, 1.0]]),
        (base.new_full((2,), 4.0), [4.0, 4.0]),
        (base.new_tensor([1, 2]), [1.0, 2.0]),
    ]:
        assert isinstance(made, tt.Tensor) and made.dtype == tt.float64 and made.tolist() == values
    assert base.new_empty(2, 3).shape == (2, 3)
    assert base.new_zeros(2, dtype=tt.int64).dtype == tt.int64


# ----------------------------------------------------------------- repr


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: tt.tensor([1.0, 2.0]), "tensor([1., 2.])"),
        (lambda: tt.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
        (lambda: tt.tensor([1.0, 2.0], dtype=tt.float64), "tensor([1., 2.], dtype=tt.float64)"),
        (lambda: tt.tensor([1, 2], dtype=tt.int32), "tensor([1, 2], dtype=tt.int32)"),
        (lambda: tt.tensor([True, False]), "tensor([ True, False])"),
        (lambda: tt.tensor(3.5), "tensor(3.5000)"),
        (lambda: tt.tensor(7), "tensor(7)"),
        (lambda: tt.tensor([0.5, -1.25]), "tensor([ 0.5000, -1.2500])"),
        (
            lambda: tt.tensor([[1.5, 2.0], [3.0, 4.0]]),
            "tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])",
        ),
        (lambda: tt.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
        (lambda: tt.tensor([]), "tensor([])"),
        (lambda: tt.zeros(2, 0), "tensor([], size=(2, 0))"),
        (lambda: tt.tensor([1, 2], dtype=tt.uint8), "tensor([1, 2], dtype=tt.uint8)"),
    ],
)
def test_repr_is_pytorch_like(make, text):
    assert repr(make()) == text


def test_repr_summarises_large_tensors():
    text = repr(tt.arange(5000))
    assert text.startswith("tensor([   0,    1,    2,  ...") and text.endswith("4998, 4999])")


def test_str_is_the_repr():
    t = tt.tensor([1.0, 2.0])
    assert str(t) == repr(t) == f"{t}"
