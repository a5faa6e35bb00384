"""``torch.cuda`` on a CPU-only library: no GPU is ever available.

Scripts written for PyTorch ask ``torch.cuda.is_available()`` and fall back
to the CPU; here the answer is always False. Seeding functions do nothing,
as PyTorch's do on a machine without CUDA.
"""

from __future__ import annotations

import warnings


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
    """``torch.cuda.amp``: only ``GradScaler``, which is a pass-through without CUDA."""

    class GradScaler:
        """Loss scaling for float16 training; without CUDA it is disabled (as PyTorch disables it).

        ``scale(loss)`` returns ``loss``, ``step(optimizer)`` calls ``optimizer.step()``,
        ``unscale_`` and ``update`` do nothing: the training loop of a script written
        for mixed precision runs unchanged, in float32.
        """

        def __init__(
            self,
            init_scale: float = 2.0**16,
            growth_factor: float = 2.0,
            backoff_factor: float = 0.5,
            growth_interval: int = 2000,
            enabled: bool = True,
        ) -> None:
            if enabled:
                warnings.warn(
                    "torch.cuda.amp.GradScaler is enabled, but CUDA is not available; disabling it",
                    stacklevel=2,
                )
            self._enabled = False

        def is_enabled(self) -> bool:
            return self._enabled

        def scale(self, outputs):
            return outputs

        def unscale_(self, optimizer) -> None:
            pass

        def step(self, optimizer, *args, **kwargs):
            return optimizer.step(*args, **kwargs)

        def update(self, new_scale=None) -> None:
            pass

        def state_dict(self) -> dict:
            return {}

        def load_state_dict(self, state_dict: dict) -> None:
            pass


amp = _Amp()
