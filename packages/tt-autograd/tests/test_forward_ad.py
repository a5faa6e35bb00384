"""Forward-mode AD (``tt_autograd.forward_ad``): dual tensors, the tangent of every op, and the errors.

Tangents are checked against float64 central differences of the function along the tangent
direction, ``(f(x + h t) - f(x - h t)) / 2h``, computed with the same ops run on plain tensors
(no tangents): the generic rule (double vjp of each op's ``graph_backward``) must agree with the
forward pass it differentiates. Error messages are PyTorch 2.13's.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd.function import Function

RNG = np.random.default_rng(27)


def t64(*shape, low=-1.0, high=1.0):
    return autograd.tensor(RNG.uniform(low, high, shape), dtype=autograd.float64)


def central(f, primals, tangents, h=1e-6):
    """The directional derivative of ``f`` at ``primals`` along ``tangents``, by central differences."""
    up = f(*[p + h * t for p, t in zip(primals, tangents)])
    down = f(*[p - h * t for p, t in zip(primals, tangents)])
    return (up.numpy() - down.numpy()) / (2 * h)


def dual_tangent(f, primals, tangents):
    with fwAD.dual_level():
        duals = [fwAD.make_dual(p, t) for p, t in zip(primals, tangents)]
        primal, tangent = fwAD.unpack_dual(f(*duals))
        np.testing.assert_allclose(primal.numpy(), f(*primals).numpy())  # the primal is unchanged
        return tangent


CASES = {  # name: (function, shapes of its inputs); broadcasting included
    "add_broadcast": (lambda a, b: a + b, [(3, 4), (4,)]),
    "sub_broadcast": (lambda a, b: a - b, [(3, 1), (1, 4)]),
    "mul_broadcast": (lambda a, b: a * b, [(2, 3, 4), (3, 1)]),
    "div": (lambda a, b: a / (b + 3), [(3, 4), (3, 4)]),
    "pow_tensor": (lambda a, b: (a + 2) ** b, [(3,), (3,)]),
    "pow_scalar": (lambda a: a**3, [(5,)]),
    "exp_log": (lambda a: (a.exp() + 1).log(), [(4,)]),
    "sin_tanh_sigmoid": (lambda a: a.sin() * a.tanh() + a.sigmoid(), [(2, 3)]),
    "sqrt": (lambda a: (a + 2).sqrt(), [(4,)]),
    "relu": (lambda a: (a + 0.05).relu(), [(6,)]),  # (no sample lies within h of the kink)
    "matmul": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "matmul_batched": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "addmm": (lambda c, a, b: c.addmm(a, b), [(3, 2), (3, 4), (4, 2)]),
    "sum_dim": (lambda a: a.sum(dim=1, keepdim=True), [(3, 4)]),
    "mean_var_std": (lambda a: a.mean(0) + a.var(1).sum() + a.std(), [(3, 4)]),
    "prod": (lambda a: a.prod(dim=0), [(3, 4)]),
    "amax_max": (lambda a: a.amax(dim=1) + a.max(dim=0).values.sum(), [(3, 4)]),
    "norm": (lambda a: a.norm(), [(3, 4)]),
    "logsumexp": (lambda a: a.logsumexp(dim=-1), [(3, 4)]),
    "softmax": (lambda a: a.softmax(-1), [(3, 4)]),
    "log_softmax": (lambda a: a.log_softmax(0), [(3, 4)]),
    "cumsum": (lambda a: a.cumsum(1), [(3, 4)]),
    "reshape_transpose": (lambda a: a.reshape(4, 3).transpose(0, 1) * 2, [(3, 4)]),
    "permute_index": (lambda a: a.permute(2, 0, 1)[1:, 0], [(2, 3, 4)]),
    "gather": (lambda a: a.gather(1, autograd.tensor([[0, 2], [1, 1], [3, 0]])), [(3, 4)]),
    "cat_stack": (
        lambda a, b: autograd.stack([autograd.cat([a, b]), autograd.cat([b, a])]),
        [(2, 3), (2, 3)],
    ),
    "where": (lambda a, b: autograd.where(a > 0, a, b), [(3, 4), (3, 4)]),
    "atan2": (lambda a, b: a.atan2(b + 2), [(4,), (4,)]),
    "inv_det": (
        lambda a: autograd.linalg.inv(a + 3 * autograd.eye(3)).sum() * autograd.linalg.det(a),
        [(3, 3)],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tangents_match_central_differences(name):
    f, shapes = CASES[name]
    primals = [t64(*shape) for shape in shapes]
    tangents = [t64(*shape) for shape in shapes]
    tangent = dual_tangent(f, primals, tangents)
    np.testing.assert_allclose(tangent.numpy(), central(f, primals, tangents), rtol=1e-6, atol=1e-8)
    assert tangent.dtype == autograd.float64 and not tangent.requires_grad


def test_only_some_inputs_dual_and_scalars():
    a, b, ta = t64(3, 4), t64(4), t64(3, 4)

    def f(x):
        return (x * b + 2.0) / 3.0

    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(f(fwAD.make_dual(a, ta))).tangent
    np.testing.assert_allclose(tangent.numpy(), ta.numpy() * b.numpy() / 3.0)


def test_an_op_without_dual_inputs_has_no_tangent_nor_an_integer_result():
    x, t = t64(4), t64(4)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, t)
        assert fwAD.unpack_dual(x * 2).tangent is None
        assert fwAD.unpack_dual(dual > 0).tangent is None
        assert fwAD.unpack_dual(dual.argmax()).tangent is None


def test_make_dual_and_unpack_dual_return_views_and_the_tangent_itself():
    x, t = t64(3), t64(3)
    with fwAD.dual_level() as level:
        assert level == 0
        dual = fwAD.make_dual(x, t)
        assert dual is not x and not dual.requires_grad
        primal, tangent = fwAD.unpack_dual(dual)
        assert tangent is t  # PyTorch hands back the tangent tensor given
        assert fwAD.unpack_dual(primal).tangent is None  # the primal view carries none
        dual.array[0] = 5.0  # a view of x's storage, as PyTorch's
        assert x.numpy()[0] == 5.0
        assert fwAD.unpack_dual(x) == (x, None)
        assert type(fwAD.unpack_dual(dual)).__name__ == "UnpackedDualTensor"
        assert fwAD.unpack_dual(dual, level=0).tangent is t
    assert fwAD.unpack_dual(dual) == (dual, None)  # the level closed: its tangents are forgotten


def test_tangents_survive_no_grad_and_a_new_level_forgets_the_old_ones():
    x, t = t64(3), t64(3)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, t)
        with autograd.no_grad():
            tangent = fwAD.unpack_dual(dual * 3).tangent
        np.testing.assert_allclose(tangent.numpy(), 3 * t.numpy())
    with fwAD.dual_level():
        assert fwAD.unpack_dual(dual).tangent is None
        assert fwAD.unpack_dual(dual * 2).tangent is None


def test_enter_and_exit_by_hand_and_as_a_decorator():
    assert fwAD.enter_dual_level() == 0
    x = fwAD.make_dual(t64(2), autograd.ones(2, dtype=autograd.float64))
    fwAD.exit_dual_level(level=0)
    assert fwAD.unpack_dual(x).tangent is None

    @fwAD.dual_level()
    def double_tangent(p):
        return fwAD.unpack_dual(fwAD.make_dual(p, autograd.ones_like(p)) * 2).tangent

    np.testing.assert_allclose(double_tangent(t64(3)).numpy(), 2.0)
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(t64(2), t64(2))


def test_errors_are_pytorchs():
    x, t = t64(3), t64(3)
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level"):
        fwAD.make_dual(x, t)
    with pytest.raises(RuntimeError, match="no forward AD level is open"):
        fwAD.exit_dual_level()
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match="different size .* Tensor is of size \\[3\\] .* size \\[2\\]"):
            fwAD.make_dual(x, t64(2))
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex"):
            fwAD.make_dual(autograd.tensor([1, 2, 3]), t)
        with pytest.raises(ValueError, match="Expected tangent to be floating point or complex"):
            fwAD.make_dual(x, autograd.tensor([1, 2, 3]))
        with pytest.raises(TypeError, match="make_dual: primal must be a tensor, got float"):
            fwAD.make_dual(1.0, t)
        with pytest.raises(TypeError, match="make_dual: tangent must be a tensor, got float"):
            fwAD.make_dual(x, 1.0)
        with pytest.raises(RuntimeError, match="already has a forward gradient at the same level 0"):
            fwAD.make_dual(fwAD.make_dual(x, t), t)
        with pytest.raises(RuntimeError, match="Invalid level given to make_dual"):
            fwAD.make_dual(x, t, level=3)
        with pytest.raises(RuntimeError, match="Invalid level given to unpack_dual"):
            fwAD.unpack_dual(x, level=1)
        with pytest.raises(TypeError, match="unpack_dual: argument 'dual' must be a tensor"):
            fwAD.unpack_dual(3.0)
        with pytest.raises(RuntimeError, match="not the last one that was created"):
            fwAD.exit_dual_level(level=2)
    with pytest.raises(TypeError, match="must be a tensor"):
        fwAD.unpack_dual(3.0)


class Cube(Function):
    """x³ with a forward rule of its own (3x² t), and no graph_backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (3 * x**2 * grad,)

    @staticmethod
    def jvp(ctx, tangent):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * tangent


