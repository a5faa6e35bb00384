"""State-dict hooks and extra state (``tt_nn.module_state``), against PyTorch 2.13's documented behaviour:
the call orders, prefixes, metadata and key lists below are what ``torch.nn`` gives for the same tree."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.bn = nn.BatchNorm1d(2)


def tree() -> nn.Module:
    return nn.Sequential(Block(), nn.Linear(2, 1))


def test_state_dict_hooks_run_per_module_with_its_prefix_pre_order_then_post_order():
    model, calls = tree(), []
    for _, module in model.named_modules():
        module.register_state_dict_pre_hook(
            lambda m, prefix, keep_vars: calls.append(("pre", type(m).__name__, prefix, keep_vars))
        )
        module.register_state_dict_post_hook(
            lambda m, sd, prefix, meta: calls.append(("post", type(m).__name__, prefix, meta, len(sd)))
        )
    sd = model.state_dict(prefix="root.", keep_vars=True)
    assert calls == [
        ("pre", "Sequential", "root.", True),
        ("pre", "Block", "root.0.", True),
        ("pre", "Linear", "root.0.fc.", True),
        ("post", "Linear", "root.0.fc.", {"version": 1}, 2),
        ("pre", "BatchNorm1d", "root.0.bn.", True),
        ("post", "BatchNorm1d", "root.0.bn.", {"version": 2}, 7),
        ("post", "Block", "root.0.", {"version": 1}, 7),
        ("pre", "Linear", "root.1.", True),
        ("post", "Linear", "root.1.", {"version": 1}, 9),
        ("post", "Sequential", "root.", {"version": 1}, 9),
    ]
    assert list(sd) == [
        "root.0.fc.weight",
        "root.0.fc.bias",
        "root.0.bn.weight",
        "root.0.bn.bias",
        "root.0.bn.running_mean",
        "root.0.bn.running_var",
        "root.0.bn.num_batches_tracked",
        "root.1.weight",
        "root.1.bias",
    ]
    assert sd["root.1.weight"] is model[1].weight  # keep_vars: the parameters themselves
    assert dict(sd._metadata) == {
        "root": {"version": 1},
        "root.0": {"version": 1},
        "root.0.fc": {"version": 1},
        "root.0.bn": {"version": 2},
        "root.1": {"version": 1},
    }


def test_without_hooks_the_state_dict_has_the_same_metadata_and_detached_values():
    model = tree()
    sd = model.state_dict()
    assert dict(sd._metadata) == {"": {"version": 1}, "0": {"version": 1}, "0.fc": {"version": 1},
                                  "0.bn": {"version": 2}, "1": {"version": 1}}  # fmt: skip
    hooked = tree()
    hooked.register_state_dict_pre_hook(lambda *a: None)
    hooked_sd = hooked.state_dict()
    assert list(hooked_sd) == list(sd) and dict(hooked_sd._metadata) == dict(sd._metadata)
    value = hooked_sd["1.weight"]
    assert value is not hooked[1].weight and not value.requires_grad
    assert value.array is hooked[1].weight.array  # detached, sharing storage


def test_a_post_hook_edits_in_place_and_may_not_return_a_value():
    layer = nn.Linear(2, 2)
    layer.register_state_dict_post_hook(lambda m, sd, prefix, meta: sd.__delitem__(prefix + "bias"))
    assert list(layer.state_dict()) == ["weight"]
    layer.register_state_dict_post_hook(lambda m, sd, prefix, meta: {})
    with pytest.raises(RuntimeError, match=r"state_dict post-hook must return None \(Linear at ''\)"):
        layer.state_dict()


def test_a_pre_hook_may_change_the_module_before_it_is_saved_and_handles_remove_hooks():
    layer = nn.Linear(2, 2, bias=False)
    handle = layer.register_state_dict_pre_hook(
        lambda m, prefix, keep_vars: m.register_buffer("step", autograd.tensor(3))
    )
    assert list(layer.state_dict()) == ["weight", "step"]
    handle.remove()
    del layer.step
    assert list(layer.state_dict()) == ["weight"]
    with pytest.raises(TypeError, match="register_state_dict_pre_hook: hook must be callable, got int"):
        layer.register_state_dict_pre_hook(3)


def load_calls(model: nn.Module) -> list:
    calls = []
    for _, module in model.named_modules():
        module.register_load_state_dict_pre_hook(
            lambda m, sd, prefix, meta, strict, missing, unexpected, errs: calls.append(
                ("pre", type(m).__name__, prefix, meta, strict, sorted(sd), list(missing), list(unexpected))
            )
        )
        module.register_load_state_dict_post_hook(
            lambda m, keys: calls.append(
                ("post", type(m).__name__, list(keys.missing_keys), keys.unexpected_keys)
            )
        )
    return calls


def test_load_hooks_see_their_part_of_the_dict_and_the_key_lists():
    model = tree()
    sd = model.state_dict()
    calls = load_calls(model)
    del sd["1.bias"]
    sd["extra"] = autograd.zeros(1)
    result = model.load_state_dict(sd, strict=False)
    assert result == (["1.bias"], ["extra"])
    bn = ["0.bn.bias", "0.bn.num_batches_tracked", "0.bn.running_mean", "0.bn.running_var", "0.bn.weight"]
    # PyTorch interleaves the post-hooks with the pre-hooks and shows the lists so far; here every
    # pre-hook runs first (the checks come before any copy) and each post-hook sees the whole lists
    assert calls[:5] == [
        ("pre", "Sequential", "", {"version": 1}, True, [*bn, "0.fc.bias", "0.fc.weight", "1.weight",
                                                         "extra"], [], []),
        ("pre", "Block", "0.", {"version": 1}, True, [*bn, "0.fc.bias", "0.fc.weight"], [], ["extra"]),
        ("pre", "Linear", "0.fc.", {"version": 1}, True, ["0.fc.bias", "0.fc.weight"], [], ["extra"]),
        ("pre", "BatchNorm1d", "0.bn.", {"version": 2}, True, bn, [], ["extra"]),
        ("pre", "Linear", "1.", {"version": 1}, True, ["1.weight"], [], ["extra"]),
    ]  # fmt: skip
    names = ["Linear", "BatchNorm1d", "Block", "Linear", "Sequential"]  # children before their parent
    assert calls[5:] == [("post", name, ["1.bias"], ["extra"]) for name in names]


def test_a_post_hook_that_clears_the_missing_keys_lets_a_strict_load_pass():
    layer = nn.Linear(2, 2)
    layer.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
    weights = {"weight": np.full((2, 2), 5.0)}
    assert layer.load_state_dict(weights) == ([], [])
    assert layer.weight.tolist() == [[5.0, 5.0], [5.0, 5.0]]


def test_a_strict_load_that_still_fails_after_the_post_hooks_puts_the_values_back():
    layer = nn.Linear(2, 2)
    seen = []
    layer.register_load_state_dict_post_hook(lambda m, keys: seen.append(m.weight.tolist()))
    before = layer.weight.tolist()
    with pytest.raises(RuntimeError, match=r"^load_state_dict for Linear: missing keys: bias$"):
        layer.load_state_dict({"weight": np.full((2, 2), 5.0)})
    assert seen == [[[5.0, 5.0], [5.0, 5.0]]]  # the hook ran after the copy, as in PyTorch
    assert layer.weight.tolist() == before  # then the failed load was undone
    with pytest.raises(RuntimeError, match=r"missing keys: bias \| unexpected keys: zz$"):
        layer.load_state_dict({"weight": np.zeros((2, 2)), "zz": np.zeros(1)})
    assert layer.weight.tolist() == before


def test_a_post_hook_returning_a_value_is_refused_and_undone():
    layer = nn.Linear(2, 2)
    before = layer.weight.tolist()
    layer.register_load_state_dict_post_hook(lambda m, keys: keys)
    with pytest.raises(AssertionError, match="post-hook of Linear returned a value: such hooks return None"):
        layer.load_state_dict({"weight": np.ones((2, 2)), "bias": np.ones(2)})
    assert layer.weight.tolist() == before


def test_a_pre_hook_can_rename_add_and_report():
    layer = nn.Linear(2, 2)

    def rename(m, sd, prefix, *rest):
        if prefix + "w" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "w")

    layer.register_load_state_dict_pre_hook(rename)
    given = {"w": np.ones((2, 2)), "bias": np.zeros(2)}
    assert layer.load_state_dict(given) == ([], [])
    assert layer.weight.sum().item() == 4.0 and list(given) == ["w", "bias"]  # the caller's dict untouched
    adding = nn.Linear(2, 2)
    adding.register_load_state_dict_pre_hook(lambda m, sd, prefix, *rest: sd.update(stray=np.zeros(1)))
    with pytest.raises(RuntimeError, match=r"^load_state_dict for Linear: unexpected keys: stray$"):
        adding.load_state_dict(nn.Linear(2, 2).state_dict())
    assert adding.load_state_dict(nn.Linear(2, 2).state_dict(), strict=False) == ([], ["stray"])
    reporting = nn.Linear(2, 2)
    before, ran = reporting.weight.tolist(), []
    reporting.register_load_state_dict_post_hook(lambda m, keys: ran.append(m))
    reporting.register_load_state_dict_pre_hook(
        lambda m, sd, p, meta, s, miss, unexp, errs: errs.append("nope")
    )
    with pytest.raises(
        RuntimeError, match=r"^load_state_dict for Linear: load_state_dict pre-hooks reported: nope"
    ):
        reporting.load_state_dict({"weight": np.ones((2, 2)), "bias": np.ones(2)}, strict=False)
    assert reporting.weight.tolist() == before and ran == []


def test_a_shape_mismatch_stops_a_hooked_load_before_anything_is_written():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 3))
    ran = []
    model.register_load_state_dict_post_hook(lambda m, keys: ran.append(m))
    before = model[0].weight.tolist()
    sd = {
        "0.weight": np.ones((2, 2)),
        "0.bias": np.ones(2),
        "1.weight": np.ones((2, 2)),
        "1.bias": np.ones(3),
    }
    with pytest.raises(
        RuntimeError,
        match=r"shape mismatches: 1.weight: the checkpoint has shape \(2, 2\), the model \(3, 2\)",
    ):
        model.load_state_dict(sd, strict=False)
    assert model[0].weight.tolist() == before and ran == []  # stopped before the copies and post-hooks


def test_load_hooks_get_the_saved_metadata_of_their_path():
    model = nn.Sequential(nn.BatchNorm1d(2))
    seen, root_sees = [], []
    model[0].register_load_state_dict_pre_hook(lambda m, sd, prefix, meta, *rest: seen.append(meta))
    model.register_load_state_dict_pre_hook(
        lambda m, sd, *rest: root_sees.append(getattr(sd, "_metadata", None))
    )
    saved = model.state_dict()
    model.load_state_dict(saved)
    model.load_state_dict(dict(model.state_dict()))  # a plain dict carries no metadata
    assert seen == [{"version": 2}, {}]
    assert root_sees == [saved._metadata, None]  # the root's hooks get the copy with the metadata, as PyTorch


class Counter(nn.Module):
    """A module with extra state: a Python int saved beside its weight."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(autograd.zeros(2))
        self.count = 0

    def get_extra_state(self):
        return {"count": self.count}

    def set_extra_state(self, state) -> None:
        self.count = state["count"]


