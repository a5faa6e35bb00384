"""``tt.utils.data``: datasets and batching, like ``torch.utils.data`` (from tt-optim).

Example:
    >>> from tinytorch.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)  # doctest: +SKIP
"""

from __future__ import annotations

from tt_optim.data import (
    DataLoader,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

from . import dataloader  # torch.utils.data.dataloader.DataLoader, as minGPT imports it

__all__ = [
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "dataloader",
    "default_collate",
    "random_split",
]
