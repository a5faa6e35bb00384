"""``unpack_sequence`` (``pack_sequence``'s inverse) and ``invert_permutation`` of ``torch.nn.utils.rnn``."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.rnn_utils import invert_permutation, pack_padded_sequence, pack_sequence, unpack_sequence


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_unpack_sequence_gives_back_the_packed_list_with_gradients(enforce_sorted):
    lengths = (4, 3, 1) if enforce_sorted else (2, 4, 1, 3)
    rng = np.random.default_rng(len(lengths))
    seqs = [
        autograd.tensor(rng.standard_normal((n, 2)).astype(np.float32), requires_grad=True) for n in lengths
    ]
    back = unpack_sequence(pack_sequence(seqs, enforce_sorted=enforce_sorted))
    assert [tuple(s.shape) for s in back] == [(n, 2) for n in lengths]
    for original, unpacked in zip(seqs, back):
        np.testing.assert_array_equal(unpacked.detach().numpy(), original.detach().numpy())
    weights = [autograd.tensor(rng.standard_normal((n, 2)).astype(np.float32)) for n in lengths]
    sum((u * w).sum() for u, w in zip(back, weights)).backward()
    for original, w in zip(seqs, weights):
        np.testing.assert_array_equal(original.grad.numpy(), w.numpy())


def test_invert_permutation_undoes_the_permutation():
    perm = autograd.tensor(np.random.default_rng(0).permutation(7))
    inverse = invert_permutation(perm)
    assert inverse.dtype == autograd.int64
    assert perm.numpy()[inverse.numpy()].tolist() == list(range(7)) == inverse.numpy()[perm.numpy()].tolist()
    assert invert_permutation(autograd.tensor([2, 0, 1])).tolist() == [1, 2, 0]  # PyTorch 2.13
    assert invert_permutation(None) is None
    assert invert_permutation(autograd.tensor(np.zeros(0, dtype=np.int64))).tolist() == []


def test_packing_unsorted_records_the_inverse_of_its_sort():
    packed = pack_padded_sequence(autograd.zeros(4, 3), [1, 4, 2], enforce_sorted=False)
    assert packed.sorted_indices.tolist() == [1, 2, 0] and packed.unsorted_indices.tolist() == [2, 0, 1]


def test_invert_permutation_refuses_what_is_not_a_permutation_of_indices():
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for a permutation of 3"):
        invert_permutation(autograd.tensor([3, 0, 1]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        invert_permutation(autograd.tensor([-1, 0, 1]))
    with pytest.raises(RuntimeError, match=r"expected a 1-D int64 tensor, got shape \(2,\), float32"):
        invert_permutation(autograd.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"expected a 1-D int64 tensor, got shape \(1, 1\)"):
        invert_permutation(autograd.tensor([[0]]))
    with pytest.raises(TypeError, match="expected a Tensor or None, got list"):
        invert_permutation([0, 1])
