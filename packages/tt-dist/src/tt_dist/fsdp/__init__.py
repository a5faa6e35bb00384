"""``tt_dist.fsdp``: PyTorch's ``torch.distributed.fsdp`` (FSDP1): parameters, gradients and optimizer
state sharded over the ranks. In the meta-package: ``tinytorch.distributed.fsdp``.
"""

from __future__ import annotations

from .api import (
    BackwardPrefetch,
    CPUOffload,
    FullStateDictConfig,
    LocalStateDictConfig,
    MixedPrecision,
    ShardedStateDictConfig,
    ShardingStrategy,
    StateDictConfig,
    StateDictType,
)
from .flat_param import FlatParameter
from .fully_sharded_data_parallel import FullyShardedDataParallel, StateDictSettings
from .wrap import ModuleWrapPolicy, size_based_auto_wrap_policy, transformer_auto_wrap_policy

__all__ = [
    "BackwardPrefetch", "CPUOffload", "FlatParameter", "FullStateDictConfig", "FullyShardedDataParallel",
    "LocalStateDictConfig", "MixedPrecision", "ModuleWrapPolicy", "ShardedStateDictConfig",
    "ShardingStrategy", "StateDictConfig",
    "StateDictSettings", "StateDictType", "size_based_auto_wrap_policy", "transformer_auto_wrap_policy",
]  # fmt: skip
