"""In-place ops on a tensor that is part of a graph are recorded, as PyTorch 2.13 records them (``clamp_``:
ClampBackward, ``zero_``: ZeroBackward, ``copy_``: CopyBackwards, ``x[i] = v``: CopySlices, the random fills,
``addcmul_``/``addcdiv_``/``lerp_``), all through the one write-back path (``InPlaceGradMixin._adopt``):
gradients against central differences (``gradcheck``/``gradgradcheck``, broadcasting included), views and
version counters, and the one message for a result that can't be written back (every in-place mixin).

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

F64 = autograd.float64
MASK = np.array([[True, False, True], [False, False, True]])

#: op: (call on a (2, 3) non-leaf); fills overwrite every value: no gradient reaches the old ones
FILLS = {
    "zero_": lambda y: y.zero_(),
    "fill_": lambda y: y.fill_(0.25),
    "copy_": lambda y: y.copy_(np.array([1.0, 2.0, 3.0])),
    "uniform_": lambda y: y.uniform_(-1.0, 1.0),
    "normal_": lambda y: y.normal_(),
    "bernoulli_": lambda y: y.bernoulli_(0.5),
    "cauchy_": lambda y: y.cauchy_(),
    "exponential_": lambda y: y.exponential_(),
    "geometric_": lambda y: y.geometric_(0.5),
    "log_normal_": lambda y: y.log_normal_(),
    "random_": lambda y: y.random_(0, 5),
}
#: op: (call on a non-leaf, its out-of-place meaning in NumPy on the old values)
PARTIAL = {
    "clamp_": (lambda y: y.clamp_(-0.3, 0.4), lambda v: np.clip(v, -0.3, 0.4)),
    "clip_": (lambda y: y.clip_(max=0.2), lambda v: np.minimum(v, 0.2)),
    "masked_fill_": (lambda y: y.masked_fill_(autograd.tensor(MASK), 0.5), lambda v: np.where(MASK, 0.5, v)),
    "index assignment": (
        lambda y: y.__setitem__((0, slice(1, None)), 7.0),
        lambda v: _set(v, (0, slice(1, None)), 7.0),
    ),
    "addcmul_": (lambda y: y.addcmul_(np.ones(3), np.full(3, 2.0), value=0.5), lambda v: v + 1.0),
    "addcdiv_": (
        lambda y: y.addcdiv_(autograd.ones(3), autograd.full((3,), 4.0), value=2.0),
        lambda v: v + 0.5,
    ),
    "lerp_": (lambda y: y.lerp_(np.zeros(3), 0.25), lambda v: v * 0.75),
}


def _set(values, key, value):
    out = values.copy()
    out[key] = value
    return out


def _x(rng):
    return autograd.tensor(rng.uniform(-1.0, 1.0, size=(2, 3)), dtype=F64, requires_grad=True)


@pytest.mark.parametrize("op", list(FILLS))
def test_a_fill_of_a_non_leaf_is_recorded_and_passes_no_gradient_to_the_values_it_overwrote(op, rng):
    x = _x(rng)
    y = x * 2.0
    result = FILLS[op](y)
    assert result is y and y.grad_fn is not None and y.requires_grad and not y.is_leaf
    (y.sum() + (x * 3.0).sum()).backward()  # only the second term reaches x
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 3.0))


@pytest.mark.parametrize("op", list(PARTIAL))
def test_a_partial_write_of_a_non_leaf_is_recorded_with_the_out_of_place_gradient(
    op, rng, check_grad, check_twice
):
    call, reference = PARTIAL[op]
    x = _x(rng)
    y = x * 1.0
    call(y)
    np.testing.assert_allclose(y.detach().numpy(), reference(x.detach().numpy()), rtol=1e-12)
    assert y.grad_fn is not None and not y.is_leaf
    weights = rng.standard_normal((2, 3))
    (y * autograd.tensor(weights)).sum().backward()
    step = 1e-6  # d reference / dx, element by element, by central differences of the NumPy reference
    values, expected = x.detach().numpy(), np.zeros((2, 3))
    for index in np.ndindex(2, 3):
        up, down = values.copy(), values.copy()
        up[index] += step
        down[index] -= step
        expected[index] = ((reference(up) - reference(down)) * weights).sum() / (2 * step)
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-6)

    def in_place(x):
        y = x * 1.0
        call(y)
        return y

    check_grad(in_place, x)
    check_twice(in_place, [x])


def _broadcast_source(rng):
    return autograd.tensor(rng.uniform(-1.0, 1.0, size=3), dtype=F64, requires_grad=True)


def test_copy_and_fill_pass_their_gradient_to_a_source_that_requires_grad(rng, check_grad, check_twice):
    x, source = _x(rng), _broadcast_source(rng)
    scalar = autograd.tensor(0.7, dtype=F64, requires_grad=True)
    for fn, inputs in [
        (lambda x, s: (x * 2.0).copy_(s) * x, [x, source]),  # broadcast (3,) into (2, 3)
        (lambda s: autograd.zeros(2, 3, dtype=F64).copy_(s), [source]),  # a plain tensor joins the graph
        (lambda x, v: (x * 2.0).fill_(v) * x, [x, scalar]),
        (lambda x, v: (x * 1.0).masked_fill_(autograd.tensor(MASK), 0.0) + v, [x, scalar]),
    ]:
        check_grad(fn, *inputs)
        check_twice(fn, inputs)
    y = autograd.zeros(2, 3, dtype=F64).copy_(source)
    y.sum().backward()
    np.testing.assert_array_equal(source.grad.numpy(), [2.0, 2.0, 2.0])


def test_index_assignment_passes_the_value_its_gradient(rng, check_grad, check_twice):
    x, value = _x(rng), _broadcast_source(rng)

    def assign(x, value):
        y = x * 3.0
        y[1] = value
        y[0, ::2] = value[0] * 2.0
        return y * y

    check_grad(assign, x, value)
    check_twice(assign, [x, value])
    x.grad = value.grad = None
    y = x * 1.0
    y[:, 1] = value[1]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(value.grad.numpy(), [0.0, 2.0, 0.0])


def test_addcmul_addcdiv_and_lerp_record_every_operand_with_broadcasting(rng, check_grad, check_twice):
    x, t1, t2 = _x(rng), _broadcast_source(rng), _broadcast_source(rng)
    t2.detach().numpy()[...] += np.sign(t2.detach().numpy()) * 1.0  # away from 0 for addcdiv
    for fn in [
        lambda x, a, b: (x * 1.0).addcmul_(a, b, value=0.5),
        lambda x, a, b: (x * 1.0).addcdiv_(a, b, value=-2.0),
        lambda x, a, b: (x * 1.0).lerp_(a, b),
        lambda x, a, b: autograd.zeros(2, 3, dtype=F64).addcmul_(a, b) * x,  # was silently a constant
    ]:
        check_grad(fn, x, t1, t2)
        check_twice(fn, [x, t1, t2])
    t1.grad = None
    buffer = autograd.zeros(3, dtype=F64)
    buffer.addcmul_(t1, t2)
    buffer.sum().backward()
    np.testing.assert_allclose(t1.grad.numpy(), t2.detach().numpy())


@pytest.mark.parametrize("op", [*FILLS, *PARTIAL])
def test_a_leaf_that_requires_grad_is_still_refused_unless_grad_mode_is_off(op, rng):
    call = FILLS[op] if op in FILLS else PARTIAL[op][0]
    x = _x(rng)
    before = x.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=f"{op}: in-place operation on a leaf tensor that requires grad"):
        call(x)
    np.testing.assert_array_equal(x.detach().numpy(), before)
    with autograd.no_grad():
        call(x)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None and x._version == 1


@pytest.mark.parametrize("op", [*FILLS, *PARTIAL])
def test_outside_a_graph_the_write_goes_into_the_memory_views_share(op, rng):
    call = FILLS[op] if op in FILLS else PARTIAL[op][0]
    tensor = autograd.tensor(rng.uniform(-1.0, 1.0, size=(2, 3)), dtype=F64)
    view = tensor[1]
    call(tensor)
    np.testing.assert_array_equal(view.numpy(), tensor.numpy()[1])
    assert tensor._version == view._version == 1 and tensor.grad_fn is None and not tensor.requires_grad


def test_a_recorded_write_keeps_what_earlier_ops_saved_and_earlier_views_see_it_with_its_history(rng):
    x = _x(rng)
    y = x * 1.0
    square = y * y  # saves y's values: they stay the old ones (PyTorch would raise in backward instead)
    first_row = y[0]  # a view taken before the write: it reads the new values, and differentiates them
    y.clamp_(-0.2, 0.2)
    (square.sum() + y.sum() + 10.0 * first_row.sum()).backward()
    values = x.detach().numpy()
    inside = (np.abs(values) < 0.2).astype(float)
    np.testing.assert_allclose(x.grad.numpy(), 2 * values + inside + 10 * inside * [[1.0] * 3, [0.0] * 3])
    np.testing.assert_array_equal(first_row.detach().numpy(), np.clip(values[0], -0.2, 0.2))


def test_retain_grad_follows_the_recorded_version(rng):
    x = _x(rng)
    y = x * 2.0
    y.retain_grad()
    y.clamp_(-0.5, 0.5).zero_()
    assert y.retains_grad
    (y + 1.0).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))


# ----------------------------------------------------------------- the one write-back message
def _message(op, self_shape, self_dtype, result_shape, result_dtype, problem):
    out_of_place = op.rstrip("_")
    return (
        f"^{op}: {problem}: the result \\(shape {result_shape}, {result_dtype}\\) can't be written back into "
        f"self \\(shape {self_shape}, {self_dtype}\\); use the out-of-place {out_of_place}\\(\\) instead$"
    )


def _shape_problem(self_shape, result_shape):
    return f"output with shape {self_shape} doesn't match the broadcast shape {result_shape}"


def _cast_problem(result_dtype, self_dtype):
    return f"result type {result_dtype} can't be cast to the desired output type {self_dtype}"


ONE = autograd.ones


@pytest.mark.parametrize(
    ("op", "call", "result_shape"),
    [
        ("add_", lambda t: t.add_(ONE(2, 2)), "[2, 2]"),
        ("mul_", lambda t: (t * 1.0).mul_(ONE(3, 2, requires_grad=True)), "[3, 2]"),
        ("hypot_", lambda t: t.hypot_(ONE(2, 2)), "[2, 2]"),
        ("clamp_", lambda t: t.clamp_(ONE(2, 2)), "[2, 2]"),
        ("div_", lambda t: t.div_(ONE(2, 2), rounding_mode="trunc"), "[2, 2]"),
        ("addcmul_", lambda t: t.addcmul_(ONE(2, 2), ONE(2)), "[2, 2]"),
        ("lerp_", lambda t: t.lerp_(ONE(4, 2), 0.5), "[4, 2]"),
        ("addmm_", lambda t: t.addmm_(ONE(3, 1), ONE(1, 2)), "[3, 2]"),
        ("masked_scatter_", lambda t: t.masked_scatter_(ONE(2, 2, dtype=autograd.bool), ONE(4)), "[2, 2]"),
    ],
)
def test_a_result_of_another_shape_gets_the_one_message(op, call, result_shape):
    tensor = autograd.tensor([1.0, 2.0])
    shape = re.escape(result_shape)
    message = _message(op, r"\[2\]", "float32", shape, "float32", _shape_problem(r"\[2\]", shape))
    with pytest.raises(RuntimeError, match=message):
        call(tensor)
    assert tensor.tolist() == [1.0, 2.0] and tensor._version == 0


@pytest.mark.parametrize(
    ("op", "call", "self_dtype"),
    [
        ("add_", lambda t: t.add_(0.5), "int64"),
        ("div_", lambda t: t.div_(2), "int64"),
        ("sqrt_", lambda t: t.sqrt_(), "int64"),
        ("clamp_", lambda t: t.clamp_(0.5), "int64"),
        ("addcdiv_", lambda t: t.addcdiv_(autograd.tensor([1.0, 1.0]), autograd.tensor([2.0, 2.0])), "int64"),
        ("ldexp_", lambda t: t.ldexp_(autograd.tensor([1, 1])), "int64"),
    ],
)
def test_a_result_of_a_dtype_self_cannot_hold_gets_the_one_message(op, call, self_dtype):
    tensor = autograd.tensor([1, 4])
    message = _message(op, r"\[2\]", self_dtype, r"\[2\]", "float32", _cast_problem("float32", self_dtype))
    with pytest.raises(RuntimeError, match=message):
        call(tensor)
    assert tensor.tolist() == [1, 4] and tensor._version == 0


def test_only_bool_is_written_into_a_bool_tensor():
    flags = autograd.tensor([True, False])
    message = _message("add_", r"\[2\]", "bool", r"\[2\]", "int64", _cast_problem("int64", "bool"))
    with pytest.raises(RuntimeError, match=message):
        flags.add_(autograd.tensor([1, 1]))
    assert flags.logical_not_() is flags and flags.tolist() == [False, True]


@pytest.mark.parametrize(
    ("op", "call"),
    [
        ("copy_", lambda view, w: view.copy_(w)),
        ("add_", lambda view, w: view.add_(w)),
        ("fill_", lambda view, w: view.fill_(w[0])),
        ("addcmul_", lambda view, w: view.addcmul_(w, w)),
        ("clamp_", lambda view, w: view.clamp_(w)),
        ("index_add_", lambda view, w: view.index_add_(0, autograd.tensor([1]), w[:1])),
    ],
)
def test_a_recorded_write_into_a_view_reaches_the_buffer_with_the_gradient_of_the_same_write_elsewhere(
    op, call, rng
):
    weight = _broadcast_source(rng)
    buffer = autograd.zeros(2, 3, dtype=F64)
    call(buffer[0], weight)  # PyTorch's CopySlices: the buffer now has the op's history in row 0
    alone = autograd.zeros(3, dtype=F64)
    call(alone, weight)  # the same write into a tensor that is no view
    np.testing.assert_array_equal(buffer.detach().numpy(), [alone.detach().numpy(), [0.0] * 3])
    assert buffer.requires_grad and buffer.grad_fn.name() == "CopySlicesBackward0"
    coefficients = autograd.tensor(rng.standard_normal((2, 3)), dtype=F64)
    (first,) = grad((buffer * coefficients).sum(), weight)
    (second,) = grad((alone * coefficients[0]).sum(), weight)
    np.testing.assert_allclose(first.numpy(), second.numpy(), rtol=1e-12)
    with autograd.no_grad():
        call(buffer[1], weight)  # without recording: straight into the memory
    np.testing.assert_array_equal(buffer.detach().numpy()[1], alone.detach().numpy())


def test_an_integer_tensor_takes_the_values_of_a_source_that_requires_grad_but_no_history(rng):
    weight = autograd.tensor([1.5, 2.5, -0.5], dtype=F64, requires_grad=True)
    counts = autograd.zeros(3, dtype=autograd.int64)
    view = counts[1:]
    assert counts.copy_(weight) is counts and counts.tolist() == [1, 2, 0]  # torch 2.13: the same
    assert not counts.requires_grad and counts.grad_fn is None and view.tolist() == [2, 0]
    counts[0] = weight[1]
    assert counts.tolist() == [2, 2, 0] and not counts.requires_grad and counts._version == 2


def test_add_and_sub_scale_by_alpha_zero_included(rng):
    other = autograd.tensor([1.0, 2.0])
    for requires_grad in (False, True):
        x = autograd.tensor([3.0, 5.0], requires_grad=requires_grad) * 1.0
        assert x.add_(other, alpha=0).tolist() == [3.0, 5.0]
        assert x.sub_(other, alpha=0).tolist() == [3.0, 5.0]
        assert x.add_(other, alpha=-2).sub_(other, alpha=0.5).tolist() == [0.5, 0.0]


def test_the_kernels_own_errors_still_come_through():
    with pytest.raises(TypeError, match="add_: argument 'other' must be a Tensor or a number, got str"):
        autograd.tensor([1.0, 2.0]).add_("a")
    expanded = autograd.tensor([1.0, 2.0]).expand(3, 2)
    with pytest.raises(RuntimeError, match="add_: .*read-only"):
        expanded.add_(1.0)
    assert expanded.tolist() == [[1.0, 2.0]] * 3


def test_a_recorded_index_assignment_checks_its_key_and_value_as_the_plain_one_does(rng):
    x = _x(rng)
    for requires_grad in (True, False):  # recorded (a non-leaf), and a plain tensor: the same errors
        y = x * 1.0 if requires_grad else x.detach().clone()
        with pytest.raises(IndexError, match=r"index assignment: .*tensor shape \(2, 3\)"):
            y[5] = 1.0
        with pytest.raises(
            RuntimeError, match=r"index assignment: value of shape \(4,\) cannot be broadcast"
        ):
            y[0] = autograd.ones(4, dtype=F64, requires_grad=True)
        assert y._version == 0


def test_masked_fill_passes_a_value_that_requires_grad_its_gradient(rng, check_grad, check_twice):
    x, value = _x(rng), autograd.tensor(0.3, dtype=F64, requires_grad=True)
    mask = autograd.tensor(MASK[1])  # (3,): broadcast over x's rows
    for fn in (
        lambda x, v: x.masked_fill(mask, v) * x,
        lambda x, v: (x * 1.0).masked_fill_(mask, v) * x,
        lambda x, v: autograd.zeros(2, 3, dtype=F64).masked_fill_(mask, v) * x,
    ):
        check_grad(fn, x, value)
        check_twice(fn, [x, value])
    x.grad = value.grad = None
    x.masked_fill(mask, value).sum().backward()
    assert value.grad.item() == 2.0  # torch 2.13: the count of filled places
    np.testing.assert_array_equal(x.grad.numpy(), np.where(MASK[1], 0.0, 1.0) * np.ones((2, 3)))
