"""Higher-order gradients (``create_graph=True``): every rule against second central differences.

``gradgradcheck`` differentiates the first derivatives that the recorded
backward computes and compares with central differences of those first
derivatives, for random ``grad_outputs``; broadcasting and batched cases
matter most, as in the first-order tests. Then the engine's behaviour:
``.grad`` with a graph, accumulation, retained graphs, seeds that require
grad, hooks, and the error for a Function with no differentiable backward.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import Function, gradcheck, gradgradcheck
from tt_autograd.gradients import backward, grad

BROADCAST_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((), (2, 3)), ((2, 1, 3), (4, 1))]
BINARY_OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


def leaf(shape, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed + len(shape))
    return autograd.tensor(rng.uniform(low, high, size=shape), dtype=autograd.float64, requires_grad=True)


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES)
@pytest.mark.parametrize("name", list(BINARY_OPS))
def test_binary_ops_twice(name, shape_a, shape_b):
    a, b = leaf(shape_a), leaf(shape_b, 0.5, 2.0, seed=1)
    # times a smooth function of both, so every second derivative, mixed ones too, is nonzero
    assert gradgradcheck(lambda a, b: BINARY_OPS[name](a, b) * (a * b).sin(), [a, b])


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES[:3])
def test_pow_of_two_tensors_and_with_scalars(shape_a, shape_b):
    a, b = leaf(shape_a, 0.5, 2.0), leaf(shape_b, -1.5, 1.5, seed=1)
    assert gradgradcheck(lambda a, b: a**b, [a, b])
    assert gradgradcheck(lambda a: a**3.0 + 2.0**a, [a])
    assert gradgradcheck(lambda b: 1.5**b, [b])


def test_pow_edges_match_first_order_rules():
    # d/da a**b is 0 where b == 0, even at a == 0; d/db reads log(0) as 0. The second pass keeps them.
    a = autograd.tensor([0.0, 0.0, 1.5], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([0.0, 2.0, 0.0], dtype=autograd.float64, requires_grad=True)
    da, db = grad((a**b).sum(), [a, b], create_graph=True)
    first = grad((a**b).sum(), [a, b])
    np.testing.assert_array_equal(da.detach().numpy(), first[0].numpy())
    np.testing.assert_array_equal(db.detach().numpy(), first[1].numpy())
    daa, dab = grad(da.sum(), [a, b], allow_unused=True)
    assert np.isfinite(daa.numpy()).all() and np.isfinite(dab.numpy()).all()
    np.testing.assert_array_equal(daa.numpy(), [0.0, 2.0, 0.0])  # 2 = b (b - 1) a**(b - 2) at a = 0, b = 2


@pytest.mark.parametrize(
    "name, fn, low, high",
    [
        ("exp", lambda x: x.exp(), -2, 2),
        ("log", lambda x: x.log(), 0.5, 2),
        ("sqrt", lambda x: x.sqrt(), 0.5, 2),
        ("reciprocal", lambda x: x.reciprocal(), 0.5, 2),
        ("abs", lambda x: x.abs() * x, 0.3, 2),
        ("negative abs", lambda x: x.abs() * x, -2, -0.3),
        ("sin", lambda x: x.sin(), -2, 2),
        ("cos", lambda x: x.cos(), -2, 2),
        ("tanh", lambda x: x.tanh(), -2, 2),
        ("sigmoid", lambda x: x.sigmoid(), -3, 3),
        ("relu", lambda x: x.relu() * x, -2, 2),
        ("neg", lambda x: -(x * x), -2, 2),
        ("clone", lambda x: x.clone() * x, -2, 2),
        ("maximum", lambda x: x.maximum(x * -0.5 + 0.2) * x, -2, 2),
        ("minimum", lambda x: x.minimum(x * 0.5 + 0.1) * x, -2, 2),
        ("where", lambda x: autograd.where(x > 0, x * x, x.exp()), -2, 2),
        ("clamp", lambda x: x.clamp(-1.0, 1.0) * x, -2, 2),
    ],
)
def test_unary_and_piecewise_ops_twice(name, fn, low, high):
    assert gradgradcheck(fn, [leaf((2, 3), low, high)])


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)])
def test_sum_and_mean_twice(dim, keepdim):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: x.sum(dim=dim, keepdim=keepdim) ** 2, [x])
    assert gradgradcheck(lambda x: x.mean(dim=dim, keepdim=keepdim) ** 2, [x])


def test_shape_ops_twice():
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: x.reshape(6, 4).permute(1, 0).unsqueeze(0).expand(2, 4, 6) ** 3, [x])
    assert gradgradcheck(lambda x: x[:1].expand(3, 3, 4) * x.transpose(0, 1).reshape(3, 2, 4)[:, :1], [x])


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [
        ((3,), (3,)),
        ((3,), (3, 2)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (3, 4)),
        ((2, 1, 2, 3), (3, 3, 2)),
    ],
)
def test_matmul_twice_including_vectors_and_batch_broadcasting(shape_a, shape_b):
    a, b = leaf(shape_a), leaf(shape_b, seed=1)
    assert gradgradcheck(lambda a, b: (a @ b).tanh(), [a, b])


def test_hessian_vector_product_of_a_quadratic_form():
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((4, 4))
    x = autograd.tensor(rng.standard_normal(4), dtype=autograd.float64, requires_grad=True)
    v = rng.standard_normal(4)
    energy = x @ (autograd.tensor(matrix) @ x)
    (g,) = grad(energy, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), (matrix + matrix.T) @ x.detach().numpy(), rtol=1e-12)
    (hv,) = grad((g * autograd.tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.numpy(), (matrix + matrix.T) @ v, rtol=1e-12)


def test_backward_create_graph_leaves_a_differentiable_grad_and_accumulates_as_pytorch_does():
    x = autograd.tensor([1.0, 2.0, -1.0], dtype=autograd.float64, requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert first.grad_fn is not None
    np.testing.assert_allclose(first.detach().numpy(), [3.0, 12.0, 3.0])
    (x**2).sum().backward(create_graph=True)  # recorded: x.grad becomes a new tensor, first is kept
    assert x.grad is not first and x.grad.grad_fn is not None
    np.testing.assert_allclose(x.grad.detach().numpy(), [5.0, 16.0, 1.0])
    np.testing.assert_allclose(first.detach().numpy(), [3.0, 12.0, 3.0])
    x.grad = first
    first.sum().backward()  # an ordinary backward adds d(sum 3x^2)/dx = 6x in place, as PyTorch does
    assert x.grad is first
    np.testing.assert_allclose(first.detach().numpy(), [9.0, 24.0, -3.0])


def test_create_graph_keeps_the_graph_by_default_and_frees_it_when_asked():
    x = leaf((3,))
    y = (x.exp() * x).sum()
    grad(y, x, create_graph=True)
    grad(y, x, create_graph=True, retain_graph=False)  # still there: the default kept it
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        grad(y, x)


def test_gradient_penalty_trains_the_critic_parameters():
    # WGAN-GP: penalise |d critic / d input| - 1; the penalty's gradient reaches the weights through
    # the recorded backward. Checked against central differences of the whole penalty.
    rng = np.random.default_rng(3)
    points = autograd.tensor(rng.standard_normal((5, 3)), dtype=autograd.float64, requires_grad=True)
    hidden = autograd.tensor(rng.standard_normal((3, 4)) * 0.7, dtype=autograd.float64, requires_grad=True)
    head = autograd.tensor(rng.standard_normal(4), dtype=autograd.float64, requires_grad=True)

    def penalty(hidden, head):
        with autograd.enable_grad():
            scores = (points @ hidden).tanh() @ head
            (slopes,) = grad(scores.sum(), points, create_graph=True)
            return ((slopes * slopes).sum(dim=1).sqrt() - 1.0) ** 2

    assert gradcheck(penalty, [hidden, head])
    penalty(hidden, head).mean().backward()
    assert hidden.grad is not None and hidden.grad.grad_fn is None  # an ordinary backward: plain .grad


def test_a_seed_that_requires_grad_is_differentiated_too():
    x = leaf((3,))
    v = leaf((3,), seed=5)
    (vjp,) = grad(x.sin(), x, grad_outputs=v, create_graph=True)  # v * cos(x)
    (dv,) = grad(vjp.sum(), v)
    np.testing.assert_allclose(dv.numpy(), np.cos(x.detach().numpy()), rtol=1e-12)


def test_retain_grad_and_hooks_see_the_recorded_gradients():
    x = leaf((3,))
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.grad_fn is not None))
    middle = x * x
    middle.retain_grad()
    (middle.sin().sum()).backward(create_graph=True)
    assert seen == [True]
    assert middle.grad.grad_fn is not None  # cos(middle), itself a function of x
    np.testing.assert_allclose(middle.grad.detach().numpy(), np.cos(middle.detach().numpy()))


def test_casts_pass_the_recorded_gradient_back_in_the_input_dtype():
    x = leaf((3,))
    (g,) = grad((x.float() ** 3).sum(), x, create_graph=True)  # float32 inside: compare at its precision
    (h,) = grad(g.sum(), x)
    assert g.dtype == h.dtype == autograd.float64
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy(), rtol=1e-6)


def test_a_float32_leaf_gets_a_float32_recorded_grad():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (x.double() ** 2).sum().backward(create_graph=True)
    assert x.grad.dtype == autograd.float32 and x.grad.grad_fn is not None


def test_a_function_without_a_differentiable_backward_is_named():
    class Cube(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return (3 * a * a * grad,)

    x, w = leaf((2,)), leaf((3,), seed=1)
    y = Cube.apply(x).sum() + (w**3).sum()
    gx, gw = grad(y, [x, w], create_graph=True)  # the pass goes on, with Cube's plain gradient
    np.testing.assert_allclose(gx.detach().numpy(), 3 * x.detach().numpy() ** 2)
    (gww,) = grad(gw.sum(), w, retain_graph=True)  # a second derivative elsewhere: fine
    np.testing.assert_allclose(gww.numpy(), 6 * w.detach().numpy())
    with pytest.raises(NotImplementedError, match=r"CubeBackward \(Cube\) has no differentiable backward"):
        grad(gx.sum(), x, retain_graph=True)  # through Cube: named, never a silent constant
    with pytest.raises(NotImplementedError, match="Cube.graph_backward"):
        grad((gx * gw.sum()).sum(), [x, w], retain_graph=True)
    (by_w,) = grad((gx * gw.sum()).sum(), w, retain_graph=True)  # gx does not depend on w: no error
    np.testing.assert_allclose(by_w.numpy(), gx.detach().numpy().sum() * 6 * w.detach().numpy())
    y.backward(create_graph=True)
    with pytest.raises(NotImplementedError, match="no differentiable backward"):
        x.grad.sum().backward()
    with pytest.raises(NotImplementedError, match="no differentiable backward"):
        grad(gx.sum(), x, create_graph=True, retain_graph=True)  # recorded again: the same error
    (plain,) = grad(Cube.apply(x).sum(), x)  # the ordinary backward still works
    np.testing.assert_allclose(plain.numpy(), 3 * x.detach().numpy() ** 2)
    x.grad = None
    Cube.apply(x * 2.0).sum().backward(create_graph=True)  # Cube's input made by a node, a constant seed
    assert x.grad.requires_grad  # depends on x through that node: not a silent constant
    with pytest.raises(NotImplementedError, match="no differentiable backward"):
        x.grad.sum().backward()


def test_a_rule_returning_the_wrong_shape_is_reported():
    class Broken(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2,)

        @staticmethod
        def graph_backward(ctx, grad):
            return (grad.sum(),)

    x = leaf((3,))
    with pytest.raises(RuntimeError, match=r"shape \(\) for an input of shape \(3,\).*Broken is wrong"):
        grad(Broken.apply(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="Broken is wrong"):
        Broken.apply(x).sum().backward(create_graph=True)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class WrongCurvature(Function):  # right first derivative, wrong rule for the second
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return (3 * a * a * grad,)

        @staticmethod
        def graph_backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return (3 * a * a * grad,)  # a constant: drops the 6a term of the second derivative

    x = leaf((3,))
    assert gradcheck(WrongCurvature.apply, [x])
    with pytest.raises(autograd.GradcheckError, match="the first derivatives of"):
        gradgradcheck(WrongCurvature.apply, [x])
    assert not gradgradcheck(WrongCurvature.apply, [x], raise_exception=False)


def test_first_derivatives_that_do_not_depend_on_the_input_count_as_zero():
    x, y = leaf((3,)), leaf((3,), seed=2)
    assert gradgradcheck(lambda x, y: x * 2.0 + y.exp(), [x, y])
    assert gradgradcheck(lambda x, y: x.sum() * 3.0, [x, y])  # y unused: its first derivative is None


def test_autograd_backward_passes_create_graph_on():
    x = leaf((3,))
    backward([(x**3).sum(), x.sin().sum()], create_graph=True)
    assert x.grad.grad_fn is not None
    (h,) = grad(x.grad.sum(), x)  # 6x - sin(x): both terms recorded
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy() - np.sin(x.detach().numpy()), rtol=1e-12)


@pytest.mark.parametrize(
    "big, small",
    [
        ((2, 3), (3,)),
        ((2, 4, 3), (4, 1)),
        ((5, 1, 3), (1, 3)),
        ((2, 3, 4), ()),
        ((3, 1, 2), (3, 1, 1)),
        ((4,), (4,)),
    ],
)
def test_sum_to_matches_unbroadcast_and_records(big, small):
    from tt_autograd.higher_order import sum_to

    g = leaf(big)
    reduced = sum_to(g, small)
    np.testing.assert_array_equal(reduced.detach().numpy(), autograd.unbroadcast(g.detach().numpy(), small))
    assert reduced.shape == small and (reduced.grad_fn is not None or big == small)


def test_a_node_shared_by_two_consumers_sums_its_recorded_gradients():
    x = leaf((3,))
    s = x.sin()
    (g,) = grad((s * s + s).sum(), x, create_graph=True)  # (2 sin x + 1) cos x
    xs = x.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), (2 * np.sin(xs) + 1) * np.cos(xs), rtol=1e-12)
    (s * s + s).sum().backward(create_graph=True)  # the engine's own sum over s's consumers
    np.testing.assert_allclose(x.grad.detach().numpy(), g.detach().numpy(), rtol=1e-12)


def test_a_freed_graph_is_refused_and_retain_graph_false_frees_it():
    x = leaf((3,))
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward(create_graph=True)
    z = (x.exp() * x).sum()
    z.backward(create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="second time"):
        z.backward(create_graph=True)
    w = (x.exp() * x).sum()
    w.backward(create_graph=True)
    w.backward(create_graph=True)  # kept by default


class Detached(Function):
    """The identity whose gradient is declared None: nothing flows back through it."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return (None,)

    graph_backward = backward


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_rule_returning_none_sends_nothing_and_hooks_still_fire_as_in_plain_backward(create_graph):
    x, y = leaf((3,)), leaf((3,), seed=1)
    fired = []
    x.register_post_accumulate_grad_hook(lambda t: fired.append("x"))
    (Detached.apply(x * 2.0) * y).sum().backward(create_graph=create_graph)  # x * 2 gets nothing
    assert x.grad is None and fired == ["x"]
    np.testing.assert_array_equal(y.grad.detach().numpy(), 2.0 * x.detach().numpy())


