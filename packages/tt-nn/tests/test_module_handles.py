"""A module's hooks use tt-autograd's ``RemovableHandle`` (PyTorch has one, ``torch.utils.hooks``'s) and
are kept, as in PyTorch, in ordered dicts by handle id."""

from __future__ import annotations

import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_autograd.hooks import RemovableHandle


def test_module_hooks_return_the_one_handle_class_filed_by_id():
    assert nn.RemovableHandle is RemovableHandle
    layer = nn.Linear(2, 2)
    first, second = (lambda m, i, o: None), (lambda m, i, o: None)
    a = layer.register_forward_hook(first)
    b = layer.register_forward_hook(second, prepend=True)
    assert type(a) is RemovableHandle and list(layer._forward_hooks.items()) == [
        (b.id, second),
        (a.id, first),
    ]
    pre = layer.register_forward_pre_hook(lambda m, i: None)
    back_hook = lambda m, gi, go: None  # noqa: E731
    back = layer.register_full_backward_hook(back_hook)
    assert layer._backward_hooks[back.id] is back_hook
    with_kwargs = layer.register_forward_hook(first, with_kwargs=True)
    assert layer._forward_hooks[with_kwargs.id].hook is first  # stored with its options
    with_kwargs.remove()
    back_pre = layer.register_full_backward_pre_hook(lambda m, go: None)
    for handle, table in [
        (pre, "_forward_pre_hooks"),
        (back, "_backward_hooks"),
        (back_pre, "_backward_pre_hooks"),
    ]:
        assert handle.id in getattr(layer, table)
        handle.remove()
        assert not getattr(layer, table)
    a.remove()
    assert list(layer._forward_hooks) == [b.id]


def test_hook_dict_remove_finds_a_hook_by_what_it_is():
    layer = nn.Linear(2, 2)
    hook = lambda m, i: None  # noqa: E731
    layer.register_forward_pre_hook(hook)
    layer._forward_pre_hooks.remove(hook)
    assert not layer._forward_pre_hooks
    with pytest.raises(ValueError, match="HookDict.remove: .* is not one of these hooks"):
        layer._forward_pre_hooks.remove(hook)


def test_a_deep_copied_modules_handle_removes_the_copys_hook_only():
    import copy

    layer = nn.Linear(2, 2)
    seen = []
    layer.handle = layer.register_forward_hook(lambda m, i, o: seen.append(m))
    twin = copy.deepcopy(layer)
    twin.handle.remove()
    x = autograd.ones(1, 2)
    twin(x)
    layer(x)
    assert seen == [layer]


@pytest.mark.parametrize(
    "register", ["register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook"]
)
def test_a_hook_that_cannot_be_called_is_refused_by_name(register):
    with pytest.raises(TypeError, match=f"^{register}: hook must be callable, got int$"):
        getattr(nn.Linear(1, 1), register)(3)
