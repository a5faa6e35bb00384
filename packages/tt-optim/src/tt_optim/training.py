"""The training loop: ``fit`` (train for epochs, validate, schedule, checkpoint, resume) and ``evaluate``.

``fit`` is the loop every PyTorch tutorial writes by hand, once, with the
details that are easy to get wrong done right:

* each batch: ``zero_grad`` → forward → loss → ``backward`` → optional
  gradient clipping → ``optimizer.step()`` → (a per-batch schedule steps);
* each epoch: the mean training loss and metrics (weighted by batch size),
  then validation in ``eval()`` mode under ``no_grad``, then the per-epoch
  schedule steps, then a checkpoint;
* a progress bar from tqdm when it is installed (``pip install
  tt-optim[progress]``), else one plain line per epoch;
* a :class:`History` of one record per epoch (``history["val_acc"]``);
* ``checkpoint=path`` saves after every epoch; ``resume=True`` continues from
  that file. Because the checkpoint holds the RNG states too (the default
  generator, which drives dropout and default shuffling, and the loaders'
  own generators), a resumed run ends with bit-for-bit the weights of one
  that was never interrupted.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tt_autograd import no_grad

from .checkpoint import load_checkpoint, save_checkpoint
from .lr_scheduler import CyclicLR, OneCycleLR, ReduceLROnPlateau
from .metrics import accuracy
from .utils.clip_grad import clip_grad_norm_

Metric = Callable[[Any, Any], float]


class History:
    """One record (a dict) per epoch; ``history["train_loss"]`` is that column as a list.

    Example:
        >>> history = fit(model, loss_fn, optimizer, loader, epochs=3)  # doctest: +SKIP
        >>> history["train_loss"], history[-1]["epoch"]  # doctest: +SKIP
    """

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self.records: list[dict[str, Any]] = [dict(record) for record in records]

    def append(self, record: dict[str, Any]) -> None:
        """Add one epoch's record."""
        self.records.append(record)

    def __getitem__(self, key: int | slice | str) -> Any:
        if isinstance(key, str):
            if not any(key in record for record in self.records):
                known = sorted({name for record in self.records for name in record})
                raise KeyError(f"History has no {key!r}; it records {known}")
            return [record.get(key) for record in self.records]
        return self.records[key]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __repr__(self) -> str:
        return f"History({len(self.records)} epochs)"


