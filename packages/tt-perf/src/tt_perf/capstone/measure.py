"""Measuring a model for the capstone: its size in bytes and its single-sample latency.

* **Size** is what the model would occupy saved: the bytes of every array in
  its ``state_dict`` (parameters and buffers, whatever their dtype), so an
  INT8 weight counts one byte per element and a pruned-and-shrunk layer
  counts only what is left.
* **Latency** is the 90th percentile of single-sample forward passes
  (MLPerf's single-stream metric), in evaluation mode without a graph, after
  a few warm-up calls.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn
    >>> model = nn.Linear(4, 2)
    >>> model_bytes(model)
    40
    >>> latency_ms(model, autograd.zeros(1, 4), repeats=5) > 0
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from tt_autograd import Tensor, no_grad
from tt_nn import Module

from .budget import Measurement


def model_bytes(model: Module) -> int:
    """Bytes of every array in ``model.state_dict()``."""
    # BEGIN SOLUTION 20
    # TODO: the bytes of every array of model.state_dict() (§ How it is built, measure.py).
    total = 0
    for value in model.state_dict().values():
        array = value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)
        total += array.nbytes
    return int(total)
    # END SOLUTION


def latency_ms(model: Module, example: object, repeats: int = 50, warmup: int = 3) -> float:
    """90th-percentile wall time of ``model(example)`` in milliseconds (eval mode, no graph).

    Cost: ``warmup + repeats`` forward passes. The model's training flag is restored.
    """
    if repeats < 1:
        raise ValueError(f"latency_ms: repeats must be at least 1, got {repeats}")
    # BEGIN SOLUTION 20
    # TODO: the 90th-percentile wall time of model(example) in milliseconds, in eval mode under no_grad,
    #   after warmup calls; the model's mode restored afterwards (try/finally).
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for _ in range(warmup):
                model(example)
            times = np.empty(repeats)
            for i in range(repeats):
                start = time.perf_counter()
                model(example)
                times[i] = time.perf_counter() - start
    finally:
        model.train(was_training)
    return float(np.percentile(times, 90) * 1e3)
    # END SOLUTION


def paired_latency_ms(
    models: list[Module], example: object, repeats: int = 50, warmup: int = 3
) -> list[float]:
    """90th-percentile wall time (ms) of each of ``models`` on ``example``, their calls interleaved.

    The p90s of :func:`paired_times`; see there.
    """
    return [float(v) for v in np.percentile(paired_times(models, example, repeats, warmup), 90, axis=1)]


def paired_times(models: list[Module], example: object, repeats: int = 50, warmup: int = 3) -> np.ndarray:
    """Wall times (ms) ``(len(models), repeats)`` of each model on ``example``, their calls interleaved.

    Round ``i`` calls every model once, in turn, so a change in the machine's
    load during the measurement hits every model alike and their *ratios*
    hold (separate blocks of calls measured the same change 1.61× in one
    script and 2.13× in another on the same day). Column ``i`` is one round:
    ``times[a, i] / times[b, i]`` is a paired ratio, whose median survives a
    loaded machine where a p90 measures the preemptions more than the models.
    Eval mode, no graph; each model's training flag is restored.

    Cost: ``len(models) · (warmup + repeats)`` forward passes.
    """
    if repeats < 1:
        raise ValueError(f"paired_times: repeats must be at least 1, got {repeats}")
    # BEGIN SOLUTION 20
    # TODO: time every model on the same example in interleaved rounds: round i calls each model once, in turn
    #   (§ How it is built); eval mode and no graph while timing, each model's training flag restored after.
    # HINT: a try/finally restores the modes even when a model raises; warm every model up first.
    modes = [m.training for m in models]
    times = np.empty((len(models), repeats))
    try:
        for m in models:
            m.eval()
        with no_grad():
            for _ in range(warmup):
                for m in models:
                    m(example)
            for i in range(repeats):
                for j, m in enumerate(models):
                    start = time.perf_counter()
                    m(example)
                    times[j, i] = time.perf_counter() - start
    finally:
        for m, mode in zip(models, modes):
            m.train(mode)
    return times * 1e3
    # END SOLUTION


def measure(
    model: Module, name: str, evaluate: Callable[[Module], float], example: object, repeats: int = 50
) -> Measurement:
    """Accuracy by ``evaluate(model)`` (a fraction in [0, 1]), size and p90 latency, as one record."""
    accuracy = float(evaluate(model))
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(
            f"measure: evaluate() must return an accuracy in [0, 1], got {accuracy} for {name!r}"
        )
    return Measurement(name, accuracy, model_bytes(model), latency_ms(model, example, repeats))
