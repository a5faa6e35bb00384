"""PyTorch-style custom Functions under forward AD (their ``jvp``), under vmap (their ``vmap`` rule or
``generate_vmap_rule``), and an output's gradient given as None (``set_materialize_grads``).

Expected values are worked out by hand; the behaviours are PyTorch 2.13's (checked outside the repo).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd.custom_function import Function, FunctionCtx
from tt_autograd.gradients import grad
from tt_autograd.transforms import grad as func_grad
from tt_autograd.transforms import jacfwd
from tt_autograd.vmap_transform import vmap


def t64(*values, requires_grad=False):
    return autograd.tensor(list(values), dtype=autograd.float64, requires_grad=requires_grad)


class ScaledProduct(Function):
    """x * y * k; its jvp is deliberately 10x the true one, so a test sees which rule ran."""

    seen: list = []

    @staticmethod
    def forward(ctx, x, y, k):
        ctx.save_for_forward(x, y)
        ctx.k = k
        return x * y * k

    @staticmethod
    def backward(ctx, grad):
        return None, None, None

    @staticmethod
    def jvp(ctx, tx, ty, tk):
        ScaledProduct.seen.append((tx, ty, tk))
        x, y = ctx.saved_tensors
        return 10 * (tx * y + x * ty) * ctx.k


def test_jvp_gets_one_tangent_per_input_zeros_for_an_untangented_tensor_none_for_a_number():
    x, y, t = t64(1.0, 2.0), t64(3.0, 4.0), t64(1.0, -1.0)
    ScaledProduct.seen.clear()
    with fwAD.dual_level():
        out = ScaledProduct.apply(fwAD.make_dual(x, t), y, 2.0)
        primal, tangent = fwAD.unpack_dual(out)
    np.testing.assert_allclose(primal.numpy(), [6.0, 16.0])
    np.testing.assert_allclose(
        tangent.numpy(), 10 * 2 * np.array([3.0, -4.0])
    )  # the jvp's, not forward's ops
    ((tx, ty, tk),) = ScaledProduct.seen
    assert tx is not None and ty.tolist() == [0.0, 0.0] and tk is None
    assert ScaledProduct.apply(x, y, 2.0).tolist() == [6.0, 16.0]  # no level: jvp not called
    assert len(ScaledProduct.seen) == 1


class Pair(Function):
    """(2x, 3y) and an index, with setup_context; saved_tensors in jvp: those of save_for_backward."""

    @staticmethod
    def forward(x, y):
        return x * 2, y * 3, x.argmax()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(*inputs)
        ctx.mark_non_differentiable(output[2])

    @staticmethod
    def backward(ctx, ga, gb, gi):
        return ga * 2 if ga is not None else None, gb * 3 if gb is not None else None

    @staticmethod
    def jvp(ctx, tx, ty):
        x, y = ctx.saved_tensors
        assert ty is None  # materialize_grads False: None for the untangented y
        return tx * 2, autograd.zeros_like(y), x * 0  # (the index output's tangent is dropped)


def test_several_outputs_setup_context_and_materialize_false():
    x, y, t = t64(1.0, 5.0), t64(3.0, 4.0), t64(1.0, 1.0)
    with fwAD.dual_level():
        a, b, index = Pair.apply(fwAD.make_dual(x, t), y)
        assert fwAD.unpack_dual(a).tangent.tolist() == [2.0, 2.0]
        assert fwAD.unpack_dual(b).tangent.tolist() == [0.0, 0.0]
        assert fwAD.unpack_dual(index).tangent is None and index.item() == 1


class Identity(Function):
    @staticmethod
    def forward(ctx, x):
        return x  # given back as it is: the output is a new tensor on it

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def jvp(ctx, tx):
        return tx * 3


def test_an_input_given_back_is_a_new_tensor_with_its_own_tangent():
    x, t = t64(1.0, 2.0), t64(1.0, 1.0)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, t)
        out = Identity.apply(dual)
        assert out is not dual and fwAD.unpack_dual(out).tangent.tolist() == [3.0, 3.0]
        assert fwAD.unpack_dual(dual).tangent is t


def test_the_jvp_is_differentiable_reverse_over_forward():
    x, y, t = t64(1.0, 2.0, requires_grad=True), t64(3.0, 4.0), t64(1.0, 1.0)
    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(ScaledProduct.apply(fwAD.make_dual(x, t), y, 1.0)).tangent
    assert tangent.requires_grad  # 10 (t y + x · 0): d/dy would be 10 t, d/dx 0 here
    (found,) = grad(tangent.sum(), [x], allow_unused=True)
    assert found is None or not found.numpy().any()
    w = t64(3.0, 4.0, requires_grad=True)
    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(ScaledProduct.apply(fwAD.make_dual(x.detach(), t), w, 1.0)).tangent
    (found,) = grad(tangent.sum(), [w])
    np.testing.assert_allclose(found.numpy(), [10.0, 10.0])


def _jvp_returning(value):
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

        @staticmethod
        def jvp(ctx, tx):
            return value(tx)

    return Bad


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (
            lambda t: t[:1],
            RuntimeError,
            r"different size .* size \[2\] while the given forward gradient is of size \[1\]",
        ),
        (
            lambda t: (t, t),
            RuntimeError,
            r"Bad.jvp returned an incorrect number of tangents \(expected 1, .*got 2\)",
        ),
        (lambda t: 1.0, TypeError, "Bad.jvp returned a tangent of type float; it must return tensors"),
    ],
)
def test_a_wrong_jvp_is_named(value, error, match):
    with fwAD.dual_level():
        with pytest.raises(error, match=match):
            _jvp_returning(value).apply(fwAD.make_dual(t64(1.0, 2.0), t64(1.0, 1.0)))


def test_a_float32_tangent_for_a_float64_output_is_cast():
    with fwAD.dual_level():
        out = _jvp_returning(lambda t: t.float() * 2).apply(fwAD.make_dual(t64(1.0, 2.0), t64(1.0, 1.0)))
        assert fwAD.unpack_dual(out).tangent.dtype == autograd.float64


class Sine(Function):
    """sin, with generate_vmap_rule and a jvp (cos x · t)."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x.sin()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()

    @staticmethod
    def jvp(ctx, tx):
        (x,) = ctx.saved_tensors
        return tx * x.cos()


