"""``tt.utils.data``: datasets and batching, like ``torch.utils.data`` (from tt-optim).

Example:
    >>> from tinytorch.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)  # doctest: +SKIP
"""

from __future__ import annotations

from tt_dist import DistributedSampler
from tt_optim.data import *  # noqa: F403  (DataLoader, Dataset, RandomSampler, TensorDataset, ...)
from tt_optim.data import __all__ as _data_names

from . import dataloader  # torch.utils.data.dataloader.DataLoader, as minGPT imports it

__all__ = [*_data_names, "DistributedSampler", "dataloader"]
