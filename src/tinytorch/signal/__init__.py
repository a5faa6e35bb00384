"""``tinytorch.signal``: PyTorch's ``torch.signal`` namespace (its ``windows`` submodule).

Example:
    >>> import tinytorch as torch
    >>> torch.signal.windows.hann(3)
    tensor([0., 1., 0.])
"""

from __future__ import annotations

from . import windows

__all__ = ["windows"]
