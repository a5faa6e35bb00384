"""An optimizer's hooks, as PyTorch's: around ``step()``, ``state_dict()`` and ``load_state_dict()``.

* ``optimizer.register_step_pre_hook(hook)``: ``hook(optimizer, args, kwargs)`` before every
  ``step()``; it may return ``(new_args, new_kwargs)``. ``register_step_post_hook(hook)``:
  ``hook(optimizer, args, kwargs)`` after it. ``register_optimizer_step_pre_hook(hook)`` /
  ``register_optimizer_step_post_hook(hook)`` (``torch.optim.optimizer``'s) do the same for every
  optimizer; the global pre-hooks run first, the global post-hooks last.
* ``register_state_dict_pre_hook(hook)``: ``hook(optimizer)`` before ``state_dict()``;
  ``register_state_dict_post_hook(hook)``: ``hook(optimizer, state_dict)``, which may return a
  replacement. ``register_load_state_dict_pre_hook(hook)``: ``hook(optimizer, state_dict)``, which may
  return the dict to load instead (key remapping); ``register_load_state_dict_post_hook(hook)``:
  ``hook(optimizer)``. Each takes ``prepend=True`` to run before the hooks already there.

Every subclass's ``step`` is wrapped when the class is made (``Optimizer.__init_subclass__``), as
PyTorch patches it, so ``LBFGS`` or a user's optimizer runs the hooks too; a step that calls
``super().step()`` runs them once. Each ``register_*`` returns a handle whose ``remove()`` takes
the hook off. Cost: a step without hooks pays one wrapper call.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from tt_autograd.hooks import RemovableHandle, add


class _GlobalHooks:
    """The hooks every optimizer runs (an object, so handles can hold it like an optimizer)."""

    def __init__(self) -> None:
        self.step_pre: OrderedDict[int, Callable] = OrderedDict()
        self.step_post: OrderedDict[int, Callable] = OrderedDict()


GLOBAL = _GlobalHooks()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` before every optimizer's ``step()`` (PyTorch's global hook)."""
    return add(GLOBAL, "step_pre", _callable("register_optimizer_step_pre_hook", hook), leaf=False)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` after every optimizer's ``step()`` (PyTorch's global hook)."""
    return add(GLOBAL, "step_post", _callable("register_optimizer_step_post_hook", hook), leaf=False)


def register(optimizer: Any, attribute: str, name: str, hook: Callable, prepend: bool) -> RemovableHandle:
    """Add ``hook`` to the optimizer's dict ``attribute`` (made on first use), first with ``prepend``."""
    if attribute not in optimizer.__dict__:
        optimizer.__dict__[attribute] = OrderedDict()
    handle = add(optimizer, attribute, _callable(name, hook), leaf=False)
    if prepend:
        optimizer.__dict__[attribute].move_to_end(handle.id, last=False)
    return handle


def with_step_hooks(step: Callable) -> Callable:
    """``step`` running the global and the optimizer's step hooks around it (once, however nested)."""

    @functools.wraps(step)
    def hooked_step(self, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_in_step_hooks"):  # (a subclass's step calling super().step())
            return step(self, *args, **kwargs)
        for hook in (*GLOBAL.step_pre.values(), *self.__dict__.get("_step_pre_hooks", {}).values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
                    raise RuntimeError(
                        f"{type(self).__name__}.step: a step pre-hook must return None or a tuple of "
                        f"(new_args, new_kwargs), but got {type(result).__name__}"
                    )
                args, kwargs = result
        self.__dict__["_in_step_hooks"] = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            self.__dict__["_in_step_hooks"] = False
        for hook in (*self.__dict__.get("_step_post_hooks", {}).values(), *GLOBAL.step_post.values()):
            hook(self, args, kwargs)
        return out

    hooked_step.runs_step_hooks = True
    return hooked_step


def with_state_dict_hooks(state_dict: Callable) -> Callable:
    """``state_dict`` with the optimizer's pre-hooks before it and post-hooks (which may replace it) after."""

    @functools.wraps(state_dict)
    def hooked_state_dict(self) -> dict[str, Any]:
        for hook in tuple(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
            hook(self)
        saved = state_dict(self)
        for hook in tuple(self.__dict__.get("_state_dict_post_hooks", {}).values()):
            replaced = hook(self, saved)
            saved = saved if replaced is None else replaced
        return saved

    return hooked_state_dict


def with_load_state_dict_hooks(load_state_dict: Callable) -> Callable:
    """``load_state_dict`` with pre-hooks that may replace the dict and post-hooks after it."""

    @functools.wraps(load_state_dict)
    def hooked_load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for hook in tuple(self.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
            replaced = hook(self, state_dict)
            state_dict = state_dict if replaced is None else replaced
        load_state_dict(self, state_dict)
        for hook in tuple(self.__dict__.get("_load_state_dict_post_hooks", {}).values()):
            hook(self)

    return hooked_load_state_dict


def _callable(name: str, hook: object) -> Callable:
    if not callable(hook):
        raise TypeError(f"{name}: hook must be callable, got {type(hook).__name__}")
    return hook
