"""Forward-mode AD (``tt_autograd.forward_ad``) through tt-nn's fused functions.

Several of them (layer_norm, group_norm, bilinear) write their second-order rule with
``composite_gradients``, which differentiates the inputs it is given: a dual input that requires
no grad must still get its tangent. Checked against float64 central differences of the same
functions along the tangents, with the weights dual too.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
from tt_autograd import forward_ad as fwAD
from tt_nn import functional as F

RNG = np.random.default_rng(4)
TARGET = autograd.tensor([1, 0, 2])

CASES = {
    "linear_gelu": (lambda x, w, b: F.gelu(F.linear(x, w, b)), [(3, 4), (5, 4), (5,)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(3, 4, 2), (4,), (4,)]),
    "bilinear": (lambda x, y, w: F.bilinear(x, y, w), [(3, 2), (3, 4), (5, 2, 4)]),
    "cross_entropy": (lambda x, w, b: F.cross_entropy(F.linear(x, w, b), TARGET), [(3, 4), (3, 4), (3,)]),
    "log_softmax_mse": (
        lambda x, w, b: F.mse_loss(F.log_softmax(x * w, dim=1), b.expand(3, 4)),
        [(3, 4), (4,), (4,)],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_tangents_match_central_differences(name):
    f, shapes = CASES[name]
    primals = [autograd.tensor(RNG.uniform(-1, 1, s), dtype=autograd.float64) for s in shapes]
    tangents = [autograd.tensor(RNG.uniform(-1, 1, s), dtype=autograd.float64) for s in shapes]
    with fwAD.dual_level():
        out = f(*[fwAD.make_dual(p, t) for p, t in zip(primals, tangents)])
        tangent = fwAD.unpack_dual(out).tangent
    h = 1e-6
    up = f(*[p + h * t for p, t in zip(primals, tangents)]).numpy()
    down = f(*[p - h * t for p, t in zip(primals, tangents)]).numpy()
    np.testing.assert_allclose(tangent.numpy(), (up - down) / (2 * h), rtol=1e-6, atol=1e-8)


def test_only_the_input_dual_in_a_model_that_requires_grad():
    x, t = autograd.tensor(RNG.uniform(-1, 1, (2, 4))), autograd.tensor(RNG.uniform(-1, 1, (2, 4)))
    layer = tt_nn.Linear(4, 3)
    norm = tt_nn.LayerNorm(3)
    with fwAD.dual_level():
        out = norm(layer(fwAD.make_dual(x, t)))
        assert out.requires_grad  # the parameters require grad
        tangent = fwAD.unpack_dual(out).tangent
    with autograd.no_grad():
        h = 1e-3  # float32: a coarser step, and tolerance
        expected = (norm(layer(x + h * t)) - norm(layer(x - h * t))).numpy() / (2 * h)
    np.testing.assert_allclose(tangent.detach().numpy(), expected, rtol=2e-2, atol=2e-3)


OWN_RULES = {  # name: (function, input shapes, which are dual, the Functions whose own rule must run)
    "linear_all": (
        lambda x, w, b: F.linear(x, w, b),
        [(2, 3, 4), (5, 4), (5,)],
        [True, True, True],
        ["linear"],
    ),
    "linear_input": (lambda x, w: F.linear(x, w), [(3, 4), (5, 4)], [True, False], ["linear"]),
    "linear_weight": (
        lambda x, w, b: F.linear(x, w, b),
        [(3, 4), (5, 4), (5,)],
        [False, True, False],
        ["linear"],
    ),
    "linear_bias": (
        lambda x, w, b: F.linear(x, w, b),
        [(3, 4), (5, 4), (5,)],
        [False, False, True],
        ["linear"],
    ),
    "layer_norm_all": (
        lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
        [(2, 3, 4), (3, 4), (3, 4)],
        [True, True, True],
        ["normalization"],
    ),
    "layer_norm_input": (lambda x: F.layer_norm(x, (4,)), [(3, 4)], [True], ["normalization"]),
    "layer_norm_weight": (
        lambda x, w: F.layer_norm(x, (4,), w),
        [(3, 4), (4,)],
        [False, True],
        ["normalization"],
    ),
    "layer_norm_bias": (
        lambda x, w, b: F.layer_norm(x, (4,), w, b),
        [(3, 4), (4,), (4,)],
        [False, False, True],
        ["normalization"],
    ),
    "layer_norm_input_weighted": (
        lambda x, w: F.layer_norm(x, (4,), w),
        [(3, 4), (4,)],
        [True, False],
        ["normalization"],
    ),
    "gelu": (lambda x: F.gelu(x), [(3, 4)], [True], ["gelu"]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [(3, 4)], [True], ["gelu"]),
    "silu": (lambda x: F.silu(x), [(5,)], [True], ["silu"]),
    "leaky_relu": (lambda x: F.leaky_relu(x + 0.05, 0.1), [(6,)], [True], ["leaky_relu"]),
    "softmax": (lambda x: F.softmax(x, dim=1), [(3, 4)], [True], ["softmax"]),
    "log_softmax": (lambda x: F.log_softmax(x, dim=0), [(3, 4)], [True], ["log_softmax"]),
    "dropout": (lambda x: _seeded(F.dropout, x, 0.4), [(4, 5)], [True], ["dropout"]),  # one mask each call
}


def _seeded(function, *args):
    import tt_tensor

    tt_tensor.manual_seed(3)
    return function(*args)


def _functions():
    import importlib

    def module(name):  # (tt_nn.functional.linear is the function: the module by its full name)
        return importlib.import_module(f"tt_nn.functional.{name}")

    activations = module("activations")
    return {
        "linear": module("linear").LinearFunction,
        "normalization": module("normalization").LayerNormFunction,
        "gelu": activations.GELUFunction,
        "silu": activations.SiLUFunction,
        "leaky_relu": activations.LeakyReLUFunction,
        "softmax": activations.SoftmaxFunction,
        "log_softmax": activations.LogSoftmaxFunction,
        "dropout": module("dropout").DropoutFunction,
    }


@pytest.mark.parametrize("name", sorted(OWN_RULES))
def test_own_rules_match_the_generic_rule_and_central_differences(name, monkeypatch):
    """The own jvp (graph_backward made to fail, so the double-vjp rule cannot run) against the generic
    rule (a tangent that requires grad takes it) and central differences."""
    f, shapes, dual, names = OWN_RULES[name]
    primals = [autograd.tensor(RNG.uniform(-1, 1, s), dtype=autograd.float64) for s in shapes]
    tangents = [
        autograd.tensor(RNG.uniform(-1, 1, s) if d else np.zeros(s), dtype=autograd.float64)
        for s, d in zip(shapes, dual)
    ]

    def tangent_of(differentiable):
        with fwAD.dual_level():
            tangent_in = [t.detach().requires_grad_(differentiable) for t in tangents]
            inputs = [fwAD.make_dual(p, t) if d else p for p, t, d in zip(primals, tangent_in, dual)]
            return fwAD.unpack_dual(f(*inputs)).tangent

    for key in names:  # the generic rule: the double vjp (not the own rules' recorded forms)
        monkeypatch.setattr(_functions()[key], "jvp", None)
        monkeypatch.setattr(_functions()[key], "graph_jvp", None, raising=False)
    generic = tangent_of(True).detach()
    monkeypatch.undo()
    for key in names:
        monkeypatch.setattr(
            _functions()[key], "graph_backward", staticmethod(lambda ctx, g: pytest.fail("generic"))
        )
    own = tangent_of(False)
    monkeypatch.undo()
    assert own.dtype == autograd.float64 and not own.requires_grad
    np.testing.assert_allclose(own.numpy(), generic.numpy(), rtol=1e-12, atol=1e-14)
    h = 1e-6
    expected = f(*[p + h * t for p, t in zip(primals, tangents)]) - f(
        *[p - h * t for p, t in zip(primals, tangents)]
    )
    np.testing.assert_allclose(own.numpy(), expected.numpy() / (2 * h), rtol=1e-6, atol=1e-8)


def test_a_model_under_no_grad_takes_the_own_rules(monkeypatch):
    """Parameters that require grad make a tangent differentiable (the generic rule); under no_grad
    the model's tangent comes from the own rules, in float32."""
    model = tt_nn.Sequential(tt_nn.Linear(4, 6), tt_nn.LayerNorm(6), tt_nn.GELU(), tt_nn.Linear(6, 3))
    x, t = (autograd.tensor(RNG.uniform(-1, 1, (2, 4)), dtype=autograd.float32) for _ in range(2))
    with fwAD.dual_level():
        expected = fwAD.unpack_dual(model(fwAD.make_dual(x, t))).tangent.detach()
        for cls in _functions().values():
            monkeypatch.setattr(cls, "graph_backward", staticmethod(lambda ctx, g: pytest.fail("generic")))
        with autograd.no_grad():
            tangent = fwAD.unpack_dual(model(fwAD.make_dual(x, t))).tangent
    assert tangent.dtype == autograd.float32
    np.testing.assert_allclose(tangent.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_own_rules_add_no_operation_to_the_pass_and_the_generic_rule_does():
    """The cost, counted: a dual pass through the model makes the same Function calls as the plain
    pass (each own rule is NumPy beside its op), while a differentiable tangent (the parameters
    require grad) records each op's tangent rule (its graph_jvp: 40 calls here, not 5)."""
    from tt_autograd.tracing import record_calls

    model = tt_nn.Sequential(tt_nn.Linear(4, 6), tt_nn.LayerNorm(6), tt_nn.GELU(), tt_nn.Linear(6, 3))
    x, t = (autograd.tensor(RNG.uniform(-1, 1, (2, 4)), dtype=autograd.float32) for _ in range(2))
    with autograd.no_grad():
        with record_calls() as plain:
            model(x)
        with fwAD.dual_level(), record_calls() as own:
            model(fwAD.make_dual(x, t))
    with fwAD.dual_level(), record_calls() as generic:
        model(fwAD.make_dual(x, t))  # the parameters require grad: differentiable tangents
    names = [call.function.__name__ for call in plain]
    assert names == ["LinearFunction", "LayerNormFunction", "GELUFunction", "LinearFunction"]
    assert [call.function.__name__ for call in own] == ["ViewFunction", *names]  # (make_dual's view)
    assert len(generic) > 5 * len(own)


@pytest.mark.parametrize("dual", [(True, False, False), (False, True, True), (True, True, True)])
def test_linear_graph_jvp_is_differentiable_in_one_recorded_pass(dual, monkeypatch):
    """Parameters that require grad: the tangent from linear's graph_jvp and its gradients with
    respect to input, weight, bias and tangents equal the double vjp's, and no double-vjp pass runs."""
    from tt_autograd import gradients
    from tt_nn.functional.linear import LinearFunction

    grad = gradients.grad
    shapes = [(2, 3, 4), (5, 4), (5,)]
    values = [RNG.uniform(-1, 1, s) for s in shapes]
    tangent_values = [RNG.uniform(-1, 1, s) for s in shapes]
    weights = autograd.tensor(RNG.uniform(-1, 1, (2, 3, 5)))

    def tangent_and_gradients():
        primals = [autograd.tensor(v, requires_grad=True) for v in values]
        tangents = [autograd.tensor(v, requires_grad=True) for v in tangent_values]
        with fwAD.dual_level():
            inputs = [fwAD.make_dual(p, t) if d else p for p, t, d in zip(primals, tangents, dual)]
            out = fwAD.unpack_dual(F.linear(*inputs)).tangent
        wanted = primals + [t for t, d in zip(tangents, dual) if d]
        return (out.detach(), *grad((out * weights).sum(), wanted, allow_unused=True))

    monkeypatch.setattr(LinearFunction, "jvp", None)
    monkeypatch.setattr(LinearFunction, "graph_jvp", None)
    expected = tangent_and_gradients()  # the double vjp
    monkeypatch.undo()
    monkeypatch.setattr(gradients, "grad", lambda *a, **k: pytest.fail("a double-vjp pass"))
    found = tangent_and_gradients()
    _assert_same(found, expected, rtol=1e-12, atol=1e-14)


def _assert_same(found, expected, rtol, atol):
    """Tangents and gradients alike; where ``expected`` has None (no path: e.g. the tangent's gradient
    with respect to the bias), ``found`` has None or zeros."""
    for a, b in zip(found, expected):
        if b is None:
            assert a is None or not a.numpy().any()
            continue
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


X_FIXED = autograd.tensor(RNG.uniform(-1, 1, (3, 4)), dtype=autograd.float64)  # (no tangent)


def _special(name):
    from tt_nn.special import error_functions

    return getattr(error_functions, name)


GRAPH_RULES = {  # name: (function, input shapes, the Functions whose graph_jvp must run, by name)
    "layer_norm_all": (lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)], ["LN"]),
    "layer_norm_plain": (lambda x: F.layer_norm(x, (4,)), [(3, 4)], ["LN"]),
    "layer_norm_weight": (lambda x, w: F.layer_norm(x, (4,), w), [(3, 4), (4,)], ["LN"]),
    "layer_norm_bias": (lambda x, b: F.layer_norm(x, (4,), None, b), [(3, 4), (4,)], ["LN"]),
    "layer_norm_weight_only": (lambda w: F.layer_norm(X_FIXED, (4,), w), [(4,)], ["LN"]),
    "layer_norm_bias_only": (lambda b: F.layer_norm(X_FIXED, (4,), X_FIXED[0], b), [(4,)], ["LN"]),
    "gelu": (lambda x: F.gelu(x), [(3, 4)], ["GELU"]),
}
for _name in ("erf", "erfc", "erfcx", "ndtr", "log_ndtr"):
    GRAPH_RULES[_name] = (lambda x, n=_name: getattr(tt_nn.special, n)(x), [(5,)], [])
