"""Module 04: ``Module`` and ``Parameter`` — registration, traversal, modes, state dicts, repr, hooks."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(autograd.ones(4))
        self.register_buffer("steps", autograd.zeros(1))
        self.register_buffer("cache", autograd.zeros(2), persistent=False)
        self.plain = autograd.ones(2)  # a plain tensor attribute: not registered

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        self.block = Block()
        self.head = nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.head(self.block(self.encoder(x)))


def test_named_parameters_are_dotted_and_in_registration_order():
    names = [name for name, _ in Net().named_parameters()]
    assert names == [
        "encoder.0.weight", "encoder.0.bias", "block.scale", "block.fc.weight", "block.fc.bias",
        "block.norm.weight", "block.norm.bias", "head.weight",
    ]  # fmt: skip
    assert all(isinstance(p, nn.Parameter) for p in Net().parameters())
    assert [name for name, _ in Block().named_parameters(recurse=False)] == ["scale"]
    assert [name for name, _ in Net().named_parameters(prefix="model")][0] == "model.encoder.0.weight"


def test_buffers_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == [
        "block.steps", "block.cache", "block.norm.running_mean", "block.norm.running_var",
        "block.norm.num_batches_tracked",
    ]  # fmt: skip
    assert [n for n, _ in net.named_children()] == ["encoder", "block", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "", "encoder", "encoder.0", "encoder.1", "block", "block.fc", "block.norm", "head",
    ]  # fmt: skip
    assert net.get_submodule("block.norm") is net.block.norm and net.get_submodule("") is net
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        net.get_submodule("block.nope")


def test_plain_tensors_and_numbers_are_not_registered():
    block = Block()
    assert "plain" not in dict(block.named_parameters()) and "plain" not in dict(block.named_buffers())
    assert "plain" not in block.state_dict()


def test_shared_parameters_are_listed_once_but_saved_under_every_name():
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight  # tied weights
    model = nn.Sequential(a, b)
    assert len(list(model.parameters())) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # as in PyTorch
    shared = nn.Sequential(a, a)
    assert len(list(shared.parameters())) == 2
    assert list(shared.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert len(list(shared.modules())) == 2


def test_assignment_rules_follow_pytorch():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        layer.weight = autograd.zeros(2, 2)  # would silently unregister the weight
    layer.bias = None
    assert "bias" in layer._parameters and layer.bias is None and list(layer.state_dict()) == ["weight"]
    net = Net()
    net.encoder = nn.Identity()  # replacing a child keeps its place
    assert [n for n, _ in net.named_children()] == ["encoder", "block", "head"]
    with pytest.raises(TypeError, match="child module 'head'"):
        net.head = 3
    del net.head
    assert [n for n, _ in net.named_children()] == ["encoder", "block"]
    with pytest.raises(AttributeError, match="has no attribute 'head'"):
        net.head


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(autograd.zeros(1))

    with pytest.raises(AttributeError, match="call super\\(\\).__init__\\(\\)"):
        Early()
    module = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        module.register_parameter("a.b", nn.Parameter(autograd.zeros(1)))
    with pytest.raises(TypeError, match="must be a Parameter"):
        module.register_parameter("w", autograd.zeros(1))
    with pytest.raises(TypeError, match="must be a tensor"):
        module.register_buffer("b", [1.0])
    with pytest.raises(KeyError, match="already exists"):
        module.register_buffer("training", autograd.zeros(1))
    layer = nn.Linear(2, 2)  # a name another kind of member holds is taken, as in PyTorch
    with pytest.raises(KeyError, match="'weight' already exists"):
        layer.register_buffer("weight", autograd.zeros(2))
    layer.register_buffer("scale", autograd.ones(1))
    with pytest.raises(KeyError, match="'scale' already exists"):
        layer.register_parameter("scale", nn.Parameter(autograd.ones(1)))
    with pytest.raises(KeyError, match="'bias' already exists"):
        layer.add_module("bias", nn.Linear(1, 1))
    layer.register_buffer("scale", autograd.zeros(1))  # its own kind: replaced
    assert layer.scale.item() == 0.0 and "weight" in dict(layer.named_parameters())
    with pytest.raises(NotImplementedError, match="must define forward"):
        module(autograd.zeros(1))


def test_state_dict_keys_match_pytorch_for_sequential_linear_batchnorm():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    state = model.state_dict()
    assert list(state) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked",
    ]  # fmt: skip
    assert state["0.weight"].shape == (3, 4) and state["1.num_batches_tracked"].dtype == autograd.int64
    assert list(Net().state_dict()) == [
        "encoder.0.weight", "encoder.0.bias", "block.scale", "block.steps", "block.fc.weight",
        "block.fc.bias",
        "block.norm.weight", "block.norm.bias", "block.norm.running_mean", "block.norm.running_var",
        "block.norm.num_batches_tracked", "head.weight",
    ]  # fmt: skip


def test_state_dict_values_are_detached_views_unless_keep_vars():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert not state["weight"].requires_grad and not isinstance(state["weight"], nn.Parameter)
    with autograd.no_grad():
        layer.weight.fill_(7.0)
    assert state["weight"].numpy()[0, 0] == 7.0  # shares storage, like PyTorch
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight
    assert list(layer.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]


def test_load_state_dict_round_trip_copies_values():
    autograd.manual_seed(0)
    source, target = Net(), Net()
    source.block.norm.running_mean.fill_(0.5)
    source.block.norm.num_batches_tracked.fill_(3)
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert target.block.fc.weight is not source.block.fc.weight
    assert not np.shares_memory(target.block.fc.weight.array, source.block.fc.weight.array)
    assert target.block.norm.num_batches_tracked.item() == 3


def test_load_state_dict_accepts_arrays_and_casts_dtype():
    layer = nn.Linear(2, 3)
    layer.load_state_dict({"weight": np.ones((3, 2)), "bias": np.arange(3.0)})
    assert layer.weight.dtype == autograd.float32
    np.testing.assert_array_equal(layer.bias.detach().numpy(), [0.0, 1.0, 2.0])


def test_load_state_dict_strict_errors_name_every_key_and_shape():
    layer = nn.Linear(2, 3)
    before = layer.weight.detach().numpy().copy()
    bad = {"weight": autograd.zeros(3, 5), "extra.thing": autograd.zeros(1)}
    with pytest.raises(RuntimeError) as error:
        layer.load_state_dict(bad)
    message = str(error.value)
    assert "load_state_dict for Linear" in message
    assert "missing keys: bias" in message
    assert "unexpected keys: extra.thing" in message
    assert "weight: the checkpoint has shape (3, 5), the model (3, 2)" in message
    np.testing.assert_array_equal(layer.weight.detach().numpy(), before)  # nothing was loaded


def test_load_state_dict_non_strict_reports_and_loads_the_rest():
    layer = nn.Linear(2, 3)
    result = layer.load_state_dict({"weight": autograd.ones(3, 2), "other": autograd.zeros(1)}, strict=False)
    assert result == nn.IncompatibleKeys(missing_keys=["bias"], unexpected_keys=["other"])
    assert layer.weight.detach().numpy().sum() == 6.0
    with pytest.raises(RuntimeError, match="shape mismatches"):
        layer.load_state_dict({"weight": autograd.ones(2, 2)}, strict=False)


def test_train_and_eval_reach_every_descendant():
    net = Net()
    assert net.training and net.block.norm.training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.block.train(False)
    assert net.training and not net.block.training and not net.block.fc.training
    with pytest.raises(ValueError, match="bool"):
        net.train("no")


def test_zero_grad_sets_to_none_by_default_or_zeroes_in_place():
    layer = nn.Linear(3, 2)
    layer(autograd.randn(4, 3)).sum().backward()
    grad = layer.weight.grad
    assert grad is not None and np.abs(grad.numpy()).sum() > 0
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is grad and np.all(grad.numpy() == 0)
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_requires_grad_and_apply():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Net" and visited[:3] == ["Linear", "ReLU", "Sequential"]


def test_to_double_float_convert_in_place_and_keep_identity():
    net = Net()
    weight = net.block.fc.weight
    net(autograd.randn(5, 2)).sum().backward()
    assert net.double() is net
    assert (
        net.block.fc.weight is weight
        and weight.dtype == autograd.float64
        and weight.grad.dtype == autograd.float64
    )
    assert net.block.norm.running_mean.dtype == autograd.float64
    assert net.block.norm.num_batches_tracked.dtype == autograd.int64  # integer buffers stay integer
    net.float()
    assert weight.dtype == autograd.float32
    net.to(autograd.float64)
    assert weight.dtype == autograd.float64
    net.to(autograd.zeros(1, dtype=autograd.float32))
    assert weight.dtype == autograd.float32
    assert net.to("cpu") is net
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda")
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        net.to(autograd.int64)


def test_repr_tree_matches_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (encoder): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): ReLU()\n"
        "  )\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (norm): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n"
        "  )\n"
        "  (head): Linear(in_features=4, out_features=2, bias=False)\n"
        ")"
    )
    assert repr(nn.Module()) == "Module()"


def test_forward_hooks_and_handles():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_forward_hook(lambda module, inputs, output: seen.append((module, inputs, output)))
    x = autograd.randn(1, 2)
    out = layer(x)
    assert seen[0][0] is layer and seen[0][1][0] is x and seen[0][2] is out
    handle.remove()
    layer(x)
    assert len(seen) == 1
    with layer.register_forward_hook(lambda module, inputs, output: output * 0):
        assert layer(x).abs().sum().item() == 0  # a returned value replaces the output
    pre = layer.register_forward_pre_hook(lambda module, inputs: (inputs[0] * 0,))
    np.testing.assert_allclose(layer(x).detach().numpy()[0], layer.bias.detach().numpy())
    pre.remove()


def test_parameter_shares_data_requires_grad_and_ops_give_plain_tensors():
    data = autograd.zeros(2, 3)
    p = nn.Parameter(data)
    assert p.requires_grad and p.is_leaf and p.array is data.array
    assert type(p * 2) is autograd.Tensor and type(p.detach()) is autograd.Tensor
    assert not nn.Parameter(autograd.zeros(1), requires_grad=False).requires_grad
    assert (
        repr(nn.Parameter(autograd.tensor([1.0, 2.0])))
        == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    )
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match="floating-point"):
        nn.Parameter(autograd.tensor([1, 2]))


def test_deepcopy_gives_an_independent_model():
    import copy

    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    twin = copy.deepcopy(model)
    assert list(twin.state_dict()) == list(model.state_dict())
    assert twin[0].weight is not model[0].weight and isinstance(twin[0].weight, nn.Parameter)
    np.testing.assert_array_equal(twin[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    twin(autograd.randn(4, 2)).sum().backward()
    assert twin[0].weight.grad is not None and model[0].weight.grad is None
    assert twin[1].num_batches_tracked.item() == 1 and model[1].num_batches_tracked.item() == 0


def test_reassigning_a_name_moves_it_between_parameters_children_and_buffers():
    m = nn.Module()
    m.child = nn.Linear(2, 2)
    m.child = nn.Parameter(autograd.ones(3))  # a parameter replaces the child
    assert [n for n, _ in m.named_children()] == [] and [n for n, _ in m.named_parameters()] == ["child"]
    m.plain = 3
    m.plain = nn.Parameter(autograd.ones(1))  # a parameter replaces a plain attribute
    assert m.plain is m._parameters["plain"]
    del m.plain
    del m.child
    m.register_buffer("box", autograd.zeros(2))
    m.box = nn.Linear(2, 1)  # a child replaces a buffer
    assert [n for n, _ in m.named_parameters()] == ["box.weight", "box.bias"]
    assert list(m.state_dict()) == ["box.weight", "box.bias"]
    m.box = None  # the name stays a (now empty) child slot
    assert m.box is None and list(m.named_children()) == []
    with pytest.raises(TypeError, match="child module 'box'"):
        m.box = 3
    m.register_buffer("stat", autograd.zeros(2))
    m.stat = None
    assert m.stat is None and list(m.state_dict()) == []
    m.stat = autograd.ones(3)
    assert list(m.state_dict()) == ["stat"] and m.state_dict()["stat"].shape == (3,)
    with pytest.raises(TypeError, match="cannot assign int to buffer 'stat'"):
        m.stat = 3