def _load_tqdm() -> Any:
    """tqdm's ``tqdm`` class if tqdm is installed, else None."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _format(record: Mapping[str, Any], epochs: int) -> str:
    parts = [f"epoch {record['epoch']}/{epochs}"]
    for key, value in record.items():
        if key in ("epoch", "time", "lr"):
            continue
        parts.append(f"{key} {value:.2%}" if key.endswith("acc") else f"{key} {value:.4f}")
    parts.append(f"lr {record['lr']:.3g}")
    parts.append(f"{record['time']:.1f}s")
    return "  ".join(parts)


def _split(batch: Any) -> tuple[list[Any], Any]:
    if not isinstance(batch, (list, tuple)) or len(batch) < 2:
        raise TypeError(
            f"fit: each batch must be a sequence (inputs..., target), got {type(batch).__name__}; "
            "use a TensorDataset(x, y) or a dataset whose samples are (input, target)"
        )
    return list(batch[:-1]), batch[-1]


def _run_epoch(
    model: Any,
    loss_fn: Callable,
    loader: Iterable,
    metrics: Mapping[str, Metric],
    *,
    optimizer: Any = None,
    clip: float | None = None,
    batch_scheduler: Any = None,
    bar: Any = None,
    where: str = "",
) -> dict[str, float]:
    """One pass over ``loader``: training when an optimizer is given, else evaluation. Returns the means."""
    # BEGIN SOLUTION 07
    # TODO: one pass over loader (§ How it is built, "The loop"): per batch zero_grad, forward, loss,
    #   backward and step (when training), and accumulate loss and metrics weighted by batch size.
    # HINT: a non-finite loss stops with an error naming the batch (where says training or evaluation).
    totals = dict.fromkeys(["loss", *metrics], 0.0)
    count = 0
    batches = bar(loader) if bar is not None else loader
    for number, batch in enumerate(batches, start=1):
        inputs, target = _split(batch)
        if optimizer is not None:
            optimizer.zero_grad()
        output = model(*inputs)
        loss = loss_fn(output, target)
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(
                f"fit: the loss became {value} at {where}, batch {number}; lower the learning rate or clip "
                "the gradients (clip_grad_norm=1.0)"
            )
        if optimizer is not None:
            loss.backward()
            if clip is not None:
                clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            if batch_scheduler is not None:
                batch_scheduler.step()
        size = len(target)
        count += size
        totals["loss"] += value * size
        with no_grad():
            for name, metric in metrics.items():
                totals[name] += metric(output.detach(), target) * size
        if hasattr(batches, "set_postfix"):
            batches.set_postfix(loss=f"{value:.4f}", refresh=False)
    if count == 0:
        raise ValueError(
            f"fit: the loader yielded no batches at {where} (is drop_last set with a tiny dataset?)"
        )
    return {name: total / count for name, total in totals.items()}
    # END SOLUTION


def evaluate(
    model: Any, loss_fn: Callable, loader: Iterable, metrics: Mapping[str, Metric] | None = None
) -> dict:
    """Mean loss and metrics over ``loader`` in ``eval()`` mode without gradients (the mode is restored).

    Example:
        >>> evaluate(model, nn.CrossEntropyLoss(), test_loader)  # doctest: +SKIP
        {'loss': 0.31, 'acc': 0.91}
    """
    # BEGIN SOLUTION 07
    # TODO: _run_epoch in eval() mode under no_grad, restoring the model's previous mode afterwards (finally).
    metrics = {"acc": accuracy} if metrics is None else metrics
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            return _run_epoch(model, loss_fn, loader, metrics, where="evaluation")
    finally:
        model.train(was_training)
    # END SOLUTION


def _check_monitor(monitor: str, metrics: Mapping[str, Metric], validating: bool, per_batch: bool) -> None:
    """Refuse a ``monitor`` that no epoch's record will hold, before the first epoch runs."""
    if per_batch:
        raise ValueError(
            "fit: ReduceLROnPlateau steps once per epoch on a metric; "
            "use scheduler_interval='auto' or 'epoch'"
        )
    names = ["loss", *metrics]
    keys = [f"train_{name}" for name in names] + ([f"val_{name}" for name in names] if validating else [])
    if monitor not in keys:
        why = " (no val_loader was given)" if monitor.startswith("val_") and not validating else ""
        raise ValueError(
            f"fit: monitor={monitor!r} is not a figure fit records{why}; ReduceLROnPlateau can step on "
            f"one of {keys}"
        )