GRAPH_RULES["erfinv"] = (lambda x: tt_nn.special.erfinv(x * 0.9), [(5,)], [])
GRAPH_RULES["ndtri"] = (lambda x: tt_nn.special.ndtri(x * 0.4 + 0.5), [(5,)], [])


@pytest.mark.parametrize("name", sorted(GRAPH_RULES))
def test_graph_rules_are_differentiable_in_one_recorded_pass(name, monkeypatch):
    """Primals and tangents that require grad: the tangent and the gradients of ⟨tangent, w⟩ with
    respect to all of them equal the double vjp's (graph_jvp and the symmetric rule removed), no
    double-vjp pass runs, and the tangent matches float64 central differences."""
    from tt_autograd import gradients
    from tt_nn.functional.normalization import LayerNormFunction

    f, shapes, _ = GRAPH_RULES[name]
    values = [RNG.uniform(-1, 1, s) for s in shapes]
    tangent_values = [RNG.uniform(-1, 1, s) for s in shapes]
    with autograd.no_grad():
        out_shape = f(*[autograd.tensor(v, dtype=autograd.float64) for v in values]).shape
    weights = autograd.tensor(RNG.uniform(-1, 1, out_shape), dtype=autograd.float64)

    def tangent_and_gradients():
        primals = [autograd.tensor(v, dtype=autograd.float64, requires_grad=True) for v in values]
        tangents = [autograd.tensor(v, dtype=autograd.float64, requires_grad=True) for v in tangent_values]
        with fwAD.dual_level():
            out = fwAD.unpack_dual(f(*[fwAD.make_dual(p, t) for p, t in zip(primals, tangents)])).tangent
        found = gradients.grad((out * weights).sum(), primals + tangents, allow_unused=True)
        return (out.detach(), *found)

    special = ["Erf", "Erfc", "Erfcx", "Erfinv", "Ndtr", "Ndtri", "LogNdtr"]
    for cls in [LayerNormFunction, *(_special(f"{n}Function") for n in special)]:
        monkeypatch.setattr(cls, "graph_jvp", None, raising=False)
        monkeypatch.setattr(cls, "jvp", None)
    expected = tangent_and_gradients()  # the double vjp everywhere it matters
    monkeypatch.undo()
    monkeypatch.setattr(fwAD, "double_vjp", lambda *a, **k: pytest.fail("the double vjp ran"))
    found = tangent_and_gradients()
    _assert_same(found, expected, rtol=1e-10, atol=1e-12)
    with fwAD.dual_level():  # nothing requires grad: the own rule (symmetric_jvp, layer_norm's jvp)
        inputs = [autograd.tensor(v, dtype=autograd.float64) for v in values]
        tangents = [autograd.tensor(v, dtype=autograd.float64) for v in tangent_values]
        own = fwAD.unpack_dual(f(*[fwAD.make_dual(p, t) for p, t in zip(inputs, tangents)])).tangent
    assert not own.requires_grad
    np.testing.assert_allclose(own.numpy(), found[0].numpy(), rtol=1e-10, atol=1e-12)
    h = 1e-6
    with autograd.no_grad():
        up, down = (
            f(
                *[
                    autograd.tensor(v + step * t, dtype=autograd.float64)
                    for v, t in zip(values, tangent_values)
                ]
            )
            for step in (h, -h)
        )
    np.testing.assert_allclose(found[0].numpy(), (up - down).numpy() / (2 * h), rtol=1e-6, atol=1e-8)


