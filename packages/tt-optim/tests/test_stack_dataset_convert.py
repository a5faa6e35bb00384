"""``StackDataset``, ``default_convert`` and ``get_worker_info`` of ``torch.utils.data`` (``tt.utils.data``).

Expected values are what each function's PyTorch documentation specifies, written out
here (PyTorch 2.13 gives the same on these inputs).
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim.data import DataLoader, StackDataset, TensorDataset, default_convert, get_worker_info


class Batched:
    """A dataset with ``__getitems__``, which counts its calls."""

    def __init__(self, values, short=False):
        self.values, self.short, self.calls = values, short, 0

    def __len__(self):
        return len(self.values)

    def __getitem__(self, index):
        return self.values[index]

    def __getitems__(self, indices):
        self.calls += 1
        return [self.values[i] for i in indices][: -1 if self.short else None]


def test_positional_datasets_give_tuples_and_keyword_datasets_dicts():
    images, labels = autograd.arange(6).reshape(3, 2), ["a", "b", "c"]
    stacked = StackDataset(images, labels)
    assert len(stacked) == 3
    image, label = stacked[1]
    assert image.tolist() == [2, 3] and label == "b"
    named = StackDataset(image=images, label=labels)
    assert (
        named[2]["image"].tolist() == [4, 5]
        and named[2]["label"] == "c"
        and list(named[0]) == ["image", "label"]
    )


def test_getitems_uses_each_datasets_own_getitems_and_the_loader_batches_it():
    fast, plain = Batched([10, 11, 12, 13]), [0.0, 0.5, 1.0, 1.5]
    stacked = StackDataset(fast, plain)
    assert stacked.__getitems__([3, 0]) == [(13, 1.5), (10, 0.0)] and fast.calls == 1
    named = StackDataset(x=fast, y=plain)
    assert named.__getitems__([1]) == [{"x": 11, "y": 0.5}] and fast.calls == 2
    batches = list(DataLoader(named, batch_size=3))
    assert [b["x"].tolist() for b in batches] == [[10, 11, 12], [13]]
    assert batches[0]["y"].dtype == autograd.float64 and fast.calls == 4  # one call per batch
    with pytest.raises(ValueError, match="Nested dataset's output size mismatch. Expected 2, got 1"):
        StackDataset(Batched([1, 2], short=True), [3, 4]).__getitems__([0, 1])


def test_stack_dataset_refuses_mixed_empty_unequal_and_non_datasets():
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()
    with pytest.raises(ValueError, match="but both types are given"):
        StackDataset([1], y=[2])
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(TensorDataset(autograd.zeros(3)), [1, 2])
    with pytest.raises(TypeError, match="StackDataset: int is not a map-style dataset"):
        StackDataset([1], 5)


Point = collections.namedtuple("Point", "x y")


def test_default_convert_turns_numpy_values_into_tensors_and_keeps_the_structure():
    array = np.arange(3, dtype=np.float32)
    converted = default_convert(array)
    assert isinstance(converted, autograd.Tensor) and converted.dtype == autograd.float32
    array[0] = 7.0  # as torch.as_tensor: the memory is shared
    assert converted.tolist() == [7.0, 1.0, 2.0]
    scalar = default_convert(np.float64(2.5))
    assert scalar.shape == () and scalar.dtype == autograd.float64 and scalar.item() == 2.5
    assert default_convert(np.bool_(True)).dtype == autograd.bool
    tensor = autograd.ones(2)
    assert default_convert(tensor) is tensor
    strings = np.array(["a", "b"])
    assert default_convert(strings) is strings and default_convert(np.str_("s")) == "s"
    for plain in (5, 1.5, "abc", b"ab", None):
        assert default_convert(plain) is plain  # not NumPy: unchanged, not even numbers
    pair = default_convert((np.ones(1), 3))  # a tuple becomes a list, as PyTorch's
    assert isinstance(pair, list) and isinstance(pair[0], autograd.Tensor) and pair[1] == 3
    point = default_convert(Point(np.int32(1), [np.zeros(1)]))
    assert (
        isinstance(point, Point)
        and point.x.dtype == autograd.int32
        and isinstance(point.y[0], autograd.Tensor)
    )
    ordered = default_convert(collections.OrderedDict(a=np.ones(1), b=(1, 2)))
    assert isinstance(ordered, collections.OrderedDict) and ordered["b"] == [1, 2]
    assert default_convert(range(3)) == [0, 1, 2]  # a sequence its type cannot rebuild: a list


def test_get_worker_info_is_none_in_the_loading_process():
    assert get_worker_info() is None

    class Sharded(TensorDataset):
        def __getitem__(self, index):
            assert get_worker_info() is None  # also while a DataLoader reads in this process
            return super().__getitem__(index)

    loader = DataLoader(Sharded(autograd.arange(4)), batch_size=2, collate_fn=list)
    assert [len(batch) for batch in loader] == [2, 2]
