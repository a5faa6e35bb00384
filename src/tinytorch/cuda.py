"""``torch.cuda`` on a CPU-only library: no GPU is ever available.

Scripts written for PyTorch ask ``torch.cuda.is_available()`` and fall back
to the CPU; here the answer is always False. Seeding functions do nothing,
as PyTorch's do on a machine without CUDA.
"""

from __future__ import annotations


def is_available() -> bool:
    """Always False: TinyTorch runs on NumPy, on the CPU."""
    return False


def device_count() -> int:
    """Always 0."""
    return 0


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Always False (no CUDA device)."""
    return False


def manual_seed(seed: int) -> None:
    """No CUDA generator to seed: does nothing (seed the CPU with ``tt.manual_seed``)."""


def manual_seed_all(seed: int) -> None:
    """No CUDA generator to seed: does nothing."""
