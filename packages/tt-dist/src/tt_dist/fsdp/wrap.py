"""Auto-wrap policies (``torch.distributed.fsdp.wrap``): which submodules become FSDP units of their own.

A policy is called as ``policy(module=m, recurse=..., nonwrapped_numel=n)``: with
``recurse=True`` it answers "look inside ``m``?", with ``recurse=False`` "wrap ``m``?",
``n`` being the number of ``m``'s parameters not yet in a wrapped child.
:func:`recursive_wrap` walks the tree bottom-up, as PyTorch's ``_recursive_wrap``: the
children are decided first, and a module is wrapped on the parameters they left.

Each unit owns one flat parameter, gathered for its forward and reduce-scattered after its
backward; smaller units mean a smaller peak of gathered parameters and more, smaller
messages. Cost: one visit per module and one count of its parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tt_nn import Module

__all__ = [
    "ModuleWrapPolicy",
    "recursive_wrap",
    "size_based_auto_wrap_policy",
    "transformer_auto_wrap_policy",
]


def size_based_auto_wrap_policy(
    module: Module,
    recurse: bool,
    nonwrapped_numel: int,
    min_num_params: int = int(1e8),
    force_leaf_modules: set[type[Module]] | None = None,
    exclude_wrap_modules: set[type[Module]] | None = None,
) -> bool:
    """Wrap a module once its parameters not yet wrapped reach ``min_num_params`` (PyTorch's).

    Use it through ``functools.partial(size_based_auto_wrap_policy, min_num_params=...)``.
    ``force_leaf_modules`` are not looked into; ``exclude_wrap_modules`` are never wrapped.
    """
    leaves = tuple(force_leaf_modules or ())
    excluded = tuple(exclude_wrap_modules or ())
    if recurse:
        return not isinstance(module, leaves)
    return nonwrapped_numel >= min_num_params and not isinstance(module, excluded)


def transformer_auto_wrap_policy(
    module: Module, recurse: bool, nonwrapped_numel: int, transformer_layer_cls: Iterable[type[Module]]
) -> bool:
    """Wrap every instance of ``transformer_layer_cls`` (use it through ``functools.partial``)."""
    if recurse:
        return True
    return isinstance(module, tuple(transformer_layer_cls))


class ModuleWrapPolicy:
    """Wrap every instance of the given module classes (PyTorch's ``ModuleWrapPolicy``).

    Args:
        module_classes: the classes whose instances become units (a transformer's block class).
    """

    def __init__(self, module_classes: Iterable[type[Module]]) -> None:
        classes = tuple(dict.fromkeys(module_classes))
        for cls in classes:
            if not (isinstance(cls, type) and issubclass(cls, Module)):
                raise TypeError(f"ModuleWrapPolicy: expected Module classes, got {cls!r}")
        self._module_classes = classes

    def __call__(self, module: Module, recurse: bool, *args: Any, **kwargs: Any) -> bool:
        return transformer_auto_wrap_policy(module, recurse, 0, self._module_classes)

    def __repr__(self) -> str:
        return f"ModuleWrapPolicy({', '.join(cls.__name__ for cls in self._module_classes)})"


def recursive_wrap(
    module: Module, policy: Callable[..., bool], wrap: Callable[[Module], Module], only_wrap_children: bool
) -> tuple[Module, int]:
    """Wrap ``module``'s subtree bottom-up by ``policy``; returns the (maybe wrapped) module and the
    number of parameters that went into units.

    ``wrap(child)`` builds a unit; the children are replaced in place (``setattr``).
    """
    nonwrapped = sum(p.numel() for p in module.parameters())
    if not policy(module=module, recurse=True, nonwrapped_numel=nonwrapped):
        return module, 0
    wrapped_numel = 0
    for name, child in list(module.named_children()):
        new_child, numel = recursive_wrap(child, policy, wrap, only_wrap_children=False)
        if new_child is not child:
            setattr(module, name, new_child)
        wrapped_numel += numel
    if not only_wrap_children and policy(
        module=module, recurse=False, nonwrapped_numel=nonwrapped - wrapped_numel
    ):
        return wrap(module), nonwrapped
    return module, wrapped_numel