def test_extra_state_is_saved_after_the_modules_own_entries_and_loaded_back():
    model = nn.Sequential(Counter(), nn.Linear(2, 2))
    model[0].count = 7
    sd = model.state_dict()
    assert list(sd) == ["0.weight", "0._extra_state", "1.weight", "1.bias"]
    assert sd["0._extra_state"] == {"count": 7}
    other = nn.Sequential(Counter(), nn.Linear(2, 2))
    assert other.load_state_dict(sd) == ([], [])
    assert other[0].count == 7


def test_missing_extra_state_is_reported_and_an_unwanted_one_is_unexpected():
    model = nn.Sequential(Counter())
    with pytest.raises(RuntimeError, match=r"^load_state_dict for Sequential: missing keys: 0._extra_state$"):
        model.load_state_dict({"0.weight": np.ones(2)})
    assert model[0].weight.tolist() == [0.0, 0.0]
    assert model.load_state_dict({"0.weight": np.ones(2)}, strict=False) == (["0._extra_state"], [])
    assert model[0].weight.tolist() == [1.0, 1.0]
    model[0].count = 1
    with pytest.raises(RuntimeError, match=r"^load_state_dict for Sequential: unexpected keys: stray$"):
        model.load_state_dict({"0.weight": np.full(2, 2.0), "0._extra_state": {"count": 9}, "stray": 0})
    assert model[0].count == 1 and model[0].weight.tolist() == [1.0, 1.0]  # a refused load sets nothing
    plain = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"unexpected keys: _extra_state$"):
        plain.load_state_dict({**plain.state_dict(), "_extra_state": 1})


