"""``tt.utils``: like ``torch.utils``: ``tt.utils.data`` (datasets and the DataLoader) and
``tt.utils.checkpoint`` (activation checkpointing)."""

from __future__ import annotations

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
