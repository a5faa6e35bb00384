"""Forward-mode AD: the own ``jvp`` rules of the common ops (one pass, no backward run twice).

Each case is checked three ways: the own rule's tangent (with the listed Functions' ``graph_backward``
made to fail, so the generic rule cannot be what ran), the generic rule's (a tangent that requires
grad takes the double-vjp path, which differentiates ``graph_backward``) and float64 central
differences of the same function along the tangent. A wrong rule differs from both.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd.functions import arithmetic, indexing, math_extra, reductions, shape, unary

RNG = np.random.default_rng(2028)
KEY = np.array([2, 0, 2])  # a repeated integer-array index


def t64(*dims, low=-1.0, high=1.0):
    return autograd.tensor(RNG.uniform(low, high, dims), dtype=autograd.float64)


def central(f, primals, tangents, h=1e-6):
    up = f(*[p + h * t for p, t in zip(primals, tangents)]).numpy()
    down = f(*[p - h * t for p, t in zip(primals, tangents)]).numpy()
    return (up - down) / (2 * h)


U, A, R, S, IX, M = unary, arithmetic, reductions, shape, indexing, math_extra
CASES = {  # name: (function, input shapes, which inputs are dual, Functions whose own rule must run)
    "exp": (lambda a: a.exp(), [(3, 4)], [True], [U.ExpFunction]),
    "log": (lambda a: (a * a + 0.5).log(), [(5,)], [True], [U.LogFunction]),
    "sqrt": (lambda a: (a * a + 0.5).sqrt(), [(2, 3)], [True], [U.SqrtFunction]),
    "reciprocal": (lambda a: (a * a + 0.5).reciprocal(), [(4,)], [True], [U.ReciprocalFunction]),
    "abs": (lambda a: (a + 0.05).abs(), [(6,)], [True], [U.AbsFunction]),
    "sin_cos": (lambda a: a.sin() * a.cos(), [(3, 2)], [True], [U.SinFunction, U.CosFunction]),
    "tanh_sigmoid": (lambda a: a.tanh() + a.sigmoid(), [(5,)], [True], [U.TanhFunction, U.SigmoidFunction]),
    "relu": (lambda a: (a + 0.05).relu(), [(7,)], [True], [U.ReLUFunction]),
    "clone": (lambda a: a.clone() * 2, [(3,)], [True], [U.CopyFunction]),
    "cast": (lambda a: a.float().double(), [(4,)], [True], [U.CastFunction]),
    "neg": (lambda a: -a, [(2, 2)], [True], [A.NegFunction]),
    "clamp": (lambda a: a.clamp(min=-0.5, max=0.5), [(8,)], [True], [A.ClampFunction]),
    "pow_scalar": (lambda a: a**3, [(5,)], [True], [A.PowFunction]),
    "pow_base": (lambda a, b: (a + 2) ** b, [(3, 4), (4,)], [True, False], [A.PowFunction]),
    "pow_exponent": (lambda a, b: (a + 2) ** b, [(3, 1), (3, 4)], [False, True], [A.PowFunction]),
    "pow_both": (lambda a, b: (a + 2) ** b, [(4,), (4,)], [True, True], [A.PowFunction]),
    "rpow": (lambda a: 2.0**a, [(4,)], [True], [A.PowFunction]),
    "where_x": (lambda a, b: autograd.where(a > 0, a, b), [(3, 4), (4,)], [True, False], [A.WhereFunction]),
    "where_y": (lambda a, b: autograd.where(b > 0, a, b), [(4,), (3, 4)], [False, True], [A.WhereFunction]),
    "where_both": (
        lambda a, b: autograd.where(a > b, a, b),
        [(3, 4), (3, 4)],
        [True, True],
        [A.WhereFunction],
    ),
    "reshape_view": (lambda a: a.reshape(4, 3).view(2, 6), [(3, 4)], [True], [S.ViewFunction]),
    "squeeze_unsqueeze": (lambda a: a.unsqueeze(1).squeeze(-1), [(3, 1)], [True], [S.ViewFunction]),
    "flatten": (lambda a: a.flatten(1), [(2, 3, 4)], [True], [S.ViewFunction]),
    "transpose": (lambda a: a.transpose(0, 2), [(2, 3, 4)], [True], [S.PermuteFunction]),
    "permute": (lambda a: a.permute(1, 2, 0), [(2, 3, 4)], [True], [S.PermuteFunction]),
    "expand": (lambda a: a.expand(2, 3, 4), [(3, 1)], [True], [S.ExpandFunction]),
    "repeat": (lambda a: a.repeat(2, 1, 3), [(3, 2)], [True], [S.RepeatFunction]),
    "flip": (lambda a: a.flip(0, 1), [(3, 2)], [True], [S.FlipFunction]),
    "slice": (lambda a: a[1:, ::2, None], [(3, 4)], [True], [IX.GetItemFunction]),
    "index_repeated": (lambda a: a[KEY], [(3, 2)], [True], [IX.GetItemFunction]),
    "index_mask": (lambda a: a[a > 0], [(3, 4)], [True], [IX.GetItemFunction]),
    "cat": (lambda a, b: autograd.cat([a, b, a], dim=1), [(2, 3), (2, 1)], [True, True], [S.CatFunction]),
    "cat_one_dual": (
        lambda a, b: autograd.cat([a, b], dim=-1),
        [(2, 3), (2, 1)],
        [False, True],
        [S.CatFunction],
    ),
    "cat_first_dual": (lambda a, b: autograd.cat([a, b]), [(2, 3), (1, 3)], [True, False], [S.CatFunction]),
    "stack": (lambda a, b: autograd.stack([a, b], dim=1), [(2, 3), (2, 3)], [True, True], [S.StackFunction]),
    "stack_one_dual": (
        lambda a, b: autograd.stack([a, b], dim=2),
        [(2, 3), (2, 3)],
        [False, True],
        [S.StackFunction],
    ),
    "mean": (lambda a: a.mean(), [(3, 4)], [True], [R.MeanFunction]),
    "mean_dims": (lambda a: a.mean(dim=(0, 2), keepdim=True), [(2, 3, 4)], [True], [R.MeanFunction]),
    "amax": (lambda a: a.amax(dim=1), [(3, 4)], [True], [R.AmaxFunction]),
    "amax_all": (lambda a: a.amax(), [(3, 4)], [True], [R.AmaxFunction]),
    "amin_keepdim": (lambda a: a.amin(dim=(0,), keepdim=True), [(3, 4)], [True], [R.AmaxFunction]),
    "logsumexp": (lambda a: a.logsumexp(dim=-1), [(3, 4)], [True], [R.LogSumExpFunction]),
    "logsumexp_keepdim": (
        lambda a: a.logsumexp(dim=0, keepdim=True),
        [(3, 4)],
        [True],
        [R.LogSumExpFunction],
    ),
    "softmax": (lambda a: a.softmax(-1), [(3, 4)], [True], [R.LogSumExpFunction, U.ExpFunction]),
    "log1p_expm1": (
        lambda a: (a * a).log1p() + a.expm1(),
        [(5,)],
        [True],
        [M.Log1pFunction, M.Expm1Function],
    ),
    "tan_atan": (lambda a: a.tan() + a.atan(), [(5,)], [True], [M.TanFunction, M.AtanFunction]),
    "maximum": (lambda a, b: a.maximum(b), [(3, 4), (4,)], [True, True], [A.MaximumFunction]),
    "minimum_one": (lambda a, b: a.minimum(b), [(3, 1), (3, 4)], [False, True], [A.MinimumFunction]),
    "maximum_first": (lambda a, b: a.maximum(b), [(3, 4), (4,)], [True, False], [A.MaximumFunction]),
    "var": (lambda a: a.var(dim=1), [(3, 4)], [True], [R.VarFunction]),
    "var_keepdim": (lambda a: a.var(dim=0, correction=0, keepdim=True), [(3, 4)], [True], [R.VarFunction]),
    "max_dim": (lambda a: a.max(dim=1).values, [(3, 4)], [True], [R.TakeAlongDimFunction]),
    "min_dim_keepdim": (
        lambda a: a.min(dim=0, keepdim=True).values,
        [(3, 4)],
        [True],
        [R.TakeAlongDimFunction],
    ),
    "cumsum": (lambda a: a.cumsum(1), [(3, 4)], [True], [R.CumsumFunction]),
    "gather": (
        lambda a: a.gather(1, autograd.tensor([[0, 2], [1, 1], [3, 0]])),
        [(3, 4)],
        [True],
        [IX.GatherFunction],
    ),
}


def own_and_generic(f, primals, tangents, dual, classes, monkeypatch):
    """The tangent of ``f`` by the own rules of ``classes`` (their graph_backward fails), and by the
    generic rule."""

    def tangent_of(differentiable):
        with fwAD.dual_level():
            tangent_in = [t.detach().requires_grad_(differentiable) for t in tangents]
            inputs = [fwAD.make_dual(p, t) if d else p for p, t, d in zip(primals, tangent_in, dual)]
            return fwAD.unpack_dual(f(*inputs)).tangent

    for cls in classes:  # the generic rule: the double vjp (a symmetric rule has a recorded form too)
        monkeypatch.setattr(cls, "jvp", None)
    generic = tangent_of(True)
    assert generic.requires_grad  # (a differentiable tangent: the generic rule ran)
    monkeypatch.undo()
    for cls in classes:
        monkeypatch.setattr(
            cls, "graph_backward", staticmethod(lambda ctx, grad: pytest.fail("generic rule"))
        )
    own = tangent_of(False)
    monkeypatch.undo()
    return own, generic.detach()


@pytest.mark.parametrize("name", sorted(CASES))
def test_own_rules_match_the_generic_rule_and_central_differences(name, monkeypatch):
    f, shapes, dual, classes = CASES[name]
    primals = [t64(*s) for s in shapes]
    tangents = [t64(*s) if d else autograd.zeros(*s, dtype=autograd.float64) for s, d in zip(shapes, dual)]
    own, generic = own_and_generic(f, primals, tangents, dual, classes, monkeypatch)
    assert own.dtype == autograd.float64 and own.shape == f(*primals).shape and not own.requires_grad
    own.add_(0.0)  # writable (a rule that returns a broadcast view is copied)
    np.testing.assert_allclose(own.numpy(), generic.numpy(), rtol=1e-12, atol=1e-14)
    step = 1e-3 if name == "cast" else 1e-6  # (through float32: a coarser step and tolerance)
    tolerance = 1e-4 if name == "cast" else 1e-6
    np.testing.assert_allclose(
        own.numpy(), central(f, primals, tangents, step), rtol=tolerance, atol=tolerance
    )


EDGES = {  # (function, primal, tangent): points where a rule follows a convention, not a limit
    "pow_zero_exponent": (
        lambda a: a ** autograd.tensor([0.0, 0.0, 2.0], dtype=autograd.float64),
        [0.0, 2.0, 0.0],
    ),
    "pow_zero_base": (  # 0 ** 0 = 1, whose log(0) is read as 0; a base between 0 and 1 has a finite log
        lambda b: autograd.tensor([0.0, 0.0, 0.0, 0.5, 1.5], dtype=autograd.float64) ** b,
        [0.0, 1.0, 2.0, 1.0, 1.0],
    ),
    "pow_negative_base": (lambda b: autograd.tensor([-2.0, 3.0], dtype=autograd.float64) ** b, [2.0, 0.5]),
    "amax_ties": (lambda a: a.amax(dim=1), [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]),
    "amin_ties": (lambda a: a.amin(), [[1.0, -3.0, -3.0], [-3.0, 2.0, 5.0]]),
    "relu_at_zero": (lambda a: a.relu(), [0.0, -1.0, 2.0]),
    "abs_at_zero": (lambda a: a.abs(), [0.0, -1.0, 2.0]),
    "clamp_at_bounds": (lambda a: a.clamp(min=0.0, max=1.0), [0.0, 1.0, 2.0, -1.0, 0.5]),
    "clamp_min_only": (lambda a: a.clamp(min=0.5), [0.0, 1.0, 0.5]),
    "clamp_max_only": (lambda a: a.clamp(max=0.5), [0.0, 1.0, 0.5]),
    "maximum_ties": (
        lambda a: a.maximum(autograd.tensor([1.0, 0.0, 5.0], dtype=autograd.float64)),
        [1.0, 2.0, 3.0],
    ),
    "minimum_ties": (
        lambda a: a.minimum(autograd.tensor([1.0, 0.0, 5.0], dtype=autograd.float64)),
        [1.0, 2.0, 3.0],
    ),
    "var_of_one": (lambda a: a.var(), [2.0]),  # n - correction = 0: NaN, as backward
}


@pytest.mark.filterwarnings("ignore:Degrees of freedom:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("name", sorted(EDGES))
def test_own_rules_follow_the_backward_conventions_at_edges(name, monkeypatch):
    f, values = EDGES[name]
    primal = autograd.tensor(values, dtype=autograd.float64)
    tangent = autograd.tensor(RNG.uniform(0.5, 1.5, primal.shape), dtype=autograd.float64)
    classes = [
        A.PowFunction,
        R.AmaxFunction,
        U.ReLUFunction,
        U.AbsFunction,
        A.ClampFunction,
        A.MaximumFunction,
    ]
    classes += [R.VarFunction]
    own, generic = own_and_generic(f, [primal], [tangent], [True], classes, monkeypatch)
    np.testing.assert_allclose(own.numpy(), generic.numpy(), rtol=1e-12, atol=1e-14)  # (NaN where both are)


def test_known_values_at_the_edges():
    with fwAD.dual_level():
        x = fwAD.make_dual(autograd.tensor([[1.0, 3.0, 3.0]]), autograd.tensor([[5.0, 1.0, 2.0]]))
        np.testing.assert_allclose(fwAD.unpack_dual(x.amax(dim=1)).tangent.numpy(), [1.5])  # ties: the mean
        base = fwAD.make_dual(autograd.tensor([0.0, 2.0]), autograd.tensor([1.0, 1.0]))
        np.testing.assert_allclose(
            fwAD.unpack_dual(base ** autograd.tensor([0.0, 0.0])).tangent.numpy(), [0, 0]
        )
        exponent = fwAD.make_dual(autograd.tensor([1.0, 2.0, 1.0]), autograd.tensor([1.0, 1.0, 1.0]))
        powers = fwAD.unpack_dual(autograd.tensor([0.0, -1.0, np.e]) ** exponent).tangent.numpy()
        np.testing.assert_allclose(powers, [0.0, np.nan, np.e])  # log 0 read as 0; a negative base: NaN
        y = fwAD.make_dual(autograd.tensor([1.0, 2.0]), autograd.tensor([3.0, 4.0]))
        picked = autograd.where(autograd.tensor([True, False]), y, 7.0)
        np.testing.assert_allclose(fwAD.unpack_dual(picked).tangent.numpy(), [3.0, 0.0])


def test_float32_tangents_keep_the_outputs_dtype():
    x, t = autograd.randn(3, 4), autograd.randn(3, 4)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, t)
        for out in (dual.exp(), dual.reshape(12), dual[:, 1], dual.amax(1), dual.double(), dual**2):
            assert fwAD.unpack_dual(out).tangent.dtype == out.dtype


SYMMETRIC = {  # name: (function, its Function): a differentiable tangent from graph_backward on it
    "exp": (lambda a: a.exp(), U.ExpFunction),
    "relu": (lambda a: a.relu(), U.ReLUFunction),
    "sigmoid": (lambda a: a.sigmoid(), U.SigmoidFunction),
    "log1p": (lambda a: a.log1p(), M.Log1pFunction),  # (one op only: the others' rules are double vjps)
    "clamp": (lambda a: a.clamp(-0.5, 0.5), A.ClampFunction),
}


@pytest.mark.parametrize("name", sorted(SYMMETRIC))
def test_a_symmetric_rule_gives_a_differentiable_tangent_in_one_recorded_pass(name, monkeypatch):
    """With a primal and a tangent that require grad, the tangent and its gradients (reverse over
    forward) equal the double vjp's, and no double-vjp pass runs."""
    from tt_autograd import gradients

    f, cls = SYMMETRIC[name]
    grad = gradients.grad
    x, t = t64(3, 4), t64(3, 4)

    def tangent_and_gradients():
        primal, tangent = x.detach().requires_grad_(), t.detach().requires_grad_()
        with fwAD.dual_level():
            out = fwAD.unpack_dual(f(fwAD.make_dual(primal, tangent))).tangent
        weights = autograd.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
        return (out.detach(), *grad((out * weights).sum(), [primal, tangent], allow_unused=True))

    monkeypatch.setattr(cls, "jvp", None)
    expected = tangent_and_gradients()  # the double vjp
    monkeypatch.undo()
    monkeypatch.setattr(gradients, "grad", lambda *a, **k: pytest.fail("a double-vjp pass"))
    found = tangent_and_gradients()
    for a, b in zip(found, expected):
        if b is None:  # (relu, clamp: d tangent / d primal is 0, which the graph may give as None)
            assert a is None or not a.detach().numpy().any()
            continue
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_a_differentiable_tangent_takes_the_outputs_dtype():
    x = autograd.randn(3).requires_grad_()  # float32, and a float64 tangent
    with fwAD.dual_level():
        exp = fwAD.unpack_dual(fwAD.make_dual(x, t64(3)).exp()).tangent  # the symmetric rule's graph
        doubled = fwAD.unpack_dual(fwAD.make_dual(x, t64(3)) * 2).tangent  # the double vjp (2t: no graph)
    assert exp.dtype == doubled.dtype == autograd.float32 and exp.requires_grad


def test_a_clones_tangent_is_a_copy_and_a_views_a_view():
    x, t = t64(3), t64(3)
    with fwAD.dual_level():
        dual, before = fwAD.make_dual(x, t), t.numpy().copy()
        fwAD.unpack_dual(dual.clone()).tangent.add_(5.0)  # as PyTorch: the input's tangent is unchanged
        np.testing.assert_array_equal(fwAD.unpack_dual(dual).tangent.numpy(), before)
        doubled = 2 * t.numpy()
        fwAD.unpack_dual(dual.reshape(1, 3)).tangent.mul_(2.0)  # a view's tangent is a view of it
        np.testing.assert_array_equal(fwAD.unpack_dual(dual).tangent.numpy(), doubled)
