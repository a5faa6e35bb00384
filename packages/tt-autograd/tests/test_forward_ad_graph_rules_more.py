"""Forward-mode AD: ``graph_jvp`` (and own ``jvp``) rules of indexing, masking, selection and joining.

As in ``test_forward_ad_graph_rules.py``: with every primal and tangent requiring grad, the tangent
and the gradients of ``⟨tangent, w⟩`` with respect to all of them equal the generic rule's (the
double vjp, with the ops' ``graph_jvp`` removed) while the double vjp is made to fail; the tangent
equals float64 central differences; and with nothing requiring grad, the one-pass ``jvp`` (its
``graph_backward`` made to fail) gives the same tangent. These ops are the ones a transformer's
recorded backward runs (``getitem`` and its backward ``PlaceAtKey`` in the attention's heads,
``masked_fill`` and ``where`` for masks, ``cat``/``stack``), so a Hessian-vector product through
it takes no double vjp.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd.forward_ad_check import check_jvp_rules
from tt_autograd.functions import arithmetic, indexing, reductions, shape

RNG = np.random.default_rng(2930)
MASK = np.array([[True, False, True], [False, False, True]])
PICK = np.array([[2, 0, 2], [1, 1, 0]])
I, A = indexing, arithmetic


def _const(values):
    return autograd.tensor(np.asarray(values, dtype=np.float64))


def _place(x, shape_, key):
    return indexing.PlaceAtKeyFunction.apply(x, shape=shape_, key=key)


CASES = {  # name: (function, input shapes, Functions whose rules must run)
    "getitem_slices": (lambda a: a[1:, ::2] * a[:2, 1:], [(3, 3)], [I.GetItemFunction]),
    "getitem_repeated_ints": (lambda a: a[np.array([0, 2, 0])] ** 2, [(3, 2)], [I.GetItemFunction]),
    "getitem_bool_mask": (lambda a: a[MASK] * a[MASK], [(2, 3)], [I.GetItemFunction]),
    "place_at_slices": (lambda a: _place(a * a, (4, 3), (slice(1, 3),)), [(2, 3)], [I.PlaceAtKeyFunction]),
    "place_at_repeated_ints": (
        lambda a: _place(a * a, (3, 2), (np.array([0, 2, 0]),)),
        [(3, 2)],
        [I.PlaceAtKeyFunction],
    ),
    "masked_fill": (
        lambda a: a.masked_fill(autograd.tensor(MASK), 2.0) ** 2,
        [(2, 3)],
        [I.MaskedFillFunction],
    ),
    "masked_fill_broadcast_mask": (
        lambda a: a.masked_fill(autograd.tensor(MASK), -1.0) * a,
        [(3,)],
        [I.MaskedFillFunction],
    ),
    "where_broadcast": (
        lambda a, b: autograd.where(autograd.tensor(MASK), a * a, b * a[0]),
        [(3,), (2, 1)],
        [A.WhereFunction],
    ),
    "where_one_side": (lambda a: a.where(autograd.tensor(MASK), 0.5) ** 3, [(2, 3)], [A.WhereFunction]),
    "clamp_tensor_bounds": (
        lambda a, low, high: a.clamp(low, high + 0.5) ** 2,
        [(2, 3), (3,), (2, 1)],
        [A.ClampBoundsFunction],
    ),
    "clamp_min_tensor": (lambda a, low: a.clamp(min=low) * a, [(2, 3), (2, 3)], [A.ClampBoundsFunction]),
    "clamp_max_tensor": (lambda a, high: a.clamp(max=high) * a, [(4,), ()], [A.ClampBoundsFunction]),
    "logsumexp_dim": (lambda a: a.logsumexp(1) ** 2, [(2, 3)], [reductions.LogSumExpFunction]),
    "logsumexp_dims_keepdim": (
        lambda a, b: (a * b).logsumexp((0, 2), keepdim=True) * a,
        [(2, 3, 4), (3, 1)],
        [reductions.LogSumExpFunction],
    ),
    "var_dim": (lambda a: a.var(1) * a[:, 0], [(2, 3)], [reductions.VarFunction]),
    "var_all_keepdim_correction_0": (
        lambda a, b: (a * b).var(correction=0, keepdim=True) * a,
        [(2, 3), (3,)],
        [reductions.VarFunction],
    ),
    "std_dims": (lambda a: a.std((0, 2)) ** 2 * a[0, :, 0], [(2, 3, 4)], [reductions.VarFunction]),
    "cumsum": (lambda a, b: (a * b).cumsum(0) ** 2, [(3, 2), (2,)], [reductions.CumsumFunction]),
    "cumsum_last": (lambda a: a.cumsum(-1) * a, [(2, 4)], [reductions.CumsumFunction]),
    "cat": (lambda a, b: autograd.cat([a, b * b, a], dim=1) ** 2, [(2, 1), (2, 3)], [shape.CatFunction]),
    "cat_constant": (
        lambda a: autograd.cat([_const(PICK[:1]), a * a], dim=0) * 2.0,
        [(2, 3)],
        [shape.CatFunction],
    ),
    "stack": (lambda a, b: autograd.stack([a * b, b], dim=1) ** 2, [(2, 3), (2, 3)], [shape.StackFunction]),
    "stack_constant": (
        lambda a: autograd.stack([a * a, _const(PICK[0])], dim=-1) ** 2,
        [(3,)],
        [shape.StackFunction],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rules_match_the_double_vjp_and_central_differences(name):
    f, shapes, functions = CASES[name]
    check_jvp_rules(f, shapes, functions, seed=len(name), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("graph", [False, True])
def test_a_masked_fill_of_a_constant_with_a_dual_value_has_a_zero_tangent(graph):
    """``value`` gets no gradient from masked_fill, so (as the double vjp) no tangent either: the
    output's tangent is zeros of its shape, in both rules."""
    x = autograd.tensor(RNG.uniform(-1, 1, (2, 3)), dtype=autograd.float64)
    with fwAD.dual_level():
        value = fwAD.make_dual(
            autograd.tensor(2.0, dtype=autograd.float64, requires_grad=graph),
            autograd.tensor(1.0, dtype=autograd.float64),
        )
        out = indexing.MaskedFillFunction.apply(x, MASK, value)
        tangent = fwAD.unpack_dual(out).tangent
    assert tangent is not None and tangent.shape == (2, 3) and not tangent.detach().numpy().any()


