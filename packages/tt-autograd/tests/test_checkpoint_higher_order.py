"""Higher-order gradients through activation checkpointing (``CheckpointFunction.graph_backward``).

Under ``create_graph=True`` the checkpointed call is rerun from its arguments joined to their
graphs, and its own graph is kept, so the gradients it returns can be differentiated again —
with respect to the arguments, the tensors the call captured (a layer's parameters) and the
incoming gradient — as PyTorch's non-reentrant checkpoint allows. Checked by ``gradgradcheck``
(float64 central differences) and against the same second derivatives without checkpointing.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_autograd import gradgradcheck
from tt_autograd.checkpoint import checkpoint
from tt_autograd.gradients import grad


def leaf(rng, *shape):
    return autograd.tensor(rng.standard_normal(shape), dtype=autograd.float64, requires_grad=True)


def block(w, b):
    """tanh(x @ w + b) * x.sum: captures w (4, 3) and b (3,), which broadcasts over x's batch."""
    return lambda x: (x @ w + b).tanh() * x.sum(dim=-1, keepdim=True)


def test_second_derivatives_match_central_differences_for_arguments_and_captured_tensors():
    rng = np.random.default_rng(0)
    w, b, x = leaf(rng, 4, 3), leaf(rng, 3), leaf(rng, 2, 4)
    assert gradgradcheck(lambda x, w, b: checkpoint(block(w, b), x), [x, w, b])


def hessian_vector_products(fn, tensors, vectors):
    """d/dtensors <grad(fn), vectors>, the plain way: two recorded differentiations."""
    first = grad(fn(*tensors), tensors, create_graph=True)
    dot = sum((g * v).sum() for g, v in zip(first, vectors))
    return [h.numpy() for h in grad(dot, tensors)]


def test_hessian_vector_products_equal_the_plain_runs():
    rng = np.random.default_rng(1)
    w, b, x = leaf(rng, 4, 3), leaf(rng, 3), leaf(rng, 5, 4)
    vectors = [rng.standard_normal(t.shape) for t in (x, w, b)]
    vectors = [autograd.tensor(v) for v in vectors]

    def loss(checkpointed):
        def run(x, w, b):
            out = checkpoint(block(w, b), x) if checkpointed else block(w, b)(x)
            return (out * out).sum()

        return run

    plain = hessian_vector_products(loss(False), [x, w, b], vectors)
    got = hessian_vector_products(loss(True), [x, w, b], vectors)
    for g, p in zip(got, plain):
        np.testing.assert_allclose(g, p, rtol=1e-12, atol=1e-12)
        assert np.abs(p).max() > 1e-3  # curvature is there to compare


def test_several_outputs_and_a_tensor_passed_twice():
    rng = np.random.default_rng(2)
    x, y = leaf(rng, 3), leaf(rng, 2, 3)

    def pair(a, b, c):  # b and c are the same tensor: each argument's gradients arrive once
        return (a * b * c).sin(), (a.exp() * c).sum()

    assert gradgradcheck(lambda x, y: checkpoint(pair, x, y, y)[0], [x, y])
    assert gradgradcheck(lambda x, y: checkpoint(pair, x, y, y)[1], [x, y])
    (first,) = grad(checkpoint(lambda a, b: a * b, x, x).sum(), [x], create_graph=True)  # 2x
    (second,) = grad(first.sum(), [x])
    np.testing.assert_allclose(second.numpy(), np.full(3, 2.0))


def test_the_recorded_rerun_draws_the_forwards_random_numbers():
    rng = np.random.default_rng(3)
    x = leaf(rng, 40)

    def noisy(t):  # (t * u)² with u ~ U(0, 1): d²/dt² of the sum is 2u²
        return (t * autograd.rand(40, dtype=autograd.float64)) ** 2

    autograd.manual_seed(11)
    u = autograd.rand(40, dtype=autograd.float64).numpy()
    autograd.manual_seed(11)
    out = checkpoint(noisy, x)
    autograd.rand(5)  # the generator moves on before backward
    (first,) = grad(out.sum(), [x], create_graph=True)
    (second,) = grad(first.sum(), [x])
    np.testing.assert_allclose(first.detach().numpy(), 2 * x.detach().numpy() * u**2)
    np.testing.assert_allclose(second.numpy(), 2 * u**2)


def test_nested_checkpoints_and_the_incoming_gradient_are_differentiated_too():
    rng = np.random.default_rng(4)
    w, x = leaf(rng, 3, 3), leaf(rng, 2, 3)

    def outer(t):
        return checkpoint(lambda s: (s @ w).tanh(), t).exp()

    assert gradgradcheck(lambda x, w: checkpoint(outer, x), [x, w])
    out = checkpoint(outer, x)
    seed = leaf(rng, *out.shape)  # a gradient that requires grad: the result is linear in it
    (gx,) = grad(out, [x], grad_outputs=seed, create_graph=True)
    (by_seed,) = grad((gx * gx).sum(), [seed])
    (plain_gx,) = grad((x @ w).tanh().exp(), [x], grad_outputs=seed, create_graph=True)
    (plain_by_seed,) = grad((plain_gx * plain_gx).sum(), [seed])
    np.testing.assert_allclose(by_seed.numpy(), plain_by_seed.numpy(), rtol=1e-12)
