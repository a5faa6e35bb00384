"""``saved_tensors_hooks``, ``save_on_cpu`` and ``disable_saved_tensors_hooks`` (PyTorch 2.13's semantics).

Counts of pack/unpack calls are worked out from what each Function saves with
``save_for_backward`` (PyTorch gives the same counts for these expressions).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad
from tt_autograd.saved_hooks import (
    Packed,
    census,
    current_hooks,
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)


def leaf(data):
    return autograd.tensor(data, requires_grad=True)


def values(tensor):
    return tensor.detach().numpy().tolist()


def counting(log, tag=""):
    def pack(tensor):
        log.append(("pack" + tag, tuple(tensor.shape)))
        return ("box", tensor)

    def unpack(packed):
        log.append(("unpack" + tag,))
        return packed[1]

    return saved_tensors_hooks(pack, unpack)


def test_pack_at_save_time_unpack_at_each_read():
    x = leaf([1.0, 2.0])
    log = []
    with counting(log):
        y = x.exp()  # saves its result
        z = (y * x).sum()  # saves both factors
    assert log == [("pack", (2,))] * 3
    log.clear()
    z.backward(retain_graph=True)
    assert log == [("unpack",)] * 3
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(values(x.grad), e + e * [1.0, 2.0])  # d/dx of x e^x
    log.clear()
    z.backward()
    assert log == [("unpack",)] * 3


def test_the_packed_object_is_what_the_node_keeps():
    x = leaf([1.0, 2.0])
    kept = []

    def pack(tensor):
        kept.append(tensor.detach().numpy().copy())
        return len(kept) - 1  # an index, not a tensor

    with saved_tensors_hooks(pack, lambda index: autograd.tensor(kept[index])):
        y = (x * x).sum()
    kept[0][:] = 10.0  # backward reads what unpack returns: here, the edited copies
    y.backward()
    np.testing.assert_array_equal(values(x.grad), [11.0, 12.0])  # 10 * 1 + x from the other factor


def test_only_the_innermost_pair_applies():
    x = leaf([1.0])
    log = []
    with counting(log, "-outer"):
        with counting(log, "-inner"):
            x * x
        x * x
    assert [entry[0] for entry in log] == ["pack-inner"] * 2 + ["pack-outer"] * 2


def test_current_hooks_is_the_innermost_pair_and_none_outside():
    def pack(tensor):
        return tensor

    def unpack(packed):
        return packed

    assert current_hooks() is None
    with saved_tensors_hooks(pack, unpack):
        assert current_hooks() == (pack, unpack)
        with counting([]) as inner:
            assert current_hooks() == (inner.pack_hook, inner.unpack_hook)
        assert current_hooks() == (pack, unpack)
    assert current_hooks() is None
    seen = []
    with saved_tensors_hooks(pack, unpack):
        worker = threading.Thread(target=lambda: seen.append(current_hooks()))
        worker.start()
        worker.join()
    assert seen == [None]  # per thread


def test_nothing_is_packed_when_nothing_is_recorded():
    x = leaf([1.0, 2.0])
    log = []
    with counting(log):
        with autograd.no_grad():
            x * x
        x.detach() * x.detach()
    assert log == []


def test_custom_function_save_for_backward_goes_through_the_hooks():
    class MyExp(autograd.Function):
        @staticmethod
        def forward(ctx, a):
            result = np.exp(a)
            ctx.save_for_backward(result, a, None)
            return result

        @staticmethod
        def backward(ctx, g):
            result, _, nothing = ctx.saved_tensors
            assert nothing is None
            return (g * ctx.saved_tensors[0],)

    x = leaf([0.0, 1.0])
    log = []
    with counting(log):
        y = MyExp.apply(x)
    assert log == [("pack", (2,))] * 2  # None is kept as it is
    y.sum().backward()
    assert [entry[0] for entry in log[2:]] == ["unpack"] * 4  # two reads of two arrays
    np.testing.assert_allclose(values(x.grad), np.exp([0.0, 1.0]))


def test_unpack_must_return_a_tensor():
    x = leaf([1.0, 2.0])
    with saved_tensors_hooks(lambda t: t, lambda packed: 3):
        y = (x * x).sum()
    with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of type int"):
        y.backward()


def test_a_pack_hook_may_not_modify_its_input_in_place():
    x = leaf([1.0, 2.0])
    with saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t):
        with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
            x * 1


def test_packed_arrays_skip_the_version_check_as_in_pytorch():
    w = leaf([1.0, 2.0])
    y = (w * w).sum()
    with autograd.no_grad():
        w.add_(1)  # an optimizer step before backward: refused without hooks
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    w = leaf([1.0, 2.0])
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        y = (w * w).sum()
    with autograd.no_grad():
        w.add_(1)  # PyTorch does not check a hooked saved tensor: backward reads the new values
    y.backward()
    np.testing.assert_array_equal(values(w.grad), [4.0, 6.0])
    w = leaf([1.0, 2.0])
    with saved_tensors_hooks(lambda t: t.clone(), lambda t: t):  # a packed copy keeps the old values
        y = (w * w).sum()
    with autograd.no_grad():
        w.add_(1)
    y.backward()
    np.testing.assert_array_equal(values(w.grad), [2.0, 4.0])


def test_the_hooks_work_with_create_graph_and_autograd_grad():
    x = leaf([1.0, 2.0])
    log = []
    with counting(log):
        y = (x**3).sum()
    (g,) = grad(y, x, create_graph=True)
    np.testing.assert_array_equal(values(g), [3.0, 12.0])
    (gg,) = grad(g.sum(), x)
    np.testing.assert_array_equal(values(gg), [6.0, 12.0])
    assert ("unpack",) in log


def test_disable_makes_entering_the_hooks_raise_its_message():
    with disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="^no hooks here$"):
            with saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
        with disable_saved_tensors_hooks("inner"):
            with pytest.raises(RuntimeError, match="^inner$"):
                saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
        with pytest.raises(RuntimeError, match="^no hooks here$"):
            saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
    with saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again
        with pytest.raises(RuntimeError, match="^while hooks are on$"):
            with disable_saved_tensors_hooks("while hooks are on"):
                pass


def test_save_on_cpu_is_a_pass_through_by_the_hooks():
    x = leaf([1.0, 2.0])
    with save_on_cpu(pin_memory=True):
        product = x * x
    assert isinstance(product.grad_fn._saved, Packed)  # kept through the hooks
    packed_device, packed_tensor = product.grad_fn._saved[0][1]
    assert packed_device == x.device and values(packed_tensor) == [1.0, 2.0]
    product.sum().backward()
    np.testing.assert_array_equal(values(x.grad), [2.0, 4.0])
    assert isinstance(save_on_cpu(), saved_tensors_hooks)


def test_the_context_gives_itself_and_disable_wants_a_message():
    pack, unpack = (lambda t: t), (lambda t: t)
    with saved_tensors_hooks(pack, unpack) as hooks:
        assert (hooks.pack_hook, hooks.unpack_hook) == (pack, unpack)
    with pytest.raises(TypeError, match="error_message must be a str, got NoneType"):
        with disable_saved_tensors_hooks(None):
            pass


def test_hooks_must_be_callable_and_are_per_thread():
    with pytest.raises(TypeError, match="pack_hook must be callable, got int"):
        with saved_tensors_hooks(3, lambda t: t):
            pass
    with pytest.raises(TypeError, match="unpack_hook must be callable, got NoneType"):
        with saved_tensors_hooks(lambda t: t, None):
            pass
    log = []
    x = leaf([1.0])
    with counting(log):
        worker = threading.Thread(target=lambda: x * x)
        worker.start()
        worker.join()
    assert log == []  # the other thread has no hooks


def test_census_counts_attribute_arrays_apart():
    class Keeps(autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a, None)  # one array through the hooks
            ctx.mask = a > 0  # three arrays kept as attributes: not through them
            ctx.pair = (a * 2, np.ones(3))
            ctx.shape = a.shape
            return a * 1

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    x = autograd.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = Keeps.apply(x).sum()
    counts = census(y.grad_fn)
    assert counts["nodes"] == 2
    assert (counts["hooked"], counts["hooked_bytes"]) == (1, 3 * 4)
    assert (counts["attributes"], counts["attribute_bytes"]) == (3, 3 + 3 * 4 + 3 * 8)
    assert counts["holders"] == {"KeepsBackward": 3}


def test_census_counts_a_node_reached_twice_once():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # saves its result: one array
    counts = census((y + y).sum().grad_fn)  # SumBackward0, AddBackward0, ExpBackward0 (reached twice)
    assert (counts["nodes"], counts["hooked"], counts["holders"]) == (3, 1, {})