def test_forward_over_reverse_through_a_block_takes_one_recorded_pass_per_op(monkeypatch):
    """A Hessian-vector product through Linear-LayerNorm-GELU-Linear (a tangent through the
    recorded gradient computation): every op's differentiable tangent comes from its graph rule
    (no double vjp), the result matches central differences of the gradient, and the pass makes
    fewer than a third of the Function calls the double vjp makes."""
    from tt_autograd import gradients
    from tt_autograd.forward_ad_check import forward_over_reverse

    model = tt_nn.Sequential(tt_nn.Linear(4, 6), tt_nn.LayerNorm(6), tt_nn.GELU(), tt_nn.Linear(6, 3))
    model.to(autograd.float64)
    x = autograd.tensor(RNG.uniform(-1, 1, (2, 4)), dtype=autograd.float64)
    v = autograd.tensor(RNG.uniform(-1, 1, (2, 4)), dtype=autograd.float64)

    def gradient(point):
        (g,) = gradients.grad((model(point) ** 2).sum(), point)
        return g

    found, calls, used = forward_over_reverse(gradient, x, v)
    assert used == []
    h = 1e-6
    up, down = (gradient((x + step * v).requires_grad_()) for step in (h, -h))
    expected = (up - down).numpy() / (2 * h)
    np.testing.assert_allclose(found.numpy(), expected, rtol=1e-6, atol=1e-8)
    for cls in set(_functions().values()) | _graph_rule_functions():
        monkeypatch.setattr(cls, "graph_jvp", None, raising=False)
    slow, slow_calls, used = forward_over_reverse(gradient, x, v)
    assert len(used) > 30  # (every op of the recorded backward went the double vjp's way)
    np.testing.assert_allclose(found.numpy(), slow.numpy(), rtol=1e-10, atol=1e-12)
    assert 3 * calls < slow_calls, (calls, slow_calls)
    print(f"forward over reverse: {calls} Function calls (graph rules), {slow_calls} (double vjp)")


def _graph_rule_functions():
    from tt_autograd.functions import arithmetic, linalg, reductions, shape, unary

    symmetric = [arithmetic.NegFunction, _special("NdtrFunction")]
    return {
        arithmetic.AddFunction,
        arithmetic.SubFunction,
        arithmetic.MulFunction,
        arithmetic.DivFunction,
        arithmetic.PowFunction,
        linalg.MatMulFunction,
        reductions.SumFunction,
        reductions.MeanFunction,
        shape.ViewFunction,
        shape.PermuteFunction,
        shape.ExpandFunction,
        unary.CopyFunction,
        *symmetric,
    }
