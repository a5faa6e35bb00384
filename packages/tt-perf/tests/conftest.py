"""Shared fixtures for tt-perf's tests (modules 14–20).

Test files are not importable modules (pytest runs with ``--import-mode=importlib``),
so shared helpers are handed out as fixtures:

* ``rng``: a seeded NumPy generator;
* ``check_grad(fn, *inputs)``: ``gradcheck`` that must pass;
* ``fake_clock(module)``: a clock installed as ``module.time`` for one test, so
  timings are exact numbers the test chooses (module 14's profiler, module 20's latency).
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


class FakeClock:
    """Stands in for the ``time`` module of the code under test: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def fake_clock(monkeypatch):
    """``fake_clock(module)``: a :class:`FakeClock` standing in for ``module.time`` during this test."""

    def install(module) -> FakeClock:
        clock = FakeClock()
        monkeypatch.setattr(module, "time", clock)
        return clock

    return install
