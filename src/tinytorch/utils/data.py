"""``tt.utils.data``: datasets and batching, like ``torch.utils.data`` (from tt-optim).

Example:
    >>> from tinytorch.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)  # doctest: +SKIP
"""

from __future__ import annotations

from tt_dist import DistributedSampler
from tt_optim.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["DataLoader", "Dataset", "DistributedSampler", "Subset", "TensorDataset", "default_collate",
           "random_split"]  # fmt: skip