def test_a_float32_leaf_times_a_float64_tensor_gets_a_float32_recorded_grad():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (x * autograd.tensor([3.0, 4.0], dtype=autograd.float64)).sum().backward(create_graph=True)
    assert x.grad.dtype == autograd.float32
    np.testing.assert_array_equal(x.grad.detach().numpy(), [3.0, 4.0])


def test_gradgradcheck_takes_one_tensor_and_skips_inputs_without_grad():
    x = leaf((3,))
    weights = autograd.tensor([1.0, -2.0, 0.5], dtype=autograd.float64)  # no requires_grad: not checked
    assert gradgradcheck(lambda x: (x**3).sum(), x)
    assert gradgradcheck(lambda x, w: (w * x.sin()).sum(), [x, weights])


def test_gradgradcheck_catches_a_recorded_first_derivative_that_disagrees():
    # A wrong first derivative in graph_backward is consistent with its own second derivative, so only
    # comparing it with central differences of fn catches it.
    class WrongSlope(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return (3 * a * a * grad,)

        @staticmethod
        def graph_backward(ctx, grad):
            (a,) = ctx.saved_tensors
            a_t = ctx.input_tensor(0, a)
            return (2 * a_t * a_t * grad,)

    x = leaf((3,))
    assert gradcheck(WrongSlope.apply, [x])
    with pytest.raises(autograd.GradcheckError, match=r"backward with create_graph=True"):
        gradgradcheck(WrongSlope.apply, [x])


def recorded_and_plain(fn, *inputs):
    """The first derivatives of ``fn(*inputs).sum()`` from the recorded backward and from the plain one."""
    recorded = grad(fn(*inputs).sum(), inputs, create_graph=True)
    plain = grad(fn(*inputs).sum(), inputs)
    return [r.detach().numpy() for r in recorded], [p.numpy() for p in plain]


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_ties_split_the_recorded_gradient_as_the_plain_one(op):
    a = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([1.0, 0.0, 3.0], dtype=autograd.float64, requires_grad=True)  # ties at 0 and 2
    recorded, plain = recorded_and_plain(lambda a, b: getattr(a, op)(b), a, b)
    for r, p in zip(recorded, plain):
        np.testing.assert_array_equal(r, p)
    assert recorded[0][0] == recorded[1][0] == 0.5


def test_where_with_broadcast_branches_of_different_shapes():
    x, y = leaf((2, 3)), leaf((3,), seed=1)
    condition = np.array([[True, False, True], [False, False, True]])
    assert gradgradcheck(lambda x, y: autograd.where(condition, x * x, y.exp()), [x, y])
    assert gradgradcheck(lambda x, y: autograd.where(condition, y.exp(), x * x), [x, y])


def test_abs_at_zero_and_a_constant_base_at_or_below_zero():
    x = autograd.tensor([-1.5, 0.0, 2.0], dtype=autograd.float64, requires_grad=True)
    recorded, plain = recorded_and_plain(lambda x: x.abs(), x)
    np.testing.assert_array_equal(recorded[0], [-1.0, 0.0, 1.0])  # PyTorch: sign, 0 at 0
    b = autograd.tensor([0.5, 2.0], dtype=autograd.float64, requires_grad=True)
    recorded, plain = recorded_and_plain(lambda b: 0.0**b, b)  # d/db reads log(0) as 0
    np.testing.assert_array_equal(recorded[0], plain[0])
    np.testing.assert_array_equal(recorded[0], [0.0, 0.0])


def test_third_derivatives_through_indexing():
    x = leaf((4,))
    (g,) = grad((x[1:] ** 4).sum(), x, create_graph=True)  # 4x^3 at 1..3: a PlaceAtKey node
    (h,) = grad(g.sum(), x, create_graph=True)  # 12x^2: through PlaceAtKey's own recorded backward
    (t,) = grad(h.sum(), x)
    expected = 24 * x.detach().numpy()
    expected[0] = 0.0
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_a_step_slope_still_depends_on_x_and_its_derivative_is_zero(op):
    # PyTorch records relu's and abs's slopes as functions of x: the second grad is 0, not an error
    x = autograd.tensor([-1.5, 0.5, 2.0], dtype=autograd.float64, requires_grad=True)
    (g,) = grad(getattr(x, op)().sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = grad(g.sum(), x, create_graph=True)  # through the slope's own recorded backward
    np.testing.assert_array_equal(h.detach().numpy(), [0.0, 0.0, 0.0])
    data = autograd.tensor([-1.5, 0.5], dtype=autograd.float64)  # needs no grad: a plain constant slope
    (w,) = grad((getattr(data, op)() * x[:2]).sum(), x, create_graph=True)
    assert not w.requires_grad


def test_a_linear_map_and_its_adjoint_are_each_others_recorded_backward():
    from tt_autograd.higher_order import linear_map

    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((3, 4))

    def mapped(x):
        return linear_map(x, lambda g: matrix @ g, lambda u: matrix.T @ u)

    x = leaf((4,))
    assert gradgradcheck(lambda x: mapped(x) ** 3, [x])
    (g,) = grad((mapped(x) ** 2).sum(), x, create_graph=True)  # 2 Aᵀ A x
    (h,) = grad((g * autograd.tensor(np.ones(4))).sum(), x)  # 2 Aᵀ A 1
    np.testing.assert_allclose(h.numpy(), 2 * matrix.T @ matrix @ np.ones(4), rtol=1e-12)
