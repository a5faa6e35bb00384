"""Forward over forward: ``jacfwd(jacfwd(f))`` and ``jacfwd`` inside ``dual_level`` nest levels.

``forward_ad.nested_level`` opens a level inside the open ones; each op's tangent is computed at
every level, outermost first, and an inner level's rule runs recorded where an input or a tangent
carries an outer level's tangent, so the outer level differentiates it. The references are
``jacrev(jacrev(f))`` (reverse over reverse) and central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import custom_function, forward_jacobian, functional_ad
from tt_autograd import forward_ad as fwAD
from tt_autograd.transforms import grad, hessian, jacfwd, jacrev

RNG = np.random.default_rng(2934)
W = autograd.tensor(RNG.uniform(-1, 1, (4, 3)), dtype=autograd.float64)
KEEP = autograd.tensor(RNG.random((2, 3)) > 0.3)


def t64(*shape):
    return autograd.tensor(RNG.uniform(-1, 1, shape), dtype=autograd.float64)


def loss(x):  # (2, 4) -> scalar, through ops with graph rules
    h = (x @ W).tanh()
    h = autograd.where(KEEP, h, h * 0.5)
    joined = autograd.cat([h[:, :2], h[np.array([1, 0])].exp()], dim=1)
    return (joined - joined.logsumexp(1, keepdim=True)).pow(2).mean()


def test_jacfwd_of_jacfwd_is_forward_over_forward(monkeypatch):
    x = t64(2, 4)
    expected = jacrev(jacrev(loss))(x)
    double_vjp, jacobian = fwAD.double_vjp, forward_jacobian.jacobian
    used, levels = [], []
    monkeypatch.setattr(fwAD, "double_vjp", lambda cls, *a: used.append(cls) or double_vjp(cls, *a))
    monkeypatch.setattr(forward_jacobian, "jacobian", lambda *a: levels.append(fwAD.active()) or jacobian(*a))
    monkeypatch.setattr(functional_ad, "jacobian_at", lambda *a: pytest.fail("reverse mode ran"))
    found = jacfwd(jacfwd(loss))(x)
    assert levels == [False, True] and used == []  # the inner jacfwd inside the outer's level
    assert not found.requires_grad and not fwAD.active()
    np.testing.assert_allclose(found.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_a_rule_without_graph_jvp_takes_the_recorded_double_vjp_inside():
    """cumsum has no graph_jvp: its inner tangent comes from the double vjp's recorded pass, which
    the outer level differentiates (and the result keeps no graph)."""
    x = t64(4)

    def f(a):
        return (a.cumsum(0) * a.sin()).sum()

    found = jacfwd(jacfwd(f))(x)
    assert not found.requires_grad
    np.testing.assert_allclose(found.numpy(), jacrev(jacrev(f))(x).numpy(), rtol=1e-10, atol=1e-12)


def test_third_derivatives():
    x = t64(3)

    def f(a):
        return (a.sin() * a.exp() * a[0]).sum() + (a**4).sum() * a[1]

    found = jacfwd(jacfwd(jacfwd(f)))(x)
    np.testing.assert_allclose(found.numpy(), jacrev(jacrev(jacrev(f)))(x).numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "third",
    [
        lambda f: jacfwd(hessian(f)),
        lambda f: jacfwd(jacfwd(jacrev(f))),
        lambda f: jacfwd(jacfwd(grad(f))),
        lambda f: jacfwd(jacrev(jacrev(f))),
        lambda f: jacrev(jacfwd(grad(f))),
    ],
    ids=[
        "jacfwd_hessian",
        "jacfwd_jacfwd_jacrev",
        "jacfwd_jacfwd_grad",
        "jacfwd_jacrev_jacrev",
        "jacrev_jacfwd_grad",
    ],
)
def test_forward_levels_around_reverse_mode_keep_every_level_s_tangent(third):
    # jacrev's fresh leaves must carry the tangents of every open level (the outer one's gave zeros)
    x = t64(3)

    def f(a):
        return (a.sin() * a.exp()).sum() + (a[0] * a[1] * a[2]) ** 2

    expected = jacrev(jacrev(jacrev(f)))(x).numpy()
    assert np.abs(expected).max() > 1
    np.testing.assert_allclose(third(f)(x).numpy(), expected, rtol=1e-10, atol=1e-12)


def test_nested_level_gives_the_mixed_second_derivative():
    """x³ with tangent t1 at the outer level and t2 at the inner: the inner tangent 3x² t2 carries,
    at the outer level, 6x t1 t2; the public dual_level still refuses to nest."""
    x, t1, t2 = (t64(3) for _ in range(3))
    with fwAD.dual_level():
        outer = fwAD.make_dual(x, t1)
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()
        with fwAD.nested_level():
            inner = fwAD.make_dual(outer, t2)
            out = inner**3
            assert fwAD.unpack_dual(inner).tangent is not None
            tangent = fwAD.unpack_dual(out).tangent
        assert fwAD.unpack_dual(out).tangent is not None  # the outer level's: 3x² t1
        np.testing.assert_allclose(fwAD.unpack_dual(out).tangent.numpy(), 3 * x.numpy() ** 2 * t1.numpy())
        mixed = fwAD.unpack_dual(tangent)
    np.testing.assert_allclose(mixed.primal.numpy(), 3 * x.numpy() ** 2 * t2.numpy(), rtol=1e-12)
    np.testing.assert_allclose(mixed.tangent.numpy(), 6 * x.numpy() * t1.numpy() * t2.numpy(), rtol=1e-12)


def test_jacfwd_inside_a_dual_level_carries_the_jacobian_s_tangent():
    """The tangent of jacfwd(f) at a dual point is the derivative of the Jacobian along the tangent."""
    x, t = t64(2, 4), t64(2, 4)

    def grad_of_loss(a):
        return jacfwd(loss)(a)

    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(grad_of_loss(fwAD.make_dual(x, t))).tangent
    h = 1e-6
    expected = (grad_of_loss(x + h * t) - grad_of_loss(x - h * t)).numpy() / (2 * h)
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-6, atol=1e-8)


class CubeFunction(autograd.Function):
    """An array Function with a jvp on arrays only: nested levels refuse it (no recorded rule)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        return (grad * 3 * ctx.saved_tensors[0] ** 2,)

    @staticmethod
    def jvp(ctx, tangent):
        return tangent * 3 * ctx.saved_tensors[0] ** 2


