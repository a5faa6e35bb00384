"""``pad_sequence`` / ``unpad_sequence`` (``torch.nn.utils.rnn``'s). No module number: ``nox -s tests``."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.rnn_utils import pad_sequence, unpad_sequence


def reference(arrays, batch_first, value, side):
    longest = max(len(a) for a in arrays)
    out = np.full((len(arrays), longest, *arrays[0].shape[1:]), value, dtype=np.float64)
    for b, a in enumerate(arrays):
        if side == "right":
            out[b, : len(a)] = a
        else:
            out[b, longest - len(a) :] = a
    return out if batch_first else out.swapaxes(0, 1)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (3,), (2, 2)])
def test_padding_matches_the_reference(batch_first, side, trailing, rng, check):
    arrays = [rng.standard_normal((n, *trailing)) for n in (4, 1, 6, 6, 2)]
    got = pad_sequence([autograd.tensor(a) for a in arrays], batch_first, -3.5, side)
    check(got, reference(arrays, batch_first, -3.5, side))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_gradients_reach_every_sequence_and_not_the_padding(batch_first, side, leaf, check_grad):
    a, b, c = leaf(3, 2), leaf(1, 2), leaf(5, 2)
    check_grad(lambda a, b, c: pad_sequence([a, b, c], batch_first, 7.0, side) ** 2, a, b, c)


def test_unpad_undoes_right_padding_and_keeps_dtype(rng):
    arrays = [rng.standard_normal((n, 2)).astype(np.float32) for n in (3, 5, 1)]
    for batch_first in (False, True):
        padded = pad_sequence([autograd.tensor(a) for a in arrays], batch_first=batch_first)
        assert padded.dtype == autograd.float32
        back = unpad_sequence(padded, autograd.tensor([3, 5, 1]), batch_first=batch_first)
        for got, want in zip(back, arrays):
            np.testing.assert_array_equal(got.numpy(), want)
    ints = pad_sequence([autograd.tensor([1, 2, 3]), autograd.tensor([4])], batch_first=True)
    assert ints.dtype == autograd.int64 and ints.tolist() == [[1, 2, 3], [4, 0, 0]]


def test_bad_input_is_named():
    a = autograd.zeros(3, 2)
    with pytest.raises(ValueError, match="empty list of sequences"):
        pad_sequence([])
    with pytest.raises(ValueError, match=r"sequence 1 has trailing shape \(3,\), sequence 0 \(2,\)"):
        pad_sequence([a, autograd.zeros(2, 3)])
    with pytest.raises(TypeError, match="sequence 1 must be a tensor of at least 1 dim, got list"):
        pad_sequence([a, [1, 2]])
    with pytest.raises(TypeError, match="got a 0-d tensor"):
        pad_sequence([autograd.tensor(1.0)])
    with pytest.raises(ValueError, match="padding_side must be 'right' or 'left', got 'up'"):
        pad_sequence([a], padding_side="up")
    with pytest.raises(ValueError, match="3 lengths for a batch of 2 sequences"):
        unpad_sequence(pad_sequence([a, a], batch_first=True), [3, 3, 3], batch_first=True)
    with pytest.raises(ValueError, match="length 4 exceeds the padded length 3"):
        unpad_sequence(pad_sequence([a, a]), [4, 1])
