"""``tt.optim.lr_scheduler``: learning-rate schedules, like ``torch.optim.lr_scheduler`` (from tt-optim)."""

from __future__ import annotations

from tt_optim.lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, OneCycleLR, SequentialLR, StepLR

__all__ = ["CosineAnnealingLR", "LRScheduler", "LinearLR", "OneCycleLR", "SequentialLR", "StepLR"]
