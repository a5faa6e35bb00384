"""A sharded model's optimizer state in the unwrapped model's layout, and back (``FSDP.optim_state_dict``).

With ``use_orig_params=False`` the optimizer steps each unit's flat shard, so its state
(AdamW's ``exp_avg`` and ``exp_avg_sq``, SGD's ``momentum_buffer``) is a shard too.
:func:`optim_state_dict` gathers every such state tensor (one ``Iallgather`` per unit and
state key) and cuts it into the original parameters: ``{"state": {fqn: {key: tensor}},
"param_groups": [{..., "params": [fqn, ...]}]}``, PyTorch's full optimizer state dict, the
same on every rank. :func:`optim_state_dict_to_load` does the reverse on every rank: it
lays each parameter's state end to end, pads, keeps this rank's slice and returns a dict
in the optimizer's own layout for ``optimizer.load_state_dict``. Values that are not
shards (``step``) are copied. With ``use_orig_params=True`` the optimizer holds the original
parameters, each with its piece of the shard's state: the pieces of a unit are laid end to end
first (:func:`~tt_dist.fsdp.orig_params.shard_state`), and each gets its piece back on
loading. Cost: one all-gather of ``P'`` elements per unit and state key, and a copy of the
whole state on every rank.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tt_autograd import Tensor

from .orig_params import shard_state, state_piece

__all__ = ["optim_state_dict", "optim_state_dict_to_load"]

WRAPPED = "_fsdp_wrapped_module"


def unit_prefixes(model: Any, fsdp_class: type) -> list[tuple[str, Any]]:
    """``(prefix, handle)`` of every unit with parameters: the prefix of its names in the unwrapped model."""
    found = []
    for name, module in model.named_modules():
        if isinstance(module, fsdp_class) and module._handle is not None:
            parts = [part for part in name.split(".") if part and part != WRAPPED]
            found.append((".".join(parts) + "." if parts else "", module._handle))
    return found


def is_shard(value: Any, handle: Any) -> bool:
    """Whether an optimizer state value is a tensor over the flat shard (not a count such as ``step``)."""
    return getattr(getattr(value, "array", None), "shape", None) == handle.flat_param.array.shape


def optim_state_dict(model: Any, optim: Any, fsdp_class: type) -> dict[str, Any]:
    """The whole optimizer state by the unwrapped model's parameter names (call it on every rank)."""
    handles = unit_prefixes(model, fsdp_class)
    names_of = {id(h.flat_param): [prefix + i.fqn for i in h.infos if i.first] for prefix, h in handles}
    for prefix, handle in handles:  # use_orig_params: each original parameter under its own name
        names_of.update({id(p): [prefix + info.fqn] for info, p in handle.originals or ()})
    state: dict[str, dict[str, Any]] = {}
    for prefix, handle in handles:
        if handle.originals is not None:
            saved = shard_state(handle, optim.state)
        else:
            saved = optim.state.get(handle.flat_param, {})
        for key, value in saved.items():
            if not is_shard(value, handle):
                for info in handle.infos:
                    if info.first:
                        state.setdefault(prefix + info.fqn, {})[key] = value
                continue
            whole = value.array
            if handle.sharded:
                whole = np.empty(handle.padded, value.array.dtype)
                request = handle.group.comm.Iallgather(np.ascontiguousarray(value.array), whole)
                handle.group.wait(
                    [request], "FullyShardedDataParallel.optim_state_dict (gathering the state)"
                )
            for info in handle.infos:
                if info.first:
                    part = whole[info.offset : info.offset + info.numel].reshape(info.shape)
                    state.setdefault(prefix + info.fqn, {})[key] = Tensor.from_array(part.copy())
    groups = []
    for group in optim.param_groups:
        options = {k: v for k, v in group.items() if k != "params"}
        params = [name for p in group["params"] for name in names_of.get(id(p), [])]
        groups.append({**options, "params": params})
    return {"state": state, "param_groups": groups}


def optim_state_dict_to_load(model: Any, optim: Any, optim_state_dict: dict[str, Any],
                             fsdp_class: type) -> dict[str, Any]:  # fmt: skip
    """This rank's shards of a whole optimizer state (:func:`optim_state_dict`'s), in ``optim``'s layout."""
    if not isinstance(optim_state_dict, dict) or not {"state", "param_groups"} <= set(optim_state_dict):
        raise ValueError(
            "FullyShardedDataParallel.optim_state_dict_to_load: expected a dict with 'state' and "
            "'param_groups', as FullyShardedDataParallel.optim_state_dict makes"
        )
    units = unit_prefixes(model, fsdp_class)
    handles = {id(h.flat_param): (prefix, h) for prefix, h in units}
    originals = {id(p): (prefix, h, info) for prefix, h in units for info, p in h.originals or ()}
    saved = optim_state_dict["state"]
    index_of: dict[int, int] = {}
    state: dict[int, dict[str, Any]] = {}
    groups = []
    for group, saved_group in zip(optim.param_groups, optim_state_dict["param_groups"]):
        for param in group["params"]:
            index = index_of.setdefault(id(param), len(index_of))
            if id(param) in originals:  # use_orig_params: this rank's piece of each whole state value
                prefix, handle, info = originals[id(param)]
                found = saved.get(prefix + info.fqn, {})
                if found:
                    state[index] = {key: state_piece(handle, info, value) for key, value in found.items()}
                continue
            if id(param) not in handles:
                raise ValueError(
                    "FullyShardedDataParallel.optim_state_dict_to_load: the optimizer holds a parameter that "
                    "is not one of this model's (a FlatParameter, or an original parameter with "
                    "use_orig_params=True); build it from the wrapped model's parameters()"
                )
            prefix, handle = handles[id(param)]
            firsts = [info for info in handle.infos if info.first]
            keys = dict.fromkeys(key for info in firsts for key in saved.get(prefix + info.fqn, {}))
            mine: dict[str, Any] = {}
            for key in keys:
                found = [(info, saved[prefix + info.fqn][key]) for info in firsts
                         if key in saved.get(prefix + info.fqn, {})]  # fmt: skip
                if not all(
                    tuple(getattr(value, "shape", np.shape(value))) == info.shape for info, value in found
                ):
                    mine[key] = found[0][1]  # a count such as ``step``, the same for every parameter
                    continue
                whole = np.zeros(handle.padded, handle.dtype)
                for info, value in found:
                    whole[info.offset : info.offset + info.numel] = np.asarray(
                        getattr(value, "array", value)
                    ).ravel()
                start = handle.group.rank * handle.shard_size if handle.sharded else 0
                mine[key] = Tensor.from_array(whole[start : start + handle.shard_size].copy())
            if mine:
                state[index] = mine
        options = {k: v for k, v in saved_group.items() if k != "params"}
        groups.append({**options, "params": [index_of[id(p)] for p in group["params"]]})
    return {"state": state, "param_groups": groups}
