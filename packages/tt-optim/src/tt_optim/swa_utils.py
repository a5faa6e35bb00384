"""Weight averaging: ``AveragedModel``, ``update_bn`` and ``SWALR``, as in ``torch.optim.swa_utils``.

The weights at the last step of training are one noisy point of SGD's walk; an
average of the weights over many steps usually sits nearer the middle of the
valley and tests better. Two averages are common, both kept in a copy of the
model that is evaluated and saved instead of the live one:

* **SWA**, stochastic weight averaging (Izmailov et al., 2018): the plain mean
  of the weights at every call of ``update_parameters``, typically once per
  epoch late in training, with :class:`SWALR` holding the lr at a constant.
  After ``n`` calls, ``avg += (w - avg) / (n + 1)`` (the default).
* **EMA**, an exponential moving average, updated every step:
  ``avg = decay * avg + (1 - decay) * w`` (``get_ema_multi_avg_fn(decay)``).

Batch norm's running statistics were collected for the live weights, not the
average; :func:`update_bn` re-estimates them with one pass over training batches.

Cost: the copy doubles the model's memory; an update is two or three
element-wise passes over every weight, no autograd.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn, tt_optim
    >>> model = nn.Linear(2, 1)
    >>> swa = tt_optim.swa_utils.AveragedModel(model)
    >>> for value in (1.0, 2.0, 6.0):
    ...     with autograd.no_grad():
    ...         _ = model.weight.fill_(value)
    ...     swa.update_parameters(model)
    >>> swa.module.weight.detach().numpy().tolist(), int(swa.n_averaged.item())
    ([[3.0, 3.0]], 3)
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import tt_autograd as autograd
from tt_autograd import Tensor
from tt_nn import Module
from tt_nn.normalization import BatchNormBase

from .lr_scheduler import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]

#: ``avg_fn(averaged, current, num_averaged) -> new averaged``, one tensor at a time.
AvgFn = Callable[[Tensor, Tensor, Tensor], Tensor]
#: ``multi_avg_fn(averaged_list, current_list, num_averaged)``, updating ``averaged_list`` in place.
MultiAvgFn = Callable[[list[Tensor], list[Tensor], Tensor], None]


def _count(num_averaged: Tensor | int) -> int:
    return int(num_averaged.item()) if isinstance(num_averaged, Tensor) else int(num_averaged)


def _is_float(t: Tensor) -> bool:
    return t.dtype.is_floating_point


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The EMA update in place on lists: ``avg += (1 - decay) * (w - avg)`` (PyTorch's lerp form)."""

    def ema_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Tensor) -> None:
        for avg, w in zip(averaged, current):
            if _is_float(avg):
                avg.lerp_(w, 1 - decay)
            else:  # integer buffers (a batch counter): the same formula, cast back
                avg.copy_(avg.numpy() * decay + w.numpy() * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The SWA update in place on lists: ``avg += (w - avg) / (n + 1)`` after ``n`` averaged."""

    def swa_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Tensor) -> None:
        weight = 1 / (_count(num_averaged) + 1)
        for avg, w in zip(averaged, current):
            if _is_float(avg):
                avg.lerp_(w, weight)
            else:
                avg.copy_(avg.numpy() + (w.numpy() - avg.numpy()) * weight)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """The EMA update of one tensor: returns ``decay * avg + (1 - decay) * w``."""

    def ema_update(averaged: Tensor, current: Tensor, num_averaged: Tensor) -> Tensor:
        return decay * averaged + (1 - decay) * current

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The SWA update of one tensor: returns ``avg + (w - avg) / (n + 1)``."""

    def swa_update(averaged: Tensor, current: Tensor, num_averaged: Tensor) -> Tensor:
        return averaged + (current - averaged) / (_count(num_averaged) + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` holding the average of its weights over the calls of ``update_parameters``.

    Args:
        model: the model being trained; it is deep-copied (the copy starts with its weights).
        device: only ``None`` or ``"cpu"`` (TinyTorch runs on the CPU).
        avg_fn: ``avg_fn(averaged, current, num_averaged)`` returning the new average of one tensor.
        multi_avg_fn: the same over lists of tensors, in place. At most one of the two;
            with neither, the equal-weight SWA mean.
        use_buffers: average the buffers too (and average every parameter, trainable or
            not); by default the copy's buffers are set to ``model``'s at each update.

    The first ``update_parameters`` copies the weights; the ``n + 1``-th averages
    them in, ``num_averaged`` being ``n``. ``n_averaged`` is a buffer, so it is saved in
    ``state_dict()`` with the copy's weights (under ``module.``), as in PyTorch.
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: AvgFn | None = None,
        multi_avg_fn: MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: model must be a Module, got {type(model).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        if device is not None and str(device) != "cpu":
            raise ValueError(f"AveragedModel: device {device!r} is not available; TinyTorch runs on 'cpu'")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", autograd.tensor(0, dtype=autograd.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged copy's forward."""
        return self.module(*args, **kwargs)

    def _averaged_tensors(self, model: Module) -> list[Tensor]:
        if self.use_buffers:
            return list(itertools.chain(model.parameters(), model.buffers()))
        return list(model.parameters())

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current weights in (the first call copies them)."""
        averaged = [t.detach() for t in self._averaged_tensors(self.module)]
        current = [t.detach() for t in self._averaged_tensors(model)]
        _check_same_layout("update_parameters", averaged, current)
        with autograd.no_grad():
            if _count(self.n_averaged) == 0:
                for avg, w in zip(averaged, current):
                    avg.copy_(w)
            elif self.avg_fn is not None:
                for avg, w in zip(averaged, current):
                    avg.copy_(self.avg_fn(avg, w, self.n_averaged))
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(averaged, current, self.n_averaged)
            if not self.use_buffers:  # the copy's buffers follow the live model's (update_bn recomputes them)
                buffers = [b.detach() for b in self.module.buffers()]
                live = [b.detach() for b in model.buffers()]
                _check_same_layout("update_parameters (buffers)", buffers, live)
                for mine, theirs in zip(buffers, live):
                    mine.copy_(theirs)
            self.n_averaged.add_(1)


def _check_same_layout(op: str, averaged: list[Tensor], current: list[Tensor]) -> None:
    if len(averaged) != len(current):
        raise ValueError(
            f"AveragedModel.{op}: the averaged copy has {len(averaged)} tensors, the model given "
            f"{len(current)}; pass the model this AveragedModel was made from"
        )
    for number, (avg, w) in enumerate(zip(averaged, current)):
        if tuple(avg.shape) != tuple(w.shape):
            raise ValueError(
                f"AveragedModel.{op}: tensor {number} has shape {tuple(avg.shape)} in the averaged copy "
                f"but {tuple(w.shape)} in the model given; pass the model this AveragedModel was made from"
            )


def update_bn(loader: Iterable, model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every batch norm in ``model`` with one pass over ``loader``.

    Each batch norm's statistics are reset and accumulated as plain means over
    the batches (``momentum=None``), in training mode and without autograd; the
    momenta and ``model``'s training mode are restored after. A batch that is a
    list or tuple is fed by its first entry (the inputs of an ``(x, y)`` pair).
    Pass ``itertools.islice(loader, k)`` to use only ``k`` batches. Cost: a forward
    pass per batch. A model without batch norm returns at once, reading nothing.
    """
    if device is not None and str(device) != "cpu":
        raise ValueError(f"update_bn: device {device!r} is not available; TinyTorch runs on 'cpu'")
    momenta = {}
    for module in model.modules():
        if isinstance(module, BatchNormBase) and module.track_running_stats:
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        with autograd.no_grad():
            for batch in loader:
                model(batch[0] if isinstance(batch, (list, tuple)) else batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its current value to ``swa_lr`` over ``anneal_epochs`` steps, then hold it.

    Args:
        optimizer: the optimizer to schedule.
        swa_lr: the lr to reach (one value, or one per parameter group).
        anneal_epochs: steps of the annealing (0: ``swa_lr`` at once).
        anneal_strategy: ``"cos"`` (``alpha = (1 - cos(pi t)) / 2``) or ``"linear"`` (``alpha = t``).
        last_epoch: the last epoch when resuming (-1 to start).

    After ``s`` steps, ``lr = alpha(min(1, s / anneal_epochs)) * swa_lr + (1 - alpha) * lr0``,
    ``lr0`` the lr the annealing started from. Computed from the current lr
    (PyTorch's chainable form), so the schedule continues from whatever lr it finds.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be an integer >= 0, got {anneal_epochs!r}")
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        self.anneal_epochs = anneal_epochs
        self.anneal_strategy = anneal_strategy  # a name, not a function: state_dict() stays JSON-safe
        super().__init__(optimizer, last_epoch)

    def _alpha(self, t: float) -> float:
        return t if self.anneal_strategy == "linear" else (1 - math.cos(math.pi * t)) / 2

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        previous = self._alpha(max(0.0, min(1.0, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self._alpha(max(0.0, min(1.0, step / max(1, self.anneal_epochs))))
        lrs = []
        for group in self.optimizer.param_groups:
            # the lr the annealing started from, recovered from the current one
            start = (
                group["swa_lr"]
                if previous == 1
                else (group["lr"] - previous * group["swa_lr"]) / (1 - previous)
            )
            lrs.append(group["swa_lr"] * alpha + start * (1 - alpha))
        return lrs
