"""``Module.set_submodule``, ``to_empty`` and ``share_memory`` (PyTorch 2.13's), errors included."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


def model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))


def test_set_submodule_replaces_or_adds_under_an_existing_parent():
    net = model()
    tanh = nn.Tanh()
    net.set_submodule("1.new", tanh)
    assert net[1].new is tanh and list(dict(net[1].named_children())) == ["0", "new"]
    net.set_submodule("1.0", nn.Sigmoid(), strict=True)
    assert type(net[1][0]) is nn.Sigmoid
    net.set_submodule("0", nn.Identity())
    assert type(net[0]) is nn.Identity and list(net.state_dict()) == []


@pytest.mark.parametrize(
    ("target", "module", "strict", "error", "message"),
    [
        ("", nn.ReLU(), False, ValueError, r"set_submodule: cannot set the submodule without a target name"),
        ("0", 3, False, ValueError, r"set_submodule: `module` is not an nn.Module, found int"),
        ("0.weight", nn.ReLU(), False, AttributeError,
         r"set_submodule: `weight` is not an nn.Module \(in '0.weight'\)"),
        ("2.x", nn.ReLU(), False, AttributeError,
         r"get_submodule: Sequential has no submodule '2' \(in '2'\)"),
        ("1.new", nn.ReLU(), True, AttributeError,
         r"set_submodule: Sequential has no attribute `new` \(in '1.new'\); strict=True only replaces"),
    ],
)  # fmt: skip
def test_set_submodule_errors_name_the_path_and_the_fix(target, module, strict, error, message):
    net = model()
    with pytest.raises(error, match=message):
        net.set_submodule(target, module, strict=strict)
    assert list(dict(net[1].named_children())) == ["0"] and type(net[0]) is nn.Linear


def test_set_submodule_refuses_to_replace_a_plain_attribute():
    net = model()
    net.foo = 3
    with pytest.raises(AttributeError, match=r"set_submodule: `foo` is not an nn.Module \(in 'foo'\)"):
        net.set_submodule("foo", nn.Tanh())
    assert net.foo == 3


def test_to_empty_keeps_the_tensors_and_gives_them_new_memory():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight, mean = net[0].weight, net[1].running_mean
    old_weight, old_mean = weight.array, mean.array
    weight.grad = autograd.ones(3, 2)
    old_grad = weight.grad.array
    assert net.to_empty(device="cpu") is net
    assert net[0].weight is weight and net[1].running_mean is mean and weight.requires_grad
    assert weight.array is not old_weight and weight.shape == (3, 2) and weight.array.dtype == np.float32
    assert mean.array is not old_mean and mean.shape == (3,)
    assert weight.grad.array is not old_grad and weight.grad.shape == (3, 2)
    assert net[1].num_batches_tracked.array.dtype == np.int64


def test_to_empty_without_recurse_touches_only_the_modules_own():
    outer = nn.Sequential(nn.Linear(1, 1))
    outer.register_buffer("own", autograd.zeros(2))
    own, inner = outer.own.array, outer[0].weight.array
    outer.to_empty(device=None, recurse=False)
    assert outer.own.array is not own and outer[0].weight.array is inner


def test_to_empty_needs_a_cpu_device():
    layer = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="device"):
        layer.to_empty()
    with pytest.raises(
        RuntimeError, match="Linear.to_empty: device 'cuda:0' is not available; .* use device='cpu'"
    ):
        layer.to_empty(device="cuda:0")


def test_to_empty_leaves_a_lazy_modules_uninitialized_parameters_alone():
    lazy = nn.LazyLinear(2)
    lazy.to_empty(device="cpu")
    assert lazy.has_uninitialized_params()
    assert lazy(autograd.ones(1, 3)).shape == (1, 2)


def test_share_memory_returns_the_module_and_warns_that_nothing_is_shared():
    layer = nn.Linear(1, 1)
    array = layer.weight.array
    with pytest.warns(
        UserWarning, match="Linear.share_memory: TinyTorch's tensors cannot live in shared memory"
    ) as record:
        assert layer.share_memory() is layer
    assert layer.weight.array is array and record[0].filename == __file__  # it points at the caller
