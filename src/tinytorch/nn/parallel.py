"""``tt.nn.parallel``: ``DataParallel``, ``data_parallel`` (threads) and ``DistributedDataParallel`` (MPI)."""

from __future__ import annotations

from tt_dist import DistributedDataParallel
from tt_nn import DataParallel, data_parallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
