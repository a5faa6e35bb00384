"""``set_printoptions``: PyTorch's precision, threshold, edgeitems, linewidth, profile and sci_mode.

Beyond the modules' exercises: no module number. Each test restores the default profile.
"""

from __future__ import annotations

import pytest
from tt_tensor import Tensor, arange, set_printoptions
from tt_tensor.formatting import PRINT_OPTIONS


@pytest.fixture(autouse=True)
def _default_options():
    yield
    set_printoptions(profile="default")


def test_precision_and_profiles():
    x = Tensor([1.123456, 2.5])
    assert repr(x) == "tensor([1.1235, 2.5000])"
    set_printoptions(precision=2)
    assert repr(x) == "tensor([1.12, 2.50])" and repr(Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    set_printoptions(profile="short")
    assert repr(x) == "tensor([1.12, 2.50])"
    assert repr(arange(2000)) == "tensor([   0,    1,  ..., 1998, 1999])"  # PyTorch: two spaces before ...
    set_printoptions(profile="full")
    assert "..." not in repr(arange(2000)) and repr(x) == "tensor([1.1235, 2.5000])"
    set_printoptions(profile="default")
    assert repr(arange(2000)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"


def test_threshold_edgeitems_and_linewidth():
    set_printoptions(threshold=5)
    assert repr(arange(10.0)) == "tensor([0., 1., 2.,  ..., 7., 8., 9.])"
    set_printoptions(edgeitems=1)
    assert repr(arange(10.0)) == "tensor([0.,  ..., 9.])"
    set_printoptions(profile="default", threshold=float("inf"))
    assert "..." not in repr(arange(5000))
    set_printoptions(profile="default", linewidth=30)
    assert max(len(line) for line in repr(arange(20.0)).splitlines()) <= 30


def test_sci_mode_forces_or_forbids_scientific_notation_and_resets_with_each_call():
    small = Tensor([1.123456, 2.5, 1e-5])
    assert repr(small) == "tensor([1.1235e+00, 2.5000e+00, 1.0000e-05])"  # a wide range: scientific
    set_printoptions(sci_mode=False, precision=2)
    assert repr(small) == "tensor([1.12, 2.50, 0.00])" and repr(Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    set_printoptions(sci_mode=True)
    assert repr(Tensor([1.5, 2.25])) == "tensor([1.50e+00, 2.25e+00])"
    set_printoptions()  # sci_mode back to automatic; the precision stays
    assert PRINT_OPTIONS["sci_mode"] is None and repr(Tensor([1.5, 2.25])) == "tensor([1.50, 2.25])"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"profile": "long"}, "profile must be one of"), ({"precision": -1}, "precision must be a non-negative"),
     ({"threshold": "many"}, "threshold must be"), ({"edgeitems": True}, "edgeitems must be")],
)  # fmt: skip
def test_bad_options_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=f"set_printoptions: {message}"):
        set_printoptions(**arguments)
    assert PRINT_OPTIONS["precision"] == 4
