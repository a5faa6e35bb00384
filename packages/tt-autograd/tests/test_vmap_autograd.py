"""``vmap`` with autograd and the other transforms, and vmap's errors.

Gradients through vmap are checked by float64 central differences (gradcheck, gradgradcheck), and
the compositions against the same transform applied one sample at a time: ``vmap(grad(f))`` is
per-sample gradients, ``vmap(vjp_fn)`` a Jacobian's rows, ``vmap(jacrev(f))`` per-sample Jacobians.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_autograd import gradcheck, gradgradcheck, vmap
from tt_autograd.transforms import grad, grad_and_value, hessian, jacrev, vjp

RNG = np.random.default_rng(1)
B = 3


def t(*shape, requires_grad=False):
    return autograd.tensor(RNG.standard_normal(shape), dtype=autograd.float64, requires_grad=requires_grad)


def close(got, want):
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)


def loss(w, x, y):  # a sample's squared error of a tiny model
    return ((x @ w).tanh() - y).pow(2).sum()


def test_per_sample_gradients_match_one_grad_per_sample():
    w, xs, ys = t(3, 2), t(B, 3), t(B, 2)
    got = vmap(grad(loss), in_dims=(None, 0, 0))(w, xs, ys)
    close(got, autograd.stack([grad(loss)(w, xs[i], ys[i]) for i in range(B)]))
    both = vmap(grad(loss, argnums=(0, 1)), in_dims=(None, 0, 0))(w, xs, ys)
    close(both[1], autograd.stack([grad(loss, argnums=1)(w, xs[i], ys[i]) for i in range(B)]))
    g, value = vmap(grad_and_value(loss), in_dims=(None, 0, 0))(w, xs, ys)
    close(value, autograd.stack([loss(w, xs[i], ys[i]) for i in range(B)]))


def test_jacobian_rows_by_vmap_of_vjp_and_per_sample_jacobians_and_hessians():
    def f(v):
        return v.sin() * v.sum()

    x = t(4)
    _, vjp_fn = vjp(f, x)
    (rows,) = vmap(vjp_fn)(autograd.eye(4, dtype=autograd.float64))
    close(rows, jacrev(f)(x))
    xs = t(B, 4)
    close(vmap(jacrev(f))(xs), autograd.stack([jacrev(f)(xs[i]) for i in range(B)]))
    cube = lambda v: (v**3).sum() * v[0]  # noqa: E731
    close(vmap(hessian(cube))(xs), autograd.stack([hessian(cube)(xs[i]) for i in range(B)]))


def test_grad_of_grad_inside_vmap_and_nested_vmap_of_grad():
    f = lambda v: (v.sin() * v).sum()  # noqa: E731
    xs = t(2, B, 3)
    second = vmap(vmap(grad(lambda v: grad(f)(v).sum())))(xs)
    want = autograd.stack(
        [autograd.stack([grad(lambda v: grad(f)(v).sum())(xs[i, j]) for j in range(B)]) for i in range(2)]
    )
    close(second, want)


def test_gradients_flow_through_vmap_to_its_inputs():
    w = t(3, 2, requires_grad=True)
    xs = t(B, 3, requires_grad=True)

    def batched(w, xs):
        return vmap(lambda x: (x @ w).tanh().sum() * x.exp(), in_dims=0)(xs)

    assert gradcheck(batched, (w, xs))
    assert gradgradcheck(batched, (w, xs))
    out_dims = lambda xs: vmap(lambda x, s: x.softmax(-1) * s, in_dims=(1, None), out_dims=1)(xs, 2.0)  # noqa: E731
    assert gradcheck(out_dims, (t(3, B, requires_grad=True),))
    nested = lambda xs: vmap(vmap(lambda v: v * v.sum()))(xs)  # noqa: E731
    assert gradgradcheck(nested, (t(B, 2, 3, requires_grad=True),))


def test_per_sample_gradients_by_gradcheck_of_the_batched_gradient():
    xs, ys = t(B, 3), t(B, 2)
    w = t(3, 2, requires_grad=True)
    assert gradcheck(lambda w: vmap(grad(loss), in_dims=(None, 0, 0))(w, xs, ys), (w,))


def test_randomness():
    x = autograd.ones(B, 4, dtype=autograd.float64)
    with pytest.raises(RuntimeError, match=r"randomness error mode.*\(the random operation: randn\(\)\)"):
        vmap(lambda v: v + autograd.randn(4))(x)
    autograd.manual_seed(0)
    same = vmap(lambda v: v + autograd.randn(4, dtype=autograd.float64), randomness="same")(x)
    assert np.all(same.numpy() == same.numpy()[:1])  # one draw shared by the samples
    different = vmap(lambda v: v + autograd.randn(4, dtype=autograd.float64), randomness="different")(x)
    assert not np.any(different.numpy()[1:] == different.numpy()[:1])  # each sample its own draw
    with pytest.raises(RuntimeError, match=r"different inplace randomness on an unbatched tensor.*uniform_"):
        vmap(lambda v: v + autograd.empty(4).uniform_(), randomness="different")(x)  # (as PyTorch)
    with pytest.raises(RuntimeError, match=r"with randomness='different' is not supported"):
        vmap(lambda v: v + tt_tensor.numpy_generator(None).random(4), randomness="different")(x)
    with pytest.raises(RuntimeError, match=r"randomness error mode.*\(the random operation: uniform_\(\)\)"):
        vmap(lambda v: v + autograd.empty(4).uniform_())(x)
    autograd.randn(2)  # the generator is back to normal after vmap (a draw straight from it, too)
    assert tt_tensor.numpy_generator(None).random(3).shape == (3,)
    assert autograd.empty(3).uniform_().shape == (3,)


def test_python_values_inside_func_are_refused():
    x = t(B, 3)
    for func, what in [
        (lambda v: v.sum().item(), r"item\(\)"),
        (lambda v: v.tolist(), r"tolist\(\)"),
        (lambda v: v.numpy(), r"numpy\(\)"),
        (lambda v: float(v.sum()), r"float\(\)"),
        (lambda v: v if v.sum() > 0 else -v, "data-dependent control flow"),
    ]:
        with pytest.raises(RuntimeError, match=what):
            vmap(func)(x)


def test_in_place_write_of_a_batched_value_into_an_unbatched_tensor():
    def func(v):
        z = autograd.zeros(3, dtype=autograd.float64)
        z.add_(v)
        return z

    with pytest.raises(RuntimeError, match=r"vmap: add_\(self, \*extra_args\) is not possible"):
        vmap(func)(t(B, 3))
    with pytest.raises(RuntimeError, match="use its out-of-place form"):
        vmap(lambda v: v.clone().floor_())(t(B, 3))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: vmap(lambda v: v, in_dims=(0, 0))(t(B)), ValueError, "in_dims is a tuple of 2 entries"),
        (
            lambda: vmap(lambda a, b: a + b)(t(B), t(B + 1)),
            ValueError,
            r"same size in the mapped dim.*\[3, 4\]",
        ),
        (lambda: vmap(lambda v: v, in_dims=2)(t(B, 2)), ValueError, r"in_dim 2 is out of range"),
        (lambda: vmap(lambda v: v, in_dims=None)(t(B)), ValueError, "at least one input must be a tensor"),
        (lambda: vmap(lambda v, n: v, in_dims=(0, 0))(t(B), 3), ValueError, "which is not a tensor"),
        (lambda: vmap(lambda v: 1.0)(t(B)), ValueError, "func must only return tensors.*got float"),
        (lambda: vmap(lambda v: v, out_dims=(0, 1))(t(B)), ValueError, "out_dims entry"),
        (lambda: vmap(lambda v: (v, v), out_dims=(0, 1, 2))(t(B)), ValueError, "has 3 entries"),
        (
            lambda: vmap(lambda v: v, out_dims=None)(t(B)),
            ValueError,
            "out_dims=None for an output that depends",
        ),
        (lambda: vmap(lambda v: v, in_dims="0"), ValueError, "in_dims must be an int, None"),
        (lambda: vmap(lambda v: v, randomness="odd"), RuntimeError, "randomness must be one of"),
        (lambda: vmap(lambda v: v, chunk_size=0), ValueError, "chunk_size should be None or a positive int"),
        (lambda: vmap(3), TypeError, "func must be callable"),
        (lambda: vmap(lambda v: v)(), ValueError, "got no inputs"),
        (lambda: vmap(lambda v: v, in_dims=[0])(t(B)), ValueError, "in_dims must be an int, None or a tuple"),
        (lambda: vmap(lambda p: p, in_dims=((0, 0),))((t(B),)), ValueError, "has 2 entries for a tuple of 1"),
        (lambda: vmap(lambda v: v, in_dims=(0,))(t(B)[0]), ValueError, "out of range"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_autograd_grad_inside_vmap_wants_torch_func_grad():
    w = t(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="differentiate inside vmap with torch.func.grad"):
        vmap(lambda x: autograd.gradients.grad((x * w).sum(), w))(t(B, 3))


def test_a_batched_tensor_reads_as_one_sample_and_shows_its_levels():
    seen = []
    vmap(lambda v: seen.append(repr(v)) or v)(t(B, 2))
    assert seen[0].startswith("BatchedTensor(levels=(1,)")


def test_autograd_grad_inside_vmap_of_a_batched_leaf():
    def func(v):
        leaf = v.clone().requires_grad_()
        (g,) = autograd.gradients.grad((leaf * leaf).sum(), leaf)  # one tensor, not a sequence
        return g

    xs = t(B, 3)
    close(vmap(func)(xs), 2 * xs)


def test_a_batched_seed_and_a_vjp_then_a_grad_in_the_same_func():
    x = t(3)
    _, vjp_fn = vjp(lambda a: a.sin(), x)

    def func(c, v):
        (row,) = vjp_fn(c)  # an unbatched graph, batched cotangents: the recorded pass
        leaf = v.clone().requires_grad_()
        (g,) = autograd.gradients.grad(leaf * leaf, leaf, grad_outputs=v)  # a batched graph and seed
        return row, g

    cs, vs = t(B, 3), t(B, 3)
    rows, gs = vmap(func)(cs, vs)
    close(rows, cs * x.cos())
    close(gs, 2 * vs * vs)


def test_autograd_grad_inside_vmap_with_an_unbatched_seed_or_none_for_a_non_scalar():
    def with_plain_seed(v):
        leaf = v.clone().requires_grad_()
        return autograd.gradients.grad(
            leaf * leaf, leaf, grad_outputs=autograd.ones(3, dtype=autograd.float64)
        )[0]

    xs = t(B, 3)
    close(vmap(with_plain_seed)(xs), 2 * xs)

    def without_seed(v):
        leaf = v.clone().requires_grad_()
        return autograd.gradients.grad(leaf * leaf, leaf)[0]

    with pytest.raises(
        RuntimeError, match=r"implicitly created only for one-element outputs, got shape \(3,\)"
    ):
        vmap(without_seed)(xs)


def test_autograd_grad_inside_vmap_of_an_input_that_requires_grad_given_alone_or_in_a_list():
    for xs in (t(B, 3, requires_grad=True), t(B, requires_grad=True)):  # (also 0-d samples)
        for packed in (lambda v: v, lambda v: [v], lambda v: (v,)):
            got = vmap(lambda v, pack=packed: autograd.gradients.grad((v**3).sum(), pack(v))[0])(xs)
            close(got, 3 * xs.detach() ** 2)


def test_autograd_grad_with_a_seed_batched_over_the_outer_vmap_only():
    xs, seeds = t(2, B, 3, requires_grad=True), t(2, 3)

    def outer(seed, rows):
        return vmap(lambda v: autograd.gradients.grad(v * v, v, grad_outputs=seed)[0])(rows)

    close(vmap(outer)(seeds, xs), 2 * xs.detach() * seeds[:, None, :])


def test_grad_inside_vmap_gives_each_sample_a_writable_copy_of_an_unbatched_argument():
    w, xs = t(3), t(B, 3)

    def f(weight, x):
        with autograd.no_grad():
            weight.mul_(2.0)  # (into the tracked copy: an expanded view would be read-only)
        return (weight * x).sum()

    close(vmap(grad(f), in_dims=(None, 0))(w, xs), xs)