class CubeTensorFunction(custom_function.Function):
    """PyTorch's custom Function (on tensors) with a jvp: one level's tangent, refused when nested."""

    forward = staticmethod(CubeFunction.forward)
    jvp = staticmethod(CubeFunction.jvp)

    @staticmethod
    def backward(ctx, grad):
        return grad * 3 * ctx.saved_tensors[0] ** 2

    @staticmethod
    def vmap(info, in_dims, x):
        return CubeTensorFunction.apply(x), in_dims[0]


@pytest.mark.filterwarnings("ignore:vmap. there is no batching rule")
@pytest.mark.parametrize("cls", [CubeFunction, CubeTensorFunction])
def test_a_function_with_one_level_s_jvp_is_refused_under_nested_levels_not_zero(cls):
    x = t64(2)
    with pytest.raises(NotImplementedError, match=f"{cls.__name__}: .*nested"):
        jacfwd(jacfwd(lambda a: cls.apply(a).sum()))(x)
    np.testing.assert_allclose(jacfwd(lambda a: cls.apply(a))(x).numpy(), np.diag(3 * x.numpy() ** 2))


def test_an_op_without_graph_jvp_reading_its_input_gets_the_outer_tangent():
    """var has no graph_jvp: inside, its double vjp's recorded pass reads the input as a fresh
    leaf, which must carry the input's outer tangent (var is not linear: its second derivative
    depends on it); the hook is gone after jacfwd."""
    from tt_autograd import function

    x = t64(2, 3)

    def f(a):
        return (a.var(0) * a[0]).sum()

    found = jacfwd(jacfwd(f))(x)
    np.testing.assert_allclose(found.numpy(), jacrev(jacrev(f))(x).numpy(), rtol=1e-10, atol=1e-12)
    assert function._FORWARD_HOOK == [] and not fwAD.active()


def test_a_double_vjp_tangent_inside_keeps_no_graph():
    """cumsum's and var's inner tangents from the recorded double vjp (whose seed and leaves require
    grad): nothing requires grad, and var's mixed second derivative is
    2 (t1 - mean t1) · (t2 - mean t2) / (n - 1)."""
    x, t1, t2 = (t64(4) for _ in range(3))
    with fwAD.dual_level():
        outer = fwAD.make_dual(x, t1)
        with fwAD.nested_level():
            inner = fwAD.make_dual(outer, t2)
            tangent = fwAD.unpack_dual((inner**2).cumsum(0)).tangent
            spread = fwAD.unpack_dual(inner.var()).tangent
        mixed, mixed_var = fwAD.unpack_dual(tangent).tangent, fwAD.unpack_dual(spread).tangent
    assert not any(v.requires_grad for v in (tangent, mixed, spread, mixed_var))
    np.testing.assert_allclose(mixed.numpy(), np.cumsum(2 * t1.numpy() * t2.numpy()), rtol=1e-12)
    c1, c2 = t1.numpy() - t1.numpy().mean(), t2.numpy() - t2.numpy().mean()
    np.testing.assert_allclose(mixed_var.numpy(), 2 * (c1 * c2).sum() / 3, rtol=1e-12)


def test_reverse_mode_inside_a_level_at_an_input_without_a_tangent():
    x = t64(3)
    with fwAD.dual_level():
        found = grad(lambda a: (a**3).sum())(x)
        assert fwAD.unpack_dual(found).tangent is None
    np.testing.assert_allclose(found.numpy(), 3 * x.numpy() ** 2, rtol=1e-12)
