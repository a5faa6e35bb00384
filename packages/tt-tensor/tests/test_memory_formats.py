"""Memory formats (``tt.channels_last``, ``contiguous_format``, ``preserve_format``) and ``layout``: the same
values in the strides PyTorch documents for each format. Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

RNG = np.random.default_rng(0)


def nchw(n=2, c=3, h=4, w=5):
    return tt.tensor(RNG.standard_normal((n, c, h, w)).astype(np.float32))


def channels_last_strides(n, c, h, w):
    return (h * w * c, 1, w * c, c)  # PyTorch's: each pixel's channels together


def test_channels_last_keeps_the_values_and_takes_pytorchs_strides():
    x = nchw()
    y = x.contiguous(memory_format=tt.channels_last)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert y.stride() == channels_last_strides(2, 3, 4, 5)
    assert y.is_contiguous(memory_format=tt.channels_last) and not y.is_contiguous()
    assert x.is_contiguous() and x.is_contiguous(memory_format=tt.contiguous_format)
    assert not x.is_contiguous(memory_format=tt.channels_last)
    assert y.contiguous(memory_format=tt.channels_last) is y  # already in the format: no copy
    back = y.contiguous()
    assert back.stride() == (60, 20, 5, 1) and np.array_equal(back.numpy(), x.numpy())


def test_channels_last_3d_for_five_dims():
    x = tt.tensor(RNG.standard_normal((2, 3, 2, 4, 5)).astype(np.float32))
    y = x.contiguous(memory_format=tt.channels_last_3d)
    assert y.stride() == (2 * 4 * 5 * 3, 1, 4 * 5 * 3, 5 * 3, 3)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert y.is_contiguous(memory_format=tt.channels_last_3d)


def test_element_wise_results_keep_the_layout():
    y = nchw().contiguous(memory_format=tt.channels_last)
    assert (y * 2 + 1).stride() == channels_last_strides(2, 3, 4, 5)


def test_clone_and_to_lay_out_as_asked_and_preserve_keeps_a_dense_layout():
    x = nchw()
    y = x.clone(memory_format=tt.channels_last)
    assert y.stride() == channels_last_strides(2, 3, 4, 5) and np.array_equal(y.numpy(), x.numpy())
    assert y.clone(memory_format=tt.preserve_format).stride() == y.stride()
    assert y.clone(memory_format=tt.contiguous_format).stride() == x.stride()
    sliced = x[:, :, ::2]  # not dense: preserve_format makes it row-major
    assert sliced.clone(memory_format=tt.preserve_format).is_contiguous()
    permuted = x.permute(0, 2, 1, 3)  # dense in another order: kept
    assert permuted.clone(memory_format=tt.preserve_format).stride() == permuted.stride()
    gappy = permuted[:, :, ::2]  # permuted and not dense: row-major, not NumPy's K order
    copied = gappy.clone(memory_format=tt.preserve_format)
    assert copied.is_contiguous() and np.array_equal(copied.numpy(), gappy.numpy())
    permuted_array = np.arange(120.0).reshape(2, 3, 4, 5).transpose(0, 2, 1, 3)  # strides (60, 5, 20, 1)
    odd = np.lib.stride_tricks.as_strided(
        permuted_array, (2, 4, 1, 3, 5), tuple(8 * s for s in (60, 5, 7, 20, 1))
    )
    kept = tt.Tensor.from_array(odd).clone(memory_format=tt.preserve_format)  # a size-1 axis's stride is moot
    assert [s for s, n in zip(kept.stride(), kept.shape) if n > 1] == [60, 5, 20, 1]
    assert x.is_contiguous(memory_format=tt.preserve_format)
    assert x.contiguous(memory_format=tt.preserve_format) is x
    assert x.to(memory_format=tt.channels_last).stride() == channels_last_strides(2, 3, 4, 5)
    z = x.to(tt.float64, memory_format=tt.channels_last)
    assert z.dtype == tt.float64 and z.is_contiguous(memory_format=tt.channels_last)


@pytest.mark.parametrize("factory", ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"])
def test_like_factories_preserve_the_inputs_layout_by_default(factory):
    y = nchw().contiguous(memory_format=tt.channels_last)
    made = getattr(tt, factory)(y)
    assert made.stride() == y.stride() and made.shape == y.shape
    assert getattr(tt, factory)(y, memory_format=tt.contiguous_format).is_contiguous()
    assert getattr(tt, factory)(nchw(), memory_format=tt.channels_last).stride() == y.stride()
    assert getattr(tt, factory)(nchw()).is_contiguous()  # a row-major input: a row-major result
    assert getattr(tt, factory)(nchw()[:, :, ::2]).is_contiguous()  # not dense: row-major


def test_full_like_and_empty_take_a_format():
    y = nchw().contiguous(memory_format=tt.channels_last)
    filled = tt.full_like(y, 3.0)
    assert filled.stride() == y.stride() and np.all(filled.numpy() == 3.0)
    assert tt.empty(2, 3, 4, 5, memory_format=tt.channels_last).stride() == channels_last_strides(2, 3, 4, 5)
    assert tt.zeros_like(y, dtype=tt.float64).dtype == tt.float64


def test_layout_and_format_names():
    assert nchw().layout is tt.strided and repr(tt.strided) == "torch.strided"
    assert repr(tt.channels_last) == "torch.channels_last" and isinstance(tt.channels_last, tt.memory_format)
    assert isinstance(tt.strided, tt.layout)


def test_bad_formats_are_named():
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use torch.channels_last"):
        tt.ones(2, 3).contiguous(memory_format=tt.channels_last)
    with pytest.raises(RuntimeError, match="required rank 5"):
        nchw().clone(memory_format=tt.channels_last_3d)
    with pytest.raises(TypeError, match="memory_format must be"):
        nchw().is_contiguous(memory_format="channels_last")
    with pytest.raises(RuntimeError, match="required rank 4"):
        tt.zeros_like(tt.ones(3), memory_format=tt.channels_last)