def test_generate_vmap_rule_vmap_grad_and_jacfwd():
    xs = autograd.tensor(np.arange(6.0).reshape(2, 3) / 4)
    np.testing.assert_allclose(vmap(Sine.apply)(xs).numpy(), np.sin(xs.numpy()))
    per_sample = vmap(func_grad(lambda x: Sine.apply(x).sum()))(xs)  # backward runs batched too
    np.testing.assert_allclose(per_sample.numpy(), np.cos(xs.numpy()))
    x = xs[0].clone()
    np.testing.assert_allclose(jacfwd(Sine.apply)(x).numpy(), np.diag(np.cos(x.numpy())))  # jvp under vmap


class Scale(Function):
    """x * k with a vmap rule of its own that calls apply again on the unbatched arguments."""

    calls: list = []
    forwards: list = []  # the shape each forward saw: the rule's (physical) ones, never a batched tensor

    @staticmethod
    def forward(x, k):
        Scale.forwards.append((type(x).__name__, tuple(x.shape)))
        return x * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.k = inputs[1]

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None

    @staticmethod
    def vmap(info, in_dims, x, k):
        Scale.calls.append((info.batch_size, info.randomness, in_dims, tuple(x.shape)))
        moved = x.permute(*range(1, x.ndim), 0)  # the batch dim last: out_dims -1
        return Scale.apply(moved, k), -1


def test_a_vmap_staticmethod_runs_with_its_info_in_dims_and_out_dims():
    xs = autograd.tensor(np.arange(6.0).reshape(2, 3))
    Scale.calls.clear()
    Scale.forwards.clear()
    np.testing.assert_allclose(vmap(lambda x: Scale.apply(x, 2.0))(xs).numpy(), 2 * xs.numpy())
    assert Scale.calls == [(2, "error", (0, None), (2, 3))]
    assert Scale.forwards == [("Tensor", (3, 2))]  # only the rule's own apply ran forward
    nested = vmap(vmap(lambda x: Scale.apply(x, 3.0)), randomness="same")(xs)
    np.testing.assert_allclose(nested.numpy(), 3 * xs.numpy())
    assert Scale.calls[1:] == [(3, "error", (0, None), (3,)), (2, "same", (0, None), (2, 3))]
    per_sample = vmap(func_grad(lambda x: Scale.apply(x, 2.0).sum()))(xs)  # through apply's backward
    np.testing.assert_allclose(per_sample.numpy(), np.full((2, 3), 2.0))


