"""tt-dist: data-parallel training on MPI, with PyTorch's ``torch.distributed`` names (module 21).

Start N copies of a training script with ``mpiexec -n N python train.py`` (a
host file spreads them over machines). Each joins the job with
:func:`init_process_group`, wraps its model in :class:`DistributedDataParallel`
and reads its own share of the data through :class:`DistributedSampler`;
gradients are averaged over the ranks during ``backward()``, so every
replica takes the same optimizer step. In the meta-package this is
``tt.distributed`` (and ``tt.nn.parallel.DistributedDataParallel``).

MPI comes from the package index: mpi4py and the ``mpich`` wheel, installed
with this package, give a working ``mpiexec`` with no system MPI.

Example (``mpiexec -n 2 python train.py``):
    >>> import tt_dist as dist  # doctest: +SKIP
    >>> dist.init_process_group("mpi")  # doctest: +SKIP
    >>> model = dist.DistributedDataParallel(model)  # doctest: +SKIP
    >>> sampler = dist.DistributedSampler(dataset, shuffle=True, seed=0)  # doctest: +SKIP
    >>> loader = tt_optim.DataLoader(dataset, batch_size=32, sampler=sampler)  # doctest: +SKIP
    >>> dist.print0(f"{dist.get_world_size()} ranks")  # doctest: +SKIP
"""

from __future__ import annotations

from .collectives import (
    all_gather,
    all_gather_into_tensor,
    all_gather_single,
    gather,
    irecv,
    isend,
    recv,
    reduce,
    reduce_scatter,
    reduce_scatter_single,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .comm_hook import GradBucket
from .ddp import DistributedDataParallel, broadcast_tensors
from .debug import (
    DebugLevel,
    get_debug_level,
    is_torchelastic_launched,
    set_debug_level,
    set_debug_level_from_env,
)
from .exchange import (
    P2POp,
    all_gather_coalesced,
    all_reduce_coalesced,
    all_to_all,
    all_to_all_single,
    batch_isend_irecv,
    monitored_barrier,
)
from .file_store import FileStore
from .groups import (
    Backend,
    get_global_rank,
    get_group_rank,
    get_node_local_rank,
    get_pg_count,
    get_process_group_ranks,
    is_backend_available,
    is_gloo_available,
    is_mpi_available,
    is_nccl_available,
    new_group,
    new_subgroups,
    new_subgroups_by_enumeration,
)
from .join import Join, Joinable, JoinHook
from .launch import from_rank_zero, launched_world_size, setup, sum_over_ranks
from .objects import (
    all_gather_object,
    broadcast_object_list,
    gather_object,
    recv_object_list,
    scatter_object_list,
    send_object_list,
)
from .process_group import (
    GroupMember,
    ProcessGroup,
    ReduceOp,
    Work,
    all_reduce,
    barrier,
    broadcast,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    supports_complex,
)
from .rank_zero import is_main_process, load_checkpoint, print0, rank_zero_only, save_checkpoint
from .reducer import Reducer, assign_buckets
from .sampler import DistributedSampler
from .store import DistError, DistStoreError, HashStore, PrefixStore, QueueEmptyError, Store, TCPStore
from .sync_batch_norm import SyncBatchNorm, SyncBatchNormFunction
from .zero import ZeroRedundancyOptimizer

__all__ = [
    "SyncBatchNorm", "SyncBatchNormFunction",
    "DistributedDataParallel", "DistributedSampler", "ProcessGroup", "ReduceOp", "Reducer", "Work",
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "assign_buckets", "barrier",
    "broadcast", "broadcast_object_list", "broadcast_tensors", "destroy_process_group", "gather",
    "get_backend", "get_rank", "get_world_size", "init_process_group", "irecv", "is_available",
    "is_initialized", "is_main_process", "isend", "load_checkpoint", "print0", "rank_zero_only", "recv",
    "reduce", "reduce_scatter", "reduce_scatter_tensor", "save_checkpoint", "scatter", "send",
    "from_rank_zero", "launched_world_size", "setup", "sum_over_ranks",
    "Backend", "GroupMember", "P2POp", "all_reduce_coalesced", "all_to_all", "all_to_all_single",
    "batch_isend_irecv", "gather_object", "get_global_rank", "get_group_rank", "get_node_local_rank",
    "get_pg_count", "get_process_group_ranks", "group", "is_backend_available", "is_gloo_available",
    "is_mpi_available", "is_nccl_available", "monitored_barrier", "new_group", "new_subgroups",
    "new_subgroups_by_enumeration", "recv_object_list", "scatter_object_list", "send_object_list",
    "all_gather_coalesced", "all_gather_single", "reduce_scatter_single", "supports_complex",
    "DebugLevel", "DistError", "DistStoreError", "FileStore", "HashStore", "PrefixStore", "Store", "TCPStore",
    "QueueEmptyError", "GradBucket",
    "Join", "JoinHook", "Joinable", "ZeroRedundancyOptimizer",
    "get_debug_level", "is_torchelastic_launched", "set_debug_level", "set_debug_level_from_env",
]  # fmt: skip

__version__ = "0.1.0"
