"""Forward-mode AD: the ``graph_jvp`` rules of the common ops (a differentiable tangent in one recorded pass).

A tangent must keep its graph when a primal or a tangent requires grad (forward over reverse, a
model's parameters). Each case is checked against the generic rule (the double vjp of
``graph_backward``, with the op's ``graph_jvp`` removed): the tangent and its gradients with respect
to every primal and tangent, so a rule that cuts a path or gets a term wrong differs; and against
float64 central differences of the function along the tangents. While the graph rules run, the
double vjp is made to fail, so it cannot be what ran.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd import gradients
from tt_autograd.functions import arithmetic, linalg, reductions, shape, unary

RNG = np.random.default_rng(2029)
A, S, R = arithmetic, shape, reductions

CASES = {  # name: (function, input shapes, Functions whose graph_jvp must run)
    "add_broadcast": (lambda a, b: a + b, [(3, 1), (4,)], [A.AddFunction]),
    "add_scalar": (lambda a: a + 2.0, [(3,)], [A.AddFunction]),
    "sub_broadcast": (lambda a, b: a - b, [(4,), (2, 4)], [A.SubFunction]),
    "mul_broadcast": (lambda a, b: a * b, [(2, 3), (3,)], [A.MulFunction]),
    "mul_scalar": (lambda a: 3.0 * a, [(4,)], [A.MulFunction]),
    "div_broadcast": (lambda a, b: a / (b * b + 0.5), [(3, 2), (2,)], [A.DivFunction]),
    "rdiv_scalar": (lambda a: 2.0 / (a * a + 0.5), [(4,)], [A.DivFunction]),
    "pow_tensors": (lambda a, b: (a * a + 0.5) ** b, [(2, 3), (3,)], [A.PowFunction]),
    "pow_square": (lambda a: a**2, [(5,)], [A.PowFunction]),
    "pow_scalar_base": (lambda a: 2.0**a, [(5,)], [A.PowFunction]),
    "pow_exponent_zero": (lambda a, b: (a * a + 0.5) ** (b * 0.0), [(4,), (4,)], [A.PowFunction]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)], [linalg.MatMulFunction]),
    "matmul_batched_vector": (lambda a, b: a @ b, [(2, 3, 4), (4,)], [linalg.MatMulFunction]),
    "matmul_vector_matrix": (lambda a, b: a @ b, [(3,), (3, 2)], [linalg.MatMulFunction]),
    "view": (lambda a: a.reshape(3, 2) * a.reshape(3, 2), [(2, 3)], [S.ViewFunction]),
    "permute": (lambda a: a.permute(2, 0, 1) * a.permute(2, 0, 1), [(2, 3, 4)], [S.PermuteFunction]),
    "expand": (lambda a: a.expand(3, 4) * a.expand(3, 4), [(4,)], [S.ExpandFunction]),
    "sum_dim": (lambda a: (a * a).sum(1), [(3, 4)], [R.SumFunction]),
    "sum_keepdim": (lambda a: (a * a).sum((0, 2), True), [(2, 3, 2)], [R.SumFunction]),
    "mean_all": (lambda a: (a * a).mean(), [(3, 4)], [R.MeanFunction]),
    "mean_dim": (lambda a: (a * a).mean(0), [(3, 4)], [R.MeanFunction]),
    "clone": (lambda a: a.clone() * a, [(5,)], [unary.CopyFunction]),
}


def _values(shapes):
    return [RNG.uniform(-1, 1, s) for s in shapes]


def _tangent_and_gradients(f, values, tangent_values, weights):
    """The tangent of ``f`` at the primals (all requiring grad) along the tangents (also requiring
    grad), and the gradients of ``⟨tangent, weights⟩`` with respect to primals and tangents."""
    primals = [autograd.tensor(v, dtype=autograd.float64, requires_grad=True) for v in values]
    tangents = [autograd.tensor(v, dtype=autograd.float64, requires_grad=True) for v in tangent_values]
    with fwAD.dual_level():
        out = fwAD.unpack_dual(f(*[fwAD.make_dual(p, t) for p, t in zip(primals, tangents)])).tangent
    assert out.requires_grad
    found = gradients.grad((out * weights).sum(), primals + tangents, allow_unused=True)
    return (out.detach(), *found)


@pytest.mark.parametrize("name", sorted(CASES))
def test_graph_rules_match_the_double_vjp_and_central_differences(name, monkeypatch):
    f, shapes, functions = CASES[name]
    values, tangent_values = _values(shapes), _values(shapes)
    with autograd.no_grad():
        out_shape = f(*[autograd.tensor(v) for v in values]).shape
    weights = autograd.tensor(RNG.uniform(-1, 1, out_shape), dtype=autograd.float64)
    for cls in functions:  # the generic rule: the double vjp
        monkeypatch.setattr(cls, "graph_jvp", None)
    expected = _tangent_and_gradients(f, values, tangent_values, weights)
    monkeypatch.undo()
    monkeypatch.setattr(fwAD, "double_vjp", lambda *a, **k: pytest.fail("the double vjp ran"))
    found = _tangent_and_gradients(f, values, tangent_values, weights)
    for a, b in zip(found, expected):
        if b is None:
            assert a is None or not a.numpy().any()
            continue
        assert a is not None
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)
    h = 1e-6
    with autograd.no_grad():
        up = f(*[autograd.tensor(v + h * t) for v, t in zip(values, tangent_values)]).numpy()
        down = f(*[autograd.tensor(v - h * t) for v, t in zip(values, tangent_values)]).numpy()
    np.testing.assert_allclose(found[0].numpy(), (up - down) / (2 * h), rtol=1e-6, atol=1e-8)


def test_a_graph_rule_with_only_a_primal_requiring_grad():
    """A dual input that requires no grad and a weight that does (a model's parameter): the tangent
    is differentiable in the weight alone, and its gradient is the mixed second derivative."""
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64)
    w = autograd.tensor([3.0, -1.0], dtype=autograd.float64, requires_grad=True)
    with fwAD.dual_level():
        y = fwAD.make_dual(x, autograd.tensor([1.0, 1.0], dtype=autograd.float64))
        tangent = fwAD.unpack_dual((y * w) ** 2).tangent  # 2 (x w) w t
    (found,) = gradients.grad(tangent.sum(), w)
    np.testing.assert_allclose(tangent.detach().numpy(), 2 * x.numpy() * w.detach().numpy() ** 2)
    np.testing.assert_allclose(found.numpy(), 4 * x.numpy() * w.detach().numpy())  # d/dw 2 x w²


def test_pow_at_zero_base_and_zero_exponent_follows_the_own_rule():
    """PyTorch's conventions where a ** b is not differentiable: d/da is 0 where b == 0 (also at
    a == 0, where b a^(b-1) would be 0 · inf), log(a) is read as 0 at a == 0; the recorded rule gives
    the own rule's values (and the double vjp's), with no NaN."""
    values = [np.array([0.0, 0.0, 2.0, 0.0]), np.array([0.0, 1.0, 0.0, 2.0])]
    ones = [np.ones(4), np.ones(4)]

    def tangent(differentiable):
        with fwAD.dual_level():
            inputs = [
                fwAD.make_dual(
                    autograd.tensor(v, dtype=autograd.float64, requires_grad=differentiable),
                    autograd.tensor(t, dtype=autograd.float64),
                )
                for v, t in zip(values, ones)
            ]
            return fwAD.unpack_dual(inputs[0] ** inputs[1]).tangent

    own = tangent(False)
    assert not own.requires_grad
    np.testing.assert_allclose(own.numpy(), [0.0, 1.0, np.log(2.0), 0.0])
    np.testing.assert_array_equal(tangent(True).detach().numpy(), own.numpy())
