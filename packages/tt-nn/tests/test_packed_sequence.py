"""``PackedSequence`` and its pack/pad functions, in PyTorch's layout (``torch.nn.utils.rnn``).

The packed layout is checked against a loop that writes PyTorch's documented
order directly: time step by time step, the sequences still running, longest first
(ties in batch order). No module number: ``nox -s tests``.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.rnn_utils import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)


def packed_reference(padded, lengths):
    """``(data, batch_sizes, order)`` of time-major ``padded``, one row at a time."""
    order = sorted(range(len(lengths)), key=lambda b: -lengths[b])  # sorted() is stable
    rows, batch_sizes = [], []
    for t in range(max(lengths)):
        running = [b for b in order if lengths[b] > t]
        batch_sizes.append(len(running))
        rows.extend(padded[t, b] for b in running)
    return np.array(rows), batch_sizes, order


@pytest.mark.parametrize("lengths", [[5, 3, 3, 1], [2, 5, 2, 3], [4], [1, 1, 1]])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packing_follows_pytorchs_layout_and_unpacks(lengths, batch_first, rng):
    padded = rng.standard_normal((max(lengths) + 1, len(lengths), 2))
    given = padded.swapaxes(0, 1) if batch_first else padded
    ordered = lengths == sorted(lengths, reverse=True)
    data, batch_sizes, order = packed_reference(padded, lengths)
    for enforce_sorted in (True, False) if ordered else (False,):
        packed = pack_padded_sequence(autograd.tensor(given), lengths, batch_first, enforce_sorted)
        assert isinstance(packed, PackedSequence)
        np.testing.assert_array_equal(packed.data.numpy(), data)
        assert packed.batch_sizes.tolist() == batch_sizes and packed.batch_sizes.dtype == autograd.int64
        if enforce_sorted:
            assert packed.sorted_indices is None and packed.unsorted_indices is None
        else:
            assert packed.sorted_indices.tolist() == order
            assert packed.unsorted_indices.tolist() == np.argsort(order).tolist()
        for total in (None, max(lengths) + 3):
            back, got_lengths = pad_packed_sequence(packed, batch_first, -2.0, total)
            expected = np.full((total or max(lengths), len(lengths), 2), -2.0)
            for b, n in enumerate(lengths):
                expected[:n, b] = padded[:n, b]
            np.testing.assert_array_equal(back.numpy(), expected.swapaxes(0, 1) if batch_first else expected)
            assert got_lengths.tolist() == lengths and got_lengths.dtype == autograd.int64


def test_pack_sequence_and_lengths_as_a_tensor(rng):
    arrays = [rng.standard_normal((n, 3)) for n in (2, 4, 1)]
    packed = pack_sequence([autograd.tensor(a) for a in arrays], enforce_sorted=False)
    padded = pad_sequence([autograd.tensor(a) for a in arrays]).numpy()
    data, batch_sizes, order = packed_reference(padded, [2, 4, 1])
    np.testing.assert_array_equal(packed.data.numpy(), data)
    assert packed.batch_sizes.tolist() == batch_sizes and packed.sorted_indices.tolist() == order
    again = pack_padded_sequence(autograd.tensor(padded), autograd.tensor([2, 4, 1]), enforce_sorted=False)
    np.testing.assert_array_equal(again.data.numpy(), data)


def test_gradients_flow_through_pack_and_pad(leaf, check_grad):
    x = leaf(4, 3, 2)
    weights = autograd.tensor(np.arange(24.0).reshape(4, 3, 2))

    def round_trip(x):
        packed = pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
        return pad_packed_sequence(packed, padding_value=5.0)[0] * weights + packed.data.sum()

    check_grad(round_trip, x)
    round_trip(x).sum().backward()
    assert np.all(x.grad.numpy()[2:, 0] == 0) and np.all(x.grad.numpy()[3:, 2] == 0)


def test_bad_input_is_named():
    x = autograd.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted`"):
        pack_padded_sequence(x, [2, 3])  # an increase by one is refused too
    with pytest.raises(RuntimeError, match="found an element in 'lengths' that is <= 0"):
        pack_padded_sequence(x, [3, 0])
    with pytest.raises(ValueError, match="3 lengths for a batch of 2 sequences"):
        pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="length 4 exceeds the padded length 3"):
        pack_padded_sequence(x, [4, 1])
    packed = pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="got total_length=2 and max sequence length being 3"):
        pad_packed_sequence(packed, total_length=2)


def test_to_casts_the_data_keeps_the_indices_and_returns_self_when_nothing_changes():
    x = autograd.tensor(np.arange(12.0).reshape(2, 2, 3), requires_grad=True)
    packed = pack_padded_sequence(x, [2, 1], enforce_sorted=False)
    assert packed.to("cpu") is packed and packed.double() is packed and packed.cpu() is packed
    casts = {"float": "float32", "half": "float16", "long": "int64", "int": "int32", "short": "int16",
             "char": "int8", "byte": "uint8"}  # fmt: skip
    for method, dtype in casts.items():
        cast = getattr(packed, method)()
        assert type(cast) is PackedSequence and cast.data.dtype == getattr(autograd, dtype), method
        np.testing.assert_array_equal(cast.data.detach().numpy(), packed.data.detach().numpy().astype(dtype))
        for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
            assert getattr(cast, field) is getattr(packed, field)
    as_float = packed.to(autograd.float32)
    (as_float.data * 2).sum().backward()  # the cast is recorded: gradients reach the padded input
    np.testing.assert_array_equal(x.grad.numpy(), [[[2.0] * 3, [2.0] * 3], [[2.0] * 3, [0.0] * 3]])
    assert not packed.is_cuda and not packed.is_pinned() and packed.pin_memory().data is packed.data
    with pytest.raises(RuntimeError, match="CPU only"):
        packed.cuda()
