"""A PyTorch tensor method TinyTorch keeps as a function only: the AttributeError says what to write.

Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import copy

import pytest
from tt_tensor import Tensor
from tt_tensor.method_hints import FUNCTION_ONLY


@pytest.mark.parametrize("name", sorted(FUNCTION_ONLY))
def test_function_only_method_names_the_call_to_write(name):
    x = Tensor([0.5, 1.5])
    with pytest.raises(
        AttributeError, match=rf"Tensor\.{name}: .*no {name}\(\) method.*write torch\."
    ) as error:
        getattr(x, name)
    assert FUNCTION_ONLY[name] in str(error.value)
    assert error.value.name == name and error.value.obj is x
    assert not hasattr(x, name)


def test_in_place_form_points_to_copy_of_the_function():
    with pytest.raises(AttributeError, match=r"Tensor\.lgamma_: .*write x\.copy_\(torch\.lgamma\(x\)\)$"):
        Tensor([1.0]).lgamma_()


def test_other_missing_names_keep_pythons_plain_error_and_suggestion():
    x = Tensor([1.0])
    with pytest.raises(AttributeError, match=r"^'Tensor' object has no attribute 'shpe'$") as error:
        x.shpe  # noqa: B018
    assert error.value.name == "shpe" and error.value.obj is x
    for name in ("_private", "__no_such_protocol__", "erf__"):
        assert not hasattr(x, name)
    assert copy.deepcopy(x).tolist() == [1.0]  # protocol probes are unaffected


def test_is_pinned_is_false_even_after_pin_memory():
    x = Tensor([1.0])
    assert x.pin_memory() is x and x.is_pinned() is False
