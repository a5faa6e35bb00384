"""``Module``: the base of every layer and model, with PyTorch's registration rules.

Assigning an attribute files it by type: a :class:`Parameter` goes to
``_parameters``, a ``Module`` to ``_modules``, and a tensor registered with
:meth:`register_buffer` to ``_buffers``. Everything else — ``parameters()``,
``state_dict()``, ``train()``, ``zero_grad()``, the ``repr`` tree — walks
those three dictionaries, so a model is just modules nested in modules.

State-dict keys are the dotted attribute paths (``0.weight``,
``block.norm.running_mean``), the same keys PyTorch produces for the same
module tree, so weights move between the two.

Beyond the exercises, three bases of ``Module`` keep the rest of PyTorch's API out of this file:
:class:`~tt_nn.module_hooks.ModuleHooks` (forward and backward hooks),
:class:`~tt_nn.module_state.ModuleState` (state-dict hooks and extra state) and
:class:`~tt_nn.module_convert.ModuleConversion` (``to``, ``float``, ``half``, ``to_empty``, ...).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from tt_autograd import Tensor, no_grad

from . import backward_hooks, module_state
from .module_convert import ModuleConversion
from .module_hooks import ModuleHooks
from .module_state import IncompatibleKeys, ModuleState
from .module_walks import every_named_module, named_members
from .parameter import Buffer, Parameter
from .state_assign import assign_state_dict


def _check_name(kind: str, module: Module, name: object) -> None:
    """PyTorch's rules for a new member's name: a non-empty string without dots, not already an attribute.

    Called only for a name new to its own table: a name held by another kind of member (a buffer
    named like a parameter, a child module named like a buffer) is refused, as in PyTorch.
    """
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
    if name in module.__dict__ or name in module._members() or hasattr(type(module), name):
        raise KeyError(f"attribute {name!r} already exists on {type(module).__name__}")


class Module(ModuleHooks, ModuleState, ModuleConversion):
    """Base class for layers and models: subclass it, set layers in ``__init__``, write ``forward``.

    Example:
        >>> class TwoLayer(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = Linear(4, 8)
        ...         self.out = Linear(8, 2)
        ...     def forward(self, x):
        ...         return self.out(self.hidden(x).relu())
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        self._init_hooks()
        self._init_state_hooks()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of this module; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``forward(*args, **kwargs)`` with the module's hooks around it (:mod:`tt_nn.module_hooks`)."""
        if self._forward_pre_hooks:
            args = self._pre_hooked(self._forward_pre_hooks.values(), args, kwargs)
        if self.__dict__.get("_backward_hooks") or self.__dict__.get("_backward_pre_hooks"):
            return backward_hooks.call_with_backward_hooks(self, args, kwargs, self._forward_with_hooks)
        return self._forward_with_hooks(args, **kwargs)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Buffer) and name not in self.__dict__.get("_parameters", ()):
            self._assign_buffer(name, value)  # nn.Buffer (PyTorch 2.5+): registered as a buffer
            return
        # BEGIN SOLUTION 04
        # TODO: file a Parameter, a Module or a Tensor assigned to a registered buffer in its table; anything
        #   else as a plain attribute (§ How it is built, "Registration by assignment").
        # APPROACH: refuse before __init__ ran; a name moves between tables (forget it elsewhere first);
        #   None may replace a parameter, module or buffer; a plain Tensor may not replace a Parameter.
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() has run: call super().__init__()"
            )
        params, modules, buffers = self._parameters, self._modules, self._buffers
        if isinstance(value, Parameter):
            self._forget(name, keep=params)
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of {type(self).__name__} "
                    "(a Parameter or None is expected); to change its values in place use .data or copy_()"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} (a Module or None)"
                )
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} to buffer {name!r}: expected a tensor or None"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)
        # END SOLUTION

    def _assign_buffer(self, name: str, value: Buffer) -> None:
        """``module.name = Buffer(t)``: register ``t`` as a buffer, persistent as the ``Buffer`` says.

        A name held by a parameter is left to ``__setattr__`` (which refuses it); one held by a
        child module or a plain attribute is refused by ``register_buffer``, as in PyTorch.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError(f"cannot assign buffer {name!r} before Module.__init__() has run")
        if name in self._modules:
            raise TypeError(f"cannot assign a Buffer as child module {name!r} (a Module or None)")
        self.register_buffer(name, value, persistent=value.persistent)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Remove ``name`` from the plain attributes and the member tables other than ``keep``.

        Leaving ``name`` in ``keep`` keeps its place there, so re-assigning a
        layer does not move it to the end of the state dict.
        """
        self.__dict__.pop(name, None)
        for table in (self._parameters, self._buffers, self._modules):
            if table is not keep:
                table.pop(name, None)
        self._non_persistent.discard(name)

    def _members(self) -> set[str]:
        return {*self._parameters, *self._buffers, *self._modules}

    def __getattr__(self, name: str) -> Any:
        for table in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        if name in self._members():
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None``, a declared-but-absent one such as ``bias=False``)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot register a parameter before Module.__init__() has run")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}"
            )
        if name not in self._parameters:
            _check_name("parameter", self, name)
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not learned (e.g. running means); saved if ``persistent``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: {name!r} must be a tensor or None, got {type(tensor).__name__}"
            )
        if name not in self._buffers:
            _check_name("buffer", self, name)
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        if name not in self._modules:
            _check_name("module", self, name)
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The descendant at the dotted path ``target`` (``""`` is this module)."""
        module: Module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(
                    f"get_submodule: {type(module).__name__} has no submodule {part!r} (in {target!r})"
                )
            module = child
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at the dotted path ``target`` (``"block.conv"``), as PyTorch's.

        The parent (``"block"``) must exist; the last name may be new unless ``strict``, and if it
        names an attribute already, that attribute must be a module (it is replaced).
        """
        if target == "":
            raise ValueError("set_submodule: cannot set the submodule without a target name (got '')")
        if not isinstance(module, Module):
            raise ValueError(f"set_submodule: `module` is not an nn.Module, found {type(module).__name__}")
        path, _, name = target.rpartition(".")
        parent = self.get_submodule(path)
        if strict and not hasattr(parent, name):
            raise AttributeError(
                f"set_submodule: {type(parent).__name__} has no attribute `{name}` (in {target!r}); "
                "strict=True only replaces an existing submodule"
            )
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"set_submodule: `{name}` is not an nn.Module (in {target!r})")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"block.0.weight"``), as PyTorch's."""
        return self._member_at(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (``"bn.running_mean"``), as PyTorch's."""
        return self._member_at(target, "_buffers", "buffer")

    def _member_at(self, target: str, table: str, kind: str) -> Any:
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in getattr(module, table) or getattr(module, table)[name] is None:
            raise AttributeError(
                f"get_{kind}: {type(module).__name__} has no {kind} {name!r} (in {target!r})"
            )
        return getattr(module, table)[name]

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix="", memo=None, remove_duplicate=True) -> Iterator[tuple[str, Module]]:
        """This module and every descendant, once each (once per path without ``remove_duplicate``)."""
        if not remove_duplicate:  # (:mod:`tt_nn.module_walks`, PyTorch's)
            return (yield from every_named_module(self, prefix))
        # BEGIN SOLUTION 04
        # TODO: yield (name, module) for this module and every descendant, depth first, each once
        #   (§ How it is built, "Two walks, two rules"); names are dotted paths.
        # HINT: a memo set of id()s skips a module shared in two places.
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)
        # END SOLUTION

    def modules(self, remove_duplicate: bool = True) -> Iterator[Module]:
        """This module and every descendant."""
        return (module for _, module in self.named_modules(remove_duplicate=remove_duplicate))

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct children with their names."""
        return ((name, child) for name, child in self._modules.items() if child is not None)

    def children(self) -> Iterator[Module]:
        """Direct children."""
        return (child for _, child in self.named_children())

    def _named_members(self, table: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        """Members of ``table`` in registration order, depth first; a shared one only under its first name."""
        # BEGIN SOLUTION 04
        # TODO: the entries of one table ("_parameters" or "_buffers") over the modules, in registration
        #   order, a shared tensor only under its first name (§ How it is built, "Two walks, two rules").
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value
        # END SOLUTION

    def named_parameters(
        self, prefix="", recurse=True, remove_duplicate=True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter (shared ones once, unless ``remove_duplicate=False``) with its dotted name."""
        return named_members(self, "_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, for an optimizer."""
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True) -> Iterator[tuple[str, Tensor]]:
        """Every buffer (shared ones once, unless ``remove_duplicate=False``) with its dotted name."""
        return named_members(self, "_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer."""
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every descendant, then on this module (e.g. custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {type(mode).__name__}")
        # BEGIN SOLUTION 04
        # TODO: set training = mode on this module and every descendant; return self.
        # HINT: object.__setattr__ skips Module.__setattr__'s registration logic.
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self
        # END SOLUTION

    def eval(self) -> Module:
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (to None by default, as in PyTorch)."""
        # BEGIN SOLUTION 04
        # TODO: every parameter's grad to None (set_to_none, PyTorch's default) or to zeros in place.
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.array[...] = 0
        # END SOLUTION

    # ----------------------------------------------------------------- state
    def _state_items(self, prefix: str, keep_vars: bool) -> Iterator[tuple[str, Tensor]]:
        """Parameters and persistent buffers, recursively, with dotted keys.

        Unlike ``named_parameters`` nothing is de-duplicated: a module (or a
        parameter) reachable under two names is saved under both, as in PyTorch.
        """
        # BEGIN SOLUTION 04
        # TODO: (key, tensor) of parameters, then persistent buffers, then each child's with "name." prefixed;
        #   detached unless keep_vars (§ How it is built, "load_state_dict checks before it writes").
        for name, value in self._parameters.items():
            if value is not None:
                yield prefix + name, value if keep_vars else value.detach()
        for name, value in self._buffers.items():
            if value is not None and name not in self._non_persistent:
                yield prefix + name, value if keep_vars else value.detach()
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_items(f"{prefix}{name}.", keep_vars)
        # END SOLUTION

    def state_dict(self, prefix="", keep_vars=False, *, destination=None) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name, e.g. ``0.weight``, ``1.running_mean``.

        The values share storage with the module (detached unless
        ``keep_vars``), so copy them if the model will keep training. With ``destination`` (a dict),
        the entries are added to it and it is returned, as PyTorch's. State-dict hooks and
        ``get_extra_state`` (:mod:`tt_nn.module_state`) take part as in PyTorch; the dict's
        ``_metadata`` holds each module's ``{"version": ...}`` by path.
        """
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        if module_state.needs_walk(self):
            module_state.save(self, destination, prefix, keep_vars)
            return destination
        destination.update(self._state_items(prefix, keep_vars))
        if hasattr(destination, "_metadata"):  # (a plain dict given: PyTorch records none either)
            destination._metadata.update(module_state.metadata(self, prefix))
        return destination

    def load_state_dict(
        self, state_dict: dict[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers, in place.

        With ``strict=True`` a missing key, an unexpected key or a shape
        mismatch raises one error that lists them all; with ``strict=False``
        missing and unexpected keys are returned instead (shapes must still match).
        Nothing is copied unless every check passes. A lazy module's uninitialized parameters
        and buffers first take the checkpoint's shapes (``LazyModuleMixin``), as in PyTorch.
        Load hooks and ``set_extra_state`` (:mod:`tt_nn.module_state`) take part as in PyTorch;
        ``assign=True`` makes the checkpoint's tensors the module's instead (:mod:`tt_nn.state_assign`).
        """
        if module_state.needs_walk(self):
            if assign:
                raise NotImplementedError(
                    "load_state_dict: assign=True with state-dict hooks or extra state is not supported; "
                    "load without assign (the values are copied into the module's tensors)"
                )
            return module_state.load(self, state_dict, strict)
        for prefix, module in self.named_modules():
            load_hook = getattr(module, "_lazy_load_hook", None)
            if load_hook is not None:
                load_hook(state_dict, f"{prefix}." if prefix else "")
        if assign:
            return IncompatibleKeys(*assign_state_dict(self, state_dict, strict))
        # BEGIN SOLUTION 04
        # TODO: copy each value into its parameter or buffer in place, after checking everything first
        #   (§ How it is built, "load_state_dict checks before it writes").
        # APPROACH: collect missing, unexpected and shape-mismatched keys; raise (strict) before writing
        #   anything; then copy in place under no_grad, keeping each tensor's identity and dtype.
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        mismatched = []
        for key, target in own.items():
            if key in state_dict:
                shape = np.shape(state_dict[key])
                if shape != target.shape:
                    mismatched.append(f"{key}: the checkpoint has shape {shape}, the model {target.shape}")
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: " + " | ".join(problems))
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    target.copy_(np.asarray(state_dict[key], dtype=target.array.dtype))  # bumps its version
        return IncompatibleKeys(missing, unexpected)
        # END SOLUTION

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_text}")
        if not self._modules:
            return f"{type(self).__name__}({', '.join(lines)})" if len(lines) <= 1 else self._tree(lines)
        return self._tree(lines)

    def _tree(self, lines: list[str]) -> str:
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._parameters, *self._buffers, *self._modules})
