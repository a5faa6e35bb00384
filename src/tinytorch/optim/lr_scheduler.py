"""``tt.optim.lr_scheduler``: learning-rate schedules, like ``torch.optim.lr_scheduler`` (from tt-optim)."""

from __future__ import annotations

import tt_optim.lr_scheduler as _source
from tt_optim.lr_scheduler import *  # noqa: F403  (StepLR, OneCycleLR, LambdaLR, ReduceLROnPlateau, ...)

__all__ = list(_source.__all__)
