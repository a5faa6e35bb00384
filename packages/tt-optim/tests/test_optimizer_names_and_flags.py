"""PyTorch's optimizer constructors, argument for argument: named parameters (``param_names``,
PyTorch 2.6) and the implementation switches ``foreach`` / ``fused`` / ``capturable`` (accepted, the
same values) and ``differentiable`` (refused by name).

Not course material (outside module 06's regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_optim import (
    ASGD,
    SGD,
    Adadelta,
    Adafactor,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    RAdam,
    RMSprop,
    Rprop,
)

# each optimizer with the switches PyTorch 2.13 gives it
SWITCHES = [
    (SGD, {"lr": 0.1, "momentum": 0.9}, ("foreach", "fused")),
    (Adam, {"lr": 0.1}, ("foreach", "fused", "capturable")),
    (AdamW, {"lr": 0.1}, ("foreach", "fused", "capturable")),
    (RMSprop, {"lr": 0.1}, ("foreach", "capturable")),
    (Adagrad, {"lr": 0.1}, ("foreach", "fused")),
    (Adadelta, {"lr": 0.1}, ("foreach", "capturable")),
    (Adamax, {"lr": 0.1}, ("foreach", "capturable")),
    (NAdam, {"lr": 0.1}, ("foreach", "capturable")),
    (RAdam, {"lr": 0.1}, ("foreach", "capturable")),
    (ASGD, {"lr": 0.1}, ("foreach", "capturable")),
    (Rprop, {"lr": 0.1}, ("foreach", "capturable")),
    (Adafactor, {"lr": 0.1}, ("foreach",)),
]
IDS = [case[0].__name__ for case in SWITCHES]


def _run(leaves, gradient_feed, make, steps: int = 3) -> list[np.ndarray]:
    params, _ = leaves((3, 2), (2,))
    optimizer = make(params)
    _, install = gradient_feed(params, steps)
    for t in range(steps):
        install(t)
        optimizer.step()
    return [p.detach().numpy().copy() for p in params]


@pytest.mark.parametrize(("kind", "options", "switches"), SWITCHES, ids=IDS)
def test_implementation_switches_are_accepted_and_change_nothing(
    kind, options, switches, rng, leaves, gradient_feed
):
    state = rng.bit_generator.state
    plain = _run(leaves, gradient_feed, lambda p: kind(p, **options))
    for switch in switches:
        for value in (True, False):
            rng.bit_generator.state = state  # the same starting values and gradients
            switched = _run(leaves, gradient_feed, lambda p, s=switch, v=value: kind(p, **options, **{s: v}))
            for got, want in zip(switched, plain):
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("kind", "options", "switches"), SWITCHES[:-1], ids=IDS[:-1])  # (not Adafactor:
def test_differentiable_is_refused_by_name(kind, options, switches, leaves):  # it has no such argument)
    params, _ = leaves((2,))
    with pytest.raises(
        NotImplementedError, match=rf"{kind.__name__}: differentiable=True is not implemented"
    ):
        kind(params, **options, differentiable=True)
    if "fused" in switches and "foreach" in switches:
        with pytest.raises(RuntimeError, match=r"`fused` and `foreach` cannot be `True` together"):
            kind(params, **options, foreach=True, fused=True)


def test_positional_switches_sit_where_pytorchs_do(leaves):
    params, _ = leaves((2,))
    # RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered, capturable, foreach, maximize)
    assert RMSprop(params, 0.1, 0.9, 1e-8, 0.0, 0.0, False, False, None, True).defaults["maximize"] is True
    # Adagrad(params, lr, lr_decay, weight_decay, initial_accumulator_value, eps, foreach)
    Adagrad(params, 0.1, 0.0, 0.0, 0.0, 1e-10, True)
    with pytest.raises(TypeError):
        Adam(params, 0.1, (0.9, 0.999), 1e-8, 0.0, False, True)  # keyword-only after amsgrad, as PyTorch's


def test_named_parameters_give_param_names(leaves, gradient_feed, rng):
    params, _ = leaves((3, 2), (2,))
    named = AdamW([("layer.weight", params[0]), ("layer.bias", params[1])], lr=0.1)
    assert named.param_groups[0]["param_names"] == ["layer.weight", "layer.bias"]
    assert named.param_groups[0]["params"][0] is params[0]
    saved = named.state_dict()
    assert saved["param_groups"][0]["param_names"] == ["layer.weight", "layer.bias"]
    assert saved["param_groups"][0]["params"] == [0, 1]
    # groups of pairs, each with its options
    grouped = SGD(
        [{"params": [("w", params[0])], "weight_decay": 0.1}, {"params": [("b", params[1])], "lr": 0.5}],
        lr=0.1,
    )
    assert [g["param_names"] for g in grouped.param_groups] == [["w"], ["b"]]
    assert [g["lr"] for g in grouped.param_groups] == [0.1, 0.5]


def test_named_and_plain_steps_are_the_same(rng, leaves, gradient_feed):
    state = rng.bit_generator.state
    plain = _run(leaves, gradient_feed, lambda p: Adam(p, lr=0.1))
    rng.bit_generator.state = state
    named = _run(leaves, gradient_feed, lambda p: Adam([(f"p{i}", t) for i, t in enumerate(p)], lr=0.1))
    for got, want in zip(named, plain):
        np.testing.assert_array_equal(got, want)


def test_loading_keeps_or_replaces_names_as_pytorch(leaves):
    params, _ = leaves((3, 2), (2,))
    optimizer = Adam([("a", params[0]), ("b", params[1])], lr=0.1)
    saved = optimizer.state_dict()
    saved["param_groups"][0]["param_names"] = ["x", "y"]
    optimizer.load_state_dict(saved)
    assert optimizer.param_groups[0]["param_names"] == ["x", "y"]  # the saved names replace them
    without = {"state": saved["state"], "param_groups": [dict(saved["param_groups"][0])]}
    del without["param_groups"][0]["param_names"]
    optimizer.load_state_dict(without)
    assert optimizer.param_groups[0]["param_names"] == ["x", "y"]  # none saved: the group keeps its own
    plain = Adam(params, lr=0.1)
    plain.load_state_dict(without)
    assert "param_names" not in plain.param_groups[0]


def test_mixed_names_are_refused(leaves):
    params, _ = leaves((3, 2), (2,))
    with pytest.raises(ValueError, match=r"every parameter of a group as a \(name, tensor\) pair, or none"):
        SGD([("w", params[0]), params[1]], lr=0.1)
    with pytest.raises(ValueError, match=r"\(name, tensor\) pair"):
        SGD([("w", params[0], "extra")], lr=0.1)
    optimizer = SGD([("w", params[0])], lr=0.1)
    with pytest.raises(
        ValueError, match="all parameter groups must be given with names .* this group is without"
    ):
        optimizer.add_param_group({"params": [params[1]]})
    with pytest.raises(ValueError, match="this group is with names"):
        SGD([params[0]], lr=0.1).add_param_group({"params": [("b", params[1])]})
