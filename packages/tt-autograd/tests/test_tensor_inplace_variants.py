"""PyTorch's in-place variants made from the out-of-place methods (``exp_``, ``atan2_``, ``eq_``, ``t_``):
each writes the out-of-place result into the tensor's memory (views see it, the version moves) and returns
the tensor; PyTorch's shape, cast and leaf rules; recorded on non-leaves (gradients against central
differences, ``gradgradcheck`` too), with the edge behaviour checked against torch 2.13 in a scratch script.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import _alias_methods

OTHER = "other"  # stands for a (3,) float64 tensor, broadcast against the (2, 3) input

# name: (input range, arguments); every one is differentiable (or piecewise constant) on that range.
DIFFERENTIABLE = {
    "abs": ((0.2, 2.0), ()),
    "absolute": ((-2.0, -0.2), ()),
    "acos": ((-0.8, 0.8), ()),
    "arccos": ((-0.8, 0.8), ()),
    "acosh": ((1.2, 3.0), ()),
    "arccosh": ((1.2, 3.0), ()),
    "asin": ((-0.8, 0.8), ()),
    "arcsin": ((-0.8, 0.8), ()),
    "asinh": ((-2.0, 2.0), ()),
    "arcsinh": ((-2.0, 2.0), ()),
    "atan": ((-2.0, 2.0), ()),
    "arctan": ((-2.0, 2.0), ()),
    "atanh": ((-0.8, 0.8), ()),
    "arctanh": ((-0.8, 0.8), ()),
    "cos": ((-2.0, 2.0), ()),
    "cosh": ((-2.0, 2.0), ()),
    "exp": ((-2.0, 2.0), ()),
    "exp2": ((-2.0, 2.0), ()),
    "expm1": ((-2.0, 2.0), ()),
    "log": ((0.2, 3.0), ()),
    "log10": ((0.2, 3.0), ()),
    "log1p": ((-0.5, 2.0), ()),
    "log2": ((0.2, 3.0), ()),
    "logit": ((0.1, 0.9), ()),
    "neg": ((-2.0, 2.0), ()),
    "negative": ((-2.0, 2.0), ()),
    "reciprocal": ((0.5, 2.0), ()),
    "relu": ((0.2, 2.0), ()),
    "rsqrt": ((0.5, 2.0), ()),
    "sigmoid": ((-2.0, 2.0), ()),
    "sin": ((-2.0, 2.0), ()),
    "sinh": ((-2.0, 2.0), ()),
    "sqrt": ((0.5, 2.0), ()),
    "square": ((-2.0, 2.0), ()),
    "tan": ((-1.0, 1.0), ()),
    "tanh": ((-2.0, 2.0), ()),
    "nan_to_num": ((-2.0, 2.0), ()),
    "ceil": ((0.1, 0.9), ()),
    "floor": ((0.1, 0.9), ()),
    "round": ((0.1, 0.4), ()),
    "trunc": ((0.1, 0.9), ()),
    "fix": ((0.1, 0.9), ()),
    "frac": ((0.1, 0.9), ()),
    "sign": ((0.2, 2.0), ()),
    "sgn": ((-2.0, -0.2), ()),
    "atan2": ((0.5, 2.0), (OTHER,)),
    "arctan2": ((0.5, 2.0), (OTHER,)),
    "hypot": ((0.5, 2.0), (OTHER,)),
    "copysign": ((0.5, 2.0), (OTHER,)),
    "fmod": ((2.1, 2.4), (OTHER,)),
    "xlogy": ((0.5, 2.0), (OTHER,)),
    "pow": ((0.5, 2.0), (OTHER,)),
    "multiply": ((-2.0, 2.0), (OTHER,)),
    "subtract": ((-2.0, 2.0), (OTHER,)),
    "true_divide": ((-2.0, 2.0), (OTHER,)),
    "divide": ((-2.0, 2.0), (OTHER,)),
    "floor_divide": ((2.1, 2.4), (OTHER,)),
    "remainder": ((2.1, 2.4), (OTHER,)),
    "clamp_max": ((-2.0, 2.0), (0.3,)),
    "clamp_min": ((-2.0, 2.0), (0.3,)),
    "clip": ((-2.0, 2.0), (-0.3, 0.4)),
    "cumsum": ((-2.0, 2.0), (1,)),
    "cumprod": ((0.5, 2.0), (-1,)),
    "tril": ((-2.0, 2.0), ()),
    "triu": ((-2.0, 2.0), (1,)),
}
# name: arguments; results autograd does not differentiate (written back as 0/1, with a zero gradient)
NOT_DIFFERENTIABLE = {
    "eq": (OTHER,),
    "ne": (OTHER,),
    "lt": (OTHER,),
    "le": (OTHER,),
    "gt": (OTHER,),
    "ge": (OTHER,),
    "greater": (OTHER,),
    "greater_equal": (OTHER,),
    "less": (OTHER,),
    "less_equal": (OTHER,),
    "not_equal": (OTHER,),
    "logical_and": (OTHER,),
    "logical_or": (OTHER,),
    "logical_xor": (OTHER,),
    "logical_not": (),
    "heaviside": (OTHER,),
}
INTEGER_ONLY = {"gcd": (np.array([4, 6, 9]),), "lcm": (np.array([4, 6, 9]),)}


def _other(rng: np.random.Generator, low: float = 0.5, high: float = 1.5) -> autograd.Tensor:
    return autograd.tensor(rng.uniform(low, high, size=3), dtype=autograd.float64, requires_grad=True)


def _arguments(arguments: tuple, other: autograd.Tensor) -> tuple:
    return tuple(other if value is OTHER else value for value in arguments)


def test_the_tables_cover_every_elementwise_variant():
    covered = {*DIFFERENTIABLE, *NOT_DIFFERENTIABLE, *INTEGER_ONLY}
    assert covered == set(_alias_methods.ELEMENTWISE_INPLACE)


@pytest.mark.parametrize("name", [*DIFFERENTIABLE, *NOT_DIFFERENTIABLE])
def test_values_are_the_out_of_place_result_written_into_the_tensor(name, rng):
    (low, high), arguments = DIFFERENTIABLE.get(name, ((0.5, 1.5), NOT_DIFFERENTIABLE.get(name)))
    values = rng.uniform(low, high, size=(2, 3))
    values[0, 0] = 1.0  # a tie for the comparisons
    other = _other(rng).detach()
    other.array[0] = 1.0
    arguments = _arguments(arguments, other)
    tensor = autograd.tensor(values, dtype=autograd.float64)
    view, before = tensor[1], tensor._version
    expected = getattr(autograd.tensor(values), name)(*arguments).numpy().astype(np.float64)
    result = getattr(tensor, f"{name}_")(*arguments)
    assert result is tensor and tensor.dtype == autograd.float64 and tensor.shape == (2, 3)
    np.testing.assert_array_equal(tensor.numpy(), expected)
    np.testing.assert_array_equal(view.numpy(), expected[1])  # the same memory
    assert tensor._version == before + 1 and view._version == tensor._version
    assert result.grad_fn is None and not result.requires_grad


@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
def test_a_non_leaf_is_recorded_with_the_out_of_place_gradient(name, rng, check_grad, check_twice):
    (low, high), arguments = DIFFERENTIABLE[name]
    x = autograd.tensor(rng.uniform(low, high, size=(2, 3)), dtype=autograd.float64, requires_grad=True)
    inputs = [x, _other(rng)] if OTHER in arguments else [x]

    def in_place(x, other=None):
        return getattr(x * 1.0, f"{name}_")(*_arguments(arguments, other))

    result = in_place(*inputs)
    assert result.grad_fn is not None and not result.is_leaf and result.requires_grad
    weights = autograd.tensor(rng.standard_normal((2, 3)))
    (result * weights).sum().backward()
    fresh = [t.detach().requires_grad_() for t in inputs]
    other = fresh[1] if len(fresh) > 1 else None
    (getattr(fresh[0], name)(*_arguments(arguments, other)) * weights).sum().backward()
    for recorded, expected in zip(inputs, fresh):
        np.testing.assert_allclose(recorded.grad.numpy(), expected.grad.numpy(), rtol=1e-12)
    check_grad(in_place, *inputs)
    check_twice(in_place, inputs)


@pytest.mark.parametrize("name", list(NOT_DIFFERENTIABLE))
def test_a_result_autograd_does_not_differentiate_passes_a_zero_gradient_back(name, rng):
    x = autograd.tensor(rng.uniform(0.5, 1.5, size=(2, 3)), dtype=autograd.float64, requires_grad=True)
    other = _other(rng)
    arguments = _arguments(NOT_DIFFERENTIABLE[name], other)
    expected = getattr(x.detach() * 2.0, name)(*_arguments(NOT_DIFFERENTIABLE[name], other.detach()))
    result = getattr(x * 2.0, f"{name}_")(*arguments)
    np.testing.assert_array_equal(result.detach().numpy(), expected.numpy().astype(np.float64))
    assert result.requires_grad and result.grad_fn is not None  # PyTorch: EqBackward0 etc., zero gradient
    result.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))
    assert other.grad is None or not other.grad.numpy().any()


def test_a_comparison_written_into_a_plain_tensor_stays_out_of_the_graph(rng):
    plain, other = autograd.ones(2, 3, dtype=autograd.float64), _other(rng)
    assert plain.lt_(other).logical_not_() is plain
    np.testing.assert_array_equal(plain.numpy(), np.ones((2, 3)) >= other.detach().numpy())
    assert plain.is_leaf and not plain.requires_grad


@pytest.mark.parametrize(
    ("name", "values", "arguments", "expected"),
    [  # integer and bool tensors keep their dtype (PyTorch's values, torch 2.13)
        ("abs", [-3, 4], (), [3, 4]),
        ("neg", [-3, 4], (), [3, -4]),
        ("negative", [-3, 4], (), [3, -4]),
        ("sign", [-3, 0], (), [-1, 0]),
        ("sgn", [-3, 5], (), [-1, 1]),
        ("square", [-3, 4], (), [9, 16]),
        ("relu", [1, -2], (), [1, 0]),
        ("floor", [1, -2], (), [1, -2]),
        ("fix", [1, -2], (), [1, -2]),
        ("clamp_max", [4, 6], (5,), [4, 5]),
        ("gcd", [4, 6, 9], (np.array([6, 4, 6]),), [2, 2, 3]),
        ("lcm", [4, 6, 9], (np.array([6, 4, 6]),), [12, 12, 18]),
        ("pow", [4, 6], (2,), [16, 36]),
        ("floor_divide", [5, -7], (2,), [2, -4]),
        ("remainder", [5, -7], (2,), [1, 1]),
        ("divide", [5, -7], (2,), None),  # true division: a float result
        ("eq", [1, 2], (np.array([1, 3]),), [1, 0]),
        ("logical_not", [True, False], (), [False, True]),
        ("logical_and", [True, True], (np.array([1.0, 0.0]),), [True, False]),
        ("cumsum", [[1, 2], [3, 4]], (0,), [[1, 2], [4, 6]]),
    ],
)
def test_integer_and_bool_tensors(name, values, arguments, expected):
    for dtype in [autograd.int32, autograd.int64] if not isinstance(values[0], bool) else [autograd.bool]:
        tensor = autograd.tensor(values, dtype=dtype)
        if expected is None:
            with pytest.raises(
                RuntimeError, match=f"{name}_: result type float32 can't be cast to the desired "
            ):
                getattr(tensor, f"{name}_")(*arguments)
            continue
        assert getattr(tensor, f"{name}_")(*arguments) is tensor
        assert tensor.dtype == dtype and tensor.tolist() == expected


@pytest.mark.parametrize(
    ("values", "call", "message"),
    [
        (
            [1, 4],
            lambda t: t.sqrt_(),
            "sqrt_: result type float32 can't be cast to the desired output type int64",
        ),
        ([1, 4], lambda t: t.true_divide_(2), "true_divide_: result type float32 can't be cast"),
        ([1, 4], lambda t: t.pow_(0.5), "pow_: result type float32 can't be cast"),
        (
            [True],
            lambda t: t.cumsum_(0),
            "cumsum_: result type int64 can't be cast to the desired output type bool",
        ),
        (
            [1.0, 2.0],
            lambda t: t.eq_(np.ones((2, 2))),
            r"eq_: output with shape \[2\] doesn't match the broadcast",
        ),
        (
            [1.0, 2.0],
            lambda t: t.atan2_(np.ones((3, 2))),
            r"atan2_: output with shape \[2\] .* shape \[3, 2\]",
        ),
    ],
)
def test_pytorchs_cast_and_shape_rules(values, call, message):
    tensor = autograd.tensor(values)
    before = tensor.tolist()
    with pytest.raises(RuntimeError, match=message):
        call(tensor)
    assert tensor.tolist() == before and tensor._version == 0  # nothing written


def test_a_leaf_that_requires_grad_is_refused_unless_grad_mode_is_off():
    x = autograd.tensor([0.5, 1.0], dtype=autograd.float64, requires_grad=True)
    for call in [
        lambda t: t.exp_(),
        lambda t: t.atan2_(t.detach()),
        lambda t: t.unsqueeze_(0),
        lambda t: t.t_(),
    ]:
        with pytest.raises(RuntimeError, match="in-place operation on a leaf tensor that requires grad"):
            call(x)
    assert x.shape == (2,) and x.tolist() == [0.5, 1.0]
    with autograd.no_grad():
        assert x.exp_() is x and x.unsqueeze_(0) is x
    np.testing.assert_allclose(x.detach().numpy(), np.exp([[0.5, 1.0]]))
    assert x.is_leaf and x.requires_grad and x.grad_fn is None


def test_a_plain_tensor_written_with_an_operand_that_requires_grad_joins_the_graph(rng):
    weight = _other(rng)
    buffer = autograd.ones(2, 3, dtype=autograd.float64)
    assert buffer.multiply_(weight).subtract_(weight, alpha=2).atan2_(weight) is buffer
    assert not buffer.is_leaf and buffer.requires_grad
    expected = np.arctan2(-weight.detach().numpy() * np.ones((2, 3)), weight.detach().numpy())
    np.testing.assert_allclose(buffer.detach().numpy(), expected)
    buffer.sum().backward()
    fresh = weight.detach().requires_grad_()
    (autograd.ones(2, 3, dtype=autograd.float64) * fresh - 2 * fresh).atan2(fresh).sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), fresh.grad.numpy(), rtol=1e-12)


def test_writing_into_a_view_reaches_the_base_recorded_or_not():
    x = autograd.tensor([[0.5, 1.0], [2.0, 3.0]], dtype=autograd.float64, requires_grad=True)
    y = x * 1.0
    y[0].exp_()  # recorded: y's first row and its history change (PyTorch's CopySlices)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [[np.exp(0.5), np.exp(1.0)], [2.0, 3.0]])
    np.testing.assert_allclose(x.grad.numpy(), [[np.exp(0.5), np.exp(1.0)], [1.0, 1.0]])
    base = autograd.zeros(2, 2)
    assert (
        base[0].add_(1.0).exp_().clamp_max_(2.0).multiply_(autograd.tensor([1.0, 0.5])).dtype
        == autograd.float32
    )
    np.testing.assert_allclose(base.numpy(), [[2.0, 1.0], [0.0, 0.0]], rtol=1e-6)
    assert base._version == 4 and not base.requires_grad


def test_retain_grad_follows_the_new_version():
    x = autograd.tensor([0.5, 1.0], dtype=autograd.float64, requires_grad=True)
    y = x * 2.0
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    y.exp_()
    assert y.retains_grad
    (y * autograd.tensor([1.0, 3.0], dtype=autograd.float64)).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]) * [1.0, 3.0])


def test_a_recorded_in_place_op_keeps_saved_values_and_earlier_views_read_the_new_ones():
    x = autograd.tensor([0.5, 1.0], dtype=autograd.float64, requires_grad=True)
    y = x.exp()  # exp saves its output; PyTorch refuses this backward, TinyTorch's arrays allow it
    first = y[0]  # a view taken before the write: reads the new value and differentiates it
    y.sin_()
    (y.sum() + 10.0 * first).backward()
    e = np.exp(x.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), np.sin(e))
    assert first.item() == pytest.approx(np.sin(e[0]))
    np.testing.assert_allclose(x.grad.numpy(), np.cos(e) * e * [11.0, 1.0])
    x.grad = None
    z = x * 3.0  # mul by a number saves nothing of its output: fine
    z.sin_().cos_()
    z.sum().backward()
    np.testing.assert_allclose(
        x.grad.numpy(), -np.sin(np.sin(3 * x.detach().numpy())) * np.cos(3 * x.detach().numpy()) * 3
    )


@pytest.mark.parametrize(
    ("shape", "name", "arguments", "expected"),
    [
        ((2, 1, 3), "squeeze", (), (2, 3)),
        ((2, 1, 3), "squeeze", (-2,), (2, 3)),
        ((2, 1, 3), "squeeze", (0,), (2, 1, 3)),
        ((2, 3), "unsqueeze", (-1,), (2, 3, 1)),
        ((2, 3), "unsqueeze", (0,), (1, 2, 3)),
        ((2, 3), "t", (), (3, 2)),
        ((3,), "t", (), (3,)),
        ((2, 3, 4), "transpose", (0, -1), (4, 3, 2)),
        ((2, 3, 4), "swapaxes", (1, 2), (2, 4, 3)),
        ((2, 3, 4), "swapdims", (-1, 0), (4, 3, 2)),
    ],
)
def test_shape_changing_variants(shape, name, arguments, expected, rng, check_grad, check_twice):
    values = rng.standard_normal(shape)
    tensor = autograd.tensor(values)
    flat = tensor.view(-1)
    assert getattr(tensor, f"{name}_")(*arguments) is tensor and tensor.shape == expected
    np.testing.assert_array_equal(tensor.numpy(), getattr(autograd.tensor(values), name)(*arguments).numpy())
    tensor.numpy()[...] += 1.0  # still the same memory
    np.testing.assert_array_equal(flat.numpy(), values.reshape(-1) + 1.0)
    assert tensor._version == flat._version == 1
    x = autograd.tensor(values, requires_grad=True)
    y = getattr(x * 1.0, f"{name}_")(*arguments)
    assert y.grad_fn is not None and y.shape == expected
    check_grad(lambda x: getattr(x * 1.0, f"{name}_")(*arguments), x)
    check_twice(lambda x: getattr(x * 1.0, f"{name}_")(*arguments), [x])


def test_shape_changing_variants_match_numpy():
    values = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(autograd.tensor(values).transpose_(0, 2).numpy(), values.transpose(2, 1, 0))
    np.testing.assert_array_equal(autograd.tensor(values[0]).t_().numpy(), values[0].T)
    np.testing.assert_array_equal(autograd.tensor(values[:1]).squeeze_().numpy(), values[0])
    tensor = autograd.zeros(2, 1, 3)
    with pytest.raises(RuntimeError, match="t_: expects a tensor with <= 2 dimensions"):
        tensor.t_()
    assert tensor.shape == (2, 1, 3) and tensor._version == 0


def test_torch_function_forms_write_into_their_input():
    tensor = autograd.tensor([0.25, 4.0])
    assert autograd.sqrt_(tensor) is tensor and tensor.tolist() == [0.5, 2.0]
    assert autograd.clamp_min_(tensor, 1.0) is tensor and tensor.tolist() == [1.0, 2.0]
    assert autograd.xlogy_(tensor, 1.0) is tensor and tensor.tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="exp_: argument 'input' must be a Tensor, got list"):
        autograd.exp_([1.0])


def test_the_made_methods_and_functions_say_what_they_are():
    assert autograd.Tensor.atan2_.__name__ == "atan2_" and "self.atan2(" in autograd.Tensor.atan2_.__doc__
    assert autograd.Tensor.t_.__name__ == "t_" and "self.t(" in autograd.Tensor.t_.__doc__
    assert autograd.sqrt_.__name__ == autograd.sqrt_.__qualname__ == "sqrt_"
    assert "torch.sqrt_(input" in autograd.sqrt_.__doc__ and "input.sqrt_(" in autograd.sqrt_.__doc__
