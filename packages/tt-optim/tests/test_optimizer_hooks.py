"""An optimizer's hooks, as PyTorch's (``tt_optim/optimizer_hooks.py``): step pre/post hooks (the
optimizer's and the global ones, their order, replaced arguments, removal, subclasses' own ``step``
and ``super().step()`` run once), state-dict and load-state-dict hooks (replacing the dict either
way, ``prepend``). Not course material (outside module 06's regions), so no module number."""

from __future__ import annotations

import pytest
from tt_optim import LBFGS, SGD, Adam, Optimizer
from tt_optim.optimizer_hooks import register_optimizer_step_post_hook, register_optimizer_step_pre_hook


def _sgd(leaves):
    params, _ = leaves((2,))
    params[0].grad = params[0].detach() * 0 + 1.0
    return SGD(params, lr=0.5), params[0]


def test_step_hooks_run_in_pytorchs_order_and_come_off(leaves):
    optimizer, _ = _sgd(leaves)
    log = []
    global_pre = register_optimizer_step_pre_hook(lambda o, a, k: log.append("global pre"))
    global_post = register_optimizer_step_post_hook(lambda o, a, k: log.append("global post"))
    pre = optimizer.register_step_pre_hook(lambda o, a, k: log.append(("pre", o is optimizer, a, k)))
    post = optimizer.register_step_post_hook(lambda o, a, k: log.append("post"))
    try:
        optimizer.step()
        assert log == ["global pre", ("pre", True, (), {}), "post", "global post"]
        log.clear()
        pre.remove()
        global_post.remove()
        optimizer.step()
        assert log == ["global pre", "post"]
    finally:
        global_pre.remove()
        global_post.remove()
        post.remove()
    log.clear()
    optimizer.step()
    assert log == []


def test_a_pre_hook_may_replace_the_arguments(leaves):
    optimizer, p = _sgd(leaves)
    closure_calls = []

    def closure():
        closure_calls.append(1)
        return 7.0

    optimizer.register_step_pre_hook(lambda o, a, k: ((), {"closure": closure}))
    assert optimizer.step() == 7.0 and closure_calls == [1]
    for junk in ("junk", ((),), ((), [])):  # not a pair; a pair whose second is no dict
        handle = optimizer.register_step_pre_hook(lambda o, a, k, junk=junk: junk)
        with pytest.raises(RuntimeError, match=r"SGD.step: a step pre-hook must return None or a tuple of"):
            optimizer.step()
        handle.remove()


def test_subclasses_steps_run_the_hooks_once(leaves):
    class Halving(SGD):
        def step(self, closure=None):  # its own step, calling the parent's
            for group in self.param_groups:
                group["lr"] /= 2
            return super().step(closure)

    params, _ = leaves((2,))
    params[0].grad = params[0].detach() * 0 + 1.0
    optimizer, log = Halving(params, lr=1.0), []
    optimizer.register_step_post_hook(lambda o, a, k: log.append(o.param_groups[0]["lr"]))
    assert optimizer.step(lambda: 3.0) == 3.0  # the closure's loss, through both wrapped steps
    assert log == [0.5]
    lbfgs = LBFGS(params)
    lbfgs.register_step_post_hook(lambda o, a, k: log.append("lbfgs"))

    def closure():
        lbfgs.zero_grad()
        params[0].grad = params[0].detach() * 0 + 1.0
        return 1.0

    lbfgs.step(closure)
    assert log[-1] == "lbfgs" and log.count("lbfgs") == 1


def test_state_dict_hooks_may_replace_the_dict(leaves):
    params, _ = leaves((2,))
    optimizer, log = Adam(params, lr=0.1), []
    optimizer.register_state_dict_pre_hook(lambda o: log.append("pre"))
    optimizer.register_state_dict_post_hook(lambda o, sd: {**sd, "note": "second"})
    optimizer.register_state_dict_post_hook(lambda o, sd: log.append(sd.get("note", "none")), prepend=True)
    saved = optimizer.state_dict()
    assert log == ["pre", "none"] and saved["note"] == "second"  # the prepended one ran first

    def rename(o, sd):
        sd = dict(sd)
        sd["param_groups"] = [{**g, "lr": 0.25} for g in sd["param_groups"]]
        return sd

    optimizer.register_load_state_dict_pre_hook(rename)
    optimizer.register_load_state_dict_post_hook(lambda o: log.append(("loaded", o.param_groups[0]["lr"])))
    optimizer.load_state_dict(optimizer.state_dict())
    assert log[-1] == ("loaded", 0.25)
    with pytest.raises(TypeError, match="register_step_pre_hook: hook must be callable, got int"):
        optimizer.register_step_pre_hook(3)


def test_the_base_class_is_hooked_too():
    assert Optimizer.step.runs_step_hooks and SGD.step is Optimizer.step  # (SGD has no step of its own)


def test_optimizer_hooks_do_not_make_backward_schedule_tensor_hooks(leaves):
    from tt_autograd import hooks

    optimizer, _ = _sgd(leaves)
    before = len(hooks.hooked)
    handles = [
        optimizer.register_step_pre_hook(lambda o, a, k: None),
        register_optimizer_step_pre_hook(lambda o, a, k: None),
        register_optimizer_step_post_hook(lambda o, a, k: None),
    ]
    assert len(hooks.hooked) == before  # (leaf hooks there make every backward walk its schedule)
    for handle in handles:
        handle.remove()
