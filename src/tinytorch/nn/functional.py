"""``tt.nn.functional``: every functional form, whichever package defines it (``torch.nn.functional``)."""

from __future__ import annotations

from tt_nn.functional import *  # noqa: F403
from tt_nn.functional import __all__ as _nn_names

__all__ = [*_nn_names]
