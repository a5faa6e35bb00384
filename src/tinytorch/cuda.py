"""``torch.cuda`` on a CPU-only library: no GPU is ever available.

Scripts written for PyTorch ask ``torch.cuda.is_available()`` and fall back
to the CPU; here the answer is always False. Seeding functions do nothing,
as PyTorch's do on a machine without CUDA.
"""

from __future__ import annotations

import warnings
from typing import Any

from tt_optim.grad_scaler import GradScaler as _AmpGradScaler


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


class _Amp:
    """``torch.cuda.amp``: only ``GradScaler``, ``torch.amp.GradScaler("cuda")``: disabled without CUDA."""

    class GradScaler(_AmpGradScaler):
        """The deprecated ``torch.cuda.amp.GradScaler(...)``: ``torch.amp.GradScaler("cuda", ...)``.

        Without CUDA it is disabled (as PyTorch disables it): ``scale(loss)`` returns
        ``loss``, ``step(optimizer)`` calls ``optimizer.step()``, ``unscale_`` and
        ``update`` do nothing, so a script written for mixed precision runs unchanged, in float32.
        """

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            """``init_scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``, ``enabled``."""
            warnings.warn(
                "`torch.cuda.amp.GradScaler(args...)` is deprecated. "
                "Please use `torch.amp.GradScaler('cuda', args...)` instead.",
                FutureWarning,
                stacklevel=2,
            )
            super().__init__("cuda", *args, **kwargs)


amp = _Amp()
