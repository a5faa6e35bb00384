"""``torch.func.jvp`` in forward mode: it composes with vmap, jacfwd and the reverse transforms.

``jvp`` runs ``func`` once on dual tensors at a forward-AD level of its own, nested inside any
open one, as PyTorch's; so ``vmap(jvp(...))``, ``jacfwd(jvp(...))`` and ``jvp`` of a gradient
give the values of the reverse-mode references (``jacrev`` of ``jacrev``); the double-backward
trick (``functional_ad.jvp_at``, which vmap cannot run) is never taken.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import functional_ad, vmap
from tt_autograd.transforms import grad, jacfwd, jacrev, jvp

RNG = np.random.default_rng(3032)


def t64(*shape):
    return autograd.tensor(RNG.uniform(-1, 1, shape), dtype=autograd.float64)


def f(a):
    return (a.sin() * a.exp()).sum() + (a[0] * a[1] * a[2]) ** 2 + a.tanh().prod()


X, V, BATCH = t64(3), t64(3), t64(4, 3)
HESSIAN = jacrev(jacrev(f))
THIRD = jacrev(jacrev(jacrev(f)))(X).numpy()


def hvp(a):
    return jvp(grad(f), (a,), (V,))[1]


@pytest.fixture
def no_double_backward(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("jvp took the double-backward trick")

    monkeypatch.setattr(functional_ad, "jvp_at", refuse)


def test_jvp_of_a_gradient_is_the_hessian_vector_product(no_double_backward):
    np.testing.assert_allclose(hvp(X).numpy(), HESSIAN(X).numpy() @ V.numpy(), rtol=1e-12)


def test_vmap_of_jvp_is_per_sample(no_double_backward):
    want = np.stack([HESSIAN(BATCH[i]).numpy() @ V.numpy() for i in range(4)])
    np.testing.assert_allclose(vmap(hvp)(BATCH).numpy(), want, rtol=1e-12)
    tangents = t64(4, 3)
    got = vmap(lambda a, t: jvp(f, (a,), (t,))[1])(BATCH, tangents)
    want = [jacrev(f)(BATCH[i]).numpy() @ tangents[i].numpy() for i in range(4)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize(
    "third",
    [lambda: jacfwd(hvp)(X), lambda: jacrev(hvp)(X), lambda: jvp(hvp, (X,), (V,))[1]],
    ids=["jacfwd", "jacrev", "jvp"],
)
def test_transforms_of_jvp_give_third_derivatives(third, no_double_backward):
    want = np.einsum("ijk,j->ik", THIRD, V.numpy())
    got = third().numpy()
    np.testing.assert_allclose(got, want if got.ndim == 2 else want @ V.numpy(), rtol=1e-10, atol=1e-12)


def test_gradient_and_jacfwd_of_a_jvp(no_double_backward):
    directional = lambda a: jvp(f, (a,), (V,))[1]  # noqa: E731
    np.testing.assert_allclose(grad(directional)(X).numpy(), HESSIAN(X).numpy() @ V.numpy(), rtol=1e-12)
    want = np.einsum("ijk,k->ij", THIRD, V.numpy())
    np.testing.assert_allclose(jacfwd(grad(directional))(X).numpy(), want, rtol=1e-10, atol=1e-12)


def test_tuple_outputs_aux_and_an_output_without_tangent(no_double_backward):
    x, t = t64(2), t64(2)
    constant = t64(2)
    (out, fixed), (tangent, zero), aux = jvp(lambda a: ((a * a, constant), a.sum()), (x,), (t,), has_aux=True)
    np.testing.assert_allclose(out.numpy(), x.numpy() ** 2)
    np.testing.assert_allclose(tangent.numpy(), 2 * x.numpy() * t.numpy())
    assert fixed is constant or np.array_equal(fixed.numpy(), constant.numpy())
    np.testing.assert_array_equal(zero.numpy(), np.zeros(2))
    assert float(aux) == pytest.approx(float(x.sum()))
    assert not tangent.requires_grad and not out.requires_grad


@pytest.mark.parametrize("dtype", ["int64", "complex128"])
def test_a_primal_that_is_not_real_floating_point_is_refused_by_position(dtype):
    other = autograd.tensor(np.array([1, 2], dtype=dtype))
    with pytest.raises(TypeError, match=f"jvp: argument 1 must be a floating-point tensor.*{dtype}"):
        jvp(lambda a, b: a * b, (t64(2), other), (t64(2), t64(2)))


@pytest.mark.parametrize(
    ("returns", "kind"), [(lambda a: [a], "list"), (lambda a: (), "tuple"), (lambda a: 2.0, "float")]
)
def test_func_must_return_tensors(returns, kind):
    with pytest.raises(TypeError, match=f"jvp: func must return a tensor or a tuple of tensors, got {kind}$"):
        jvp(returns, (t64(2),), (t64(2),))


def test_bad_arguments_are_refused_before_func_runs():
    x = t64(2)
    with pytest.raises(TypeError, match="jvp: func must be callable"):
        jvp(3, (x,), (x,))
    with pytest.raises(RuntimeError, match=r"jvp: tangent 0 has shape \(3,\), but primal 0 has shape \(2,\)"):
        jvp(lambda a: a, (x,), (t64(3),))
    with pytest.raises(TypeError, match="jvp: primals and tangents must be tuples of the same length"):
        jvp(lambda a: a, (x,), (x, x))


def test_a_float32_tangent_of_a_float64_primal_is_cast_as_pytorch_does():
    x = t64(2)
    _, tangent = jvp(lambda a: a * 2, (x,), (x.float(),))
    assert tangent.dtype == autograd.float64
    np.testing.assert_allclose(tangent.numpy(), 2 * x.float().double().numpy())


def test_linearize_s_jvp_fn_under_vmap_pushes_a_batch_of_tangents():
    from tt_autograd.transforms import linearize

    two = lambda a: (a.sin() * a.exp() * a[0], a.sum() * 2)  # noqa: E731
    _, jvp_fn = linearize(two, X)
    tangents = t64(4, 3)
    first, second = vmap(jvp_fn)(tangents)
    np.testing.assert_allclose(first.numpy(), tangents.numpy() @ jacrev(lambda a: two(a)[0])(X).numpy().T)
    np.testing.assert_allclose(second.numpy(), 2 * tangents.numpy().sum(1))


def test_linearize_an_output_that_needs_grad_but_not_the_primal_has_a_zero_product():
    from tt_autograd.transforms import linearize

    weight = t64(2).requires_grad_()
    _, jvp_fn = linearize(lambda a: (a * 2, weight * 3), X)
    doubled, zero = jvp_fn(V)
    np.testing.assert_allclose(doubled.numpy(), 2 * V.numpy())
    np.testing.assert_array_equal(zero.numpy(), np.zeros(2))
