"""``Optimizer``: the base of every optimizer — parameter groups, per-parameter state, ``state_dict``.

An optimizer holds a list of *parameter groups*: dictionaries with a
``"params"`` list and that group's hyper-parameters (``lr``, ``momentum``, ...),
each defaulting to the value given to the constructor. ``state[p]`` holds what
the algorithm remembers about parameter ``p`` between steps (momentum buffers,
moment estimates, the step count). A subclass implements only the update of
one parameter, :meth:`Optimizer._update`; the base class does the rest:

* ``step(closure=None)`` re-evaluates the loss if given a closure, then calls
  ``_update`` for every parameter that has a gradient, with grad mode off.
  Updates write into ``p.array`` in place, so every reference to the
  parameter (the model, other optimizers, views) sees the new values, and
  bump its version counter (``p._version``), so a backward through a graph
  built before the step refuses to use the changed values.
* ``state_dict()`` uses PyTorch's layout: ``state`` keyed by the parameter's
  position counted across groups, ``param_groups`` with ``"params"`` as those
  positions. A state dict holds numbers and tensors only, so it can be saved
  without pickle (see :mod:`tt_optim.checkpoint`).
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor, enable_grad, get_default_dtype, no_grad
from tt_tensor import versions

from . import optimizer_hooks


class _RequiredParameter:
    """The default of a hyper-parameter that every group must set (``SGD``'s ``lr`` in old PyTorch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_UNORDERED = (
    "parameters must be in an ordered collection (a list), not a set: the order of a set changes between "
    "runs, and state_dict() refers to parameters by position"
)


def check_hyperparameters(owner: str, **values: Any) -> None:
    """Refuse hyper-parameters that are not real numbers (``lr="x"``, ``betas="ab"``), naming each.

    A pair (``betas``) must be two numbers. Bools count as numbers nowhere
    here: ``lr=True`` is almost surely a mistake.
    """
    for name, value in values.items():
        items = value if name == "betas" else (value,)
        if name == "betas" and (not isinstance(value, (tuple, list)) or len(value) != 2):
            raise TypeError(f"{owner}: betas must be a pair of floats (beta1, beta2), got {value!r:.60}")
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (int, float, np.integer, np.floating)):
                raise TypeError(f"{owner}: {name} must be a number, got {type(item).__name__} {item!r:.40}")


def check_ranges(owner: str, **values: Any) -> None:
    """Refuse hyper-parameters outside their ranges, naming each (types first: :func:`check_hyperparameters`).

    Each of ``betas`` must be in [0, 1); every other value (``lr``, ``eps``, ``weight_decay``, ...) >= 0.
    """
    check_hyperparameters(owner, **values)
    for name, value in values.items():
        if name == "betas":
            for index, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(
                        f"{owner}: invalid beta at index {index}: {beta} (each beta must be in [0, 1))"
                    )
        elif value < 0.0:
            label = "learning rate" if name == "lr" else name
            raise ValueError(f"{owner}: invalid {label} {value}: it must be >= 0")


