"""``GradScaler``: dynamic loss scaling, as ``torch.amp.GradScaler`` (``tt.amp.GradScaler``).

Float16 gradients underflow: a loss gradient of 1e-8 is 0 in float16. Loss
scaling multiplies the loss by a large factor ``S`` before ``backward()``, so
the gradients are ``S`` times larger and representable, then divides them by
``S`` again (``unscale_``) before the optimizer uses them. ``S`` is adjusted
as training goes: a step whose gradients hold an inf or NaN (the scale was too
large) is *skipped* and ``S`` is multiplied by ``backoff_factor``; after
``growth_interval`` clean steps in a row ``S`` is multiplied by
``growth_factor``. The loop is PyTorch's::

    scaler = GradScaler("cpu")
    for inputs, target in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), target)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)  # optional: to clip the true gradients
        clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)  # skipped (returns None) if a gradient is inf or NaN
        scaler.update()

TinyTorch runs on the CPU, where PyTorch's scaler works too (``device="cpu"``).
The default device is PyTorch's, ``"cuda"``: without CUDA that scaler warns and
disables itself, passing every call through, as PyTorch does on such a machine.
The cost is one multiplication of the loss and one pass over the gradients
(multiply, check finite) per step. The scale is a float32, as PyTorch's.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"
_FIX = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients, adapt the scale.

    Args:
        device: ``"cpu"``; ``"cuda"`` (PyTorch's default) disables the scaler with a warning.
        init_scale: the first scale factor (``2**16``).
        growth_factor: the scale's multiplier after ``growth_interval`` clean steps (> 1).
        backoff_factor: the scale's multiplier after a step with inf/NaN gradients (< 1).
        growth_interval: clean steps in a row before the scale grows.
        enabled: ``False`` makes every method a pass-through (``scale`` returns its argument,
            ``step`` calls ``optimizer.step()``), so one script runs with and without scaling.
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if device not in ("cpu", "cuda"):
            raise ValueError(
                f"GradScaler: device must be 'cpu' (TinyTorch runs on the CPU) or 'cuda' (which disables "
                f"the scaler, as PyTorch does without CUDA), got {device!r}"
            )
        self._device = device
        self._enabled = bool(enabled)
        if device == "cuda" and self._enabled:
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2
            )
            self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._scale: np.float32 | None = None  # made by the first scale() call
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._growth_tracker: int | None = None
        self._per_optimizer_states: dict[int, dict[str, Any]] = {}

    def _optimizer_state(self, optimizer: Optimizer) -> dict[str, Any]:
        return self._per_optimizer_states.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def _check_scale(self, name: str) -> np.float32:
        if self._scale is None:
            raise AssertionError(f"Attempted {name} but _scale is None.  " + _FIX)
        return self._scale

    def scale(self, outputs: Tensor | Iterable[Any]) -> Any:
        """``outputs`` times the scale: a tensor, or the tensors in a (nested) list, tuple or iterable."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = np.float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker
        factor = float(self._scale)

        def apply(value: Any) -> Any:
            if isinstance(value, Tensor):
                return value * factor
            if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
                scaled = map(apply, value)
                return type(value)(scaled) if isinstance(value, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def unscale_(self, optimizer: Optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note whether any is inf or NaN.

        Once per optimizer between two ``update()`` calls; ``step`` calls it if you did not.
        """
        if not self._enabled:
            return
        scale = self._check_scale("unscale_")
        state = self._optimizer_state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inverse = np.float32(1.0 / np.float64(scale))
        found_inf = 0.0
        for group in optimizer.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad.array
                if grad.dtype == np.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                if not np.isfinite(grad).all():
                    found_inf = 1.0
                grad *= inverse
        state["found_inf"] = found_inf
        state["stage"] = _UNSCALED

    def step(self, optimizer: Optimizer, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` on unscaled gradients, unless one is inf or NaN (then None)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale("step")
        state = self._optimizer_state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None
        if not state["found_inf"]:
            result = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adapt the scale (back off after inf/NaN, grow after ``growth_interval`` clean steps), or set it."""
        if not self._enabled:
            return
        scale = self._check_scale("update")
        if new_scale is not None:
            if isinstance(new_scale, numbers.Real) and not isinstance(new_scale, bool):
                self._scale = np.float32(new_scale)
            elif isinstance(new_scale, Tensor) and new_scale.numel() == 1 and not new_scale.requires_grad:
                self._scale = np.float32(new_scale.item())
            else:
                raise AssertionError(
                    "new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                    "torch.FloatTensor with requires_grad=False."
                )
        else:
            found = [
                s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None
            ]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if sum(found):
                self._scale = np.float32(np.float64(scale) * self._backoff_factor)  # in double, as PyTorch
                self._growth_tracker = 0
            elif self._growth_tracker + 1 == self._growth_interval:
                grown = np.float32(np.float64(scale) * self._growth_factor)
                if math.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
        self._per_optimizer_states = {}

    def get_scale(self) -> float:
        """The current scale (``init_scale`` before the first ``scale()``; 1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale if self._scale is None else self._scale)

    def get_growth_factor(self) -> float:
        """The scale's multiplier after ``growth_interval`` clean steps."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor."""
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The scale's multiplier after a step with inf/NaN gradients."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor."""
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """Clean steps in a row before the scale grows."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval."""
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False when built with ``enabled=False`` or for ``"cuda"``)."""
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """The scale, the factors, the interval and the clean-step count; ``{}`` when disabled."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict` (a disabled scaler ignores it)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved "
                "from a disabled instance of GradScaler."
            )
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = np.float32(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = state_dict["_growth_tracker"]
