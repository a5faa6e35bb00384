"""``torch.func``'s transforms (``tt_autograd.transforms``): grad, vjp, jvp, jacrev, jacfwd, hessian.

Values are checked against derivatives worked out by hand (f = Σ sin(a)·b², and others), and the
composition rules against PyTorch's: the results are plain tensors unless the function's graph
reaches a tensor that requires grad (an outer transform's argument, a parameter it captured), and
then they stay differentiable with respect to it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp

X = np.array([1.0, 2.0, -0.5])
Y = np.array([0.3, -1.0, 2.0])


def tensors():
    return autograd.tensor(X, dtype=autograd.float64), autograd.tensor(Y, dtype=autograd.float64)


def f(a, b):  # Σ sin(a) b²: ∂/∂a = cos(a) b², ∂/∂b = 2 sin(a) b
    return (a.sin() * b**2).sum()


def test_grad_of_each_argument_and_of_several():
    x, y = tensors()
    np.testing.assert_allclose(grad(f)(x, y).numpy(), np.cos(X) * Y**2)
    ga, gb = grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(ga.numpy(), np.cos(X) * Y**2)
    np.testing.assert_allclose(gb.numpy(), 2 * np.sin(X) * Y)
    np.testing.assert_allclose(grad(f, argnums=-1)(x, y).numpy(), 2 * np.sin(X) * Y)
    assert not x.requires_grad and not grad(f)(x, y).requires_grad  # plain tensors in, plain out


def test_grad_and_value_and_aux():
    x, y = tensors()
    g, value = grad_and_value(f)(x, y)
    np.testing.assert_allclose(value.numpy(), (np.sin(X) * Y**2).sum())
    np.testing.assert_allclose(g.numpy(), np.cos(X) * Y**2)
    g, aux = grad(lambda a: ((a**2).sum(), a * 3.0), has_aux=True)(x)
    np.testing.assert_allclose(g.numpy(), 2 * X)
    np.testing.assert_allclose(aux.numpy(), 3 * X)  # a plain tensor, as the gradient
    g, (value, aux) = grad_and_value(lambda a: ((a**2).sum(), "label"), has_aux=True)(x)
    assert aux == "label" and value.item() == pytest.approx((X**2).sum())


def test_grad_composes_into_higher_derivatives():
    x, _ = tensors()
    cube = lambda a: (a**3).sum()  # noqa: E731
    np.testing.assert_allclose(grad(lambda a: grad(cube)(a).sum())(x).numpy(), 6 * X)
    scalar = autograd.tensor(2.0, dtype=autograd.float64)
    assert grad(grad(grad(lambda a: a**4)))(scalar).item() == pytest.approx(24 * 2.0)


def test_a_captured_parameter_keeps_the_result_differentiable():
    x, y = tensors()
    w = autograd.tensor([0.5, 1.5, 2.0], dtype=autograd.float64, requires_grad=True)
    g = grad(lambda a: (a**3 * w).sum())(x)  # 3 a² w
    assert g.requires_grad
    (g * g).sum().backward()  # d/dw Σ (3a²w)² = 18 a⁴ w
    np.testing.assert_allclose(w.grad.numpy(), 18 * X**4 * w.detach().numpy())


def test_vjp_with_one_and_with_several_outputs():
    x, y = tensors()
    out, vjp_fn = vjp(lambda a, b: a * b.exp(), x, y)
    np.testing.assert_allclose(out.numpy(), X * np.exp(Y))
    ga, gb = vjp_fn(autograd.tensor(Y, dtype=autograd.float64))
    np.testing.assert_allclose(ga.numpy(), Y * np.exp(Y))
    np.testing.assert_allclose(gb.numpy(), Y * X * np.exp(Y))
    np.testing.assert_allclose(
        vjp_fn(autograd.ones(3, dtype=autograd.float64))[0].numpy(), np.exp(Y)
    )  # twice
    (outs, vjp_fn) = vjp(lambda a: (a.sin(), a.cos().sum()), x)
    (g,) = vjp_fn((autograd.ones(3, dtype=autograd.float64), autograd.tensor(2.0, dtype=autograd.float64)))
    np.testing.assert_allclose(g.numpy(), np.cos(X) - 2 * np.sin(X))
    _, vjp_fn, aux = vjp(lambda a: (a * 2.0, "aux"), x, has_aux=True)
    assert aux == "aux"
    np.testing.assert_allclose(vjp_fn(autograd.ones(3, dtype=autograd.float64))[0].numpy(), [2.0] * 3)


def test_jvp():
    x, y = tensors()
    out, tangent = jvp(lambda a, b: a * b.exp(), (x, y), (autograd.ones(3, dtype=autograd.float64), y))
    np.testing.assert_allclose(out.numpy(), X * np.exp(Y))
    np.testing.assert_allclose(tangent.numpy(), np.exp(Y) + X * np.exp(Y) * Y)
    with pytest.raises(TypeError, match="tuples of the same length"):
        jvp(f, x, y)


@pytest.mark.parametrize("transform", [jacrev, jacfwd])
def test_jacobians(transform):
    x, y = tensors()
    expected = np.diag(np.cos(X)) * X.sum() + np.sin(X)[:, None]  # d/da_j of sin(a_i) Σa
    np.testing.assert_allclose(transform(lambda a: a.sin() * a.sum())(x).numpy(), expected)
    ja, jb = transform(lambda a, b: a * b, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(ja.numpy(), np.diag(Y))
    np.testing.assert_allclose(jb.numpy(), np.diag(X))
    jac, aux = transform(lambda a: (a**2, a.sum()), has_aux=True)(x)
    np.testing.assert_allclose(jac.numpy(), np.diag(2 * X))
    assert aux.item() == pytest.approx(X.sum())


def test_hessian_of_one_and_of_two_arguments():
    x, y = tensors()
    np.testing.assert_allclose(hessian(lambda a: (a**3).sum())(x).numpy(), np.diag(6 * X))
    (haa, hab), (hba, hbb) = hessian(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(haa.numpy(), np.diag(-np.sin(X) * Y**2))
    np.testing.assert_allclose(hab.numpy(), np.diag(2 * np.cos(X) * Y))
    np.testing.assert_allclose(hba.numpy(), np.diag(2 * np.cos(X) * Y))
    np.testing.assert_allclose(hbb.numpy(), np.diag(2 * np.sin(X)))


def test_errors_name_the_transform_and_the_fix():
    x, y = tensors()
    with pytest.raises(RuntimeError, match=r"grad: func must return a tensor with one element.*\(3,\)"):
        grad(lambda a: a * 2.0)(x)
    with pytest.raises(ValueError, match="argnums must be"):
        grad(f, argnums=2)(x, y)
    with pytest.raises(TypeError, match="argument 0 must be a floating-point tensor"):
        grad(lambda a: a.sum())(autograd.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="has_aux=True, func must return a pair"):
        grad(lambda a: a.sum(), has_aux=True)(x)


def test_vjp_fn_records_only_when_something_outside_can_differentiate_its_result():
    x, y = tensors()
    _, vjp_fn = vjp(lambda a, b: a * a, x, y)  # b unused: its cotangent product is zeros
    ga, gb = vjp_fn(autograd.ones(3, dtype=autograd.float64))
    assert not ga.requires_grad and not gb.numpy().any()
    seed = autograd.ones(3, dtype=autograd.float64, requires_grad=True)
    (ga, _) = vjp_fn(seed)  # 2a · seed: differentiable with respect to the seed
    (ga * ga).sum().backward()
    np.testing.assert_allclose(seed.grad.numpy(), 8 * X**2)
    w = autograd.tensor([2.0, 1.0, 3.0], dtype=autograd.float64, requires_grad=True)
    _, vjp_fn = vjp(lambda a: a * w, x)  # a captured parameter: recorded as well
    vjp_fn(autograd.ones(3, dtype=autograd.float64))[0].sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0, 1.0])


def test_unused_arguments_get_zeros_and_auxiliary_structures_are_detached():
    x, y = tensors()
    with pytest.raises(RuntimeError, match=r"grad: argnums must name each argument once, got \(0, -2\)"):
        grad(lambda a, b: (a * a).sum(), argnums=(0, -2))(x, y)  # -2 is argument 0 again (PyTorch refuses it)
    (ga,) = grad(lambda a, b: (a * a).sum(), argnums=(-2,))(x, y)
    np.testing.assert_allclose(ga.numpy(), 2 * X)
    g = grad(lambda a, b: (a * a).sum(), argnums=1)(x, y)
    assert not g.numpy().any() and g.shape == (3,)
    _, gb = grad(lambda a, b: (a * a).sum(), argnums=(0, 1))(x, y)  # b unused beside a used one
    assert not gb.numpy().any()
    _, aux = grad(lambda a: ((a * a).sum(), {"double": a * 2.0, "list": [a + 1.0]}), has_aux=True)(x)
    assert not aux["double"].requires_grad and not aux["list"][0].requires_grad


def test_options_that_need_vmap_and_malformed_jvp_arguments_are_refused():
    x, y = tensors()
    with pytest.raises(NotImplementedError, match="chunk_size"):
        jacrev(lambda a: a, chunk_size=2)(x)
    with pytest.raises(RuntimeError, match="jacfwd: randomness must be one of .*got 'fresh'"):
        jacfwd(lambda a: a, randomness="fresh")
    with pytest.raises(TypeError, match="tuples of the same length"):
        jvp(lambda a: a, (x,), y)
    with pytest.raises(TypeError, match="tuples of the same length"):
        jvp(lambda a: a, (x,), (y, y))
    with pytest.raises(TypeError, match="tuples of the same length"):
        jvp(lambda a: a, autograd.ones(1), (autograd.ones(1),))  # a tensor, even of length one
