"""Forward-mode AD composed with the rest: ``func.jvp`` and ``func.linearize`` agree with dual
tensors; forward over reverse (a tangent through ``autograd.grad`` or ``func.grad``) gives
Hessian-vector products; reverse over forward (``backward`` through a tangent); in-place ops
on dual tensors follow PyTorch's rules (the written tensor takes the result's tangent).

The references are independent: ``autograd.functional.hessian`` (reverse over reverse) for the
Hessian, derivatives worked out by hand for the rest.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd.functional_ad import hessian
from tt_autograd.gradients import grad
from tt_autograd.transforms import grad as func_grad
from tt_autograd.transforms import jvp, linearize

RNG = np.random.default_rng(2713)


def t64(*shape):
    return autograd.tensor(RNG.uniform(-1.0, 1.0, shape), dtype=autograd.float64)


def f(a, b):  # a composite of several ops, with broadcasting: (3, 4) and (4,) -> (3,)
    return ((a * b).tanh() @ b + a.exp().sum(1)).softmax(0) * (a**2).mean(1)


def forward_mode(func, primals, tangents):
    with fwAD.dual_level():
        out = func(*[fwAD.make_dual(p, t) for p, t in zip(primals, tangents)])
        outs = out if isinstance(out, tuple) else (out,)
        return tuple(fwAD.unpack_dual(o).tangent for o in outs)


def test_dual_tensors_func_jvp_and_linearize_agree():
    primals, tangents = (t64(3, 4), t64(4)), (t64(3, 4), t64(4))
    (dual,) = forward_mode(f, primals, tangents)
    output, by_jvp = jvp(f, primals, tangents)
    np.testing.assert_allclose(dual.numpy(), by_jvp.numpy(), rtol=1e-12, atol=1e-14)
    lin_output, jvp_fn = linearize(f, *primals)
    np.testing.assert_allclose(lin_output.numpy(), output.numpy())
    np.testing.assert_allclose(jvp_fn(*tangents).numpy(), dual.numpy(), rtol=1e-12, atol=1e-14)
    other = (t64(3, 4), t64(4))  # jvp_fn is linear, and reusable
    np.testing.assert_allclose(jvp_fn(*other).numpy(), forward_mode(f, primals, other)[0].numpy(), rtol=1e-12)
    assert not lin_output.requires_grad and not jvp_fn(*other).requires_grad


def test_linearize_of_several_outputs_and_one_that_is_constant():
    a, b, ta, tb = t64(3), t64(3), t64(3), t64(3)
    _, jvp_fn = linearize(lambda x, y: (x * y, x.sin(), autograd.ones(2)), a, b)
    product, sine, constant = jvp_fn(ta, tb)
    np.testing.assert_allclose(product.numpy(), (ta * b + a * tb).numpy())
    np.testing.assert_allclose(sine.numpy(), (a.cos() * ta).numpy())
    np.testing.assert_array_equal(constant.numpy(), np.zeros(2))
    _, only_y = linearize(lambda x, y: y * 2, a, b)
    np.testing.assert_allclose(only_y(ta, tb).numpy(), 2 * tb.numpy())  # x's gradient is None: skipped


def test_linearize_jvp_fn_can_be_called_again():
    a, t = t64(3), t64(3)
    _, jvp_fn = linearize(lambda x: (x.sin() * x).exp(), a)
    first, again = jvp_fn(t), jvp_fn(t)  # the recorded backward is kept for every call
    expected = (np.sin(a.numpy()) + a.numpy() * np.cos(a.numpy())) * np.exp(np.sin(a.numpy()) * a.numpy())
    np.testing.assert_allclose(first.numpy(), expected * t.numpy())
    np.testing.assert_array_equal(again.numpy(), first.numpy())


def test_linearize_output_stays_in_the_caller_s_graph():
    # As PyTorch's: the primal output of linearize is differentiable when its input is (a leaf that
    # requires grad, or an outer jacrev); d output/dx is then f's own gradient.
    from tt_autograd.transforms import jacrev

    def func(x):
        return (x.sin() * x).sum()

    a = t64(3)
    expected = np.sin(a.numpy()) + a.numpy() * np.cos(a.numpy())
    np.testing.assert_allclose(jacrev(lambda x: linearize(func, x)[0])(a).numpy(), expected, rtol=1e-12)
    leaf = a.clone().requires_grad_()
    output, jvp_fn = linearize(func, leaf)
    output.backward()
    np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(jvp_fn(a).detach().numpy(), expected @ a.numpy(), rtol=1e-12)  # usable after


def test_linearize_s_products_are_differentiable_by_outer_transforms():
    # x -> jvp_fn(v) at x is the directional derivative <grad f(x), v>: its gradient is H v, its
    # derivative along v is v^T H v (they were silent zeros: the products were detached; PyTorch's
    # linearize gives zeros under jacrev/grad and refuses an outer jvp/jacfwd).
    from tt_autograd.transforms import grad as func_grad
    from tt_autograd.transforms import jacfwd, jacrev

    def func(x):
        return (x.sin() * x.exp()).sum() * x[0]

    a, v = t64(3), t64(3)
    h = hessian(func, a).numpy()

    def directional(x):
        return linearize(func, x)[1](v)

    for outer in (jacrev, jacfwd, func_grad):
        np.testing.assert_allclose(outer(directional)(a).numpy(), h @ v.numpy(), rtol=1e-10)
    expected = v.numpy() @ h @ v.numpy()
    np.testing.assert_allclose(jvp(directional, (a,), (v,))[1].numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(linearize(directional, a)[1](v).numpy(), expected, rtol=1e-10)
    assert not directional(a).requires_grad  # nothing outside differentiates: detached, as before
    from tt_autograd import vmap

    points = autograd.stack([a, a * 2, a.cos()])
    by_vmap = vmap(directional)(points).numpy()
    np.testing.assert_allclose(by_vmap, [directional(p).numpy() for p in points], rtol=1e-12)
    third = jacfwd(jacrev(directional))(a).numpy()  # (jacfwd over linearize: refused by PyTorch)
    np.testing.assert_allclose(third, jacrev(jacrev(directional))(a).numpy(), rtol=1e-10)
    np.testing.assert_allclose(third, third.T, rtol=1e-10)
    weights = t64(3).requires_grad_()  # a tangent that requires grad: the product is linear in it
    linearize(func, a)[1](weights).backward()
    np.testing.assert_allclose(weights.grad.numpy(), func_grad(func)(a).numpy(), rtol=1e-12)


def test_grad_and_value_s_value_carries_an_outer_jacfwd_s_tangent():
    # jacfwd(lambda x: grad_and_value(f)(x)[1]) is f's gradient (it was silent zeros: the value was
    # detached without its forward-AD tangent).
    from tt_autograd.transforms import grad_and_value, jacfwd

    def func(x):
        return (x.sin() * x.exp()).sum()

    a = t64(3)
    expected = (np.cos(a.numpy()) + np.sin(a.numpy())) * np.exp(a.numpy())
    np.testing.assert_allclose(jacfwd(lambda x: grad_and_value(func)(x)[1])(a).numpy(), expected, rtol=1e-12)
    with_aux = jacfwd(lambda x: grad_and_value(lambda y: (func(y), y * 2), has_aux=True)(x)[1][0])(a)
    np.testing.assert_allclose(with_aux.numpy(), expected, rtol=1e-12)


def test_linearize_errors():
    with pytest.raises(TypeError, match="linearize: func must be callable"):
        linearize(3, t64(2))
    _, jvp_fn = linearize(lambda x: x.sin(), t64(2))
    with pytest.raises(RuntimeError, match="one tangent per primal \\(1\\), got 2"):
        jvp_fn(t64(2), t64(2))
    with pytest.raises(RuntimeError, match="tangent 0 has shape \\(3,\\), but primal 0 has shape \\(2,\\)"):
        jvp_fn(t64(3))
    with pytest.raises(RuntimeError, match="tangent 0 has dtype .*float32, but primal 0 has dtype .*float64"):
        jvp_fn(autograd.ones(2))
    with pytest.raises(TypeError, match="linearize: func must return a tensor or a tuple of tensors"):
        linearize(lambda x: 3.0, t64(2))
    with pytest.raises(TypeError, match="linearize: argument 0 must be a floating-point tensor"):
        linearize(lambda x: x, 3.0)


def cubic(x):  # Σ x³ + x₀ x₁ ...: a Hessian with off-diagonal terms
    return (x**3).sum() + (x[:-1] * x[1:]).sum()


def test_forward_over_reverse_gives_hessian_vector_products():
    p, v = t64(4), t64(4)
    expected = hessian(cubic, p).numpy() @ v.numpy()
    with fwAD.dual_level():
        leaf = p.detach().requires_grad_()
        x = fwAD.make_dual(leaf, v)
        assert x.requires_grad and x.grad_fn is not None  # a view in leaf's graph
        (g,) = grad(cubic(x), x)  # no create_graph: the gradient still carries its tangent
        np.testing.assert_allclose(fwAD.unpack_dual(g).tangent.numpy(), expected, rtol=1e-12)
        assert not g.requires_grad
        (g,) = grad(cubic(x), leaf, create_graph=True)
        tangent = fwAD.unpack_dual(g).tangent
        assert tangent.requires_grad  # the Hessian-vector product is differentiable in turn
        np.testing.assert_allclose(tangent.detach().numpy(), expected, rtol=1e-12)
        by_transform = func_grad(cubic)(fwAD.make_dual(p, v))  # torch.func.grad of a dual tensor
        np.testing.assert_allclose(fwAD.unpack_dual(by_transform).tangent.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(jvp(func_grad(cubic), (p,), (v,))[1].numpy(), expected, rtol=1e-12)


def test_reverse_over_forward_differentiates_the_tangent():
    p, v = t64(3), t64(3)
    leaf = p.detach().requires_grad_()
    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(fwAD.make_dual(leaf, v).sin()).tangent  # cos(x) v
        assert tangent.requires_grad
        (tangent * 2).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), -2 * np.sin(p.numpy()) * v.numpy())


def test_a_tangent_that_requires_grad_keeps_its_graph():
    p, v = t64(3), t64(3).requires_grad_()
    with fwAD.dual_level():
        dual = fwAD.make_dual(p, v)
        assert not dual.requires_grad  # as PyTorch's: the primal does not require grad
        tangent = fwAD.unpack_dual(dual.exp()).tangent
        assert tangent.requires_grad
        (g,) = grad(tangent.sum(), v)
    np.testing.assert_allclose(g.numpy(), np.exp(p.numpy()))


def test_in_place_ops_on_dual_tensors():
    p, t = t64(3), t64(3)
    with fwAD.dual_level():
        x = fwAD.make_dual(p, t)
        y = x.clone()
        y.mul_(2.0)
        np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.numpy(), 2 * t.numpy())
        z = autograd.ones(3, dtype=autograd.float64)
        z.add_(x)  # a plain tensor takes the dual operand's tangent
        np.testing.assert_allclose(fwAD.unpack_dual(z).tangent.numpy(), t.numpy())
        np.testing.assert_allclose(z.numpy(), 1 + p.numpy())
        z.zero_()
        np.testing.assert_array_equal(fwAD.unpack_dual(z).tangent.numpy(), np.zeros(3))
        w = autograd.zeros(3, dtype=autograd.float64).copy_(x)
        np.testing.assert_allclose(fwAD.unpack_dual(w).tangent.numpy(), t.numpy())
        s = autograd.zeros(3, dtype=autograd.float64)
        s[1] = x[2]
        np.testing.assert_allclose(fwAD.unpack_dual(s).tangent.numpy(), [0.0, t.numpy()[2], 0.0])
        c = x.clone()
        c.clamp_(-0.2, 0.2)
        inside = np.abs(p.numpy()) < 0.2
        np.testing.assert_allclose(fwAD.unpack_dual(c).tangent.numpy(), np.where(inside, t.numpy(), 0.0))
        f32 = autograd.zeros(3)  # float32 tensor, float64 tangent in: the tangent takes its dtype
        f32.add_(x)
        assert fwAD.unpack_dual(f32).tangent.dtype == autograd.float32
        plain = autograd.zeros(3, dtype=autograd.float64)
        plain.add_(1.0)  # no dual operand: no tangent
        assert fwAD.unpack_dual(plain).tangent is None


def test_forward_over_reverse_through_a_dual_input_that_requires_no_grad():
    a, b, tb = t64(3).requires_grad_(), t64(3), t64(3)
    with fwAD.dual_level():
        dual_b = fwAD.make_dual(b, tb)  # a tangent, no graph: the gradient's rule takes it as a constant
        (g,) = grad((a * dual_b**2).sum(), a)  # d/da = b², whose tangent is 2 b t_b
        np.testing.assert_allclose(g.numpy(), b.numpy() ** 2)
        np.testing.assert_allclose(fwAD.unpack_dual(g).tangent.numpy(), 2 * b.numpy() * tb.numpy())
