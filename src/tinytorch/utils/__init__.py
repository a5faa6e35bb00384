"""``tt.utils``: like ``torch.utils``: ``tt.utils.data`` (datasets and the DataLoader),
``tt.utils.checkpoint`` (activation checkpointing) and ``tt.utils.tensorboard`` (``SummaryWriter``)."""

from __future__ import annotations

from . import checkpoint, data, tensorboard

__all__ = ["checkpoint", "data", "tensorboard"]