class FirstOrderOnly(Function):
    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        return (2 * grad,)


class WrongShape(Cube):
    @staticmethod
    def jvp(ctx, tangent):
        return tangent[:1]


def test_a_custom_functions_own_jvp_rule():
    x, t = t64(4), t64(4)
    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(Cube.apply(fwAD.make_dual(x, t))).tangent
        np.testing.assert_allclose(tangent.numpy(), 3 * x.numpy() ** 2 * t.numpy())
        with pytest.raises(NotImplementedError, match="FirstOrderOnly: You must implement the jvp function"):
            FirstOrderOnly.apply(fwAD.make_dual(x, t))
        with pytest.raises(RuntimeError, match="WrongShape.jvp returned a tangent of shape \\(1,\\)"):
            WrongShape.apply(fwAD.make_dual(x, t))
        assert fwAD.unpack_dual(FirstOrderOnly.apply(x)).tangent is None  # no dual input: no rule asked


class NotedCube(Cube):
    """Cube whose jvp notes what it saw: forward's result, through ``result_of``."""

    seen: list = []

    @staticmethod
    def jvp(ctx, tangent):
        NotedCube.seen.append((ctx, fwAD.result_of(ctx).copy()))
        return Cube.jvp(ctx, tangent)


def test_a_rule_reads_forwards_result_which_the_node_does_not_keep():
    x, t = t64(3), t64(3)
    with fwAD.dual_level():
        out = NotedCube.apply(fwAD.make_dual(x, t))
        np.testing.assert_allclose(fwAD.unpack_dual(out).tangent.numpy(), 3 * x.numpy() ** 2 * t.numpy())
    ((ctx, result),) = NotedCube.seen
    np.testing.assert_allclose(result, x.numpy() ** 3)
    assert "_fw_result" not in vars(ctx)  # (no second reference to the output kept)


