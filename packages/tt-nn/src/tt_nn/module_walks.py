"""``remove_duplicate=False`` walks of a ``Module``: every path to a module, every name of a member.

Not course material: module 04's ``named_modules`` and ``named_parameters`` yield a module or a tensor
reachable under two names once (under its first name); PyTorch's ``remove_duplicate=False`` yields it
under each name, as here (a weight tied between two layers appears twice). The walk is PyTorch's: depth
first, registration order, a module's members before its children's. A module that contains itself is
walked forever, as in PyTorch. Cost: one visit per path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def every_named_module(module: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted name, module)`` for ``module`` and each descendant, once per path."""
    yield prefix, module
    for name, child in module._modules.items():
        if child is not None:
            yield from every_named_module(child, f"{prefix}.{name}" if prefix else name)


def named_members(module: Any, table: str, prefix: str, recurse: bool, remove_duplicate: bool) -> Iterator:
    """The entries of ``table`` (``"_parameters"``, ``"_buffers"``) over ``module`` (and its descendants if
    ``recurse``) with dotted names: a shared one once (``Module._named_members``) or under every name."""
    if remove_duplicate:
        return module._named_members(table, prefix, recurse)
    return _every_member(module, table, prefix, recurse)


def _every_member(module: Any, table: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Any]]:
    for module_prefix, owner in every_named_module(module, prefix) if recurse else [(prefix, module)]:
        for name, value in getattr(owner, table).items():
            if value is not None:
                yield (f"{module_prefix}.{name}" if module_prefix else name), value
