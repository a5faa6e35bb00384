"""``functional_call``: run a module with other tensors in place of its parameters and buffers.

``functional_call(model, {"weight": w2}, x)`` is ``model(x)`` as if ``model.weight``
were ``w2``, for this one call (``torch.func.functional_call``, also
``torch.nn.utils.stateless.functional_call``). The replacement need not be a
``Parameter``: a tensor with a graph stays in the graph. That is how
meta-learning differentiates through an update: MAML's inner step
``θ' = θ − α ∇L(θ)`` is taken with ``create_graph=True``, the outer loss is
``L(functional_call(model, θ', x))``, and its gradient reaches ``θ`` through
``θ'`` (a second-order term, :mod:`tt_autograd.higher_order`).

How: every layer reads its parameters through the module's attribute lookup,
which reads the module's parameter and buffer tables, so the call puts each
given tensor into the table entry of the module that owns the name, runs
forward, and puts the originals back in a ``finally`` (also when forward
raises). Nothing is copied. A buffer that forward updates in place (batch
norm's running statistics in training) updates the given tensor, not the
module's own.

As PyTorch: ``parameter_and_buffer_dicts`` may be one dict or several (a name
given twice is an error); ``tie_weights=True`` gives every name of a tied
tensor (one tensor registered under two names, as a language model's shared
embedding) the value given for any of them; ``strict=True`` requires exactly
the module's names. Non-strict, a name the module does not have becomes a
plain attribute of its owner for the call.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_nn import Linear
    >>> layer = Linear(2, 1)
    >>> ones = {"weight": autograd.ones(1, 2), "bias": autograd.zeros(1)}
    >>> functional_call(layer, ones, autograd.tensor([[1.0, 2.0]])).tolist()
    [[3.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .module import Module

_OP = "functional_call"


def functional_call(
    module: Module,
    parameter_and_buffer_dicts: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    args: Any = None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the named tensors in place of its parameters and buffers.

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: ``{dotted name: tensor}``, or a sequence of such dicts.
        args: the positional arguments: a tuple, or one value (a single tensor).
        kwargs: the keyword arguments.
        tie_weights: a tensor registered under several names gets the value given for any of them.
        strict: the names must be exactly the module's parameters and buffers.

    Returns:
        what ``module`` returns; the module's own tensors are back in place afterwards.

    Cost: one dictionary write per name before and after the call.
    """
    if not isinstance(module, Module):
        raise TypeError(f"{_OP}: module must be an nn.Module, got {type(module).__name__}")
    values = _merged(parameter_and_buffer_dicts)
    owners = _tensor_names(module)
    if tie_weights:
        values = _with_ties(values, owners)
    if strict:
        _check_strict(module, values, owners)
    restores: list[Callable[[], None]] = []
    try:
        for name, value in values.items():
            restores.append(_swap(module, name, value))
        positional = args if isinstance(args, tuple) else (() if args is None else (args,))
        return module(*positional, **dict(kwargs or {}))
    finally:
        for restore in reversed(restores):
            restore()


def _merged(dicts: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One ``{name: tensor}`` from one dict or several; a name in two of them is ambiguous."""
    if isinstance(dicts, Mapping):
        return dict(dicts)
    if not isinstance(dicts, (list, tuple)) or not all(isinstance(d, Mapping) for d in dicts):
        raise TypeError(
            f"{_OP}: parameter_and_buffer_dicts must be a dict of name -> tensor or a sequence of such "
            f"dicts, got {type(dicts).__name__}"
        )
    merged: dict[str, Any] = {}
    repeated = sorted({name for d in dicts for name in d if sum(name in other for other in dicts) > 1})
    if repeated:
        raise ValueError(
            f"{_OP}: {repeated} appeared in more than one dictionary, so which value to use is ambiguous; "
            "give each name once"
        )
    for d in dicts:
        merged.update(d)
    return merged


def _tensor_names(module: Module) -> dict[int, list[str]]:
    """``{id(tensor): [dotted names]}`` for every parameter and buffer, a tied tensor under all its names."""
    names: dict[int, list[str]] = {}
    for prefix, owner in module.named_modules():
        for table in (owner._parameters, owner._buffers):
            for key, tensor in table.items():
                if tensor is not None:
                    names.setdefault(id(tensor), []).append(f"{prefix}.{key}" if prefix else key)
    return names


def _with_ties(values: dict[str, Any], owners: dict[int, list[str]]) -> dict[str, Any]:
    """``values`` with each tied tensor's other names given the same value (two values: an error)."""
    result = dict(values)
    for names in owners.values():
        given = [name for name in names if name in values]
        if len(names) < 2 or not given:
            continue
        if len({id(values[name]) for name in given}) > 1:
            raise ValueError(
                f"{_OP}: got different values for {given}, which are one tied tensor; give one of them, "
                "or pass tie_weights=False to replace each name on its own"
            )
        result.update((name, values[given[0]]) for name in names)
    return result


def _check_strict(module: Module, values: dict[str, Any], owners: dict[int, list[str]]) -> None:
    known = {name for names in owners.values() for name in names}
    missing, unexpected = sorted(known - set(values)), sorted(set(values) - known)
    if missing or unexpected:
        lines = [f"{_OP}: error(s) in reparametrizing for {type(module).__name__} (strict=True):"]
        if missing:
            lines.append(f"\tMissing key(s): {', '.join(repr(n) for n in missing)}.")
        if unexpected:
            lines.append(f"\tUnexpected key(s): {', '.join(repr(n) for n in unexpected)}.")
        raise RuntimeError("\n".join(lines))


def _swap(module: Module, name: str, value: Any) -> Callable[[], None]:
    """Put ``value`` where ``name`` lives; return how to put the original back."""
    path, _, key = name.rpartition(".")
    try:
        owner = module.get_submodule(path) if path else module
    except AttributeError as error:
        raise AttributeError(f"{_OP}: {name!r}: {error}") from None
    for table in (owner._parameters, owner._buffers):
        if key in table:
            original = table[key]
            table[key] = value

            def put_back(table: dict = table, original: Any = original) -> None:
                table[key] = original

            return put_back
    had, original = (
        key in owner.__dict__,
        owner.__dict__.get(key),
    )  # not a tensor of the module's: a plain attribute
    object.__setattr__(owner, key, value)

    def restore_attribute() -> None:
        if had:
            object.__setattr__(owner, key, original)
        else:
            object.__delattr__(owner, key)

    return restore_attribute
