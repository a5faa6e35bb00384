"""``tt.optim.lr_scheduler``: learning-rate schedules, like ``torch.optim.lr_scheduler`` (from tt-optim).

``_LRScheduler`` is PyTorch's older name of the base class that custom schedules subclass.
"""

from __future__ import annotations

import tt_optim.lr_scheduler as _source
from tt_optim.lr_scheduler import *  # noqa: F403  (StepLR, OneCycleLR, LambdaLR, ReduceLROnPlateau, ...)

__all__ = list(_source.__all__)

_LRScheduler = _source.LRScheduler  # torch.optim.lr_scheduler._LRScheduler (deprecated there)
