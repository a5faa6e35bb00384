"""``as_strided``, ``storage_offset``, ``data_ptr``: views of a tensor's storage with any sizes and strides:
their values against an element-by-element reading of the storage, gradients (overlapping elements
included) against central differences, and PyTorch's errors. Beyond the modules' exercises.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_autograd import gradcheck, gradgradcheck


def read(storage, size, stride, offset):
    """Reference: element (i, j, ...) is storage[offset + i*stride_0 + j*stride_1 + ...], one at a time."""
    out = np.empty(size)
    for index in itertools.product(*(range(n) for n in size)):
        out[index] = storage[offset + sum(i * s for i, s in zip(index, stride))]
    return out


@pytest.mark.parametrize(
    ("size", "stride", "offset"),
    [
        ((2, 2), (1, 1), 0),
        ((3, 2), (4, 1), 1),
        ((2,), (5,), 2),
        ((2, 3, 2), (6, 2, 1), 0),
        ((4, 3), (0, 1), 3),
    ],
)
def test_values_read_the_storage(size, stride, offset):
    storage = np.arange(12.0)
    x = autograd.tensor(storage.reshape(3, 4))
    np.testing.assert_array_equal(
        x.as_strided(size, stride, offset).numpy(), read(storage, size, stride, offset)
    )
    np.testing.assert_array_equal(
        autograd.as_strided(x, size, stride, offset).numpy(), read(storage, size, stride, offset)
    )


def test_a_views_default_offset_is_its_own_and_strides_count_in_the_storage():
    storage = np.arange(12.0)
    x = autograd.tensor(storage.reshape(3, 4))
    view = x[1:, 1:]
    assert view.storage_offset() == 5 and x.storage_offset() == 0
    np.testing.assert_array_equal(view.as_strided((2, 2), (1, 1)).numpy(), [[5.0, 6.0], [6.0, 7.0]])
    transposed = x.t()
    assert transposed.storage_offset() == 0 and transposed.data_ptr() == x.data_ptr()
    np.testing.assert_array_equal(transposed.as_strided((2, 2), (4, 1), 1).numpy(), [[1.0, 2.0], [5.0, 6.0]])
    assert x[1].data_ptr() == x.data_ptr() + 4 * x.element_size()


def test_the_last_element_may_be_the_storages_last_and_empty_views_take_any_offset():
    x = autograd.arange(12.0)
    assert x.as_strided((3, 4), (4, 1)).tolist()[-1][-1] == 11.0
    with pytest.raises(RuntimeError, match="requiring a storage size of 52"):
        x.as_strided((3, 4), (4, 1), 1)
    assert x.as_strided((0,), (1,), 100).shape == (0,)
    assert x.as_strided((2, 0), (1, 1)).shape == (2, 0)


def test_a_complex_tensors_gradient_is_scattered_too():
    z = autograd.tensor(np.arange(6.0) + 1j * np.arange(6.0), requires_grad=True)
    (z.as_strided((3, 2), (1, 1)).real * 2.0).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [2, 4, 4, 2, 0, 0])  # element 1 and 2 are read twice
    w = autograd.tensor(np.arange(1.0, 7.0) + 1j * np.arange(6.0), requires_grad=True)
    assert gradcheck(lambda w: (w.as_strided((3, 2), (1, 1)) * (1.0 + 2.0j)).abs().sum(), (w,))


def test_an_array_whose_owner_is_not_one_block_is_its_own_storage():
    owner = np.arange(24.0).reshape(4, 6)[:, ::2]  # a gappy view: the owner is not one row-major block
    gappy = tt_tensor.Tensor.from_array(owner)
    compact = tt_tensor.Tensor.from_array(np.ascontiguousarray(owner).reshape(3, 4))
    assert gappy.storage_offset() == 0  # the owner is the whole (4, 6) block
    with pytest.raises(RuntimeError, match="not one row-major block"):
        tt_tensor.Tensor.from_array(np.lib.stride_tricks.as_strided(owner, (2, 2), (8, 8))).as_strided(
            (1,), (1,)
        )
    assert compact.as_strided((2,), (5,), 1).tolist() == [
        compact.numpy().ravel()[1],
        compact.numpy().ravel()[6],
    ]


def test_the_view_shares_memory():
    x = autograd.arange(6.0)
    x.as_strided((2,), (2,))[1] = 100.0
    assert x.tolist() == [0.0, 1.0, 100.0, 3.0, 4.0, 5.0]


def test_overlapping_elements_collect_their_gradients():
    a = autograd.arange(6.0, requires_grad=True)
    weights = autograd.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = a.as_strided((3, 2), (1, 1))
    assert out.grad_fn.name() == "AsStridedBackward0"
    (out * weights).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 5.0, 9.0, 6.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("size", "stride", "offset"), [((3, 2), (1, 1), 0), ((2, 3), (1, 3), 2), ((4,), (2,), 1)]
)
def test_gradients_match_central_differences(size, stride, offset):
    x = autograd.tensor(np.random.default_rng(0).standard_normal(12), requires_grad=True)
    weights = autograd.tensor(np.random.default_rng(1).standard_normal(size))

    def f(x):
        return (x.as_strided(size, stride, offset) * weights).sum() + (
            x.as_strided(size, stride, offset) ** 2
        ).sum()

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_gradient_through_a_transposed_view_reaches_the_right_elements():
    base = autograd.tensor(np.arange(12.0), requires_grad=True)
    view = base.reshape(3, 4).t()
    view.as_strided((2, 2), (4, 1), 1).sum().backward()
    np.testing.assert_array_equal(base.grad.numpy(), [0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (((2, 2), (1, 1), 20), "out of bounds for storage of size 48"),
        (((2, 2), (-1, 1)), "Negative strides are not supported"),
        (((2, 2, 2), (1, 1)), "mismatch in length of strides and shape"),
        (((2, 2), (1, 1), -1), "must be >= 0"),
        (((-1,), (1,)), "must be >= 0"),
    ],
)
def test_bad_geometry_is_named(args, message):
    with pytest.raises(RuntimeError, match=message):
        autograd.arange(12.0).reshape(3, 4).as_strided(*args)
    with pytest.raises(TypeError, match="sequence of ints"):
        tt_tensor.arange(4.0).as_strided(("a",), (1,))
