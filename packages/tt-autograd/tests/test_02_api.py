"""Module 02: the ``tt_autograd`` namespace reads like ``torch``.

Factories take ``requires_grad=``; ``cat``/``stack``/``where`` and the
functional forms (``tt_autograd.exp(x)``) record the graph like the methods;
``manual_seed`` makes random factories reproducible.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as ag
import tt_tensor


def test_tensor_is_a_subclass_of_tt_tensor():
    assert issubclass(ag.Tensor, tt_tensor.Tensor)
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.dtype == ag.float32


def test_tensor_factory_with_requires_grad():
    x = ag.tensor([[1.0, 2.0]], requires_grad=True)
    assert type(x) is ag.Tensor and x.requires_grad and x.is_leaf and x.shape == (1, 2)
    assert ag.tensor(3.0, dtype=ag.float64, requires_grad=True).dtype == ag.float64
    data = np.array([1.0, 2.0])
    copy = ag.tensor(data, requires_grad=True)
    with ag.no_grad():
        copy += 1
    np.testing.assert_array_equal(data, [1.0, 2.0])  # tensor() copies


@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.zeros(2, 3, requires_grad=True),
        lambda: ag.ones((2, 3), requires_grad=True),
        lambda: ag.randn(2, 3, requires_grad=True),
        lambda: ag.rand(2, 3, requires_grad=True),
        lambda: ag.full((2, 3), 0.5, requires_grad=True),
        lambda: ag.empty(2, 3, requires_grad=True),
        lambda: ag.zeros_like(ag.ones(2, 3), requires_grad=True),
        lambda: ag.ones_like(ag.ones(2, 3), requires_grad=True),
        lambda: ag.randn_like(ag.ones(2, 3), requires_grad=True),
        lambda: ag.eye(2, 3, requires_grad=True),
        lambda: ag.full_like(ag.ones(2, 3), 2.0, requires_grad=True),
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
    assert type(x) is ag.Tensor and x.shape == (2, 3) and x.requires_grad and x.is_leaf
    assert x.dtype == ag.float32
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def test_factories_default_to_no_grad():
    for x in (ag.zeros(2), ag.ones(2), ag.randn(2), ag.arange(3), ag.tensor([1.0])):
        assert type(x) is ag.Tensor and not x.requires_grad


def test_integer_factories_refuse_requires_grad():
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.arange(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.randint(0, 5, (2,), requires_grad=True)


def test_manual_seed_makes_random_factories_reproducible():
    ag.manual_seed(7)
    first = ag.randn(3, requires_grad=True).detach().numpy().copy()
    ag.manual_seed(7)
    second = ag.randn(3, requires_grad=True).detach().numpy()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, ag.randn(3).numpy())


def test_cat_stack_where_record_the_graph():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0], requires_grad=True)
    joined = ag.cat([a, b])
    stacked = ag.stack([a, a * 2])
    chosen = ag.where(a > 1.5, a, b)
    for result in (joined, stacked, chosen):
        assert type(result) is ag.Tensor and result.grad_fn is not None
    (joined.sum() + stacked.sum() + chosen.sum()).backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1 + 3 + 0, 1 + 3 + 1])
    np.testing.assert_array_equal(b.grad.numpy(), [1 + 1])


def test_cat_of_tensors_without_grad_records_nothing():
    joined = ag.cat([ag.ones(2), ag.zeros(1)])
    assert type(joined) is ag.Tensor and not joined.requires_grad and joined.grad_fn is None


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda x: ag.exp(x), lambda v: np.exp(v)),
        (lambda x: ag.sum(x, dim=0), lambda v: np.ones_like(v)),
        (lambda x: ag.mean(x), lambda v: np.full_like(v, 1 / v.size)),
        (lambda x: ag.tanh(x), lambda v: 1 - np.tanh(v) ** 2),
        (lambda x: ag.mul(x, 3), lambda v: np.full_like(v, 3.0)),
        (lambda x: ag.add(x, x), lambda v: np.full_like(v, 2.0)),
        (lambda x: ag.pow(x, 2), lambda v: 2 * v),
        (lambda x: ag.matmul(x, ag.ones(3, dtype=ag.float64)), lambda v: np.ones_like(v)),
        (lambda x: ag.max(x), lambda v: (v == v.max()).astype(float)),
        (lambda x: ag.reshape(x, (-1,)), lambda v: np.ones_like(v)),
        (lambda x: ag.transpose(x, 0, 1), lambda v: np.ones_like(v)),
        (lambda x: ag.clamp(x, max=0.0), lambda v: (v <= 0).astype(float)),
    ],
    ids=["exp", "sum", "mean", "tanh", "mul", "add", "pow", "matmul", "max", "reshape", "transpose", "clamp"],
)
def test_functional_forms_record_the_graph(call, expected):
    values = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    x = ag.tensor(values, requires_grad=True)
    y = call(x)
    assert type(y) is ag.Tensor and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected(values), rtol=1e-12)


def test_grad_mode_names_are_exported():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "gradcheck", "Function"):
        assert callable(getattr(ag, name)), name
    assert ag.float32 is tt_tensor.float32 and ag.float is ag.float32 and ag.long is ag.int64
