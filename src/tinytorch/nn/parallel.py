"""``tt.nn.parallel``: ``DataParallel`` (threads of one process) and ``DistributedDataParallel`` (MPI)."""

from __future__ import annotations

from tt_dist import DistributedDataParallel
from tt_nn import DataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
