"""``unfold`` / ``fold`` and ``nn.Unfold`` / ``nn.Fold``: PyTorch's column layout, adjointness, gradients.

Values against float64 NumPy loops written from the definition (row
``c·kh·kw + i·kw + j`` of column ``l`` is channel ``c`` at offset ``(i, j)`` of
block ``l``; fold adds each column back onto its block), stride, padding,
dilation, non-square kernels, unbatched inputs, the adjoint property
``<unfold(x), y> == <x, fold(y)>``, ``gradcheck`` of both, dtype, repr, errors.
Not course material (outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import Fold, Unfold, fold, unfold

CASES = [
    # (kernel, dilation, padding, stride)
    (3, 1, 0, 1),
    (2, 1, 0, 2),
    ((2, 3), (1, 2), (0, 1), (2, 1)),
    (3, 2, 2, (1, 3)),
    (1, 1, 1, 2),
    (2, (2, 1), 0, 1),  # the dilation of each axis decides its number of blocks
]


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def blocks(size, kernel, dilation, padding, stride):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(pair, (kernel, dilation, padding, stride))
    ho = (size[0] + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (size[1] + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    for bi in range(ho):
        for bj in range(wo):
            for i in range(kh):
                for j in range(kw):
                    # (block index, tap index, input row, input column) of one tap of one block
                    yield bi * wo + bj, i * kw + j, bi * sh + i * dh - ph, bj * sw + j * dw - pw


def unfold_reference(x, kernel, dilation, padding, stride):
    n, c, h, w = x.shape
    taps = pair(kernel)[0] * pair(kernel)[1]
    spots = list(blocks((h, w), kernel, dilation, padding, stride))
    out = np.zeros((n, c * taps, max(b for b, *_ in spots) + 1))
    for block, tap, r, q in spots:
        if 0 <= r < h and 0 <= q < w:
            out[:, tap::taps, block] = x[:, :, r, q]
    return out


def fold_reference(columns, size, kernel, dilation, padding, stride):
    n, rows, _ = columns.shape
    taps = pair(kernel)[0] * pair(kernel)[1]
    out = np.zeros((n, rows // taps, *size))
    for block, tap, r, q in blocks(size, kernel, dilation, padding, stride):
        if 0 <= r < size[0] and 0 <= q < size[1]:
            out[:, :, r, q] += columns[:, tap::taps, block]
    return out


@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_against_definitions_and_adjoint(case, rng):
    x = rng.standard_normal((2, 3, 6, 7))
    columns = unfold(autograd.tensor(x), *case).numpy()
    expected = unfold_reference(x, *case)
    assert columns.shape == expected.shape
    np.testing.assert_array_equal(columns, expected)
    y = rng.standard_normal(columns.shape)
    image = fold(autograd.tensor(y), (6, 7), *case).numpy()
    np.testing.assert_allclose(image, fold_reference(y, (6, 7), *case), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((columns * y).sum(), (x * image).sum(), rtol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, leaf, check_grad):
    x = leaf(2, 2, 5, 4)
    check_grad(lambda x: unfold(x, *case), x)
    length = unfold(x.detach(), *case).shape[2]
    check_grad(lambda y: fold(y, (5, 4), *case), leaf(2, 2 * pair(case[0])[0] * pair(case[0])[1], length))


def test_fold_of_unfold_counts_covering_blocks_and_unbatched_float32():
    ones = autograd.ones(1, 1, 3, 3)
    assert fold(unfold(ones, 2), (3, 3), 2)[0, 0].numpy().tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    x = autograd.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    columns = unfold(x, (2, 2), stride=2)
    assert columns.dtype == autograd.float32 and columns.shape == (8, 2)
    np.testing.assert_array_equal(columns.numpy(), unfold_reference(x.numpy()[None], 2, 1, 0, 2)[0])
    back = fold(columns, (3, 4), 2, stride=2)
    assert back.dtype == autograd.float32 and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back.numpy()[:, :2], x.numpy()[:, :2])  # row 2 is in no block
    assert not back.numpy()[:, 2].any()


def test_modules_and_repr(rng):
    x = autograd.tensor(rng.standard_normal((1, 2, 4, 5)))
    layer = Unfold(kernel_size=(2, 3), padding=1)
    np.testing.assert_array_equal(layer(x).numpy(), unfold_reference(x.numpy(), (2, 3), 1, 1, 1))
    assert repr(Unfold(3, padding=1)) == "Unfold(kernel_size=3, dilation=1, padding=1, stride=1)"
    back = Fold((4, 5), (2, 3), padding=1)
    np.testing.assert_allclose(
        back(layer(x)).numpy(), fold_reference(layer(x).numpy(), (4, 5), (2, 3), 1, 1, 1), rtol=1e-12
    )
    assert (
        repr(Fold((4, 5), 2, stride=2))
        == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=2)"
    )
    assert list(layer.state_dict()) == [] and list(back.state_dict()) == []


def test_bad_arguments(rng):
    with pytest.raises(ValueError, match=r"unfold: expected a 3-d \(C, H, W\) or 4-d"):
        unfold(autograd.tensor(rng.standard_normal((3, 4))), 2)
    with pytest.raises(ValueError, match="unfold: no 5×5 block .* fits in a 3×4 image"):
        unfold(autograd.tensor(rng.standard_normal((1, 1, 3, 4))), 5)
    with pytest.raises(ValueError, match="unfold: no 4×2 block .* fits in a 3×4 image"):
        unfold(autograd.tensor(rng.standard_normal((1, 1, 3, 4))), (4, 2))  # exactly 0 blocks high
    with pytest.raises(ValueError, match="unfold: stride must be >= 1"):
        unfold(autograd.tensor(rng.standard_normal((1, 1, 3, 4))), 2, stride=0)
    columns = autograd.tensor(rng.standard_normal((1, 12, 4)))
    with pytest.raises(
        ValueError, match=r"fold: input's dimension 1 \(12\) must be divisible by the kernel's 3·3 = 9"
    ):
        fold(columns, (4, 4), 3)
    with pytest.raises(
        ValueError,
        match=r"fold: output_size \(5, 4\) with kernel_size \(2, 2\), dilation \(1, 1\), padding \(0, 0\), "
        r"stride \(1, 2\) has 4·2 = 8 blocks, but the input has L = 4",
    ):
        fold(columns, (5, 4), 2, stride=(1, 2))
    with pytest.raises(ValueError, match=r"has 3·2 = 6 blocks, but the input has L = 4"):
        fold(columns, (4, 4), 2, stride=(1, 2))
    with pytest.raises(ValueError, match=r"fold: expected a 2-d \(C·kh·kw, L\) or 3-d"):
        fold(autograd.tensor(rng.standard_normal(12)), (4, 4), 2)