class Split(Function):
    """(x + y, a constant): out_dims (0, None) from a rule; a plain second argument."""

    @staticmethod
    def forward(x, y):
        return x + y, autograd.ones(1)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, g, _):
        return g, g

    @staticmethod
    def vmap(info, in_dims, x, y):
        assert in_dims == (0, None)
        return (x + y, autograd.ones(1)), (0, None)


def test_out_dims_none_and_an_unbatched_argument():
    xs, y = autograd.tensor(np.arange(6.0).reshape(2, 3)), autograd.tensor([1.0, 2.0, 3.0])
    total, constant = vmap(lambda x: Split.apply(x, y), out_dims=(0, None))(xs)
    np.testing.assert_allclose(total.numpy(), xs.numpy() + y.numpy())
    assert constant.tolist() == [1.0]


def _rule_returning(result):
    class Ruled(Scale):
        @staticmethod
        def vmap(info, in_dims, x, k):
            return result(x)

    return Ruled


@pytest.mark.parametrize(
    ("result", "match"),
    [
        (lambda x: x, r"Ruled.vmap must return a pair \(output, out_dims\), got Tensor"),
        (lambda x: ((x, x), (0, 0, 0)), r"returned 2 outputs but out_dims \(0, 0, 0\) has 3 entries"),
        (lambda x: (x, 2), "out_dims entry 2 is out of range for an output with 2 dims"),
    ],
)
def test_a_wrong_vmap_rule_is_named(result, match):
    with pytest.raises(RuntimeError, match=match):
        vmap(lambda x: _rule_returning(result).apply(x, 2.0))(autograd.ones(2, 3))


def test_vmap_of_a_function_with_neither_rule_is_refused_naming_the_fix():
    class Plain(Sine):
        generate_vmap_rule = False

    with pytest.raises(
        RuntimeError, match=r"override the vmap staticmethod or set generate_vmap_rule=True.*Plain"
    ):
        vmap(Plain.apply)(autograd.ones(2, 3))


def _doubling(materialize, received):
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            received.append(g)
            return None if g is None else g * 2

    return Double


class FirstGetsNone(Function):
    """x + y whose backward gives x no gradient (None)."""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):
        return None, g


@pytest.mark.parametrize("materialize", [False, True])
def test_one_output_whose_gradient_is_none_still_runs_backward(materialize):
    x, y = t64(1.0, 2.0, requires_grad=True), t64(1.0, 1.0, requires_grad=True)
    received = []
    out = FirstGetsNone.apply(_doubling(materialize, received).apply(x), y)
    out.sum().backward()
    (g,) = received  # as PyTorch: backward runs with None (materialize False) or zeros
    if materialize:
        assert g.tolist() == [0.0, 0.0] and x.grad.tolist() == [0.0, 0.0]
    else:
        assert g is None and x.grad is None
    assert y.grad.tolist() == [1.0, 1.0]
    received.clear()
    out = FirstGetsNone.apply(_doubling(materialize, received).apply(x), y)
    found = grad(out.sum(), [x, y], allow_unused=True)  # autograd.grad's walk too
    assert len(received) == 1 and (found[0] is None) != materialize


def test_a_none_gradient_adds_to_a_real_one_as_zero():
    x, y = t64(1.0, 2.0, requires_grad=True), t64(1.0, 1.0, requires_grad=True)
    received = []
    doubled = _doubling(False, received).apply(x)
    (FirstGetsNone.apply(doubled, y) + doubled * 3).sum().backward()
    assert received[0].tolist() == [3.0, 3.0] and x.grad.tolist() == [6.0, 6.0]
    received.clear()
    (doubled * 3 + FirstGetsNone.apply(doubled, y)).sum().backward()  # (the other order of arrival)
    assert received[0].tolist() == [3.0, 3.0]


class Cubed(Function):
    """x³ without a jvp: refused under forward AD, as in PyTorch; forward counts its calls."""

    calls = 0

    @staticmethod
    def forward(ctx, x):
        Cubed.calls += 1
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        return grad


class BatchedCubed(Cubed):
    """Cubed with generate_vmap_rule (still no jvp)."""

    generate_vmap_rule = True


