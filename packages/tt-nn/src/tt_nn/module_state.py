"""``Module``'s state-dict hooks and extra state, PyTorch 2.13's: what a module adds to its saved state.

* ``register_state_dict_pre_hook(hook)``: ``hook(module, prefix, keep_vars)`` before the module saves
  its own entries; ``register_state_dict_post_hook(hook)``: ``hook(module, state_dict, prefix,
  local_metadata)`` after it and its children did, editing ``state_dict`` in place (a return value
  other than None is an error, as in PyTorch).
* ``register_load_state_dict_pre_hook(hook)``: ``hook(module, state_dict, prefix, local_metadata,
  strict, missing_keys, unexpected_keys, error_msgs)`` before the module's entries are read; it may
  rename or add entries of ``state_dict`` (a child's hook gets the entries under its prefix) and
  append to the three lists. ``register_load_state_dict_post_hook(hook)``: ``hook(module,
  incompatible_keys)`` afterwards; it may edit ``incompatible_keys.missing_keys`` /
  ``unexpected_keys`` in place, e.g. clear a key it knows is fine, and a strict load then passes.
* ``get_extra_state()`` / ``set_extra_state(state)``: a subclass that overrides ``get_extra_state``
  saves its return value under ``prefix + "_extra_state"``; loading hands that entry to
  ``set_extra_state`` (a subclass overriding it and missing the entry reports it missing).

``prefix`` is the module's dotted path plus ``"."`` (``"block.norm."``, ``""`` for the root), so
``prefix + name`` is a key. Each module's hooks run once per path it is reachable by, as in PyTorch.
``local_metadata`` is ``{"version": module._version}`` when saving; ``state_dict()`` records these
per path in its ``_metadata`` attribute, which loading hands back (``{}`` for a dict without one).
``strict`` given to a pre-hook is always True: as in PyTorch the lists are always filled, and
``strict=False`` only stops the error at the end.

One difference from PyTorch, to keep ``load_state_dict``'s promise that nothing is copied unless
every check passes: every pre-hook runs and every check is made before the first copy (PyTorch
copies each module's entries before its children's pre-hooks run), and a size mismatch or a
pre-hook's error message stops the load before anything is written. Post-hooks run after the
copies, children's before their parent's, each seeing the whole load's missing and unexpected
keys (PyTorch: those found so far); if a strict load still fails after them (or a hook raises), the
copied values are put back (``set_extra_state`` calls are not undone) before the error.

Cost: a model with none of these (no hook, no extra state) saves and loads through ``Module``'s
own walk; otherwise through the walks here, one pass over the modules and entries each.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
from tt_autograd import no_grad
from tt_autograd.hooks import RemovableHandle

from .module_hooks import HookDict, added


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns, PyTorch's ``_IncompatibleKeys``: printed as
    ``<All keys matched successfully>`` when both lists are empty."""

    missing_keys: list
    unexpected_keys: list

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"
        )

    __str__ = __repr__


EXTRA_STATE_KEY = "_extra_state"


