"""Shared fixtures for tt-optim's tests (modules 06 and 07).

Test files are not importable modules (pytest runs with
``--import-mode=importlib``), so helpers are handed out as fixtures:

* ``rng``: a seeded NumPy generator, so a failing case reproduces;
* ``leaves(*shapes, dtype=...)``: random leaf tensors that require grad,
  and the NumPy copies of their starting values;
* ``gradient_feed(params, steps)``: a fixed sequence of random gradients per
  parameter, and a function that installs step ``t``'s gradients as ``.grad``;
* ``nothing_left``: DataLoader workers' batches through shared memory whatever their size, and
  no worker process or segment left after the test.
"""

from __future__ import annotations

import glob
import multiprocessing
import os

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240607)


@pytest.fixture
def leaves(rng):
    """``leaves(*shapes, dtype=np.float64)`` -> (tensors requiring grad, their initial NumPy values)."""

    def make(*shapes, dtype=np.float64):
        values = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
        tensors = [autograd.tensor(v, requires_grad=True) for v in values]
        return tensors, [v.copy() for v in values]

    return make


@pytest.fixture
def gradient_feed(rng):
    """``gradient_feed(params, steps)`` -> (grads[t][i] arrays, install(t)) with fixed random gradients."""

    def make(params, steps):
        grads = [[rng.standard_normal(p.shape).astype(p.array.dtype) for p in params] for _ in range(steps)]

        def install(t):
            for p, g in zip(params, grads[t]):
                p.grad = autograd.tensor(g)

        return grads, install

    return make


@pytest.fixture
def nothing_left(monkeypatch):
    """Threshold 0 (every batch with arrays goes through shared memory); no worker or segment left after."""
    from tt_optim.data import shared_batches  # here: module 06's tests need no data package

    monkeypatch.setattr(shared_batches, "SHARED_MEMORY_THRESHOLD", 0)
    yield
    assert multiprocessing.active_children() == []
    assert glob.glob(f"/dev/shm/tt_loader_{os.getpid()}_*") == []
