"""Module 02: who records the graph: ``requires_grad`` propagation and grad mode.

A result requires grad exactly when grad mode is on and some input requires
grad. ``no_grad`` (a context manager and a decorator), ``enable_grad`` and
``set_grad_enabled`` switch grad mode, per thread, as in PyTorch.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tt_autograd as autograd


def test_requires_grad_defaults_to_false():
    assert not autograd.tensor([1.0]).requires_grad
    assert not autograd.Tensor([1.0]).requires_grad
    assert not autograd.randn(2).requires_grad


def test_requires_grad_propagates_from_any_input():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    c = autograd.tensor([3.0, 4.0])
    assert (x * c).requires_grad and (c * x).requires_grad
    assert (x.exp() + c).sum().requires_grad
    assert autograd.cat([c, x]).requires_grad and autograd.stack([c, x]).requires_grad
    assert autograd.where(c > 3.5, c, x).requires_grad
    assert not (c * c + 1).requires_grad
    assert (c * c + 1).grad_fn is None


def test_requires_grad_setter_and_method():
    x = autograd.tensor([1.0, 2.0])
    assert x.requires_grad_() is x
    assert x.requires_grad and x.is_leaf
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_integer_and_bool_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating-point"):
        autograd.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        autograd.arange(3).requires_grad_()
    with pytest.raises(RuntimeError, match="floating-point"):
        autograd.tensor([True]).requires_grad = True


def test_integer_results_of_a_recorded_input_do_not_require_grad():
    x = autograd.tensor([0.5, 2.0], requires_grad=True)
    for result in (x > 1, x.argmax(), x.max(0).indices, x.long()):
        assert not result.requires_grad and result.grad_fn is None


def test_no_grad_as_a_context_manager():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    with autograd.no_grad():
        assert not autograd.is_grad_enabled()
        y = x * 2
        z = (x.exp() @ x).sum()
    assert autograd.is_grad_enabled()
    for t in (y, z):
        assert not t.requires_grad and t.grad_fn is None and t.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        z.backward()


def test_no_grad_as_a_decorator():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)

    @autograd.no_grad()
    def evaluate(t):
        """Docstring kept."""
        assert not autograd.is_grad_enabled()
        return t * 2

    y = evaluate(x)
    assert not y.requires_grad and y.grad_fn is None
    assert autograd.is_grad_enabled()
    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Docstring kept."
    assert evaluate(x) is not y  # usable more than once


def test_no_grad_and_enable_grad_as_decorators_without_parentheses():
    x = autograd.tensor([1.0], requires_grad=True)

    @autograd.no_grad
    def frozen(t):
        return t * 2

    @autograd.enable_grad
    def recorded(t):
        return t * 2

    assert frozen.__name__ == "frozen"
    assert not frozen(x).requires_grad
    with autograd.no_grad():
        assert recorded(x).requires_grad


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError, match="boom"):
        with autograd.no_grad():
            raise ValueError("boom")
    assert autograd.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    with autograd.no_grad():
        with autograd.enable_grad():
            assert autograd.is_grad_enabled()
            y = x * 3
        assert not autograd.is_grad_enabled()
        z = x * 3
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_enable_grad_as_a_decorator_inside_no_grad():
    @autograd.enable_grad()
    def double(t):
        return t * 2

    x = autograd.tensor([1.0], requires_grad=True)
    with autograd.no_grad():
        y = double(x)
    assert y.requires_grad


def test_set_grad_enabled_as_a_function_and_a_context():
    x = autograd.tensor([1.0], requires_grad=True)
    try:
        autograd.set_grad_enabled(False)
        assert not autograd.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        autograd.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with autograd.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with autograd.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with autograd.no_grad():
        thread = threading.Thread(target=lambda: seen.append(autograd.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True], "no_grad in one thread must not switch recording off in another"


def test_numpy_on_a_tensor_that_requires_grad_points_to_detach():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        x.numpy()
    with pytest.raises(RuntimeError, match="detach"):
        (x * 2).numpy()
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])
    assert isinstance(autograd.tensor([1.0]).numpy(), np.ndarray)


def test_results_are_tt_autograd_tensors():
    x = autograd.tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True)
    results = {
        "mul": x * 2,
        "radd": 1 + x,
        "matmul": x @ x,
        "sum": x.sum(),
        "getitem": x[0],
        "reshape": x.reshape(4),
        "gt": x > 0,
        "eq": x == x,
        "argmax": x.argmax(),
        "argmin": x.argmin(dim=1),
        "max indices": x.max(dim=1).indices,
        "sign": x.sign(),
        "floor": x.floor(),
        "isnan": x.isnan(),
        "floordiv": x // 2,
        "all": (x > -5).all(),
        "logical_not": (x > 0).logical_not(),
        "detach": x.detach(),
        "grad": None,
    }
    (x * x).sum().backward()
    results["grad"] = x.grad
    for name, result in results.items():
        assert type(result) is autograd.Tensor, f"{name} gave {type(result).__name__}, not tt_autograd.Tensor"
