"""Module 02: the ``tt_autograd`` namespace reads like ``torch``.

Factories take ``requires_grad=``; ``cat``/``stack``/``where`` and the
functional forms (``tt_autograd.exp(x)``) record the graph like the methods;
``manual_seed`` makes random factories reproducible.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor


def test_tensor_is_a_subclass_of_tt_tensor():
    assert issubclass(autograd.Tensor, tt_tensor.Tensor)
    x = autograd.Tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.dtype == autograd.float32


def test_tensor_factory_with_requires_grad():
    x = autograd.tensor([[1.0, 2.0]], requires_grad=True)
    assert type(x) is autograd.Tensor and x.requires_grad and x.is_leaf and x.shape == (1, 2)
    assert autograd.tensor(3.0, dtype=autograd.float64, requires_grad=True).dtype == autograd.float64
    data = np.array([1.0, 2.0])
    copy = autograd.tensor(data, requires_grad=True)
    with autograd.no_grad():
        copy += 1
    np.testing.assert_array_equal(data, [1.0, 2.0])  # tensor() copies


@pytest.mark.parametrize(
    "make",
    [
        lambda: autograd.zeros(2, 3, requires_grad=True),
        lambda: autograd.ones((2, 3), requires_grad=True),
        lambda: autograd.randn(2, 3, requires_grad=True),
        lambda: autograd.rand(2, 3, requires_grad=True),
        lambda: autograd.full((2, 3), 0.5, requires_grad=True),
        lambda: autograd.empty(2, 3, requires_grad=True),
        lambda: autograd.zeros_like(autograd.ones(2, 3), requires_grad=True),
        lambda: autograd.ones_like(autograd.ones(2, 3), requires_grad=True),
        lambda: autograd.randn_like(autograd.ones(2, 3), requires_grad=True),
        lambda: autograd.eye(2, 3, requires_grad=True),
        lambda: autograd.full_like(autograd.ones(2, 3), 2.0, requires_grad=True),
    ],
    ids=[
        "zeros",
        "ones",
        "randn",
        "rand",
        "full",
        "empty",
        "zeros_like",
        "ones_like",
        "randn_like",
        "eye",
        "full_like",
    ],
)
def test_factories_take_requires_grad(make):
    x = make()
    assert type(x) is autograd.Tensor and x.shape == (2, 3) and x.requires_grad and x.is_leaf
    assert x.dtype == autograd.float32
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def test_factories_default_to_no_grad():
    for x in (
        autograd.zeros(2),
        autograd.ones(2),
        autograd.randn(2),
        autograd.arange(3),
        autograd.tensor([1.0]),
    ):
        assert type(x) is autograd.Tensor and not x.requires_grad


def test_integer_factories_refuse_requires_grad():
    with pytest.raises(RuntimeError, match="floating-point"):
        autograd.arange(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        autograd.randint(0, 5, (2,), requires_grad=True)


def test_manual_seed_makes_random_factories_reproducible():
    autograd.manual_seed(7)
    first = autograd.randn(3, requires_grad=True).detach().numpy().copy()
    autograd.manual_seed(7)
    second = autograd.randn(3, requires_grad=True).detach().numpy()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, autograd.randn(3).numpy())


def test_cat_stack_where_record_the_graph():
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    b = autograd.tensor([3.0], requires_grad=True)
    joined = autograd.cat([a, b])
    stacked = autograd.stack([a, a * 2])
    chosen = autograd.where(a > 1.5, a, b)
    for result in (joined, stacked, chosen):
        assert type(result) is autograd.Tensor and result.grad_fn is not None
    (joined.sum() + stacked.sum() + chosen.sum()).backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1 + 3 + 0, 1 + 3 + 1])
    np.testing.assert_array_equal(b.grad.numpy(), [1 + 1])


def test_cat_of_tensors_without_grad_records_nothing():
    joined = autograd.cat([autograd.ones(2), autograd.zeros(1)])
    assert type(joined) is autograd.Tensor and not joined.requires_grad and joined.grad_fn is None


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda x: autograd.exp(x), lambda v: np.exp(v)),
        (lambda x: autograd.sum(x, dim=0), lambda v: np.ones_like(v)),
        (lambda x: autograd.mean(x), lambda v: np.full_like(v, 1 / v.size)),
        (lambda x: autograd.tanh(x), lambda v: 1 - np.tanh(v) ** 2),
        (lambda x: autograd.mul(x, 3), lambda v: np.full_like(v, 3.0)),
        (lambda x: autograd.add(x, x), lambda v: np.full_like(v, 2.0)),
        (lambda x: autograd.pow(x, 2), lambda v: 2 * v),
        (lambda x: autograd.matmul(x, autograd.ones(3, dtype=autograd.float64)), lambda v: np.ones_like(v)),
        (lambda x: autograd.max(x), lambda v: (v == v.max()).astype(float)),
        (lambda x: autograd.reshape(x, (-1,)), lambda v: np.ones_like(v)),
        (lambda x: autograd.transpose(x, 0, 1), lambda v: np.ones_like(v)),
        (lambda x: autograd.clamp(x, max=0.0), lambda v: (v <= 0).astype(float)),
    ],
    ids=["exp", "sum", "mean", "tanh", "mul", "add", "pow", "matmul", "max", "reshape", "transpose", "clamp"],
)
def test_functional_forms_record_the_graph(call, expected):
    values = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    x = autograd.tensor(values, requires_grad=True)
    y = call(x)
    assert type(y) is autograd.Tensor and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected(values), rtol=1e-12)


def test_grad_mode_names_are_exported():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "gradcheck", "Function"):
        assert callable(getattr(autograd, name)), name
    assert (
        autograd.float32 is tt_tensor.float32
        and autograd.float is autograd.float32
        and autograd.long is autograd.int64
    )
