"""Shared fixtures for tt-optim's tests (modules 06 and 07).

Test files are not importable modules (pytest runs with
``--import-mode=importlib``), so helpers are handed out as fixtures:

* ``rng``: a seeded NumPy generator, so a failing case reproduces;
* ``leaves(*shapes, dtype=...)``: random leaf tensors that require grad,
  and the NumPy copies of their starting values;
* ``gradient_feed(params, steps)``: a fixed sequence of random gradients per
  parameter, and a function that installs step ``t``'s gradients as ``.grad``.
"""

from __future__ import annotations

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
