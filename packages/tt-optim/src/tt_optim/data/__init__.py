"""``tt_optim.data``: datasets and batching, PyTorch's ``torch.utils.data`` (``tt.utils.data``).

Example:
    >>> from tt_optim.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)  # doctest: +SKIP
"""

from __future__ import annotations

from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split
from .sampler import RandomSampler, Sampler, SequentialSampler

__all__ = [
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]