class Optimizer:
    """Base class of optimizers, like ``torch.optim.Optimizer``.

    Args:
        params: an iterable of tensors, or of dicts each defining a parameter
            group (``{"params": [...], "lr": 0.1}``); groups may override any
            default.
        defaults: each hyper-parameter's default value.

    Example:
        >>> optimizer = SGD([{"params": model.body.parameters()},
        ...                  {"params": model.head.parameters(), "lr": 1e-2}], lr=1e-3)  # doctest: +SKIP
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of tensors or dicts, got a single "
                f"tensor; wrap it in a list: [{type(params).__name__}]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_UNORDERED)
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self._work: dict[tuple[np.dtype, int], np.ndarray] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (e.g. layers unfrozen during fine-tuning) with its own settings."""
        if not isinstance(param_group, dict):
            raise TypeError(
                f"add_param_group: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("add_param_group: the group has no 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_UNORDERED)
        group["params"] = list(params)
        _take_names(
            group
        )  # (name, tensor) pairs, as model.named_parameters() gives: PyTorch 2.6's param_names
        if any(("param_names" in group) != ("param_names" in other) for other in self.param_groups):
            raise ValueError(
                "add_param_group: all parameter groups must be given with names ((name, tensor) pairs) or "
                f"all without; this group is {'with' if 'param_names' in group else 'without'} names"
            )
        for index, p in enumerate(group["params"]):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__} can only optimize tt_autograd tensors, but parameter {index} "
                    f"of the group is a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{type(self).__name__} can't optimize a non-leaf tensor (parameter {index} of the group "
                    "is the result of an operation); optimize the leaf it was computed from"
                )
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"add_param_group: the group does not set the required hyper-parameter {name!r}"
                )
            group.setdefault(name, default)
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            warnings.warn(
                "add_param_group: the group lists a parameter more than once; it will be updated more "
                "than once per step. This will be an error in the future, as in PyTorch.",
                stacklevel=2,
            )
        taken = {id(p) for existing in self.param_groups for p in existing["params"]}
        if taken & set(ids):
            raise ValueError("add_param_group: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ----------------------------------------------------------------- the update
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, frees memory) or to zeros in place."""
        # BEGIN SOLUTION 06
        # TODO: every parameter's grad of every group to None (set_to_none) or to zeros in place.
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.array[...] = 0
        # END SOLUTION

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns the closure's loss (or None).

        Args:
            closure: a function that zeroes the gradients, recomputes the loss,
                calls ``backward()`` and returns the loss; it runs with grad mode on.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.shape != p.shape:
                        raise RuntimeError(
                            f"{type(self).__name__}.step: a parameter of shape {p.shape} has a gradient of "
                            f"shape {p.grad.shape}"
                        )
                    if p.array.dtype == np.float16:
                        self._update_half(p, p.grad.array, self.state[p], group)
                    else:
                        self._update(p, p.grad.array, self.state[p], group)
                    versions.bump(p.array)  # as an in-place op would: a graph that saved p now refuses
        return loss

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Update one parameter in place from its gradient; each optimizer defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define _update()")

    def _update_half(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """The update of a float16 parameter, computed in float32 and rounded back once.

        In float16 Adam's ``eps = 1e-8`` rounds to 0 (the smallest float16 is
        6e-8), so a zero gradient gives ``0 / 0 = nan`` at the first step, and
        gradients below 2.4e-4 square to 0. PyTorch's fused kernels
        (``fused=True``) compute float16 parameters in float32 (its "opmath"
        type) for that reason; TinyTorch does so for every optimizer and keeps
        the state (``exp_avg``, ``exp_avg_sq``, momentum buffers) in float32.
        Only the parameter itself is rounded to float16 after each step, so an
        update smaller than half its float16 spacing is lost (no float32 master copy).
        """
        master = Tensor.from_array(param.array.astype(np.float32))
        self._update(master, grad.astype(np.float32), state, group)
        np.copyto(param.array, master.array, casting="same_kind")

    def _plus_weight_decay(self, g: np.ndarray, theta: np.ndarray, weight_decay: float) -> np.ndarray:
        """``g + λθ`` (an L2 penalty's gradient added) in a work array; ``g`` itself is left alone."""
        decayed = np.multiply(theta, weight_decay, out=self._scratch(theta, slot=1))
        return np.add(g, decayed, out=decayed)

    def _scratch(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A work array shaped like ``like``, reused from step to step (``slot`` tells several apart).

        Updates write their intermediate results here (``np.multiply(g, g, out=work)``)
        instead of into fresh temporaries: a fresh array of a few hundred kB is
        often new memory from the OS, and touching it page by page costs more
        than the arithmetic (measured: Adam on 235k parameters, 2.5 ms → 0.4 ms).
        """
        work = self.__dict__.setdefault("_work", {})  # also for subclasses that skip __init__
        key = (like.dtype, slot)
        buffer = work.get(key)
        if buffer is None or buffer.size < like.size:
            buffer = work[key] = np.empty(like.size, dtype=like.dtype)
        return buffer[: like.size].reshape(like.shape)

    # ----------------------------------------------------------------- saving and loading
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are named by their position counted across groups (group 0's
        first parameter is 0). Like PyTorch, the state tensors are the live
        ones, not copies: save them (or clone them) to keep a snapshot.
        """
        # BEGIN SOLUTION 06
        # TODO: PyTorch's layout: parameters named by their index in group order, {"state": {index: state},
        #   "param_groups": [group options with "params": [indices]]} (§ How it is built, "State dicts").
        # HINT: a parameter in two groups gets one index (setdefault on id(p)).
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index_of[id(p)]: value for p, value in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}
        # END SOLUTION

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state made by :meth:`state_dict` (of an optimizer over parameters of the same shapes).

        The hyper-parameters of each group are replaced by the saved ones; state
        tensors are copied and cast to their parameter's dtype (except ``step``). Saved ``param_names``
        replace the groups' names; a saved group without names keeps this group's (PyTorch's rule:
        names never steer the matching, which is by position).
        """
        names = [group.get("param_names") for group in self.param_groups]
        # BEGIN SOLUTION 06
        # TODO: restore a state_dict: check everything first (groups, sizes, shapes), then copy the options
        #   and the per-parameter state, matched by index (§ How it is built, "State dicts").
        # HINT: copy the state's arrays, cast to each parameter's dtype, so the loaded dict is not shared.
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                "load_state_dict: expected a dict with 'state' and 'param_groups', as state_dict() makes"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: the saved state has {len(saved_groups)} parameter groups, this optimizer "
                f"has {len(self.param_groups)}"
            )
        param_of: dict[Any, Tensor] = {}
        for number, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"load_state_dict: parameter group {number} has {len(group['params'])} parameters here "
                    f"but {len(saved['params'])} in the saved state"
                )
            param_of.update(zip(saved["params"], group["params"]))
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for index, values in state_dict["state"].items():
            if index not in param_of:
                raise ValueError(
                    f"load_state_dict: the saved state names parameter {index}, which no group holds"
                )
            param = param_of[index]
            state[param] = {key: _copy_state_value(key, value, param, index) for key, value in values.items()}
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            restored = copy.deepcopy({key: value for key, value in saved.items() if key != "params"})
            restored["params"] = group["params"]
            groups.append(restored)
        self.state, self.param_groups = state, groups
        # END SOLUTION
        for group, own in zip(self.param_groups, names):
            if own is not None:
                group.setdefault("param_names", own)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        lines.append(")")
        return "\n".join(lines)

    # ----------------------------------------------------------------- hooks (optimizer_hooks.py)
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__ and not getattr(cls.__dict__["step"], "runs_step_hooks", False):
            cls.step = optimizer_hooks.with_step_hooks(cls.__dict__["step"])  # as PyTorch patches each step

    def register_step_pre_hook(self, hook: Callable) -> Any:
        """``hook(optimizer, args, kwargs)`` before every ``step()``; may return ``(args, kwargs)`` to use."""
        return optimizer_hooks.register(self, "_step_pre_hooks", "register_step_pre_hook", hook, False)

    def register_step_post_hook(self, hook: Callable) -> Any:
        """``hook(optimizer, args, kwargs)`` after every ``step()``."""
        return optimizer_hooks.register(self, "_step_post_hooks", "register_step_post_hook", hook, False)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """``hook(optimizer)`` before ``state_dict()`` makes the dict."""
        return optimizer_hooks.register(
            self, "_state_dict_pre_hooks", "register_state_dict_pre_hook", hook, prepend
        )

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """``hook(optimizer, state_dict)`` after ``state_dict()``; a dict it returns replaces the result."""
        return optimizer_hooks.register(
            self, "_state_dict_post_hooks", "register_state_dict_post_hook", hook, prepend
        )

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """``hook(optimizer, state_dict)`` before loading; a dict it returns is loaded instead."""
        name = "register_load_state_dict_pre_hook"
        return optimizer_hooks.register(self, "_load_state_dict_pre_hooks", name, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """``hook(optimizer)`` after ``load_state_dict()``."""
        name = "register_load_state_dict_post_hook"
        return optimizer_hooks.register(self, "_load_state_dict_post_hooks", name, hook, prepend)


Optimizer.step = optimizer_hooks.with_step_hooks(Optimizer.step)
Optimizer.state_dict = optimizer_hooks.with_state_dict_hooks(Optimizer.state_dict)
Optimizer.load_state_dict = optimizer_hooks.with_load_state_dict_hooks(Optimizer.load_state_dict)


def _copy_state_value(key: str, value: Any, param: Tensor, index: Any) -> Any:
    """A private copy of one saved state entry, as a tensor of the parameter's dtype where it is one."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.array(value.array if isinstance(value, Tensor) else value, copy=True)
        if key != "step" and array.ndim > 0:
            if array.shape != _REDUCED_STATE.get(key, lambda shape: shape)(param.shape):
                raise ValueError(
                    f"load_state_dict: state {key!r} of parameter {index} has shape {array.shape}, but the "
                    f"parameter has shape {param.shape}"
                )
            if param.array.dtype.kind == "f":  # float16 parameters keep float32 state (see _update_half)
                array = array.astype(np.promote_types(param.array.dtype, np.float32), copy=False)
        return Tensor.from_array(array)
    return copy.deepcopy(value)


#: State entries shaped unlike their parameter: Adafactor's factored second moments
#: (the parameter's shape with its last, resp. second last, dimension 1).
_REDUCED_STATE: dict[str, Callable[[tuple[int, ...]], tuple[int, ...]]] = {
    "row_var": lambda shape: (*shape[:-1], 1),
    "col_var": lambda shape: (*shape[:-2], 1, shape[-1]),
}


def check_pair(owner: str, name: str, value: Any, *, first_may_be_none: bool = False) -> None:
    """Refuse a hyper-parameter that is not a pair of numbers (``etas``, ``step_sizes``, ``eps``), naming it.

    With ``first_may_be_none`` the first may be None (Adafactor's ``eps``: "the dtype's eps").
    """
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{owner}: {name} must be a pair of floats, got {value!r:.60}")
    first, second = value
    if first_may_be_none and first is None:
        check_hyperparameters(owner, **{f"{name}[1]": second})
    else:
        check_hyperparameters(owner, **{f"{name}[0]": first, f"{name}[1]": second})


def _take_names(group: dict[str, Any]) -> None:
    """Split a group's ``(name, tensor)`` pairs into ``params`` and ``param_names`` (PyTorch's keys)."""
    named = [isinstance(p, tuple) for p in group["params"]]
    if not any(named):
        return
    if not all(named) or any(len(p) != 2 for p in group["params"]):
        raise ValueError(
            "add_param_group: give every parameter of a group as a (name, tensor) pair, or none: "
            "model.named_parameters() or model.parameters()"
        )
    group["param_names"] = [name for name, _ in group["params"]]
    group["params"] = [tensor for _, tensor in group["params"]]


def check_implementation_flags(
    owner: str,
    *,
    foreach: bool | None = None,
    fused: bool | None = None,
    capturable: bool = False,
    differentiable: bool = False,
) -> None:
    """PyTorch's implementation switches of an optimizer, checked as PyTorch does.

    ``foreach`` (one multi-tensor kernel per group), ``fused`` (one fused kernel) and ``capturable``
    (CUDA-graph-safe state on the device) choose among PyTorch's kernels for the same update; TinyTorch
    has one NumPy path, which every value runs: accepted, no effect on the values. ``fused`` and
    ``foreach`` both True is refused, as PyTorch refuses it. ``differentiable=True`` (an update that
    autograd records, to differentiate through the optimizer step) is not implemented: refused by name,
    not ignored.
    """
    if fused and foreach:
        raise RuntimeError(
            f"{owner}: `fused` and `foreach` cannot be `True` together (PyTorch refuses it too)"
        )
    if differentiable:
        raise NotImplementedError(
            f"{owner}: differentiable=True is not implemented in TinyTorch (the step is not recorded by "
            "autograd); leave it at its default (False)"
        )


def scalar_dtype() -> type[np.floating]:
    """The dtype PyTorch gives an optimizer's scalar state (``step``, ASGD's ``eta``): float32, or float64
    when the default dtype is float64 (PyTorch's ``_get_scalar_dtype``)."""
    return np.float64 if get_default_dtype() == np.float64 else np.float32
