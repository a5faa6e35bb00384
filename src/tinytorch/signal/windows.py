"""``tinytorch.signal.windows``: PyTorch's ``torch.signal.windows`` (``hann``, ``kaiser``, ``gaussian``, ...),
over ``tt_autograd.signal_windows``; the top-level ``hann_window`` family shares their maths.

Example:
    >>> import tinytorch as torch
    >>> torch.signal.windows.bartlett(5)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""

from __future__ import annotations

from tt_autograd.signal_windows import *  # noqa: F403
from tt_autograd.signal_windows import __all__  # noqa: F401
