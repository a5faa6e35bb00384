"""``torch.nn.utils.parametrize``: a module tensor recomputed from other tensors on every access.

``register_parametrization(layer, "weight", P())`` keeps what is trained — the
*original* — under ``layer.parametrizations.weight.original`` and turns
``layer.weight`` into ``P(original)``, computed each time forward reads it, so
the layer's own code is unchanged and the gradient reaches the original
through ``P``. Weight normalisation and spectral normalisation
(:mod:`tt_nn.parametrizations`) are built this way, and so is any constraint
written as a function (a symmetric matrix as ``triu(X) + triu(X, 1).T``).

How (PyTorch's design, rebuilt): the module's class is swapped for a subclass
made for it (``ParametrizedLinear``) that carries a ``property`` per
parametrized name: reading it runs the :class:`ParametrizationList` (the
parametrizations in registration order, applied to the original), assigning
to it runs their ``right_inverse`` in reverse and stores the result as the new
original. A parametrization with a ``right_inverse`` also chooses the original
at registration (``weight_norm``'s returns two tensors, ``original0`` and
``original1``); without one, the original is the tensor as it was. Unless
``unsafe=True``, the parametrized tensor must keep its shape and dtype.
``cached()`` computes each parametrized tensor once inside its block (a
recurrent layer reading its weight at every step). ``remove_parametrizations``
puts a plain parameter back, with the parametrized value or the original.

The state dict follows: ``parametrizations.weight.original`` replaces ``weight``.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_nn import Linear, Module
    >>> class Symmetric(Module):
    ...     def forward(self, x):
    ...         return x.triu() + x.triu(1).mT
    >>> layer = register_parametrization(Linear(3, 3), "weight", Symmetric())
    >>> w = layer.weight
    >>> bool((w == w.mT).all())
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import tt_tensor
from tt_autograd import no_grad

from .containers import ModuleDict, ModuleList
from .module import Module
from .parameter import Parameter

_cache: dict[tuple[int, str], Any] | None = None  # while cached() is on: (id(module), name) -> tensor


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside the block, each parametrized tensor is computed once, at its first access."""
    global _cache
    outer = _cache
    _cache = {} if outer is None else outer
    try:
        yield
    finally:
        _cache = outer


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in registration order, and its original(s).

    Calling it returns the parametrized tensor: the first parametrization on the
    original(s), each next one on the previous result.
    """

    def __init__(self, modules: Sequence[Module], original: Any, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList: give at least one parametrization")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = tuple(original.shape), original.dtype
        with no_grad():
            new = original
            for parametrization in reversed(list(self)):
                if hasattr(parametrization, "right_inverse"):
                    with contextlib.suppress(NotImplementedError):
                        new = parametrization.right_inverse(new)
        if isinstance(new, tt_tensor.Tensor):
            self.is_tensor, self.ntensors = True, 1
            if new.dtype != dtype:
                raise ValueError(
                    f"register_parametrization: right_inverse returned one tensor of dtype {new.dtype}, "
                    f"but the original is {dtype}; one returned tensor may not change the dtype"
                )
            # the original object stays (an optimizer may hold it), with the new values
            if new is not original:
                original.array = np.array(new.array, copy=True)
            self._register("original", original, original)
        elif isinstance(new, (tuple, list)) and all(isinstance(t, tt_tensor.Tensor) for t in new):
            self.is_tensor, self.ntensors = False, len(new)
            for i, tensor in enumerate(new):
                self._register(f"original{i}", tensor.detach(), original)
        else:
            raise ValueError(
                "register_parametrization: right_inverse must return a tensor or a sequence of tensors, got "
                f"{type(new).__name__}"
            )
        if not unsafe:
            _check_same_kind(self(), shape, dtype, "registering a parametrization")

    def _register(self, name: str, tensor: Any, like: Any) -> None:
        """``tensor`` as a parameter when the tensor it replaces was one, else as a buffer."""
        if isinstance(like, Parameter):
            self.register_parameter(
                name, tensor if isinstance(tensor, Parameter) else Parameter(tensor, like.requires_grad)
            )
        else:
            self.register_buffer(name, tensor)

    def originals(self) -> list[Any]:
        """The original tensor(s) the first parametrization takes."""
        return (
            [self.original]
            if self.is_tensor
            else [getattr(self, f"original{i}") for i in range(self.ntensors)]
        )

    def right_inverse(self, value: Any) -> None:
        """Store as original(s) what makes ``value`` (each ``right_inverse``, last first)."""
        with no_grad():
            for parametrization in reversed(list(self)):
                if not hasattr(parametrization, "right_inverse"):
                    raise RuntimeError(
                        f"parametrization {type(parametrization).__name__} does not implement right_inverse, "
                        "so the parametrized tensor cannot be assigned"
                    )
                value = parametrization.right_inverse(value)
            values = [value] if self.is_tensor else list(value)
            if len(values) != self.ntensors:
                raise ValueError(f"right_inverse must return {self.ntensors} tensor(s), got {len(values)}")
            for original, new in zip(self.originals(), values):
                if new.dtype != original.dtype:
                    raise ValueError(
                        f"right_inverse returned a tensor of dtype {new.dtype} for an original of "
                        f"{original.dtype}"
                    )
                original.array = np.array(new.array, copy=True)

    def forward(self) -> Any:
        parametrizations = list(self)
        x = parametrizations[0](*self.originals())
        for parametrization in parametrizations[1:]:
            x = parametrization(x)
        return x


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
):
    """Make ``module.<tensor_name>`` be ``parametrization(original)`` from now on; returns ``module``.

    Args:
        module: the module whose parameter or buffer is parametrized.
        tensor_name: its name (``"weight"``); a name parametrized already gets one more parametrization,
            applied after the others.
        parametrization: a module whose ``forward`` maps the original(s) to the tensor; with a
            ``right_inverse``, also how to go back (used at registration and when assigning).
        unsafe: allow the parametrization to change the tensor's shape or dtype.
    """
    for role, value in (("module", module), ("parametrization", parametrization)):
        if not isinstance(value, Module):
            raise TypeError(
                f"register_parametrization: {role} must be an nn.Module, got {type(value).__name__}"
                + ("; wrap a function in a Module whose forward calls it" if callable(value) else "")
            )
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        existing = module.parametrizations[tensor_name]
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_same_kind(
                parametrization(current), tuple(current.shape), current.dtype, "adding a parametrization"
            )
        existing.append(parametrization)
        existing.unsafe |= unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(
            f"register_parametrization: {type(module).__name__} has no parameter, buffer or parametrized "
            f"tensor named {tensor_name!r}"
        )
    original = getattr(module, tensor_name)
    parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _give_parametrized_class(module)
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = parametrizations
    setattr(type(module), tensor_name, property(_getter(tensor_name)))  # assignment: the class's __setattr__
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrized tensor (named ``tensor_name``, if given)."""
    parametrizations = module._modules.get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Put a plain parameter (or buffer) back under ``tensor_name``; returns ``module``.

    With ``leave_parametrized`` it holds the parametrized value, else the original (possible only
    when there is one original). The module gets its own class back once nothing is parametrized.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"remove_parametrizations: {type(module).__name__} has no parametrization on {tensor_name!r}"
        )
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                original.array = np.array(getattr(module, tensor_name).array, copy=True)
    elif leave_parametrized:
        like = parametrizations.original0
        value = getattr(module, tensor_name).detach()
        original = Parameter(value, like.requires_grad) if isinstance(like, Parameter) else value
    else:
        raise ValueError(
            "remove_parametrizations: leave_parametrized=False needs one original tensor, but "
            f"{tensor_name!r} is parametrized by {parametrizations.ntensors}"
        )
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type_before_parametrizations(module)
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    cls = type(module)
    return cls.__bases__[0] if getattr(cls, "_made_for_parametrizations", False) else cls


def _give_parametrized_class(module: Module) -> None:
    """Swap the module's class for a subclass of its own that can carry the properties."""
    cls = type(module)

    def __setattr__(self: Module, name: str, value: Any) -> None:
        if is_parametrized(
            self, name
        ):  # assigning the parametrized tensor: right_inverse stores the original
            self.parametrizations[name].right_inverse(value)
        else:
            cls.__setattr__(self, name, value)

    namespace = {"__setattr__": __setattr__, "_made_for_parametrizations": True, "__module__": cls.__module__}
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _getter(name: str):
    def parametrized(self: Module) -> Any:
        if _cache is None:
            return self.parametrizations[name]()
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = self.parametrizations[name]()
        return _cache[key]

    return parametrized


def _check_same_kind(result: Any, shape: tuple, dtype: Any, doing: str) -> None:
    if not isinstance(result, tt_tensor.Tensor):
        raise ValueError(f"{doing}: a parametrization must return a tensor, got {type(result).__name__}")
    if tuple(result.shape) != shape or result.dtype != dtype:
        raise ValueError(
            f"{doing}: the parametrized tensor must keep the original's shape {shape} and dtype {dtype}, got "
            f"{tuple(result.shape)} and {result.dtype}; pass unsafe=True if that is meant"
        )
