"""``remove_duplicate=False`` on ``named_modules``, ``modules``, ``named_parameters`` and ``named_buffers``
(PyTorch's; tools/parity/sweep_signatures.py found it missing). The expected names are PyTorch 2.13's
for ``Sequential(lin, ReLU(), lin)`` with a buffer ``b``."""

from __future__ import annotations

import tt_autograd as autograd
import tt_nn as nn


def _shared():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    model.register_buffer("b", autograd.zeros(1))
    return model, layer


def test_a_shared_layer_is_walked_under_each_name():
    model, layer = _shared()
    assert [n for n, _ in model.named_parameters(remove_duplicate=False)] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]
    assert len(list(model.modules(remove_duplicate=False))) == 4 and len(list(model.modules())) == 3
    assert list(model.modules(remove_duplicate=False))[3] is layer


def test_prefix_and_recurse_as_pytorch():
    model, _ = _shared()
    assert [n for n, _ in model.named_modules(prefix="net", remove_duplicate=False)] == [
        "net",
        "net.0",
        "net.1",
        "net.2",
    ]
    assert list(model.named_parameters(prefix="net", recurse=False, remove_duplicate=False)) == []
    names = [n for n, _ in model.named_parameters(prefix="net", remove_duplicate=False)]
    assert names == ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]


def test_buffers_under_each_name():
    model, layer = _shared()
    layer.register_buffer("count", autograd.zeros(1))
    assert [n for n, _ in model.named_buffers(remove_duplicate=False)] == ["b", "0.count", "2.count"]
    assert [n for n, _ in model.named_buffers()] == ["b", "0.count"]
    assert [n for n, _ in model.named_buffers(recurse=False, remove_duplicate=False)] == ["b"]


def test_a_tensor_shared_by_two_modules_is_listed_under_both():
    first, second = nn.Linear(2, 2), nn.Linear(2, 2)
    second.weight = first.weight
    model = nn.Sequential(first, second)
    names = [n for n, _ in model.named_parameters(remove_duplicate=False)]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.bias"]


def test_state_dict_adds_to_a_destination_and_returns_it():
    # PyTorch 2.13: Linear(2, 1).state_dict(destination={"x": 1}, prefix="p.") is that dict,
    # with keys x, p.weight, p.bias
    destination = {"x": 1}
    state = nn.Linear(2, 1).state_dict(destination=destination, prefix="p.")
    assert state is destination and list(state) == ["x", "p.weight", "p.bias"]
    assert list(nn.Linear(2, 1).state_dict()) == ["weight", "bias"]