class WrongGraphShape(Cube):
    graph_backward = staticmethod(lambda ctx, grad: (grad,))  # (a differentiable tangent asks for graph_jvp)

    @staticmethod
    def graph_jvp(ctx, tangent):
        return tangent[:1]


def test_a_graph_jvp_of_the_wrong_shape_is_named():
    with fwAD.dual_level():
        with pytest.raises(
            RuntimeError, match=r"WrongGraphShape.graph_jvp returned a tangent of shape \(1,\)"
        ):
            WrongGraphShape.apply(fwAD.make_dual(t64(3).requires_grad_(), t64(3)))


def test_complex_tangents_are_refused():
    z = autograd.tensor([1 + 1j, 2 - 1j])
    with fwAD.dual_level():
        dual = fwAD.make_dual(t64(2), t64(2))
        with pytest.raises(NotImplementedError, match="complex tensors is not supported"):
            dual * z


def test_closing_the_level_removes_the_hook_so_ops_pay_nothing():
    from tt_autograd import function

    with fwAD.dual_level():
        assert function._FORWARD_HOOK == [fwAD.propagate]
    assert function._FORWARD_HOOK == []


def test_step_functions_have_zero_tangents():
    x, t = t64(5, low=0.1, high=3.0), t64(5)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, t)
        for tangent in (fwAD.unpack_dual(dual.floor()).tangent, fwAD.unpack_dual(dual.sign()).tangent):
            np.testing.assert_array_equal(tangent.numpy(), np.zeros(5))
            assert tangent.dtype == autograd.float64


