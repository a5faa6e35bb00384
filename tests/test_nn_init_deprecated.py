"""The deprecated ``torch.nn.init`` names without ``_``: each warns and fills as its in-place form."""

from __future__ import annotations

import pytest

import tinytorch as torch
from tinytorch.nn import init

CALLS = [
    ("uniform", (-0.5, 2.0), (3, 4)),
    ("normal", (1.0, 0.1), (3, 4)),
    ("constant", (0.25,), (3, 4)),
    ("eye", (), (3, 4)),
    ("dirac", (), (4, 2, 3)),
    ("xavier_uniform", (0.5,), (3, 4)),
    ("xavier_normal", (), (3, 4)),
    ("kaiming_uniform", (0.1, "fan_out"), (5, 2, 3)),
    ("kaiming_normal", (), (3, 4)),
    ("orthogonal", (2.0,), (3, 4)),
    ("sparse", (0.5,), (6, 4)),
]


@pytest.mark.parametrize("name,args,shape", CALLS, ids=[c[0] for c in CALLS])
def test_the_old_name_warns_and_fills_as_the_in_place_form(name, args, shape):
    old, new = getattr(init, name), getattr(init, name + "_")
    expected = torch.empty(*shape)
    torch.manual_seed(7)
    assert new(expected, *args) is expected
    tensor = torch.empty(*shape)
    torch.manual_seed(7)
    with pytest.warns(
        FutureWarning, match=rf"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`"
    ):
        assert old(tensor, *args) is tensor
    assert tensor.tolist() == expected.tolist()
    assert old.__name__ == name and name in init.__all__
