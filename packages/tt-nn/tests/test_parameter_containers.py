"""ParameterList and ParameterDict: registration, indexing, list/dict methods, state-dict keys and reprs.

Reprs and keys are PyTorch 2.13's (checked against it in a scratch script).
Not course material (outside module 04's solution regions), so no module number.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import Parameter


def param(*shape, dtype=autograd.float32):
    return Parameter(autograd.zeros(*shape, dtype=dtype))


# ----------------------------------------------------------------- ParameterList


def test_parameter_list_registers_under_positions():
    first, second = param(2, 3), param(4, dtype=autograd.float64)
    plist = nn.ParameterList([first, second])
    assert len(plist) == 2 and plist[0] is first and plist[1] is second and plist[-1] is second
    assert plist[-2] is first
    assert list(plist) == [first, second]
    assert list(plist.state_dict()) == ["0", "1"]
    assert [name for name, _ in plist.named_parameters()] == ["0", "1"]
    model = nn.Module()
    model.weights = plist
    assert list(model.state_dict()) == ["weights.0", "weights.1"]
    assert list(model.parameters()) == [first, second]


def test_parameter_list_append_extend_iadd_and_setitem():
    plist = nn.ParameterList()
    assert len(plist) == 0 and list(plist.state_dict()) == []
    data = autograd.ones(3)
    assert plist.append(data) is plist
    assert isinstance(plist[0], Parameter) and plist[0].requires_grad
    assert np.shares_memory(plist[0].array, data.array)  # a plain tensor becomes a Parameter on its data
    assert plist.extend([param(1), param(2)]) is plist
    plist += [param(5)]
    assert [p.shape for p in plist] == [(3,), (1,), (2,), (5,)]
    assert list(plist.state_dict()) == ["0", "1", "2", "3"]
    replacement = param(7)
    plist[1] = replacement
    plist[-1] = autograd.ones(6)
    assert plist[1] is replacement and isinstance(plist[3], Parameter) and plist[3].shape == (6,)
    assert list(plist.state_dict()) == ["0", "1", "2", "3"]


def test_parameter_list_slices_and_plain_objects():
    plist = nn.ParameterList([param(1), param(2), param(3)])
    part = plist[1:]
    assert isinstance(part, nn.ParameterList) and [p.shape for p in part] == [(2,), (3,)]
    assert part[0] is plist[1]
    mixed = nn.ParameterList([param(2), 3])
    assert mixed[1] == 3 and list(mixed.state_dict()) == ["0"]


def test_parameter_list_index_errors():
    plist = nn.ParameterList([param(1), param(2)])
    with pytest.raises(IndexError, match="ParameterList: index 2 is out of range for 2 entries"):
        plist[2]
    with pytest.raises(IndexError, match="index -3 is out of range"):
        plist[-3] = param(1)
    with pytest.raises(TypeError):
        plist[1.5]
    with pytest.raises(
        TypeError, match="ParameterList.extend: expected an iterable of parameters, got Parameter"
    ):
        plist.extend(param(3))


def test_parameter_list_repr_like_pytorch():
    plist = nn.ParameterList([param(2, 3), param(4, dtype=autograd.float64)])
    assert repr(plist) == (
        "ParameterList(\n"
        f"    (0): Parameter containing: [{autograd.float32} of size 2x3]\n"
        f"    (1): Parameter containing: [{autograd.float64} of size 4]\n"
        ")"
    )
    assert repr(nn.ParameterList()) == "ParameterList()"
    assert "(1): Object of type: int" in repr(nn.ParameterList([param(1), 5]))
    model = nn.Module()
    model.pl = nn.ParameterList([param(1)])
    # one entry: on the ParameterList's line, two spaces in (PyTorch 2.13 prints exactly this)
    assert (
        repr(model)
        == f"Module(\n  (pl): ParameterList(  (0): Parameter containing: [{autograd.float32} of size 1])\n)"
    )


def test_parameter_list_load_state_dict_and_gradients():
    plist = nn.ParameterList([param(2), param(3)])
    plist.load_state_dict({"0": np.array([1.0, 2.0]), "1": np.array([3.0, 4.0, 5.0])})
    np.testing.assert_array_equal(plist[1].detach().numpy(), [3, 4, 5])
    (plist[0].sum() * 2 + plist[1].sum()).backward()
    np.testing.assert_array_equal(plist[0].grad.numpy(), [2, 2])


# ----------------------------------------------------------------- ParameterDict


def test_parameter_dict_registers_under_keys():
    a, b = param(2), param(3)
    pdict = nn.ParameterDict(OrderedDict([("b", b), ("a", a)]))
    assert list(pdict.keys()) == ["b", "a"] and list(pdict) == ["b", "a"]
    assert pdict["a"] is a and "a" in pdict and "c" not in pdict and len(pdict) == 2
    assert list(pdict.state_dict()) == ["b", "a"]
    assert [name for name, _ in pdict.named_parameters()] == ["b", "a"]
    assert list(pdict.values()) == [b, a] and list(pdict.items()) == [("b", b), ("a", a)]


def test_parameter_dict_plain_dict_is_added_in_sorted_order_as_in_pytorch():
    pdict = nn.ParameterDict({"b": autograd.zeros(1), "a": autograd.zeros(2)})
    assert list(pdict) == ["a", "b"]
    pdict.update({"d": param(1), "c": param(2)})
    assert list(pdict) == ["a", "b", "c", "d"]
    pdict.update([("z", param(1)), ("y", param(1))])
    assert list(pdict) == ["a", "b", "c", "d", "z", "y"]
    assert isinstance(pdict["a"], Parameter)


def test_parameter_dict_methods():
    pdict = nn.ParameterDict()
    pdict["x"] = autograd.ones(2)
    assert isinstance(pdict["x"], Parameter)
    assert pdict.get("missing", 5) == 5 and pdict.get("x") is pdict["x"]
    made = pdict.setdefault("y", param(3))
    assert made is pdict["y"] and made.shape == (3,)
    assert pdict.setdefault("y", param(9)) is made
    assert list(pdict.state_dict()) == ["x", "y"]
    assert pdict.pop("x").shape == (2,) and list(pdict) == ["y"]
    assert list(pdict.state_dict()) == ["y"]
    pdict["z"] = param(1)
    key, value = pdict.popitem()
    assert key == "z" and value.shape == (1,) and list(pdict) == ["y"]
    del pdict["y"]
    assert len(pdict) == 0 and list(pdict.parameters()) == []
    pdict.update({"a": param(1), "b": param(1)})
    pdict.clear()
    assert len(pdict) == 0 and list(pdict.state_dict()) == []
    pdict["n"] = None
    assert pdict["n"] is None and list(pdict.state_dict()) == [] and len(pdict) == 1


def test_parameter_dict_errors():
    pdict = nn.ParameterDict({"a": param(1)})
    with pytest.raises(KeyError, match=r"ParameterDict has no key 'b'; its keys are \['a'\]"):
        pdict["b"]
    with pytest.raises(KeyError, match="ParameterDict has no key 'b'"):
        del pdict["b"]
    with pytest.raises(TypeError, match="ParameterDict: keys must be strings, got 1 of type int"):
        pdict[1] = param(1)
    with pytest.raises(ValueError, match="ParameterDict.update: element 1 of the iterable must be a"):
        pdict.update([("b", param(1)), "c"])
    with pytest.raises(ValueError, match="ParameterDict.update: element 0 of the iterable must be a"):
        pdict.update([("b", param(1), 3)])
    with pytest.raises(KeyError, match="popitem"):
        nn.ParameterDict().popitem()


def test_parameter_dict_popitem_takes_the_last_entry():
    pdict = nn.ParameterDict(OrderedDict([("a", param(1)), ("b", param(2)), ("c", param(3))]))
    key, value = pdict.popitem()
    assert key == "c" and value.shape == (3,) and list(pdict) == ["a", "b"]


def test_parameter_dict_repr_like_pytorch():
    pdict = nn.ParameterDict({"a": param(2), "b": param(3, 4, dtype=autograd.float64)})
    assert repr(pdict) == (
        "ParameterDict(\n"
        "    (a): Parameter containing: [torch.FloatTensor of size 2]\n"
        "    (b): Parameter containing: [torch.DoubleTensor of size 3x4]\n"
        ")"
    )
    assert repr(nn.ParameterDict()) == "ParameterDict()"
    pdict["z"] = None
    assert repr(pdict).endswith("    (z): Object of type: NoneType\n)")
