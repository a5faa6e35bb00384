"""The option types of ``torch.distributed.fsdp``: sharding strategies, state-dict types and configs.

Same names, members and defaults as PyTorch's ``torch.distributed.fsdp.api``, so a
script's ``ShardingStrategy.FULL_SHARD`` or ``FullStateDictConfig(offload_to_cpu=True,
rank0_only=True)`` runs unchanged. Everything here is CPU-resident already, so
``offload_to_cpu`` changes nothing (the arrays are NumPy's).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BackwardPrefetch", "CPUOffload", "FullStateDictConfig", "LocalStateDictConfig", "MixedPrecision",
    "ShardedStateDictConfig",
    "ShardingStrategy", "StateDictConfig", "StateDictType",
]  # fmt: skip


class ShardingStrategy(enum.Enum):
    """What each rank keeps of a unit's parameters (PyTorch's values).

    * ``FULL_SHARD`` (ZeRO-3): parameters, gradients and optimizer state 1/world per rank;
      the unit's gathered parameters are let go after its forward.
    * ``SHARD_GRAD_OP`` (ZeRO-2): the same shards at rest, but the gathered parameters are
      kept from forward to the end of the unit's backward.
    * ``NO_SHARD`` (DDP-like): every rank keeps the whole flat parameter; gradients are
      all-reduced instead of reduce-scattered.
    * ``HYBRID_SHARD``, ``_HYBRID_SHARD_ZERO2``: shard within a node, replicate across nodes;
      refused by :class:`~tt_dist.fsdp.FullyShardedDataParallel` (it needs a 2-D device mesh).
    """

    FULL_SHARD = 1
    SHARD_GRAD_OP = 2
    NO_SHARD = 3
    HYBRID_SHARD = 4
    _HYBRID_SHARD_ZERO2 = 5


class StateDictType(enum.Enum):
    """What ``state_dict()`` of a wrapped model returns (set by ``FSDP.state_dict_type``).

    * ``FULL_STATE_DICT``: the unwrapped model's keys with whole tensors (gathered);
    * ``LOCAL_STATE_DICT``: each unit's local flat shard (``..._flat_param``), as stored;
    * ``SHARDED_STATE_DICT``: refused (PyTorch's holds DTensors, which TinyTorch lacks).
    """

    FULL_STATE_DICT = 1
    LOCAL_STATE_DICT = 2
    SHARDED_STATE_DICT = 3


class BackwardPrefetch(enum.Enum):
    """When PyTorch issues the next unit's all-gather in backward; accepted, no effect here.

    TinyTorch's FULL_SHARD gathers a unit again when its backward first reads a saved
    parameter (:mod:`tt_dist.fsdp.reshard`), without prefetching; SHARD_GRAD_OP keeps the
    forward's gathered parameters, so its backward gathers nothing.
    """

    BACKWARD_PRE = 1
    BACKWARD_POST = 2


@dataclass
class CPUOffload:
    """PyTorch's parameter offloading to CPU memory: here the parameters are always on the CPU."""

    offload_params: bool = False


@dataclass
class StateDictConfig:
    """The base of the state-dict configs; ``offload_to_cpu`` changes nothing on the CPU."""

    offload_to_cpu: bool = False


@dataclass
class FullStateDictConfig(StateDictConfig):
    """``FULL_STATE_DICT`` options: ``rank0_only=True`` returns the dict on rank 0, ``{}`` elsewhere."""

    rank0_only: bool = False


@dataclass
class LocalStateDictConfig(StateDictConfig):
    """``LOCAL_STATE_DICT`` options (none beyond the base's)."""


@dataclass
class ShardedStateDictConfig(StateDictConfig):
    """``SHARDED_STATE_DICT`` options (the type itself is refused here)."""

    _use_dtensor: bool = False


@dataclass
class MixedPrecision:
    """PyTorch's ``torch.distributed.fsdp.MixedPrecision``: the dtypes a unit computes and reduces in.

    Args:
        param_dtype: the dtype of the gathered parameters (each rank casts its shard, then all-gathers
            in it), so forward and backward compute in it; the shards the optimizer steps stay in their
            dtype (float32). None: the shards' dtype.
        reduce_dtype: the dtype of the gradients' reduce-scatter (default: ``param_dtype``); this rank's
            reduced part is then cast to the shard's dtype into ``flat_param.grad``.
        buffer_dtype: refused when set (PyTorch casts buffers for forward and keeps them whole in the
            state dict); cast the buffers yourself.
        keep_low_precision_grads: refused when True (the gradients are kept in the shards' dtype).
        cast_forward_inputs: each unit but the root casts its floating-point tensor inputs to
            ``param_dtype``.
        cast_root_forward_inputs: the root unit (the outermost) does (default True, as PyTorch's).
        _module_classes_to_ignore: accepted for the signature; every unit uses the same dtypes here
            (PyTorch keeps BatchNorm modules in full precision).

    Reduction: as PyTorch's FSDP1, the gradients are divided by ``pre`` before the reduce-scatter
    and by ``N / pre`` after (``pre`` the power of 2 near ``sqrt(N)``), so a float16 sum does not
    overflow; without ``MixedPrecision`` the sum is divided by ``N`` after.
    """

    param_dtype: Any = None
    reduce_dtype: Any = None
    buffer_dtype: Any = None
    keep_low_precision_grads: bool = False
    cast_forward_inputs: bool = False
    cast_root_forward_inputs: bool = True
    _module_classes_to_ignore: Sequence[type] = ()
