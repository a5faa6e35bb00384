"""``jacfwd`` in forward mode (``tt_autograd.forward_jacobian``): the same Jacobians as ``jacrev``, from
one vmapped forward pass per chosen argument (the basis vectors as tangents), never a backward pass.

The reference is ``jacrev`` (reverse mode, one backward pass per output element), itself checked
against closed forms in ``test_transforms.py``; closed forms here where one is short.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd import forward_jacobian, functional_ad
from tt_autograd.functions import reductions, unary
from tt_autograd.transforms import jacfwd, jacrev
from tt_autograd.vmap_transform import vmap

RNG = np.random.default_rng(2810)


def t64(*shape, requires_grad=False):
    return autograd.tensor(RNG.uniform(-1.0, 1.0, shape), dtype=autograd.float64, requires_grad=requires_grad)


CASES = {  # name: (function of (x (2, 3), w (3,)), argnums)
    "sum_rows": (lambda x, w: (x.sin() * w).sum(1), 0),
    "two_arguments": (lambda x, w: (x.exp() @ w).tanh(), (0, 1)),
    "tuple_output": (lambda x, w: (x * w, (x**2).mean(0)), (0, 1)),
    "tuple_output_one_argument": (lambda x, w: (x.relu(), w.sum() * x), 1),
    "shape_ops": (lambda x, w: x.reshape(3, 2).transpose(0, 1)[:, 1:] * w[:2], 0),
    "no_own_rule": (lambda x, w: x.cumsum(1) * w, 0),  # cumsum: the generic rule, under vmap too
    "constant_output": (lambda x, w: (x.sum(), w * 2), 0),  # w * 2 does not depend on x: zeros
    "reductions": (lambda x, w: x.softmax(-1).logsumexp(0) + x.amax(0), 0),
    "negative_argnum": (lambda x, w: x.cos() / (w + 2), -1),
}


def flat(value):
    return [value] if not isinstance(value, tuple) else [leaf for v in value for leaf in flat(v)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_jacfwd_equals_jacrev_in_values_and_structure(name):
    f, argnums = CASES[name]
    x, w = t64(2, 3), t64(3)
    forward, reverse = jacfwd(f, argnums)(x, w), jacrev(f, argnums)(x, w)
    assert type(forward) is type(reverse) and len(flat(forward)) == len(flat(reverse))
    for a, b in zip(flat(forward), flat(reverse)):
        assert a.shape == b.shape and a.dtype == b.dtype and not a.requires_grad
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


def test_forward_mode_is_what_runs(monkeypatch):
    """No backward pass (the reverse Jacobian and the ops' graph_backward fail) and one vmapped call
    of func per chosen argument."""
    monkeypatch.setattr(functional_ad, "jacobian_at", lambda *a, **k: pytest.fail("reverse mode"))
    for cls in (unary.SinFunction, unary.ExpFunction, reductions.SumFunction):
        monkeypatch.setattr(cls, "graph_backward", staticmethod(lambda ctx, grad: pytest.fail("a backward")))
    calls = []

    def counted(func, **options):
        calls.append(options)
        return vmap(func, **options)

    monkeypatch.setattr(forward_jacobian, "vmap", counted)
    x, w = t64(2, 3), t64(3)
    ja, jb = jacfwd(lambda a, b: (a.sin() * b.exp()).sum(1), argnums=(0, 1))(x, w)
    assert calls == [{"randomness": "error"}] * 2
    X, W = x.numpy(), w.numpy()
    expected_a = np.zeros((2, 2, 3))
    for i in range(2):
        expected_a[i, i] = np.cos(X[i]) * np.exp(W)
    np.testing.assert_allclose(ja.numpy(), expected_a)
    np.testing.assert_allclose(jb.numpy(), np.sin(X) * np.exp(W))


def test_aux_comes_from_the_same_call_with_its_structure():
    x = t64(2, 3)
    jac, aux = jacfwd(lambda a: (a.sin().sum(0), {"cos": [a.cos()], "n": 3, "s": "text"}), has_aux=True)(x)
    assert aux["n"] == 3 and aux["s"] == "text" and aux["cos"][0].shape == (2, 3)
    np.testing.assert_allclose(aux["cos"][0].numpy(), np.cos(x.numpy()))
    np.testing.assert_allclose(jac.numpy(), jacrev(lambda a: a.sin().sum(0))(x).numpy())
    with pytest.raises(RuntimeError, match="jacfwd: with has_aux=True, func must return a pair"):
        jacfwd(lambda a: a, has_aux=True)(x)


def test_the_jacobian_stays_differentiable_through_inputs_and_parameters():
    y = t64(3, requires_grad=True)
    jac = jacfwd(lambda a: a.sin() * a)(y)  # diag(a cos a + sin a)
    assert jac.requires_grad
    jac.sum().backward()
    Y = y.detach().numpy()
    np.testing.assert_allclose(y.grad.numpy(), 2 * np.cos(Y) - Y * np.sin(Y))
    w, x = t64(3, requires_grad=True), t64(3)
    jac = jacfwd(lambda a: a * w * w)(x)  # a parameter that requires grad: diag(w²), d(sum)/dw = 2w
    np.testing.assert_allclose(jac.detach().numpy(), np.diag(w.detach().numpy() ** 2))
    jac.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * w.detach().numpy())


def test_nested_and_batched():
    x = t64(3)

    def f(a):
        return (a.sin() * a.exp()).sum()

    hessian = jacrev(jacrev(f))(x)
    np.testing.assert_allclose(
        jacfwd(jacrev(f))(x).numpy(), hessian.numpy(), rtol=1e-12
    )  # forward over reverse
    np.testing.assert_allclose(
        jacfwd(jacfwd(f))(x).numpy(), hessian.numpy(), rtol=1e-12
    )  # forward over forward (nested levels)
    xs = t64(4, 3)

    def g(a):
        return a.sin() * a.sum()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every op has a batching rule: no per-sample loop
        batched = vmap(jacfwd(g))(xs)
    np.testing.assert_allclose(batched.numpy(), vmap(jacrev(g))(xs).numpy(), rtol=1e-12)


def test_an_argument_without_elements_and_inside_a_dual_level():
    empty = autograd.zeros(0, 2, dtype=autograd.float64)
    assert jacfwd(lambda a: a * 2)(empty).shape == (0, 2, 0, 2)
    x, t = t64(3), t64(3)
    with fwAD.dual_level():
        jac = jacfwd(lambda a: a.exp())(fwAD.make_dual(x, t))
        np.testing.assert_allclose(fwAD.unpack_dual(jac).primal.numpy(), np.diag(np.exp(x.numpy())))


def test_randomness_is_vmaps():
    x = t64(4)

    def noisy(a):
        return a * autograd.rand_like(a)

    with pytest.raises(RuntimeError, match="randomness"):
        jacfwd(noisy)(x)
    for randomness in ("same", "different"):
        jac = jacfwd(noisy, randomness=randomness)(x).numpy()
        assert not (jac - np.diag(np.diag(jac))).any() and ((0 <= jac) & (jac < 1)).all()


def test_a_non_tensor_output_is_refused_naming_jacfwd():
    with pytest.raises(TypeError, match="jacfwd: func must return a tensor or a tuple of tensors, got float"):
        jacfwd(lambda a: 1.0)(t64(2))
    with pytest.raises(TypeError, match="jacfwd: argument 0 must be a floating-point tensor"):
        jacfwd(lambda a: a)(autograd.tensor([1, 2]))


def test_a_one_element_argument_runs_in_forward_mode_with_its_aux(monkeypatch):
    monkeypatch.setattr(functional_ad, "jacobian_at", lambda *a, **k: pytest.fail("reverse mode"))
    x = t64(1)
    jac, aux = jacfwd(lambda a: (a.exp() * autograd.ones(3, dtype=autograd.float64), a * 2), has_aux=True)(x)
    np.testing.assert_allclose(jac.numpy(), np.full((3, 1), np.exp(x.numpy()[0])))
    np.testing.assert_allclose(aux.numpy(), 2 * x.numpy())
