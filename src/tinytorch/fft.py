"""``tinytorch.fft``: PyTorch's ``torch.fft`` namespace over ``tt_autograd.fft``.

Example:
    >>> import tinytorch as torch
    >>> torch.fft.rfft(torch.tensor([1.0, 0.0, -1.0, 0.0]))
    tensor([0.+0.j, 2.+0.j, 0.+0.j])
"""

from __future__ import annotations

from tt_autograd.fft import *  # noqa: F403
from tt_autograd.fft import __all__  # noqa: F401
