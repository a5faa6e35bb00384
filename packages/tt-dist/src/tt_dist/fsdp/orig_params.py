"""``use_orig_params=True``: a unit's original parameters stay registered, as views of this rank's shard.

PyTorch's FSDP1 with ``use_orig_params=True`` keeps each original ``nn.Parameter`` in its
module and points it at its part of the rank's flat shard: a 1-D view of the elements of
the parameter that fall in ``[r·P'/N, (r+1)·P'/N)``, the whole parameter flattened when
the rank holds all of it, part of it, or 0 elements on a rank that holds none. So
``model.named_parameters()`` gives the model's own names (under ``_fsdp_wrapped_module.``),
and an optimizer can take parameter groups, e.g. no weight decay on biases and norms::

    model = FSDP(model, auto_wrap_policy=policy, use_orig_params=True)
    decay = [p for n, p in model.named_parameters() if n.endswith("weight") and p.ndim >= 1]
    optimizer = tt.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                {"params": rest, "weight_decay": 0.0}])

Here the same Parameter objects are kept (their arrays become the views), so anything
that held them before wrapping sees the views. The flat shard is not registered as a
parameter (the optimizer steps it through the views, in place). Forward still gathers the
whole unit and sets each name to a leaf of its whole shape (as without the option); between
forwards the name reads the view again. With NO_SHARD the views are 1-D too (PyTorch's keep
their shapes there, the shard being whole), and between forwards the name reads the last
forward's leaf, a view of the same memory in the parameter's shape.

Gradients: the reduce-scatter leaves the unit's averaged gradient in the flat shard's
``grad``, and each original parameter's ``grad`` is set to its view of that; before the
next reduction, the range of a parameter whose ``grad`` the user set to None
(``optimizer.zero_grad()``) is zeroed, and one the user replaced is copied in, so
``flat_param.grad`` always sums what the views say. Cost: one pass over a unit's
parameters per backward (a view each, a zeroing of the ranges set to None).

Optimizer state (``FSDP.optim_state_dict``): each parameter's state is its piece of the
shard; :func:`shard_state` lays a unit's pieces end to end into one shard-sized state, which
:mod:`tt_dist.fsdp.optim_state` gathers and cuts as without the option, and
:func:`state_piece` cuts this rank's piece out of a whole parameter's state to load it.

Not here: units with both frozen and trained parameters (PyTorch allows them with this
option; refused as without it) and ``LOCAL_STATE_DICT`` (refused by name).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tt_autograd import Tensor

__all__ = ["expose", "local_range", "point_grads", "shard_start", "shard_state", "state_piece", "sync_grads"]


def shard_start(handle: Any) -> int:
    """Where this rank's shard starts in the unit's flat parameter (0 with NO_SHARD: it is whole)."""
    return handle.group.rank * handle.shard_size if handle.sharded else 0


def local_range(handle: Any, info: Any) -> tuple[int, int]:
    """``(lo, hi)``: the part of ``info``'s parameter in this rank's shard, as indices into the shard."""
    start = shard_start(handle)
    lo = min(max(info.offset - start, 0), handle.shard_size)
    hi = min(max(info.offset + info.numel - start, 0), handle.shard_size)
    return lo, hi


def expose(handle: Any, named: list[tuple[str, Any, str, Any]]) -> None:
    """Point each original parameter (left registered in its module) at its view of this rank's shard."""
    shard = handle.flat_param.array
    for info, (*_, param) in zip(handle.infos, named):
        if info.first:
            lo, hi = local_range(handle, info)
            param.array = shard[lo:hi]  # 1-D: PyTorch's sharded original parameter
    handle.originals = [(info, param) for info, (*_, param) in zip(handle.infos, named) if info.first]


def sync_grads(handle: Any) -> None:
    """Make ``flat_param.grad`` what the original parameters' ``grad`` say (before a reduction adds to it).

    A range whose parameter's ``grad`` is None is zeroed; a ``grad`` that is not the view this
    module set (the user assigned another tensor) is copied into its range.
    """
    flat = handle.flat_param.grad
    if flat is None:
        return
    if all(param.grad is None for _, param in handle.originals):
        handle.flat_param.grad = None  # (zero_grad(set_to_none=True): nothing to keep)
        return
    for info, param in handle.originals:
        lo, hi = local_range(handle, info)
        part = flat.array[lo:hi]
        if param.grad is None:
            part[...] = 0
        elif not np.shares_memory(param.grad.array, part):  # (a 0-element piece shares nothing: no-op)
            part[...] = param.grad.array.reshape(-1)


def point_grads(handle: Any) -> None:
    """Set each original parameter's ``grad`` to its view of ``flat_param.grad`` (after a reduction)."""
    flat = handle.flat_param.grad
    for info, param in handle.originals:
        lo, hi = local_range(handle, info)
        param.grad = None if flat is None else Tensor.from_array(flat.array[lo:hi])


def shard_state(handle: Any, state: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """The optimizer state of a unit's original parameters as one state of the flat shard's size.

    A value shaped as its parameter (``exp_avg``) goes into the parameter's range (zeros elsewhere:
    the padding); any other (``step``) is kept as the first parameter that has it holds it.
    """
    laid: dict[str, Any] = {}
    for info, param in handle.originals:
        lo, hi = local_range(handle, info)
        for key, value in state.get(param, {}).items():
            array = getattr(value, "array", None)
            if array is None or array.shape != param.array.shape:
                laid.setdefault(key, value)
                continue
            if key not in laid:
                laid[key] = Tensor.from_array(np.zeros(handle.shard_size, array.dtype))
            laid[key].array[lo:hi] = array
    return laid


def state_piece(handle: Any, info: Any, value: Any) -> Any:
    """This rank's piece of a whole parameter's state value (``info.shape``), 1-D; others unchanged."""
    array = np.asarray(getattr(value, "array", value))
    if array.shape != info.shape:
        return value  # a count such as ``step``
    lo, hi = local_range(handle, info)
    first = shard_start(handle) + lo - info.offset
    return Tensor.from_array(np.array(array.reshape(-1)[first : first + hi - lo], dtype=handle.dtype))