class ModuleState:
    """The state-dict hook tables and the extra-state methods of a module (a base of ``Module``)."""

    #: The version recorded in a saved state dict's ``_metadata`` (PyTorch's ``Module._version``).
    _version: int = 1

    def _init_state_hooks(self) -> None:
        for table in (
            "_state_dict_pre_hooks",
            "_state_dict_hooks",
            "_load_state_dict_pre_hooks",
            "_load_state_dict_post_hooks",
        ):
            object.__setattr__(self, table, HookDict())

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before this module saves its entries."""
        return added(self._state_dict_pre_hooks, hook, "register_state_dict_pre_hook")

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` once this module and its children
        saved theirs; the hook edits ``state_dict`` in place and returns None."""
        return added(self._state_dict_hooks, hook, "register_state_dict_post_hook")

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` before this module's entries are read (see the module docstring)."""
        return added(self._load_state_dict_pre_hooks, hook, "register_load_state_dict_pre_hook")

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after loading; it edits the key lists in place."""
        return added(self._load_state_dict_post_hooks, hook, "register_load_state_dict_post_hook")

    def get_extra_state(self) -> Any:
        """What to save under ``prefix + "_extra_state"``: override it (with ``set_extra_state``)."""
        raise RuntimeError(
            f"{type(self).__name__}.get_extra_state: Module's own is never called; a subclass that saves "
            "extra state overrides get_extra_state (and set_extra_state to load it)"
        )

    def set_extra_state(self, state: Any) -> None:
        """Take back what ``get_extra_state`` returned, from a loaded state dict: override it."""
        raise RuntimeError(
            f"{type(self).__name__}.set_extra_state: Module's own is never called; a subclass whose state "
            "dicts hold '_extra_state' overrides set_extra_state to load it"
        )


def _overrides(module: Any, name: str) -> bool:
    return getattr(type(module), name) is not getattr(ModuleState, name)


def needs_walk(root: Any) -> bool:
    """Whether saving or loading ``root`` must go through the walks here (a hook or extra state)."""
    return any(
        module._state_dict_pre_hooks
        or module._state_dict_hooks
        or module._load_state_dict_pre_hooks
        or module._load_state_dict_post_hooks
        or _overrides(module, "get_extra_state")
        or _overrides(module, "set_extra_state")
        for module in root.modules()
    )


def paths(module: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """``(prefix, module)`` for the module and each descendant, once per path (no de-duplication)."""
    yield prefix, module
    for name, child in module._modules.items():
        if child is not None:
            yield from paths(child, f"{prefix}{name}.")


def metadata(root: Any, prefix: str) -> OrderedDict:
    """A state dict's ``_metadata``: ``{"version": ...}`` by module path (PyTorch's)."""
    return OrderedDict((path[:-1], {"version": module._version}) for path, module in paths(root, prefix))


def _own(module: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """The module's own saved members (parameters, then persistent buffers), keyed ``prefix + name``."""
    for table in (module._parameters, module._buffers):
        for name, value in table.items():
            if value is not None and name not in module._non_persistent:
                yield prefix + name, value


def save(module: Any, destination: OrderedDict, prefix: str, keep_vars: bool) -> None:
    """PyTorch's ``state_dict`` walk: pre-hooks, own entries and extra state, children, post-hooks."""
    local_metadata = {"version": module._version}
    if hasattr(destination, "_metadata"):  # (a plain dict passed as destination has none)
        destination._metadata[prefix[:-1]] = local_metadata
    for hook in tuple(module._state_dict_pre_hooks.values()):
        hook(module, prefix, keep_vars)
    for key, value in _own(module, prefix):
        destination[key] = value if keep_vars else value.detach()
    if _overrides(module, "get_extra_state"):
        destination[prefix + EXTRA_STATE_KEY] = module.get_extra_state()
    for name, child in module._modules.items():
        if child is not None:
            save(child, destination, f"{prefix}{name}.", keep_vars)
    for hook in tuple(module._state_dict_hooks.values()):
        if hook(module, destination, prefix, local_metadata) is not None:
            raise RuntimeError(
                f"state_dict post-hook must return None ({type(module).__name__} at {prefix[:-1]!r}): "
                "edit the state_dict it is given in place"
            )


class _Load:
    """One ``load_state_dict`` through the hooks: what to copy, what is missing or unexpected."""

    def __init__(self, metadata: Any) -> None:
        self.metadata = metadata
        self.missing: list[str] = []
        self.unexpected: list[str] = []
        self.errors: list[str] = []
        self.mismatched: list[str] = []
        self.copies: list[tuple[Any, Any]] = []
        self.extra: list[tuple[Any, Any]] = []
        self.post: list[Any] = []  # modules whose post-hooks run, children first

    def check(self, module: Any, local: dict, prefix: str) -> None:
        """Run the module's pre-hooks on its ``local`` entries, then note what it would read."""
        lazy_hook = getattr(module, "_lazy_load_hook", None)
        if lazy_hook is not None:
            lazy_hook(local, prefix)
        local_metadata = {} if self.metadata is None else self.metadata.get(prefix[:-1], {})
        for hook in tuple(module._load_state_dict_pre_hooks.values()):
            hook(module, local, prefix, local_metadata, True, self.missing, self.unexpected, self.errors)
        own = dict(_own(module, prefix))
        for key, target in own.items():
            if key not in local:
                self.missing.append(key)
            elif np.shape(local[key]) != target.shape:
                shape = np.shape(local[key])
                self.mismatched.append(f"{key}: the checkpoint has shape {shape}, the model {target.shape}")
            else:
                self.copies.append((target, local[key]))
        extra_key = prefix + EXTRA_STATE_KEY
        if _overrides(module, "set_extra_state"):
            if extra_key in local:
                self.extra.append((module, local[extra_key]))
            else:
                self.missing.append(extra_key)
        elif extra_key in local:
            self.unexpected.append(extra_key)
        for key in local:
            if key.startswith(prefix) and key != extra_key:
                head, dot, _ = key[len(prefix) :].partition(".")
                if (head not in module._modules) if dot else (key not in own):
                    self.unexpected.append(key)
        for name, child in module._modules.items():
            if child is not None:
                inner = f"{prefix}{name}."
                self.check(child, {k: v for k, v in local.items() if k.startswith(inner)}, inner)
        if module._load_state_dict_post_hooks:
            self.post.append(module)

    def problems(self, strict: bool) -> list[str]:
        """The error's parts, worded as ``Module.load_state_dict``'s own."""
        found = []
        if strict and self.missing:
            found.append("missing keys: " + ", ".join(self.missing))
        if strict and self.unexpected:
            found.append("unexpected keys: " + ", ".join(self.unexpected))
        if self.mismatched:
            found.append("shape mismatches: " + "; ".join(self.mismatched))
        if self.errors:
            found.append("load_state_dict pre-hooks reported: " + "; ".join(self.errors))
        return found

    def write(self) -> list[tuple[Any, np.ndarray]]:
        """Copy every checked entry in place; return the old values, to put back."""
        old = [(target, target.array.copy()) for target, _ in self.copies]
        with no_grad():
            for target, value in self.copies:
                target.copy_(np.asarray(value, dtype=target.array.dtype))  # bumps its version
        for module, state in self.extra:
            module.set_extra_state(state)
        return old


def load(root: Any, state_dict: Any, strict: bool) -> IncompatibleKeys:
    """``root.load_state_dict(state_dict, strict)`` through the hooks (see the module docstring)."""
    given_metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)  # the hooks edit a copy, as in PyTorch
    if given_metadata is not None:
        state_dict._metadata = given_metadata
    run = _Load(given_metadata)
    run.check(root, state_dict, "")
    name = type(root).__name__
    if run.mismatched or run.errors or (strict and (run.missing or run.unexpected) and not run.post):
        raise RuntimeError(f"load_state_dict for {name}: " + " | ".join(run.problems(strict)))
    old = run.write()
    keys = IncompatibleKeys(run.missing, run.unexpected)
    try:
        for module in run.post:
            for hook in tuple(module._load_state_dict_post_hooks.values()):
                if hook(module, keys) is not None:
                    raise AssertionError(  # PyTorch's type
                        f"load_state_dict post-hook of {type(module).__name__} returned a value: such "
                        "hooks return None and edit incompatible_keys' lists in place"
                    )
        problems = run.problems(strict)
        if problems:
            raise RuntimeError(f"load_state_dict for {name}: " + " | ".join(problems))
    except BaseException:
        with no_grad():
            for target, values in old:
                target.copy_(values)
        raise
    return keys
