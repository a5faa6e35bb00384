"""Shared fixtures for tt-nn's tests (modules 03–05).

Test files are not importable modules (pytest runs with
``--import-mode=importlib``), so helpers are handed out as fixtures:

* ``rng``: a seeded NumPy generator, so a failing case reproduces.
* ``leaf(*shape, scale=1.0)``: a random float64 leaf tensor that requires grad.
* ``check_grad(fn, *inputs)``: ``gradcheck`` (float64 central differences) that
  must pass; on failure its message names the input, the element and both values.
* ``check(actual, expected)``: a tt-autograd ``Tensor`` with the values of a NumPy array.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240603)


@pytest.fixture
def leaf(rng):
    def make(*shape: int, scale: float = 1.0, requires_grad: bool = True) -> autograd.Tensor:
        return autograd.tensor(
            rng.standard_normal(shape) * scale, dtype=autograd.float64, requires_grad=requires_grad
        )

    return make


@pytest.fixture
def check_grad():
    def run(fn, *inputs, **options) -> None:
        assert autograd.gradcheck(fn, list(inputs), **options) is True

    return run


def assert_tensor(actual: object, expected: object, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Fail unless ``actual`` is a tt-autograd Tensor with the shape and values of ``expected``."""
    assert isinstance(actual, autograd.Tensor), f"expected a tt_autograd.Tensor, got {type(actual).__name__}"
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=rtol, atol=atol)


@pytest.fixture
def check():
    return assert_tensor


def _cross_entropy_reference(
    logits, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0
):
    """A direct NumPy transcription of PyTorch's definition (classes on axis 1)."""
    z = np.moveaxis(logits, 1, -1).reshape(-1, logits.shape[1])
    t = target.reshape(-1)
    classes = z.shape[1]
    w = np.ones(classes) if weight is None else weight
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    nll = np.where(keep, -w[safe] * log_p[np.arange(len(t)), safe], 0.0)
    smooth = np.where(keep, -(log_p * w).sum(axis=1), 0.0)
    denominator = w[safe][keep].sum()
    if reduction == "none":
        nll_r, smooth_r = nll.reshape(target.shape), smooth.reshape(target.shape)
    elif reduction == "sum":
        nll_r, smooth_r = nll.sum(), smooth.sum()
    else:
        nll_r, smooth_r = nll.sum() / denominator, smooth.sum() / denominator
    return (1 - label_smoothing) * nll_r + label_smoothing / classes * smooth_r


@pytest.fixture(scope="session")
def reference():
    """PyTorch's cross-entropy, transcribed in NumPy: the oracle of module 05's core and extras' tests."""
    return _cross_entropy_reference


@pytest.fixture
def keep_generator_state():
    """Seeding here leaves the default generator as it was, so later files' unseeded draws do not shift."""
    state = autograd.default_generator.get_state()
    yield
    autograd.default_generator.set_state(state)
