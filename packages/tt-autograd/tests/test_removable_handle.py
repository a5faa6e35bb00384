"""``tt_autograd.hooks.RemovableHandle``: PyTorch's ``torch.utils.hooks.RemovableHandle``, one class
for every kind of hook (tensors', nodes', modules', optimizers')."""

from __future__ import annotations

import gc
from collections import OrderedDict

import pytest
import tt_autograd as autograd
from tt_autograd.hooks import RemovableHandle


def test_remove_takes_the_entry_off_its_dict_and_every_extra_dict_once():
    hooks, extra, other = OrderedDict(), OrderedDict(), OrderedDict()
    first = RemovableHandle(hooks, extra_dict=extra)
    second = RemovableHandle(hooks, extra_dict=[extra, other])
    assert second.id == first.id + 1  # ids count up, unique in the process
    hooks[first.id], extra[first.id] = "f", "flag"
    hooks[second.id], extra[second.id], other[second.id] = "g", "flag", "more"
    first.remove()
    assert hooks == {second.id: "g"} and extra == {second.id: "flag"}
    first.remove()  # a second call does nothing
    with second as entered:
        assert entered is second
    assert hooks == {} and extra == {} and other == {}
    assert first.hooks_dict_ref() is hooks and len(second.extra_dict_ref) == 2


def test_the_handle_holds_its_dicts_weakly():
    hooks = OrderedDict()
    handle = RemovableHandle(hooks, extra_dict=OrderedDict())
    del hooks
    gc.collect()
    assert handle.hooks_dict_ref() is None
    handle.remove()  # the dicts are gone: nothing to do, no error


def test_a_plain_dict_cannot_be_held_weakly():
    with pytest.raises(TypeError, match="weak reference"):
        RemovableHandle({})


def test_tensor_hooks_are_filed_under_their_handles_id():
    leaf = autograd.ones(2, requires_grad=True)
    hook = lambda grad: grad * 2  # noqa: E731
    handle = leaf.register_hook(hook)
    assert type(handle) is RemovableHandle and leaf._backward_hooks[handle.id] is hook
    post = leaf.register_post_accumulate_grad_hook(lambda t: None)
    assert type(post) is RemovableHandle and handle.id != post.id
    out = (leaf * 3).sum()
    node_handle = out.grad_fn.register_hook(lambda grads, outputs: None)
    assert type(node_handle) is RemovableHandle
    (leaf * 1).sum().backward()
    assert leaf.grad.tolist() == [2.0, 2.0]
    handle.remove()
    leaf.grad = None
    (leaf * 1).sum().backward()
    assert leaf.grad.tolist() == [1.0, 1.0] and not leaf._backward_hooks


def test_a_deep_copy_holds_the_copied_dicts():
    import copy

    hooks, extra = OrderedDict(), OrderedDict()
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = extra[handle.id] = "h"
    owner = {"hooks": hooks, "extra": extra, "handle": handle}
    twin = copy.deepcopy(owner)
    assert twin["handle"].id == handle.id and twin["handle"].hooks_dict_ref() is twin["hooks"]
    twin["handle"].remove()
    assert twin["hooks"] == {} and twin["extra"] == {} and hooks == {handle.id: "h"} and extra
    lone = copy.deepcopy(handle)  # its dicts not copied with it: it holds the copies it made
    lone.remove()
    assert hooks == {handle.id: "h"}
