"""``torch.inference_mode``, ``torch.cond`` / ``torch.while_loop`` and ``torch.jit``'s decorators: what a
PyTorch script relies on when it runs them eagerly. Beyond the modules' exercises.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinytorch as tt


def test_inference_mode_turns_grad_off_and_says_so():
    x = tt.ones(2, requires_grad=True)
    assert not tt.is_inference_mode_enabled()
    with tt.inference_mode():
        assert tt.is_inference_mode_enabled() and not tt.is_grad_enabled()
        assert not (x * 2).requires_grad
        with tt.inference_mode(False):  # a no-op: still inside the outer one
            assert tt.is_inference_mode_enabled()
    assert not tt.is_inference_mode_enabled() and tt.is_grad_enabled()
    with tt.inference_mode(False):
        assert not tt.is_inference_mode_enabled() and (x * 2).requires_grad


def test_inference_mode_decorates_with_and_without_parentheses_and_restores_on_error():
    @tt.inference_mode
    def bare():
        return tt.is_inference_mode_enabled(), tt.is_grad_enabled()

    @tt.inference_mode()
    def called():
        return tt.is_inference_mode_enabled()

    @tt.inference_mode(mode=False)
    def off():
        return tt.is_inference_mode_enabled(), tt.is_grad_enabled()

    assert bare() == (True, False) and called() and off() == (False, True)
    with pytest.raises(ValueError), tt.inference_mode():
        raise ValueError("inside")
    assert not tt.is_inference_mode_enabled() and tt.is_grad_enabled()
    context = tt.inference_mode()
    with context.clone():
        assert tt.is_inference_mode_enabled()
    assert not tt.ones(1).is_inference()


def test_cond_calls_the_branch_the_predicate_picks_and_records_its_gradient():
    x = tt.tensor([1.0, 2.0], requires_grad=True)
    out = tt.cond(x.sum() > 2, lambda v: v * 3, lambda v: v - 1, (x,))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    assert tt.cond(False, lambda v: v + 1, lambda v: v - 1, [tt.ones(1)]).tolist() == [0.0]
    assert tt.cond(1, lambda: "yes", lambda: "no") == "yes"
    with pytest.raises(RuntimeError, match="single-element tensor"):
        tt.cond(tt.tensor([True, False]), lambda v: v, lambda v: v, (x,))
    with pytest.raises(RuntimeError, match="tuple or list"):
        tt.cond(True, lambda v: v, lambda v: v, x)
    with pytest.raises(RuntimeError, match="bool or single-element"):
        tt.cond("yes", lambda: 1, lambda: 2)


def test_while_loop_carries_its_values_until_the_condition_fails():
    count, value = tt.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2), (tt.tensor(0), tt.ones(2)))
    assert count.item() == 3 and value.tolist() == [8.0, 8.0]
    (only,) = tt.while_loop(lambda v: v.sum() < 10, lambda v: v + 1, [tt.zeros(2)])
    assert only.tolist() == [5.0, 5.0]
    with pytest.raises(RuntimeError, match="as many values"):
        tt.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1,), (0, tt.ones(1)))
    with pytest.raises(RuntimeError, match="one-element tensor"):
        tt.while_loop(lambda v: v < 3, lambda v: v + 1, (tt.zeros(2),))


def test_jit_decorators_leave_code_as_it_is():
    model = tt.nn.Linear(2, 2)
    assert tt.jit.script(model) is model and tt.jit.trace(model, tt.ones(1, 2)) is model

    @tt.jit.script
    def scripted(x):
        return x * 2

    @tt.jit.ignore
    def ignored(x):
        return x + 1

    @tt.jit.ignore(drop=True)
    def dropped(x):
        return x - 1

    assert scripted(tt.ones(1)).tolist() == [2.0] and ignored(1) == 2 and dropped(1) == 0
    assert tt.jit.unused(ignored) is ignored and tt.jit.export(ignored) is ignored
    assert not tt.jit.is_scripting() and not tt.jit.is_tracing()
    assert tt.jit.annotate(list, [1]) == [1] and tt.jit.Final[int] is int
    assert tt.jit.freeze(model) is model and tt.jit.optimize_for_inference(model) is model
    with pytest.raises(RuntimeError, match="safetensors"):
        tt.jit.save(model, "model.pt")
    with pytest.raises(RuntimeError, match="safetensors"):
        tt.jit.load("model.pt")
