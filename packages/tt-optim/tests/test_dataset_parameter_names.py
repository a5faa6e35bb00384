"""``Subset`` and ``ConcatDataset`` index with PyTorch's parameter name ``idx``
(tools/parity/sweep_signatures.py, group ``methods``)."""

from __future__ import annotations

import tt_autograd as autograd
from tt_optim.data import ConcatDataset, Subset, TensorDataset


def test_subset_and_concat_dataset_take_idx_by_name():
    base = TensorDataset(autograd.tensor([10.0, 11.0, 12.0]))
    subset = Subset(base, [2, 0])
    assert subset.__getitem__(idx=0)[0].item() == 12.0
    joined = ConcatDataset([base, subset])
    assert joined.__getitem__(idx=4)[0].item() == 10.0
    assert joined[-1][0].item() == 10.0
