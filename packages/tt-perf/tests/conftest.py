"""Shared fixtures for tt-perf's tests (modules 14–20).

Test files are not importable modules (pytest runs with ``--import-mode=importlib``),
so shared helpers are handed out as fixtures:

* ``rng``: a seeded NumPy generator;
* ``check_grad(fn, *inputs)``: ``gradcheck`` that must pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture
def check_grad():
    def run(fn, *inputs, **options) -> None:
        assert autograd.gradcheck(fn, list(inputs), **options) is True

    return run