def fit(
    model: Any,
    loss_fn: Callable,
    optimizer: Any,
    train_loader: Iterable,
    epochs: int,
    *,
    val_loader: Iterable | None = None,
    scheduler: Any = None,
    scheduler_interval: str = "auto",
    metrics: Mapping[str, Metric] | None = None,
    clip_grad_norm: float | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    verbose: bool = True,
    monitor: str = "val_loss",
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the per-epoch :class:`History`.

    Args:
        model: a module called as ``model(*inputs)`` on each batch ``(inputs..., target)``.
        loss_fn: ``loss_fn(output, target)`` returning a scalar tensor (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: the optimizer over ``model.parameters()``.
        train_loader: batches for training (usually a shuffled :class:`DataLoader`).
        epochs: the epoch to stop after (counting from 1; a resumed run continues up to it).
        val_loader: batches for validation after each epoch.
        scheduler: a learning-rate scheduler; a metric-driven one (``ReduceLROnPlateau``) is
            stepped once per epoch with the epoch's ``monitor`` figure.
        scheduler_interval: ``"epoch"``, ``"batch"``, or ``"auto"`` (per batch for
            ``OneCycleLR`` and ``CyclicLR``, per epoch otherwise).
        metrics: ``{name: fn(output, target) -> float}``; default ``{"acc": accuracy}``,
            pass ``{}`` for none (e.g. regression).
        clip_grad_norm: clip the gradients' total norm to this before each step.
        checkpoint: a file to save model, optimizer, scheduler, RNG states and
            history to after every epoch (atomically, without pickle).
        resume: continue from ``checkpoint`` if it exists.
        progress: show a tqdm progress bar per epoch when tqdm is installed.
        verbose: print one line per epoch.
        monitor: the history key that ``ReduceLROnPlateau`` steps on: ``"val_loss"`` (the
            default; needs ``val_loader``), ``"train_loss"``, or ``"train_"`` / ``"val_"`` and a
            metric's name (``"val_acc"``: give the scheduler ``mode="max"``).

    Example:
        >>> history = fit(model, nn.CrossEntropyLoss(), Adam(model.parameters()), train_loader, epochs=10,
        ...               val_loader=val_loader, checkpoint="run.npz", resume=True)  # doctest: +SKIP
    """
    if scheduler_interval not in ("auto", "epoch", "batch"):
        raise ValueError(
            f"fit: scheduler_interval must be 'auto', 'epoch' or 'batch', got {scheduler_interval!r}"
        )
    per_batch = scheduler_interval == "batch" or (
        scheduler_interval == "auto" and isinstance(scheduler, (OneCycleLR, CyclicLR))
    )
    metrics = {"acc": accuracy} if metrics is None else dict(metrics)
    metric_driven = isinstance(scheduler, ReduceLROnPlateau)
    if metric_driven:
        _check_monitor(monitor, metrics, val_loader is not None, per_batch)
    tqdm = _load_tqdm() if progress else None
    write = tqdm.write if tqdm is not None else print
    loaders = {"train": train_loader, "val": val_loader}
    generators = {
        name: loader.generator
        for name, loader in loaders.items()
        if getattr(loader, "generator", None) is not None
    }
    parts = dict(model=model, optimizer=optimizer, scheduler=scheduler)
    # BEGIN SOLUTION 07
    # TODO: train for epochs (§ How it is built, "The loop" and "Resuming bit for bit"): resume from the
    #   checkpoint if asked, per epoch train, evaluate, step the scheduler, record history, save a checkpoint.
    #   A metric_driven scheduler (ReduceLROnPlateau) steps on the epoch's record[monitor].
    # HINT: the checkpoint keeps the RNG generators too, so a resumed run repeats the same shuffles.
    history, first = History(), 1
    if checkpoint is not None and resume and Path(checkpoint).exists():
        saved = load_checkpoint(checkpoint, generators=generators, **parts)
        first = int(saved["epoch"]) + 1
        history = History((saved.get("extra") or {}).get("history", []))
        if verbose:
            write(f"resumed from {checkpoint} after epoch {saved['epoch']}")
    for epoch in range(first, epochs + 1):
        start = time.perf_counter()
        record: dict[str, Any] = {"epoch": epoch, "lr": optimizer.param_groups[0]["lr"]}
        bar = None
        if tqdm is not None:
            total = len(train_loader) if hasattr(train_loader, "__len__") else None
            bar = functools.partial(tqdm, total=total, desc=f"epoch {epoch}/{epochs}", leave=False)
        model.train()
        train = _run_epoch(
            model,
            loss_fn,
            train_loader,
            metrics,
            optimizer=optimizer,
            clip=clip_grad_norm,
            batch_scheduler=scheduler if per_batch else None,
            bar=bar,
            where=f"epoch {epoch}",
        )
        record.update({f"train_{name}": value for name, value in train.items()})
        if val_loader is not None:
            record.update(
                {
                    f"val_{name}": value
                    for name, value in evaluate(model, loss_fn, val_loader, metrics).items()
                }
            )
        if scheduler is not None and not per_batch:
            if metric_driven:  # ReduceLROnPlateau: it steps on the epoch's monitored figure
                scheduler.step(record[monitor])
            else:
                scheduler.step()
        record["time"] = time.perf_counter() - start
        history.append(record)
        if verbose:
            write(_format(record, epochs))
        if checkpoint is not None:
            save_checkpoint(
                checkpoint, epoch=epoch, extra={"history": history.records}, generators=generators, **parts
            )
    return history
    # END SOLUTION