class SquareFunction(autograd.Function):
    """``x²`` with every rule written out, for checking ``check_jvp_rules`` against rules made wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return (grad * 2.0 * ctx.saved_tensors[0],)

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad * 2.0 * ctx.input_tensor(0, ctx.saved_tensors[0]),)

    @staticmethod
    def jvp(ctx, tangent):
        return 2.0 * ctx.saved_tensors[0] * tangent

    @staticmethod
    def graph_jvp(ctx, tangent):
        return 2.0 * ctx.input_tensor(0, ctx.saved_tensors[0]) * tangent


def _thrice(ctx, value):  # 3 x · value: a wrong slope, for every rule alike
    return 3.0 * ctx.saved_tensors[0] * value


WRONG = {  # name: (the rules replaced, the check that must fail)
    "graph_jvp_value": (
        {"graph_jvp": lambda ctx, t: 3.0 * ctx.input_tensor(0, ctx.saved_tensors[0]) * t},
        "the tangent from",
    ),
    "graph_jvp_cut": (
        {"graph_jvp": lambda ctx, t: 2.0 * autograd.tensor(ctx.saved_tensors[0]) * t},
        "d primal 0",
    ),
    "graph_jvp_constant": (
        {"graph_jvp": lambda ctx, t: autograd.tensor(2.0 * ctx.saved_tensors[0] * t.detach().numpy())},
        "must too",
    ),
    "graph_jvp_tangent_cut": (
        {"graph_jvp": lambda ctx, t: 2.0 * ctx.input_tensor(0, ctx.saved_tensors[0]) * t.detach()},
        "d tangent 0",
    ),
    "graph_jvp_missing": ({"graph_jvp": None}, "the double vjp ran"),
    "jvp_value": ({"jvp": _thrice}, "one-pass"),
    "all_wrong_alike": (
        {
            "backward": lambda ctx, g: (_thrice(ctx, g),),
            "graph_backward": lambda ctx, g: (3.0 * ctx.input_tensor(0, ctx.saved_tensors[0]) * g,),
            "jvp": _thrice,
            "graph_jvp": lambda ctx, t: 3.0 * ctx.input_tensor(0, ctx.saved_tensors[0]) * t,
        },
        "central differences",
    ),
}


def test_check_jvp_rules_passes_right_rules():
    check_jvp_rules(SquareFunction.apply, [(2, 3)], [SquareFunction], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_check_jvp_rules_names_the_wrong_rule(name, monkeypatch):
    rules, message = WRONG[name]
    for rule, value in rules.items():
        monkeypatch.setattr(SquareFunction, rule, None if value is None else staticmethod(value))
    with pytest.raises(AssertionError, match=message):
        check_jvp_rules(SquareFunction.apply, [(2, 3)], [SquareFunction])
    assert fwAD.double_vjp.__name__ == "double_vjp"  # put back after the check
    assert "jvp" in SquareFunction.__dict__ and "graph_jvp" in SquareFunction.__dict__


class SquareAgainFunction(SquareFunction):
    """Its rules inherited: the check removes them on the subclass for a while, then deletes its own."""


def test_check_jvp_rules_puts_inherited_rules_back():
    check_jvp_rules(SquareAgainFunction.apply, [(3,)], [SquareAgainFunction])
    assert not {"jvp", "graph_jvp"} & set(SquareAgainFunction.__dict__)
    assert SquareAgainFunction.jvp is SquareFunction.jvp


def test_a_node_keeps_no_reference_to_its_inputs_after_its_rule():
    """``inputs_of`` answers while a rule runs only: the node holds no tangent inputs after."""
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    with fwAD.dual_level():
        out = fwAD.make_dual(x, autograd.tensor([1.0, 0.0])) * 2.0
        assert fwAD.unpack_dual(out).tangent is not None
    assert "_fw_inputs" not in out.grad_fn.__dict__
