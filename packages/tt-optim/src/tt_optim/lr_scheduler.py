"""Learning-rate schedules: ``StepLR``, ``CosineAnnealingLR``, ``LinearLR``, ``OneCycleLR``, ``SequentialLR``.

A scheduler rewrites ``group["lr"]`` of its optimizer's parameter groups each
time ``step()`` is called (once per epoch, or once per batch for
``OneCycleLR``), after ``optimizer.step()``. The semantics are PyTorch's:

* Construction performs a first step to epoch 0, so the lr right after
  ``Scheduler(optimizer)`` is the schedule's first value. It also records
  each group's ``initial_lr`` (kept if already set: a second scheduler on the
  same optimizer sees the original lr as its base).
* ``get_lr()`` is the *chainable* (recursive) form: the new lr is computed
  from the group's current lr, so schedules compose and external changes to
  the lr carry on. Schedules that have one also define the closed form
  ``_get_closed_form_lr()``, used when ``step(epoch)`` jumps to an epoch.
* ``state_dict()`` is every attribute but the optimizer: plain numbers,
  strings and lists, so it saves as JSON (see :mod:`tt_optim.checkpoint`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

from .optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "LRScheduler", "LinearLR", "OneCycleLR", "SequentialLR", "StepLR"]


class LRScheduler:
    """Base class of learning-rate schedules, like ``torch.optim.lr_scheduler.LRScheduler``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` this scheduler sets.
        last_epoch: the index of the last epoch when resuming (-1 to start).
    """

    _is_initial = False  # True only during the first step taken by the constructor

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for number, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{number}] has no 'initial_lr': resuming with "
                        f"last_epoch={last_epoch} needs an optimizer that was scheduled before "
                        "(load its state_dict)"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the first step (to epoch ``last_epoch + 1``)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """Each group's lr for epoch ``last_epoch``, from the current lr (the chainable form)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def get_last_lr(self) -> list[float]:
        """The lr of each group as last set by this scheduler."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``, using the closed form where there is one)."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (numbers, strings, lists: JSON-safe)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state made by :meth:`state_dict`."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: ``lr = base · γ^⌊epoch/step_size⌋``.

    Example:
        >>> scheduler = StepLR(optimizer, step_size=30, gamma=0.1)  # doctest: +SKIP
        >>> for epoch in range(100):  # doctest: +SKIP
        ...     train(...); scheduler.step()
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if int(step_size) != step_size or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # BEGIN SOLUTION 06
        # TODO: the chainable form: the current lr times gamma every step_size epochs, unchanged otherwise
        #   (§ How it is built, "Schedules: the chainable form and the closed form").
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]
        # END SOLUTION

    def _get_closed_form_lr(self) -> list[float]:
        # BEGIN SOLUTION 06
        # TODO: the closed form: base_lr * gamma ** (last_epoch // step_size) for each group.
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]
        # END SOLUTION


class LinearLR(LRScheduler):
    """Scale the lr by a factor moving linearly from ``start_factor`` to ``end_factor`` over ``total_iters``.

    The usual warm-up: ``LinearLR(optimizer, start_factor=0.1, total_iters=5)``
    starts at a tenth of the lr and reaches the full lr after 5 steps.
    Closed form: ``base · (start + (end - start) · min(epoch, total_iters) / total_iters)``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        if int(total_iters) != total_iters or total_iters <= 0:
            raise ValueError(f"LinearLR: total_iters must be a positive integer, got {total_iters}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # BEGIN SOLUTION 06
        # TODO: the chainable form of a linear ramp of the factor from start_factor to
        #   end_factor over total_iters (§ How it is built, "Schedules"): each step
        #   multiplies the current lr by the ratio of two factors.
        # HINT: epoch 0 multiplies by start_factor; after total_iters the lr stays.
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return [group["lr"] for group in groups]
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [group["lr"] * ratio for group in groups]
        # END SOLUTION

    def _get_closed_form_lr(self) -> list[float]:
        # BEGIN SOLUTION 06
        # TODO: base_lr * (start_factor + (end_factor - start_factor)
        #   * min(total_iters, epoch) / total_iters).
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base * factor for base in self.base_lrs]
        # END SOLUTION


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr along a half cosine from its base to ``eta_min`` over ``T_max`` epochs.

    Closed form: ``η_t = η_min + (η_base - η_min)(1 + cos(πt/T_max))/2``.
    ``step()`` uses PyTorch's recursive form, which gives the same values up
    to rounding and follows external changes to the lr; past ``T_max`` the
    cosine continues (the lr rises again), as in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # BEGIN SOLUTION 06
        # TODO: the chainable (recursive) form of PyTorch's cosine annealing from base_lr to eta_min over
        #   T_max (§ How it is built, "Schedules"); its docstring has PyTorch's recursion.
        # HINT: at the bottom of the cosine the recursion divides by
        #   0: PyTorch adds the closed-form step there.
        groups, t, t_max, low = self.optimizer.param_groups, self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and t > 0:
            return [low + (base - low) * (1 + math.cos(t * math.pi / t_max)) / 2 for base in self.base_lrs]
        if (t - 1 - t_max) % (2 * t_max) == 0:  # the bottom of the cosine: the recursion would divide by 0
            return [
                group["lr"] + (base - low) * (1 - math.cos(math.pi / t_max)) / 2
                for base, group in zip(self.base_lrs, groups)
            ]
        ratio = (1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
        return [ratio * (group["lr"] - low) + low for group in groups]
        # END SOLUTION

    def _get_closed_form_lr(self) -> list[float]:
        # BEGIN SOLUTION 06
        # TODO: eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2 for each group.
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]
        # END SOLUTION


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith): warm the lr up to ``max_lr``, then anneal it far below the start.

    Step it after every *batch*. With ``total_steps`` (or ``epochs`` ×
    ``steps_per_epoch``) steps, the lr goes from ``max_lr / div_factor`` up to
    ``max_lr`` over the first ``pct_start`` of the steps, then down to
    ``initial_lr / final_div_factor``; ``three_phase=True`` comes back down to
    the initial lr first, then anneals to the minimum. With ``cycle_momentum``
    the momentum (SGD's ``momentum``, Adam's β₁) moves inversely, between
    ``max_momentum`` and ``base_momentum``.

    Args:
        optimizer: the optimizer.
        max_lr: the peak lr (a number, or one per group).
        total_steps: the number of steps in the cycle; or give ``epochs`` and ``steps_per_epoch``.
        pct_start: fraction of the cycle spent increasing the lr (default 0.3).
        anneal_strategy: ``"cos"`` (default) or ``"linear"``.
        cycle_momentum: cycle the momentum too (default True).
        base_momentum, max_momentum: the momentum's range (default 0.85 to 0.95).
        div_factor: ``initial_lr = max_lr / div_factor`` (default 25).
        final_div_factor: ``min_lr = initial_lr / final_div_factor`` (default 1e4).
        three_phase: use the paper's three phases instead of fastai's two.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            if int(total_steps) != total_steps or total_steps <= 0:
                raise ValueError(f"OneCycleLR: total_steps must be a positive integer, got {total_steps}")
            self.total_steps = int(total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            if epochs <= 0 or steps_per_epoch <= 0:
                raise ValueError(
                    f"OneCycleLR: epochs and steps_per_epoch must be positive, got {epochs}, "
                    f"{steps_per_epoch}"
                )
            self.total_steps = int(epochs) * int(steps_per_epoch)
        else:
            raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be between 0 and 1, got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self._anneal_func_type = anneal_strategy
        up = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(
                    float(2 * pct_start * self.total_steps) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                _phase(self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, _, _ = _cycled_momentum(
                "OneCycleLR", optimizer, max_momentum, base_momentum, last_epoch
            )
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        # BEGIN SOLUTION 06
        # TODO: interpolate from start to end at pct in [0, 1]: cosine ("cos") or linear.
        # EXAMPLE: cos: end + (start - end) / 2 * (cos(pi * pct) + 1); linear: start + (end - start) * pct.
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start
        # END SOLUTION

    def get_lr(self) -> list[float]:
        # BEGIN SOLUTION 06
        # TODO: the lr (and momentum, if cycled) at this step: find the phase the step falls in and anneal
        #   between its start and end values (_anneal); a step beyond total_steps is an error.
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times, but the cycle has total_steps={self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for number, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or number == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                        _set_momentum(group, momentum, self.use_beta1)
                    break
                start_step = end_step
        return lrs
        # END SOLUTION


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at the given epochs (``milestones``).

    The usual use: warm-up then decay, ``SequentialLR(opt, [warmup, cosine], milestones=[5])`` with
    ``warmup = LinearLR(opt, 0.1, total_iters=5)`` and ``cosine = CosineAnnealingLR(opt, T_max=95)``.
    At a milestone the next scheduler starts from its epoch 0 (its closed form).
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int], last_epoch: int = -1
    ) -> None:
        if not schedulers:
            raise ValueError("SequentialLR: expects at least one scheduler")
        for number, scheduler in enumerate(schedulers):
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(
                    f"SequentialLR: scheduler {number} ({type(scheduler).__name__}) belongs to another "
                    "optimizer; all schedulers must share the SequentialLR's optimizer"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expects one milestone fewer than schedulers, got {len(schedulers)} "
                f"schedulers and {len(milestones)} milestones"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # undo what the schedulers' construction did
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        self._schedulers[0]._initial_step()
        self._last_lr = self._schedulers[0].get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch in whichever scheduler owns it."""
        # BEGIN SOLUTION 06
        # TODO: advance one epoch in the scheduler that owns it (bisect the milestones); at a milestone the
        #   next scheduler starts from its epoch 0 (_update_lr(0)) instead of stepping.
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()
        # END SOLUTION

    def state_dict(self) -> dict[str, Any]:
        """Its own attributes plus each scheduler's state dict."""
        state = {
            key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")
        }
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str) -> dict:
    return {
        "end_step": end_step,
        "start_lr": start_lr,
        "end_lr": end_lr,
        "start_momentum": start_momentum,
        "end_momentum": end_momentum,
    }


def _per_group(name: str, optimizer: Optimizer, value: float | list[float]) -> list[float]:
    """``value`` for each parameter group: a list must have one entry per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} has {len(value)} values but the optimizer has {len(optimizer.param_groups)} "
                "param groups"
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def _cycled_momentum(
    name: str, optimizer: Optimizer, max_momentum: Any, base_momentum: Any, last_epoch: int
) -> tuple[bool, list[float], list[float]]:
    """Check the optimizer has a momentum to cycle (SGD's, Adam's β₁) and, on a fresh start, set it to
    ``max_momentum`` and record both bounds in each group. Returns (uses β₁, the highs, the lows)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(
            f"{name}: {type(optimizer).__name__} has no momentum or betas to cycle; pass cycle_momentum=False"
        )
    use_beta1 = "betas" in optimizer.defaults
    highs = _per_group(f"{name}: max_momentum", optimizer, max_momentum)
    lows = _per_group(f"{name}: base_momentum", optimizer, base_momentum)
    if last_epoch == -1:
        for group, high, low in zip(optimizer.param_groups, highs, lows):
            _set_momentum(group, high, use_beta1)
            group["max_momentum"], group["base_momentum"] = high, low
    return use_beta1, highs, lows


def _set_momentum(group: dict[str, Any], value: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


# The rest of torch.optim.lr_scheduler (LambdaLR, MultiStepLR, ReduceLROnPlateau, ...), framework code
# outside the course, lives in lr_scheduler_extra.py; it builds on LRScheduler above, so it comes last.
from .lr_scheduler_extra import *  # noqa: E402, F403
from .lr_scheduler_extra import __all__ as _extra_names  # noqa: E402

__all__ += _extra_names
