"""``tt.nn.init``: weight initialisation (``torch.nn.init``), from tt-nn."""

from __future__ import annotations

from tt_nn.init import *  # noqa: F403
from tt_nn.init import __all__  # noqa: F401
