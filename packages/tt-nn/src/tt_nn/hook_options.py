"""PyTorch's options of a module's forward hooks: ``with_kwargs``, ``prepend`` and ``always_call``.

``register_forward_pre_hook(hook, *, prepend=False, with_kwargs=False)`` and
``register_forward_hook(hook, *, prepend=False, with_kwargs=False, always_call=False)``:

* ``with_kwargs=True``: the hook also gets the call's keyword arguments —
  ``hook(module, args, kwargs)`` before forward (returning ``None`` or a new
  ``(args, kwargs)`` pair), ``hook(module, args, kwargs, output)`` after it.
* ``prepend=True``: the hook runs before those already registered.
* ``always_call=True``: the forward hook runs even when forward raises (with
  ``output=None``), e.g. to close a timer; the error then goes on.

A hook registered without options is stored as itself (the common case costs nothing);
one with options as an :class:`OptionedHook`. Cost per call: one ``isinstance`` per hook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class OptionedHook:
    """A forward (pre-)hook registered with ``with_kwargs`` or ``always_call``."""

    __slots__ = ("hook", "with_kwargs", "always_call")

    def __init__(self, hook: Callable[..., Any], with_kwargs: bool, always_call: bool = False) -> None:
        self.hook, self.with_kwargs, self.always_call = hook, with_kwargs, always_call


def entry(
    hook: Callable[..., Any], with_kwargs: bool, always_call: bool = False
) -> Callable[..., Any] | OptionedHook:
    """What the hook list stores for ``hook``: itself, or an :class:`OptionedHook` when it has options."""
    return OptionedHook(hook, with_kwargs, always_call) if with_kwargs or always_call else hook


def run_pre_hook(hook: object, module: object, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """One forward pre-hook: the call's ``(args, kwargs)``, replaced where the hook returned new ones."""
    if isinstance(hook, OptionedHook) and hook.with_kwargs:
        result = hook.hook(module, args, kwargs)
        if result is None:
            return args, kwargs
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise RuntimeError(
                "forward pre-hook registered with with_kwargs=True must return None or a tuple of "
                f"(new_args, new_kwargs), but got {type(result).__name__}"
            )
        new_args, new_kwargs = result
        return (new_args if isinstance(new_args, tuple) else (new_args,)), new_kwargs
    result = (hook.hook if isinstance(hook, OptionedHook) else hook)(module, args)
    if result is None:
        return args, kwargs
    return (result if isinstance(result, tuple) else (result,)), kwargs


def run_hook(hook: object, module: object, args: tuple, kwargs: dict, output: Any) -> Any:
    """One forward hook: the output, replaced when the hook returned something."""
    if isinstance(hook, OptionedHook):
        result = (
            hook.hook(module, args, kwargs, output) if hook.with_kwargs else hook.hook(module, args, output)
        )
    else:
        result = hook(module, args, output)
    return output if result is None else result


def run_always_called(hooks: Iterable, module: object, args: tuple, kwargs: dict) -> None:
    """After a forward that raised: the ``always_call`` hooks, with ``output=None`` (the error goes on)."""
    for hook in tuple(hooks):
        if isinstance(hook, OptionedHook) and hook.always_call:
            run_hook(hook, module, args, kwargs, None)
