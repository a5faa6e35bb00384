"""fractional_max_pool2d and FractionalMaxPool2d.

Windows, values and indices against a loop written from PyTorch's formula (conftest's reference)
(start_i = int((i + u)·α) − int(u·α), the last window at L − k, arithmetic in the
input's dtype; the first maximum in scan order wins, a window's last NaN if it
holds NaN), values pinned from PyTorch 2.13, gradients by float64 central
differences, output_ratio, sampling from the default generator, errors, module.
Not course material (outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_vision import FractionalMaxPool2d
from tt_vision import functional as F
from tt_vision.fractional_max_pool import window_starts


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(6))
def test_values_indices_and_gradient_match_the_reference(dtype, seed, reference):
    rng = np.random.default_rng(seed)
    n, c, h, w = 2, 3, *rng.integers(3, 12, 2)
    kernel = (int(rng.integers(1, h)), int(rng.integers(1, w)))
    out = (int(rng.integers(1, h - kernel[0] + 2)), int(rng.integers(1, w - kernel[1] + 2)))
    x = rng.integers(0, 4, (n, c, h, w)).astype(dtype)  # ties everywhere
    x[rng.random(x.shape) < 0.1] = np.nan
    samples = rng.random((n, c, 2)).astype(dtype)
    leaf = autograd.tensor(x, requires_grad=True)
    values, indices = F.fractional_max_pool2d(
        leaf, kernel, output_size=out, return_indices=True, _random_samples=autograd.tensor(samples)
    )
    expected, where = reference.fractional_max_pool(x, kernel, out, samples[..., ::-1])  # (u_w, u_h)
    np.testing.assert_array_equal(indices.numpy(), where)
    np.testing.assert_array_equal(values.detach().numpy(), expected)
    assert values.dtype == leaf.dtype and indices.dtype == autograd.int64
    upstream = rng.standard_normal(values.shape).astype(dtype)
    values.backward(autograd.tensor(upstream))
    grad = np.zeros(x.size)
    np.add.at(grad, (np.arange(n * c)[:, None] * h * w + where.reshape(n * c, -1)).ravel(), upstream.ravel())
    np.testing.assert_allclose(leaf.grad.numpy(), grad.reshape(x.shape), rtol=1e-6)


def test_window_starts_span_the_axis_with_steps_of_floor_or_ceil_alpha(reference):
    samples = np.random.default_rng(1).random(50)
    starts = window_starts(samples, 23, 9, 4)  # alpha = 19 / 8
    assert (starts[:, 0] == 0).all() and (starts[:, -1] == 19).all()
    assert set(np.diff(starts, axis=1).ravel()) <= {2, 3}
    for u, row in zip(samples, starts):
        assert row.tolist() == reference.fractional_starts(u, 23, 9, 4)
    assert window_starts(samples[:2], 7, 1, 3).tolist() == [[4], [4]]


def test_pinned_against_pytorch():
    # PyTorch 2.13: F.fractional_max_pool2d(torch.arange(126.).reshape(1, 2, 7, 9), (2, 3),
    #   output_size=(4, 3), return_indices=True, _random_samples=[[[0.1, 0.7], [0.5, 0.99]]])
    x = autograd.arange(126.0, dtype=autograd.float64).reshape(1, 2, 7, 9)
    samples = autograd.tensor([[[0.1, 0.7], [0.5, 0.99]]], dtype=autograd.float64)
    _, indices = F.fractional_max_pool2d(x, (2, 3), (4, 3), return_indices=True, _random_samples=samples)
    assert indices.numpy().tolist() == [
        [
            [[11, 14, 17], [20, 23, 26], [38, 41, 44], [56, 59, 62]],
            [[11, 14, 17], [29, 32, 35], [38, 41, 44], [56, 59, 62]],
        ]
    ]
    # [[[[1, nan, nan, 2, 0]]]], kernel (1, 3), output (1, 2), u = 0.3: both windows end on the last NaN
    row = autograd.tensor([[[[1.0, np.nan, np.nan, 2.0, 0.0]]]])
    u = autograd.tensor([[[0.3, 0.3]]])
    values, indices = F.fractional_max_pool2d(row, (1, 3), (1, 2), return_indices=True, _random_samples=u)
    assert np.isnan(values.numpy()).all() and indices.numpy().tolist() == [[[[2, 2]]]]
    # ties: torch.ones(1, 1, 4, 4), kernel 2, output 2, u = 0.5 -> the first element of each window
    ones = autograd.ones(1, 1, 4, 4, requires_grad=True)
    half = autograd.tensor([[[0.5, 0.5]]])
    values, indices = F.fractional_max_pool2d(ones, 2, 2, return_indices=True, _random_samples=half)
    assert indices.numpy().tolist() == [[[[0, 2], [8, 10]]]]
    values.sum().backward()
    assert ones.grad.numpy()[0, 0].tolist() == [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]


def test_gradient_by_central_differences_with_overlapping_windows(leaf, check_grad):
    x = leaf(2, 2, 9, 8)  # distinct values: no ties, no kinks
    samples = autograd.tensor(np.random.default_rng(2).random((2, 2, 2)))
    check_grad(lambda t: F.fractional_max_pool2d(t, 3, output_size=(5, 4), _random_samples=samples), x)


def test_output_ratio_and_unbatched_input():
    x = autograd.randn(1, 1, 10, 7)
    assert tuple(F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5)).shape) == (1, 1, 5, 3)
    assert tuple(F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.75)).shape) == (1, 1, 5, 5)
    assert tuple(F.fractional_max_pool2d(x, 2, output_ratio=0.5).shape) == (1, 1, 5, 3)
    image = autograd.randn(3, 7, 7)
    samples = autograd.rand(1, 3, 2)
    values, indices = F.fractional_max_pool2d(image, 2, 3, return_indices=True, _random_samples=samples)
    batched, batched_indices = F.fractional_max_pool2d(
        image.unsqueeze(0), 2, 3, return_indices=True, _random_samples=samples
    )
    assert tuple(values.shape) == (3, 3, 3) and tuple(indices.shape) == (3, 3, 3)
    np.testing.assert_array_equal(values.numpy(), batched.numpy()[0])
    np.testing.assert_array_equal(indices.numpy(), batched_indices.numpy()[0])


@pytest.mark.parametrize(
    "pool, shape",
    [(F.fractional_max_pool2d, (4, 3, 16, 16)), (F.fractional_max_pool3d, (3, 2, 9, 9, 9))],
)
def test_samples_come_from_the_default_generator(pool, shape):
    x = autograd.randn(*shape)
    tt_tensor.manual_seed(7)
    first = pool(x, 2, output_size=5, return_indices=True)[1].numpy()
    again = pool(x, 2, output_size=5, return_indices=True)[1].numpy()
    tt_tensor.manual_seed(7)
    repeated = pool(x, 2, output_size=5, return_indices=True)[1].numpy()
    np.testing.assert_array_equal(first, repeated)
    assert not np.array_equal(first, again)


def test_with_indices_form_returns_both():
    x = autograd.randn(1, 2, 6, 6)
    samples = autograd.rand(1, 2, 2)
    values, indices = F.fractional_max_pool2d_with_indices(x, 2, 4, _random_samples=samples)
    same, same_indices = F.fractional_max_pool2d(x, 2, 4, return_indices=True, _random_samples=samples)
    np.testing.assert_array_equal(values.numpy(), same.numpy())
    np.testing.assert_array_equal(indices.numpy(), same_indices.numpy())


def test_errors_name_the_problem():
    x = autograd.randn(1, 2, 7, 7)
    with pytest.raises(ValueError, match="either an output_size or an output_ratio"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(ValueError, match="pool height 5 too large relative to input height 7"):
        F.fractional_max_pool2d(x, 5, output_size=(4, 3))
    with pytest.raises(ValueError, match="pool width 3 too large relative to input width 7"):
        F.fractional_max_pool2d(x, (1, 3), output_size=(4, 6))
    with pytest.raises(ValueError, match=r"_random_samples must have shape \(N, C, 2\) = \(1, 2, 2\)"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=autograd.rand(1, 3, 2))
    with pytest.raises(ValueError, match="output height is 0"):
        F.fractional_max_pool2d(x, 2, output_ratio=0.1)
    with pytest.raises(ValueError, match="output_ratio must be a positive number"):
        F.fractional_max_pool2d(x, 2, output_ratio=(0.5, -1.0))


def test_module_arguments_buffer_and_repr():
    samples = autograd.rand(1, 2, 2)
    pool = FractionalMaxPool2d(2, output_size=3, return_indices=True, _random_samples=samples)
    assert repr(pool) == "FractionalMaxPool2d()"  # PyTorch's repr shows no arguments either
    assert list(pool.state_dict()) == ["_random_samples"]
    x = autograd.randn(1, 2, 7, 7)
    values, indices = pool(x)
    expected = F.fractional_max_pool2d(x, 2, 3, return_indices=True, _random_samples=samples)
    np.testing.assert_array_equal(indices.numpy(), expected[1].numpy())
    assert list(FractionalMaxPool2d(3, output_ratio=0.5).state_dict()) == []
    by_ratio = FractionalMaxPool2d((2, 3), output_ratio=(0.5, 0.6))
    assert tuple(by_ratio(autograd.randn(1, 1, 10, 10)).shape) == (1, 1, 5, 6)
    with pytest.raises(ValueError, match="either an output size, or a pooling ratio"):
        FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        FractionalMaxPool2d(2, output_ratio=1.5)


def test_the_first_sample_places_the_columns_and_the_second_the_rows(reference):
    wide = autograd.arange(23.0, dtype=autograd.float64).reshape(1, 1, 1, 23)  # increasing: a window's last
    tall = wide.reshape(1, 1, 23, 1)
    for u in (0.05, 0.95):
        expected = [start + 3 for start in reference.fractional_starts(u, 23, 9, 4)]
        samples = autograd.tensor([[[u, 0.5]]], dtype=autograd.float64)
        _, where = F.fractional_max_pool2d(wide, (1, 4), (1, 9), return_indices=True, _random_samples=samples)
        assert where.numpy().ravel().tolist() == expected
        samples = autograd.tensor([[[0.5, u]]], dtype=autograd.float64)
        _, where = F.fractional_max_pool2d(tall, (4, 1), (9, 1), return_indices=True, _random_samples=samples)
        assert where.numpy().ravel().tolist() == expected
    assert reference.fractional_starts(0.05, 23, 9, 4) != reference.fractional_starts(0.95, 23, 9, 4)
