"""``Module``'s forward and backward hooks: registering them and running them around ``forward``.

:class:`ModuleHooks` is a base of :class:`tt_nn.Module`; it keeps the four hook tables a module
has from ``__init__`` (``_forward_pre_hooks``, ``_forward_hooks``, ``_backward_pre_hooks``,
``_backward_hooks``, each a :class:`HookDict`: the hooks by handle id, in the
order they run, as PyTorch's) and the helpers ``Module.__call__``
runs them with. The hooks' options are in :mod:`tt_nn.hook_options`, the backward hooks' wiring
in :mod:`tt_nn.backward_hooks`. Cost: a call on a module without hooks pays one truth test per table.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from tt_autograd.hooks import RemovableHandle

from . import hook_options


class HookDict(OrderedDict):
    """A module's hooks by handle id, in the order they run (PyTorch's ``OrderedDict`` of hooks).

    ``remove(hook)`` takes off the entry holding ``hook``, for code that finds a hook by what it is
    (``prune.remove``, ``remove_weight_norm``) rather than by its handle.
    """

    def remove(self, hook: Any) -> None:
        """Remove the entry whose value is ``hook`` (a ValueError if there is none)."""
        for key, value in self.items():
            if value is hook:
                del self[key]
                return
        raise ValueError(f"HookDict.remove: {hook!r} is not one of these hooks")


def added(
    hooks: HookDict, hook: Callable[..., Any], name: str, prepend: bool = False, stored: Any = None
) -> RemovableHandle:
    """Add ``hook`` (as ``stored``, when its options wrap it) at the end of ``hooks``, or first with
    ``prepend``, refusing one that cannot be called; return its handle."""
    if not callable(hook):
        raise TypeError(f"{name}: hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook if stored is None else stored
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class ModuleHooks:
    """The hook tables of a module and the methods that register and run them (a base of ``Module``)."""

    def _init_hooks(self) -> None:
        object.__setattr__(self, "_forward_hooks", HookDict())
        object.__setattr__(self, "_forward_pre_hooks", HookDict())
        object.__setattr__(self, "_backward_hooks", HookDict())
        object.__setattr__(self, "_backward_pre_hooks", HookDict())

    def _pre_hooked(self, hooks: Iterable, args: tuple, kwargs: dict) -> tuple:
        """``args`` through the forward pre-hooks ``hooks``, each of which may replace them (and, registered
        ``with_kwargs``, the keyword arguments: ``kwargs`` is updated in place)."""
        for hook in tuple(hooks):  # a snapshot: a hook may remove itself (a lazy module's does)
            args, new = hook_options.run_pre_hook(hook, self, args, kwargs)
            if new is not kwargs:
                kwargs.clear()
                kwargs.update(new)
        return args

    def _forward_with_hooks(self, args: tuple, /, **kwargs: Any) -> Any:
        try:
            output = self.forward(*args, **kwargs)
        except BaseException:
            hook_options.run_always_called(self._forward_hooks.values(), self, args, kwargs)
            raise
        return self._post_hooked(args, output, kwargs)

    def _post_hooked(self, args: tuple, output: Any, kwargs: dict) -> Any:
        """``output`` (of a call on ``args`` and ``kwargs``) through the forward hooks, each of which may
        replace it."""
        for hook in tuple(self._forward_hooks.values()):  # a snapshot, as above
            output = hook_options.run_hook(hook, self, args, kwargs, output)
        return output

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward (a non-None result replaces the output);
        PyTorch's options in :mod:`tt_nn.hook_options`. Returns a handle whose ``remove()`` takes it off."""
        stored = hook_options.entry(hook, with_kwargs, always_call)
        return added(self._forward_hooks, hook, "register_forward_hook", prepend, stored)

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every forward (a non-None result replaces the inputs)."""
        stored = hook_options.entry(hook, with_kwargs)
        return added(self._forward_pre_hooks, hook, "register_forward_pre_hook", prepend, stored)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` in backward; a tuple it returns replaces grad_input.

        ``grad_input`` has one entry per positional argument (None where it is not a tensor
        requiring grad). See :mod:`tt_nn.backward_hooks`.
        """
        return added(self._backward_hooks, hook, "register_full_backward_hook", prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` before the module's backward; a tuple it returns replaces it."""
        return added(self._backward_pre_hooks, hook, "register_full_backward_pre_hook", prepend)