def test_without_a_jvp_forward_ad_is_refused_with_pytorchs_message_naming_the_function():
    x, t = t64(1.0, 2.0), t64(1.0, 1.0)
    message = (
        r"You must implement the jvp function for custom autograd.Function to use it with forward mode AD\. "
        r"\(Cubed has none: give it a jvp"
    )
    calls = Cubed.calls
    with fwAD.dual_level():
        with pytest.raises(NotImplementedError, match=message):
            Cubed.apply(fwAD.make_dual(x, t))
        assert Cubed.calls == calls + 1  # forward ran first (without tangents), then the base jvp refused
        assert Cubed.apply(x).tolist() == [1.0, 8.0]  # no input with a tangent: no jvp asked for
        with pytest.raises(NotImplementedError, match="Cubed has none"):
            Cubed.apply(fwAD.make_dual(x, t) * 1.0)  # (a tangent made by an op: refused alike)
    with pytest.raises(NotImplementedError, match="BatchedCubed has none"):
        jacfwd(BatchedCubed.apply)(x)  # (under vmap too: forward runs on the batched tensors, then refused)
    with pytest.raises(NotImplementedError, match=r"forward mode AD\.$"):
        Function.jvp(None, t)  # (no node: PyTorch's message alone)
    with pytest.raises(NotImplementedError, match="you must override the vmap staticmethod"):
        Function.vmap(None, (0,), t)


class Mixed(Function):
    """(2x, a float marked non-differentiable, a number), with tangents for each from its jvp."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_forward(x)
        ctx.save_for_backward(x * 10)
        flag = x * 0
        ctx.mark_non_differentiable(flag)
        return x * 2, flag, 7

    @staticmethod
    def backward(ctx, ga, gf, gn):
        (ten_x,) = ctx.saved_tensors  # save_for_backward's, also after a jvp ran
        return ga * ten_x

    @staticmethod
    def jvp(ctx, tx):
        (x,) = ctx.saved_tensors  # save_for_forward's
        return None, tx, tx  # None: no tangent for 2x; the others are dropped


def test_jvp_outputs_that_get_no_tangent_and_saved_tensors_after_it():
    x, t = t64(1.0, 2.0, requires_grad=True), t64(1.0, 1.0)
    with fwAD.dual_level():
        doubled, flag, number = Mixed.apply(fwAD.make_dual(x, t))
        assert fwAD.unpack_dual(doubled).tangent is None and fwAD.unpack_dual(flag).tangent is None
        assert number == 7
    doubled.sum().backward()
    assert x.grad.tolist() == [10.0, 20.0]
    with pytest.raises(TypeError, match="save_for_forward can only save tensors or None, got float"):
        FunctionCtx().save_for_forward(1.0)


@pytest.mark.parametrize("hook", ["downstream_hook", "prehook", "posthook", "retain_grad", "tensor_hook"])
def test_a_none_gradient_reaching_hooks_is_not_passed_on(hook):
    """Nodes and tensors with hooks get no NoGradient marker: that backward does not run (as before)."""
    x, y = t64(1.0, 2.0, requires_grad=True), t64(1.0, 1.0, requires_grad=True)
    received = []
    doubled = _doubling(False, received).apply(x)
    seen = []
    if hook == "prehook":
        doubled.grad_fn.register_prehook(lambda grads: seen.append(grads))
    elif hook == "posthook":
        doubled.grad_fn.register_hook(lambda grads_in, grads_out: seen.append(grads_out))
    elif hook == "retain_grad":
        doubled.retain_grad()
    elif hook == "tensor_hook":
        doubled.register_hook(lambda g: seen.append(g))
    out = FirstGetsNone.apply(doubled, y)
    if hook == "downstream_hook":
        out.grad_fn.register_hook(lambda grads_in, grads_out: seen.append(grads_in))
    out.sum().backward()
    assert received == [] and x.grad is None and y.grad.tolist() == [1.0, 1.0]
    assert len(seen) == (1 if hook == "downstream_hook" else 0)  # (the hooked node never runs)
    if hook == "retain_grad":
        assert doubled.grad is None


def test_autograd_grad_of_an_output_whose_gradient_is_none_is_none():
    x, y = t64(1.0, 2.0, requires_grad=True), t64(1.0, 1.0, requires_grad=True)
    doubled = _doubling(False, []).apply(x)
    assert grad(FirstGetsNone.apply(doubled, y).sum(), [doubled], allow_unused=True) == (None,)
