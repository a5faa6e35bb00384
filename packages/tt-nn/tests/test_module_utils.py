"""``tt_nn.module_utils``: PyTorch's ``torch.nn.modules.utils`` (argument tuples, the DDP prefix strip).

Beyond the course: no module number. Expected values are what PyTorch 2.13's functions return for
the same arguments (checked in a scratch run).
"""

from __future__ import annotations

from collections import OrderedDict

import pytest
import tt_nn
from tt_nn.module_utils import (
    consume_prefix_in_state_dict_if_present,
    list_with_default,
    ntuple,
    pair,
    quadruple,
    reverse_repeat_tuple,
    single,
    triple,
)


def test_one_value_is_repeated_and_an_iterable_kept_as_it_is():
    assert single(4) == (4,) and pair(3) == (3, 3) and triple(2) == (2, 2, 2) and quadruple(0) == (0,) * 4
    assert pair((1, 5)) == (1, 5) and pair([7, 8]) == (7, 8)
    assert triple((1, 2)) == (1, 2)  # not checked against n, as PyTorch's
    assert pair(v for v in (4, 6)) == (4, 6)  # any iterable
    assert pair("ab") == ("a", "b")  # a string is iterable: PyTorch's gives the same
    assert pair(None) == (None, None) and pair(1.5) == (1.5, 1.5)
    assert [f.__name__ for f in (single, pair, triple, quadruple)] == [
        "_single",
        "_pair",
        "_triple",
        "_quadruple",
    ]
    five = ntuple(5, "_five")
    assert five(1) == (1,) * 5 and five.__name__ == "_five" and ntuple(2).__name__ == "parse"


def test_reverse_repeat_tuple_gives_pads_order():
    assert reverse_repeat_tuple((1, 2), 2) == (2, 2, 1, 1)
    assert reverse_repeat_tuple((1, 2, 3), 1) == (3, 2, 1)
    assert reverse_repeat_tuple((), 2) == ()


def test_list_with_default_fills_none_from_the_input_shape():
    assert list_with_default(5, [1, 2, 3]) == 5
    assert list_with_default([None, 4], [8, 3, 10, 12]) == [10, 4]
    assert list_with_default([None, None], [8, 3, 10, 12]) == [10, 12]
    assert list_with_default([7], [8, 3]) == [7]
    with pytest.raises(
        ValueError, match=r"list_with_default: an output size of 2 dims needs an input of at least 3"
    ):
        list_with_default([None, 4], [10, 12])


def test_consume_prefix_lets_a_plain_model_load_a_data_parallel_checkpoint():
    wrapped = tt_nn.DataParallel(tt_nn.Sequential(tt_nn.Linear(2, 3), tt_nn.Linear(3, 1)))
    state = wrapped.state_dict()
    assert list(state) == ["module.0.weight", "module.0.bias", "module.1.weight", "module.1.bias"]
    consume_prefix_in_state_dict_if_present(state, "module.")
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    # the metadata as PyTorch 2.13 leaves it: "module" became "" (the wrapper's own entry replaced)
    assert list(state._metadata) == ["", "0", "1"]
    plain = tt_nn.Sequential(tt_nn.Linear(2, 3), tt_nn.Linear(3, 1))
    assert not any(plain.load_state_dict(state))  # no missing, no unexpected keys


def test_consume_prefix_leaves_other_keys_and_plain_dicts_alone():
    state = OrderedDict([("module.a", 1), ("b", 2), ("xmodule.c", 3), ("module.d.e", 4)])
    consume_prefix_in_state_dict_if_present(state, "module.")
    assert list(state.items()) == [("b", 2), ("xmodule.c", 3), ("a", 1), ("d.e", 4)]
    plain = {"net.w": 1}
    consume_prefix_in_state_dict_if_present(plain, "net.")
    assert plain == {"w": 1}
    state = OrderedDict([("module.w", 1)])
    state._metadata = OrderedDict(
        [("", {"v": 0}), ("module", {"v": 1}), ("module.sub", {"v": 2}), ("other", {})]
    )
    consume_prefix_in_state_dict_if_present(state, "module.")
    assert dict(state._metadata) == {"": {"v": 1}, "sub": {"v": 2}, "other": {}}
