"""``PackedSequence``'s constructor and ``unpad_sequence``'s parameter name as PyTorch's (found by
tools/parity/sweep_signatures.py): ``PackedSequence((data, batch_sizes))``, the inverse permutation
filled in from ``sorted_indices``, and ``unpad_sequence(padded_sequences=...)``. Expected values as
PyTorch 2.13 gives them."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.rnn_utils import PackedSequence, pack_sequence, pad_packed_sequence, pad_sequence, unpad_sequence

DATA = autograd.tensor([0.0, 1.0, 2.0, 3.0, 4.0])
BATCH_SIZES = autograd.tensor([2, 2, 1])


def test_a_pair_stands_for_data_and_batch_sizes():
    packed = PackedSequence((DATA, BATCH_SIZES))
    assert packed.data is DATA and packed.batch_sizes is BATCH_SIZES
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    assert PackedSequence([DATA, BATCH_SIZES]) == packed


@pytest.mark.parametrize(
    ("data", "got"),
    [(DATA, "a Tensor"), ((DATA,), "a tuple of length 1"), ([DATA] * 3, "a list of length 3")],
)
def test_without_batch_sizes_anything_but_a_pair_is_refused(data, got):
    with pytest.raises(ValueError, match=rf"PackedSequence: without batch_sizes, .* got {got}$"):
        PackedSequence(data)


def test_sorted_indices_alone_give_their_inverse():
    packed = PackedSequence(DATA, BATCH_SIZES, autograd.tensor([2, 0, 1]))
    assert packed.unsorted_indices.tolist() == [1, 2, 0]
    assert str(packed.unsorted_indices.dtype) == str(autograd.int64)
    given = autograd.tensor([0, 1, 2])
    assert PackedSequence(DATA, BATCH_SIZES, autograd.tensor([2, 0, 1]), given).unsorted_indices is given
    assert PackedSequence(DATA, BATCH_SIZES, None, given).unsorted_indices is given


def test_replace_and_the_packing_functions_keep_their_fields():
    sequences = [autograd.tensor([1.0]), autograd.tensor([2.0, 3.0, 4.0]), autograd.tensor([5.0, 6.0])]
    packed = pack_sequence(sequences, enforce_sorted=False)
    assert packed.sorted_indices.tolist() == [1, 2, 0] and packed.unsorted_indices.tolist() == [2, 0, 1]
    moved = packed._replace(data=packed.data * 2)
    assert type(moved) is PackedSequence and moved.unsorted_indices is packed.unsorted_indices
    padded, lengths = pad_packed_sequence(moved, batch_first=True)
    np.testing.assert_array_equal(padded.numpy(), [[2.0, 0, 0], [4.0, 6.0, 8.0], [10.0, 12.0, 0]])
    assert lengths.tolist() == [1, 3, 2]


def test_unpad_sequence_takes_padded_sequences_by_name():
    sequences = [autograd.tensor([1.0, 2.0]), autograd.tensor([3.0])]
    padded = pad_sequence(sequences, batch_first=True)
    parts = unpad_sequence(padded_sequences=padded, lengths=[2, 1], batch_first=True)
    assert [p.tolist() for p in parts] == [[1.0, 2.0], [3.0]]
