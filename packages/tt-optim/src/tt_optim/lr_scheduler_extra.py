"""The rest of ``torch.optim.lr_scheduler``: framework code outside the course (module 06 builds the others).

Each follows PyTorch's documented semantics, including the chainable ``get_lr``
(computed from the group's current lr) and, where PyTorch has one, the closed
form used by ``step(epoch)``:

* ``LambdaLR``: ``lr = base · f(epoch)``; ``MultiplicativeLR``: ``lr *= f(epoch)`` each step.
* ``MultiStepLR``: ``lr *= gamma`` at each milestone epoch; ``ExponentialLR``: every epoch.
* ``ConstantLR``: ``base · factor`` until ``total_iters``, then ``base``.
* ``PolynomialLR``: ``base · (1 − min(t, T)/T)^power``.
* ``CosineAnnealingWarmRestarts``: a cosine from ``base`` to ``eta_min`` over
  ``T_i`` epochs, restarted with ``T_i *= T_mult`` (SGDR, Loshchilov & Hutter 2017).
* ``ChainedScheduler``: several schedulers stepped together, their factors multiplied.
* ``ReduceLROnPlateau``: ``lr *= factor`` once a metric has not improved for ``patience`` epochs.
* ``CyclicLR``: triangles between ``base_lr`` and ``max_lr`` (Smith 2017), stepped per batch.

``tt_optim.lr_scheduler`` re-exports them all, so ``tt.optim.lr_scheduler.LambdaLR``
is where a PyTorch program looks for it. State dicts stay JSON-safe: a schedule's
functions (``lr_lambda``) are not saved, as PyTorch saves them only when they are objects.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Callable
from typing import Any

from .lr_scheduler import LRScheduler, _cycled_momentum, _per_group, _set_momentum
from .optimizer import Optimizer

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LambdaLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
]

LrLambda = Callable[[int], float]


def _lambdas(name: str, optimizer: Optimizer, lr_lambda: LrLambda | list[LrLambda]) -> list[LrLambda]:
    lambdas = _per_group(f"{name}: lr_lambda", optimizer, lr_lambda)
    for number, f in enumerate(lambdas):
        if not callable(f):
            raise TypeError(f"{name}: lr_lambda {number} must be callable, got {type(f).__name__}")
    return lambdas


class _WithFunctions(LRScheduler):
    """A schedule holding per-group functions: ``state_dict`` saves a plain function as None (code is
    not data) and a callable object as a copy of its ``__dict__``, which ``load_state_dict`` puts back
    into the object in the same place (PyTorch's rule: a stateful warm-up object resumes)."""

    lr_lambdas: list[LrLambda]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer; ``lr_lambdas``: None, or a callable object's attributes."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(f, types.FunctionType) else dict(getattr(f, "__dict__", {}))
            for f in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        self.__dict__.update(state)
        for f, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                f.__dict__.update(attributes)


class LambdaLR(_WithFunctions):
    """``lr = base_lr · lr_lambda(epoch)``: the schedule is any function of the epoch (one per group, or one).

    Example (a linear warm-up over 100 steps):
        >>> scheduler = LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 100))  # doctest: +SKIP
    """

    def __init__(
        self, optimizer: Optimizer, lr_lambda: LrLambda | list[LrLambda], last_epoch: int = -1
    ) -> None:
        self.lr_lambdas = _lambdas("LambdaLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class MultiplicativeLR(_WithFunctions):
    """``lr *= lr_lambda(epoch)`` at every step after the first (one function per group, or one)."""

    def __init__(
        self, optimizer: Optimizer, lr_lambda: LrLambda | list[LrLambda], last_epoch: int = -1
    ) -> None:
        self.lr_lambdas = _lambdas("MultiplicativeLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch > 0:
            return [group["lr"] * f(self.last_epoch) for group, f in zip(groups, self.lr_lambdas)]
        return [group["lr"] for group in groups]


class MultiStepLR(LRScheduler):
    """``lr *= gamma`` at each epoch in ``milestones`` (twice if it is listed twice)."""

    def __init__(
        self, optimizer: Optimizer, milestones: list[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        times = self.milestones.count(self.last_epoch)
        return [group["lr"] * self.gamma**times for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        passed = sum(1 for m in self.milestones if m <= self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """``lr = base_lr · gamma^epoch``."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """``lr = base_lr · factor`` for the first ``total_iters`` epochs, then ``base_lr``."""

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in groups]
        if self.last_epoch != self.total_iters:
            return [group["lr"] for group in groups]
        return [group["lr"] / self.factor for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        scale = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [base * scale for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """``lr = base_lr · (1 − min(epoch, total_iters)/total_iters)^power``: 0 from ``total_iters`` on."""

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        if int(total_iters) != total_iters or total_iters <= 0:
            raise ValueError(f"PolynomialLR: total_iters must be a positive integer, got {total_iters}")
        self.total_iters = int(total_iters)
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        t, total = self.last_epoch, self.total_iters
        if t == 0 or t > total:
            return [group["lr"] for group in groups]
        factor = ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** self.power
        return [group["lr"] * factor for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        remaining = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * remaining**self.power for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """A cosine from ``base_lr`` to ``eta_min`` over ``T_i`` epochs, then a restart with ``T_i *= T_mult``.

    ``lr = eta_min + (base_lr − eta_min)(1 + cos(π T_cur/T_i))/2``, ``T_cur`` the
    epochs since the last restart (fractional epochs allowed in ``step(epoch)``).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,  # noqa: N803  (PyTorch's names)
        T_mult: int = 1,  # noqa: N803
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer, got {T_0!r}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got {T_mult!r}")
        self.T_0 = self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or jump to ``epoch`` (may be fractional: ``epoch + batch / batches``)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch}")
        elif epoch >= self.T_0 and self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        elif epoch >= self.T_0:  # the restart epoch passed: T_0 (T_mult^n - 1)/(T_mult - 1) <= epoch
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        self._step_count += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class ChainedScheduler(LRScheduler):
    """Step several schedulers of one optimizer together: each ``step()`` steps them all, in order.

    Their chainable forms compose, so the factors multiply:
    ``ChainedScheduler([ConstantLR(opt, 0.1, total_iters=2), ExponentialLR(opt, 0.9)])``.
    """

    def __init__(self, schedulers: list[LRScheduler], optimizer: Optimizer | None = None) -> None:
        if not isinstance(schedulers, (list, tuple)):
            raise TypeError(
                f"ChainedScheduler: schedulers must be a list of schedulers, got {type(schedulers).__name__}"
            )
        if not schedulers:
            raise ValueError("ChainedScheduler: expects at least one scheduler")
        optimizer = optimizer or getattr(schedulers[0], "optimizer", None)
        for number, scheduler in enumerate(schedulers):
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(
                    f"ChainedScheduler: scheduler {number} ({type(scheduler).__name__}) belongs to another "
                    "optimizer; all schedulers must share one optimizer"
                )
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler once."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Each scheduler's state dict."""
        return {"_schedulers": [scheduler.state_dict() for scheduler in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)


class ReduceLROnPlateau(LRScheduler):
    """``lr *= factor`` when a metric stops improving: ``scheduler.step(val_loss)`` once per epoch.

    Args:
        optimizer: the optimizer to schedule.
        mode: ``"min"`` (the metric should fall, a loss) or ``"max"`` (rise, an accuracy).
        factor: the multiplier, < 1.
        patience: epochs without improvement tolerated; the next one reduces the lr.
        threshold, threshold_mode: what counts as improvement: ``"rel"``, better than
            ``best · (1 ∓ threshold)``; ``"abs"``, better than ``best ∓ threshold``.
        cooldown: epochs after a reduction during which bad epochs are not counted.
        min_lr: a floor (one value, or one per group).
        eps: a reduction smaller than this is skipped.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: {type(optimizer).__name__} is not an Optimizer")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.optimizer = optimizer
        self.min_lrs = _per_group("ReduceLROnPlateau: min_lr", optimizer, min_lr)
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            return a < (
                best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold
            )
        return a > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    @property
    def in_cooldown(self) -> bool:
        """Whether the epochs after a reduction are still being skipped."""
        return self.cooldown_counter > 0

    def step(self, metrics: float, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's ``metrics`` (a number or a one-element tensor); reduce the lr if it is time.

        ``epoch`` (deprecated in PyTorch, which warns, as here) sets ``last_epoch`` instead of counting one
        more; the reduction itself depends only on the metrics seen."""
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(
                "ReduceLROnPlateau.step: the epoch argument is deprecated (as in PyTorch); call "
                "scheduler.step(metrics) once per epoch",
                UserWarning,
                stacklevel=2,
            )
            self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, floor)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class CyclicLR(LRScheduler):
    """The cyclical learning rate (Smith 2017): the lr goes up and down between ``base_lr`` and ``max_lr``.

    Step it after every *batch*. A cycle is ``step_size_up`` steps up then
    ``step_size_down`` (default: as many) down; the amplitude ``max_lr − base_lr``
    is multiplied by ``scale_fn``: ``"triangular"`` keeps it, ``"triangular2"``
    halves it each cycle (``1/2^(cycle−1)``), ``"exp_range"`` multiplies it by
    ``gamma^iteration``. A custom ``scale_fn(x)`` (in [0, 1]) replaces ``mode``,
    evaluated on the cycle number (``scale_mode="cycle"``) or the iteration
    (``"iterations"``). With ``cycle_momentum`` (default) the momentum (SGD's
    ``momentum``, Adam's β₁) moves the other way, from ``max_momentum`` down to
    ``base_momentum`` at the lr's peak. As PyTorch's, construction sets each
    group's lr to ``base_lr``, and ``state_dict`` keeps a custom ``scale_fn``'s
    attributes only when it is a callable object (a function is not data).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"CyclicLR: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        base_lrs = _per_group("CyclicLR: base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("CyclicLR: max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if not up > 0 or not down >= 0:
            raise ValueError(
                f"CyclicLR: step_size_up must be positive and step_size_down >= 0, got {step_size_up}, "
                f"{step_size_down}"
            )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(
                f"CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range' (or give scale_fn), "
                f"got {mode!r}"
            )
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"CyclicLR: scale_fn must be callable, got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, self.max_momentums, self.base_momentums = _cycled_momentum(
                "CyclicLR", optimizer, max_momentum, base_momentum, last_epoch
            )
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        """A built-in mode fixes the scale mode: per cycle for the triangles, per iteration for exp_range."""
        if self._scale_fn_custom is None and self.mode in ("triangular", "triangular2"):
            self.scale_mode = "cycle"
        elif self._scale_fn_custom is None:
            self.scale_mode = "iterations"

    def scale_fn(self, x: float) -> float:
        """The amplitude's factor at cycle (or iteration) ``x``: the custom function, or the mode's."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        """The lr at batch ``last_epoch`` (and, with ``cycle_momentum``, the momentum, set on the groups)."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (peak - base) * height * scale for base, peak in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, high - (high - low) * height * scale, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer; a custom ``scale_fn`` object's attributes, a function's not."""
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        keep = fn is not None and not isinstance(fn, types.FunctionType)
        state["_scale_fn_custom"] = dict(fn.__dict__) if keep else None
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict` (into this scheduler's own ``scale_fn``, if saved)."""
        state = dict(state_dict)
        fn_state = state.pop("_scale_fn_custom")
        super().load_state_dict(state)
        if fn_state is not None:
            self._scale_fn_custom.__dict__.update(fn_state)
        self._init_scale_fn()
