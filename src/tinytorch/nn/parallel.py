"""``tt.nn.parallel``: ``DistributedDataParallel``, like ``torch.nn.parallel`` (from tt-dist)."""

from __future__ import annotations

from tt_dist import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
