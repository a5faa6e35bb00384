"""Module 04: ``Sequential``, ``ModuleList``, ``ModuleDict`` — keys, indexing, registration, repr."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


def test_sequential_chains_modules_in_order(check):
    double = nn.Linear(1, 1, bias=False)
    with autograd.no_grad():
        double.weight.fill_(2.0)
    plus = nn.Linear(1, 1)
    with autograd.no_grad():
        plus.weight.fill_(1.0)
        plus.bias.fill_(3.0)
    model = nn.Sequential(double, plus, nn.ReLU())
    check(model(autograd.tensor([[1.0], [-5.0]])), [[5.0], [0.0]])  # relu(2x + 3)
    assert nn.Sequential()(autograd.tensor([1.0])).item() == 1.0  # empty: the identity


def test_sequential_keys_indexing_len_iteration():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == layers[1:]
    assert [name for name, _ in tail.named_children()] == ["1", "2"]  # PyTorch keeps the keys of a slice
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        model[3]


def test_sequential_append_insert_setitem_delitem_renumber():
    model = nn.Sequential(nn.Linear(2, 2))
    assert model.append(nn.ReLU()) is model
    model.extend([nn.Tanh()])
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Tanh"]
    model.insert(1, nn.Sigmoid())
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]
    assert isinstance(model[1], nn.Sigmoid)
    model[1] = nn.GELU()
    assert isinstance(model[1], nn.GELU) and len(model) == 4
    del model[0]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    assert isinstance(model[0], nn.GELU)
    del model[1:]
    assert len(model) == 1


def test_sequential_from_ordered_dict_uses_its_names():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    assert model.fc is model[0]
    assert (
        repr(model)
        == "Sequential(\n  (fc): Linear(in_features=2, out_features=3, bias=True)\n  (act): ReLU()\n)"
    )


def test_module_list_registers_parameters_and_behaves_like_a_list():
    blocks = nn.ModuleList(nn.Linear(2, 2) for _ in range(3))
    assert len(blocks) == 3 and len(list(blocks.parameters())) == 6
    assert list(blocks.state_dict())[:2] == ["0.weight", "0.bias"]
    extra = nn.ReLU()
    assert blocks.append(extra) is blocks  # chainable, as in PyTorch
    assert blocks[-1] is extra and blocks[3] is extra
    blocks.insert(0, nn.Tanh())
    assert isinstance(blocks[0], nn.Tanh) and [n for n, _ in blocks.named_children()][-1] == "4"
    del blocks[0]
    assert isinstance(blocks[0], nn.Linear) and len(blocks) == 4
    assert isinstance(blocks[1:3], nn.ModuleList) and len(blocks[1:3]) == 2
    blocks += [nn.Sigmoid()]
    assert isinstance(blocks[-1], nn.Sigmoid)
    blocks[0] = nn.Identity()
    assert isinstance(blocks[0], nn.Identity)
    x = autograd.randn(1, 2)
    for block in blocks:
        x = block(x)
    with pytest.raises(NotImplementedError):
        blocks(x)  # a list has no forward


def test_module_list_repr_compresses_repeats_like_pytorch():
    blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
    assert repr(blocks) == (
        "ModuleList(\n"
        "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (3): ReLU()\n"
        "  (4): Linear(in_features=2, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    assert list(heads) == ["cls", "box"] and list(heads.keys()) == ["cls", "box"]
    assert "cls" in heads and "nope" not in heads and len(heads) == 2
    assert list(heads.state_dict()) == ["cls.weight", "cls.bias", "box.weight", "box.bias"]
    heads["extra"] = nn.ReLU()
    heads.update([("box", nn.Linear(4, 5))])
    assert heads["box"].out_features == 5 and list(heads) == ["cls", "box", "extra"]
    assert isinstance(heads.pop("extra"), nn.ReLU) and "extra" not in heads
    assert [k for k, _ in heads.items()] == ["cls", "box"] and len(list(heads.values())) == 2
    del heads["cls"]
    assert list(heads) == ["box"]
    heads.clear()
    assert len(heads) == 0 and list(heads.parameters()) == []


def test_containers_pass_gradients(leaf, check_grad):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    check_grad(model, leaf(5, 3))
    model(autograd.randn(2, 3, dtype=autograd.float64)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert np.isfinite(model[0].weight.grad.numpy()).all()
