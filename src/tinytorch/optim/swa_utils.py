"""``tt.optim.swa_utils``: weight averaging, like ``torch.optim.swa_utils`` (from tt-optim)."""

from __future__ import annotations

import tt_optim.swa_utils as _source
from tt_optim.swa_utils import *  # noqa: F403  (AveragedModel, update_bn, SWALR and the avg_fn factories)

__all__ = list(_source.__all__)