class SaveOnly(nn.Module):
    def get_extra_state(self):
        return 1


def test_extra_state_is_saved_only_when_get_extra_state_is_overridden_and_modules_own_raise():
    assert list(SaveOnly().state_dict()) == ["_extra_state"]
    assert SaveOnly().load_state_dict({"_extra_state": 1}, strict=False) == ([], ["_extra_state"])
    with pytest.raises(RuntimeError, match="Linear.get_extra_state: Module's own is never called"):
        nn.Linear(1, 1).get_extra_state()
    with pytest.raises(RuntimeError, match="Linear.set_extra_state: Module's own is never called"):
        nn.Linear(1, 1).set_extra_state(None)


def test_a_lazy_module_with_load_hooks_takes_the_checkpoints_shapes_first():
    lazy = nn.LazyLinear(2)
    shapes = []
    lazy.register_load_state_dict_pre_hook(lambda m, sd, *rest: shapes.append(m.weight.shape))
    lazy.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    assert shapes == [(2, 3)] and lazy.weight.tolist() == [[1.0] * 3] * 2


def test_a_clean_load_prints_as_pytorchs_does():
    layer = nn.Linear(2, 2)
    result = layer.load_state_dict(layer.state_dict())
    assert repr(result) == str(result) == "<All keys matched successfully>" and result == ([], [])
    partial = layer.load_state_dict({"weight": np.ones((2, 2))}, strict=False)
    assert repr(partial) == "IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])"
