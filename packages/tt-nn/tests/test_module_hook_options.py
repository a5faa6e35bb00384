"""PyTorch's forward-hook options (``with_kwargs``, ``prepend``, ``always_call``; ``prepend`` of the
backward hooks) and ``Module.get_parameter`` / ``get_buffer``. Not course material, so no module number."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


class Scale(nn.Module):
    """``x * factor + shift``, with ``shift`` a keyword argument (what with_kwargs hooks see)."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(autograd.tensor([2.0]))
        self.register_buffer("count", autograd.tensor([0.0]))

    def forward(self, x, *, shift=0.0):
        if shift == "fail":
            raise ValueError("forward failed")
        return x * self.weight + shift


def test_with_kwargs_hooks_see_and_replace_the_keyword_arguments():
    layer, seen = Scale(), []
    layer.register_forward_pre_hook(
        lambda m, args, kwargs: seen.append(("pre", dict(kwargs))), with_kwargs=True
    )
    layer.register_forward_hook(
        lambda m, args, kwargs, out: seen.append(("post", dict(kwargs))), with_kwargs=True
    )
    layer(autograd.tensor([1.0]), shift=3.0)
    assert seen == [("pre", {"shift": 3.0}), ("post", {"shift": 3.0})]
    replace = layer.register_forward_pre_hook(
        lambda m, args, kwargs: ((args[0] * 10,), {"shift": 1.0}), with_kwargs=True, prepend=True
    )
    out = layer(autograd.tensor([1.0]), shift=3.0)
    np.testing.assert_array_equal(
        out.detach().numpy(), [21.0]
    )  # 10 * 2 + 1: both replaced, before the others
    assert seen[-1] == ("post", {"shift": 1.0})  # the forward hook sees the replaced kwargs
    replace.remove()
    doubled = layer.register_forward_hook(lambda m, args, kwargs, out: out * 2, with_kwargs=True)
    np.testing.assert_array_equal(layer(autograd.tensor([1.0])).detach().numpy(), [4.0])
    doubled.remove()
    bad = layer.register_forward_pre_hook(lambda m, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\)"):
        layer(autograd.tensor([1.0]), shift=3.0)
    bad.remove()
    dropping = layer.register_forward_pre_hook(lambda m, args, kwargs: (args, {}), with_kwargs=True)
    out = layer(autograd.tensor([1.0]), shift=3.0)
    np.testing.assert_array_equal(out.detach().numpy(), [2.0])  # the new kwargs replace the old entirely
    dropping.remove()


def test_prepend_runs_first_and_handles_remove_what_they_added():
    layer, order = Scale(), []
    layer.register_forward_hook(lambda m, a, o: order.append("first registered"))
    handle = layer.register_forward_hook(lambda m, a, o: order.append("prepended"), prepend=True)
    layer.register_forward_pre_hook(lambda m, a: order.append("pre, registered"))
    layer.register_forward_pre_hook(lambda m, a: order.append("pre, prepended"), prepend=True)
    layer(autograd.tensor([1.0]))
    assert order == ["pre, prepended", "pre, registered", "prepended", "first registered"]
    replacing = layer.register_forward_pre_hook(lambda m, a: autograd.tensor([5.0]))  # one value: the args
    np.testing.assert_array_equal(layer(autograd.tensor([1.0])).detach().numpy(), [10.0])
    replacing.remove()
    handle.remove()
    order.clear()
    layer(autograd.tensor([1.0]))
    assert order == ["pre, prepended", "pre, registered", "first registered"]
    grads = []
    x = autograd.tensor([1.0], requires_grad=True)
    layer.register_full_backward_hook(lambda m, gi, go: grads.append("registered"))
    layer.register_full_backward_hook(lambda m, gi, go: grads.append("prepended"), prepend=True)
    layer(x).sum().backward()
    assert grads == ["prepended", "registered"]


def test_always_call_hooks_run_when_forward_raises():
    layer, calls = Scale(), []
    layer.register_forward_hook(lambda m, a, o: calls.append(("plain", o)))
    layer.register_forward_hook(lambda m, a, o: calls.append(("always", o)), always_call=True)
    layer.register_forward_hook(
        lambda m, a, k, o: calls.append(("always+kwargs", k, o)), always_call=True, with_kwargs=True
    )
    with pytest.raises(ValueError, match="forward failed"):
        layer(autograd.tensor([1.0]), shift="fail")
    assert calls == [("always", None), ("always+kwargs", {"shift": "fail"}, None)]
    calls.clear()
    layer(autograd.tensor([1.0]))
    assert [c[0] for c in calls] == ["plain", "always", "always+kwargs"]  # and on success, in order


def test_get_parameter_and_get_buffer_follow_dotted_paths():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(Scale()))
    assert model.get_parameter("0.weight") is model[0].weight
    assert model.get_parameter("1.0.weight") is model[1][0].weight
    assert model.get_buffer("1.0.count") is model[1][0].count
    with pytest.raises(
        AttributeError, match=r"get_parameter: Linear has no parameter 'gain' \(in '0.gain'\)"
    ):
        model.get_parameter("0.gain")
    with pytest.raises(AttributeError, match="get_buffer: Scale has no buffer 'weight'"):
        model.get_buffer("1.0.weight")  # a parameter, not a buffer
    with pytest.raises(AttributeError, match="get_submodule: Sequential has no submodule '7'"):
        model.get_parameter("7.weight")