class Scale(Function):
    """x · y whose graph_backward returns both gradients whatever ``needs_input_grad`` asks, and one
    that is constant in the incoming gradient (a wrong rule on purpose: the tangent must not use it)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad * y, grad * x

    @staticmethod
    def graph_backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad * ctx.input_tensor(1, y), ctx.input_tensor(0, x) * 0.0


def test_the_generic_rule_uses_only_the_dual_inputs_gradients():
    x, y, t = t64(3).requires_grad_(), t64(3).requires_grad_(), t64(3)
    with fwAD.dual_level():
        out = Scale.apply(fwAD.make_dual(x, t), y)  # only x is dual
        np.testing.assert_allclose(fwAD.unpack_dual(out).tangent.detach().numpy(), (t * y).detach().numpy())
        out = Scale.apply(x, fwAD.make_dual(y, t))  # y's gradient is constant in grad: a zero tangent
        np.testing.assert_array_equal(fwAD.unpack_dual(out).tangent.detach().numpy(), np.zeros(3))


def test_the_recorded_node_keeps_its_own_needs_after_the_tangent_rule():
    a, b, t = t64(3).requires_grad_(), t64(3).requires_grad_(), t64(3)
    with fwAD.dual_level():
        out = a * fwAD.make_dual(b, t)  # only b is dual, both require grad
        assert out.grad_fn.needs_input_grad == [True, True]
        assert out.grad_fn.parents[0] is a
        out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy())
    np.testing.assert_allclose(b.grad.numpy(), a.detach().numpy())


OWN_RULES = {  # ops with a jvp of their own: one operand dual or both, scalars, 1-D matmul
    "add_one": (lambda a, b: a + b, [(3, 4), (4,)], [True, False]),
    "add_scalar": (lambda a: 2.5 + a, [(3,)], [True]),
    "sub_other": (lambda a, b: a - b, [(3, 1), (1, 4)], [False, True]),
    "sub_scalar": (lambda a: 1.0 - a, [(2, 3)], [True]),
    "mul_one": (lambda a, b: a * b, [(2, 3), (3,)], [False, True]),
    "mul_scalar": (lambda a: a * -3.0, [(4,)], [True]),
    "div_numerator": (lambda a, b: a / (b + 3), [(3, 4), (4,)], [True, False]),
    "div_denominator": (lambda a, b: a / (b + 3), [(3, 1), (3, 4)], [False, True]),
    "div_scalar_by": (lambda a: 2.0 / (a + 3), [(4,)], [True]),
    "matmul_left": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)], [True, False]),
    "matmul_right": (lambda a, b: a @ b, [(3, 4), (4,)], [False, True]),
    "matmul_vectors": (lambda a, b: a @ b, [(4,), (4,)], [True, True]),
    "matmul_vector_matrix": (lambda a, b: a @ b, [(4,), (2, 4, 3)], [True, True]),
    "sum_all": (lambda a: a.sum(), [(3, 4)], [True]),
    "sum_dims": (lambda a: a.sum(dim=(0, 2)), [(2, 3, 4)], [True]),
}


@pytest.mark.parametrize("name", sorted(OWN_RULES))
def test_own_rules_match_central_differences_and_the_generic_rule(name, monkeypatch):
    f, shapes, dual = OWN_RULES[name]
    primals = [t64(*shape) for shape in shapes]
    tangents = [
        t64(*shape) if d else autograd.zeros(*shape, dtype=autograd.float64) for shape, d in zip(shapes, dual)
    ]

    def tangent_of(differentiable):
        with fwAD.dual_level():
            tangent_in = [t.detach().requires_grad_(differentiable) for t in tangents]
            inputs = [fwAD.make_dual(p, t) if d else p for p, t, d in zip(primals, tangent_in, dual)]
            return fwAD.unpack_dual(f(*inputs)).tangent

    generic = tangent_of(True)  # a tangent that requires grad: the generic rule, which keeps its graph
    assert generic.requires_grad
    for cls in (
        autograd.functions.arithmetic.AddFunction,
        autograd.functions.arithmetic.SubFunction,
        autograd.functions.arithmetic.MulFunction,
        autograd.functions.arithmetic.DivFunction,
        autograd.functions.linalg.MatMulFunction,
        autograd.functions.reductions.SumFunction,
    ):  # the own rules run without the backward ones
        monkeypatch.setattr(
            cls, "graph_backward", staticmethod(lambda ctx, grad: pytest.fail("generic rule"))
        )
    own = tangent_of(False)
    monkeypatch.undo()
    assert own.dtype == autograd.float64 and own.shape == generic.shape
    own.add_(0.0)  # a tangent of its own, writable (a broadcast rule's view is copied)
    np.testing.assert_allclose(own.numpy(), generic.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(own.numpy(), central(f, primals, tangents), rtol=1e-6, atol=1e-8)
