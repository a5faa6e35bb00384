"""``tt_autograd.tracing.record_calls`` (issue #17): every Function call, with what backward does not keep."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.functions.arithmetic import AddFunction, MulFunction
from tt_autograd.functions.reductions import SumFunction
from tt_autograd.tracing import record_calls


def test_calls_are_recorded_in_order_with_inputs_params_and_output():
    x = autograd.ones(2, 3)  # requires no grad: the graph would record nothing
    w = autograd.full((3,), 2.0, requires_grad=True)
    with record_calls() as calls:
        y = x * w
        total = (y + 1).sum(dim=1)
    assert [c.function for c in calls] == [MulFunction, AddFunction, SumFunction]
    assert calls[0].inputs[0] is x and calls[0].inputs[1] is w and calls[0].output is y
    assert calls[1].inputs[1] == 1  # a Python scalar, as passed
    assert calls[2].params == {"dim": 1, "keepdim": False} and calls[2].output is total
    assert np.array_equal(total.detach().numpy(), [9.0, 9.0])


def test_calls_under_no_grad_are_recorded_and_nothing_after_the_block():
    x = autograd.ones(2, requires_grad=True)
    with record_calls() as calls:
        with autograd.no_grad():
            y = x * 3
    assert [c.function for c in calls] == [MulFunction] and y.grad_fn is None
    x * 2
    assert len(calls) == 1


def test_blocks_nest_and_an_error_still_removes_the_hook():
    x = autograd.ones(2)
    with record_calls() as outer:
        x + 1
        with record_calls() as inner:
            x * 2
    assert [c.function for c in outer] == [AddFunction, MulFunction]
    assert [c.function for c in inner] == [MulFunction]
    with pytest.raises(ValueError, match="boom"), record_calls() as calls:
        x + 1
        raise ValueError("boom")
    x + 1
    assert len(calls) == 1
