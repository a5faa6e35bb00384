"""``torch.accelerator`` on a CPU-only library: there is never an accelerator.

``pytorch/examples`` pick their device with ``torch.accelerator.is_available()``
and fall back to ``torch.device("cpu")``; here that fallback is always taken.
"""

from __future__ import annotations


def is_available() -> bool:
    """Always False: TinyTorch runs on NumPy, on the CPU."""
    return False


def current_accelerator(check_available: bool = False) -> None:
    """None: there is no accelerator."""
    return None


def device_count() -> int:
    """Always 0."""
    return 0
