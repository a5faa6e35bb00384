"""``ZeroRedundancyOptimizer``: each rank keeps the optimizer state of its shard of the parameters only.

With data parallelism every rank holds the same parameters, gradients and optimizer
state; Adam's two moments alone are twice the model. ZeRO stage 1 (Rajbhandari et
al., 2020, https://arxiv.org/abs/1910.02054) shards the optimizer: rank r owns about
1/N of the parameters, keeps the state of those only and steps those only, then
every rank broadcasts the parameters it owns, so all replicas end equal, exactly as if
each had run the plain optimizer on the averaged gradients::

    model = DistributedDataParallel(model)
    optimizer = ZeroRedundancyOptimizer(model.parameters(), tt.optim.Adam, lr=1e-3)
    loss_fn(model(x), y).backward()          # DDP averages every gradient
    optimizer.step()                         # step this rank's shard, broadcast the shards

**The partition** is PyTorch's sorted greedy one: in each parameter group, largest
parameter first (a stable sort, so equal sizes keep their order), each goes to the rank
holding the fewest elements so far (the lowest-numbered on a tie), counting across
groups. A parameter is never split. Every rank computes the same partition from the
sizes alone.

**Cost per step**: the local optimizer's arithmetic on 1/N of the elements, then N
rounds of broadcasts, which move every parameter once (one ``Ibcast`` per parameter,
or one per rank with ``parameters_as_bucket_view``). Memory: the optimizer state of the
shard only (``optimizer.optim.state``); the wrapper's own ``state`` stays empty.

Differences from PyTorch, and why: with ``parameters_as_bucket_view=True`` each rank's
shard is packed into one flat array per step, broadcast, and unpacked (PyTorch instead
makes every ``param.data`` a view into that array, which TinyTorch's tensors, owning
their NumPy arrays, do not support); the message count is the same, the copy costs one
pass over the parameters. ``overlap_with_ddp=True`` is refused: it runs the step inside
DDP's communication hook from ``ddp_comm_hooks.ddp_zero_hook``, which TinyTorch lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tt_optim import Optimizer
from tt_tensor import versions

from .join import Join, Joinable, JoinHook
from .objects import gather_object
from .process_group import ProcessGroup, default_group

__all__ = ["ZeroRedundancyOptimizer"]


def greedy_partition(groups: list[list[Any]], world_size: int) -> list[list[list[Any]]]:
    """``[rank][group] -> parameters``: largest first, each to the rank with the fewest elements so far.

    ``groups`` lists each parameter group's parameters. Counts carry over from one
    group to the next, as in PyTorch. Cost: a sort of each group and N comparisons per
    parameter.
    """
    sizes = [0] * world_size
    shards: list[list[list[Any]]] = [[] for _ in range(world_size)]
    for params in groups:
        mine: list[list[Any]] = [[] for _ in range(world_size)]
        for param in sorted(params, key=lambda p: p.numel(), reverse=True):
            rank = sizes.index(min(sizes))
            mine[rank].append(param)
            sizes[rank] += param.numel()
        for rank in range(world_size):
            shards[rank].append(mine[rank])
    return shards


def sync_param_groups(source: list[dict[str, Any]], target: list[dict[str, Any]]) -> None:
    """Copy every option but ``params`` from each group of ``source`` to the same group of ``target``."""
    for src, dst in zip(source, target):
        dst.update({key: value for key, value in src.items() if key != "params"})


class ZeroRedundancyOptimizer(Optimizer, Joinable):
    """PyTorch's ``torch.distributed.optim.ZeroRedundancyOptimizer`` (ZeRO stage 1), on MPI.

    Args:
        params: the parameters (or parameter groups) of the whole model, the same on every rank.
        optimizer_class: the local optimizer's class (``tt.optim.Adam``, ``tt.optim.SGD``, ...).
        process_group: the group to shard over (default: the default group).
        parameters_as_bucket_view: broadcast each rank's shard as one flat array (one
            message per rank) instead of one message per parameter.
        overlap_with_ddp: refused (see the module's docstring).
        **defaults: the local optimizer's keyword arguments (``lr=...``, ``betas=...``).

    Attributes:
        optim: this rank's local optimizer, over its shard only.

    ``step`` must run on every rank. ``consolidate_state_dict(to)`` (on every rank) gathers the
    shards' states on rank ``to``, whose ``state_dict()`` then has the plain optimizer's layout;
    ``load_state_dict`` takes such a dict (or a plain optimizer's) on every rank and keeps its shard.
    In a :class:`~tt_dist.Join`, list it after the model (``Join([model, optimizer])``): a joined
    rank shadows one step per forward of the others, so step after every synced backward.
    """

    def __init__(
        self,
        params: Iterable[Any],
        optimizer_class: type[Optimizer],
        process_group: ProcessGroup | None = None,
        parameters_as_bucket_view: bool = False,
        overlap_with_ddp: bool = False,
        **defaults: Any,
    ) -> None:
        if overlap_with_ddp:
            raise NotImplementedError(
                "ZeroRedundancyOptimizer: overlap_with_ddp=True is not supported: it steps inside "
                "DistributedDataParallel's communication hook (torch.distributed.algorithms.ddp_comm_hooks."
                "ddp_zero_hook), which TinyTorch does not have; use overlap_with_ddp=False, which steps "
                "after backward"
            )
        if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, Optimizer)):
            raise TypeError(
                "ZeroRedundancyOptimizer: optimizer_class must be an optimizer class such as tt.optim.Adam, "
                f"got {optimizer_class!r}"
            )
        self._initialized = False
        Optimizer.__init__(self, params, defaults)
        Joinable.__init__(self)
        every = [p for group in self.param_groups for p in group["params"]]
        kinds = sorted({str(p.dtype) for p in every})
        if len(kinds) > 1:
            raise ValueError(
                "ZeroRedundancyOptimizer only supports parameters of one dtype (its broadcasts and buckets "
                f"assume it), got {' and '.join(kinds)}; convert the model first (model.double())"
            )
        self.process_group = default_group(process_group, "ZeroRedundancyOptimizer")
        self.world_size = self.process_group.size
        self.rank = self.process_group.rank
        self.parameters_as_bucket_view = bool(parameters_as_bucket_view)
        self._partition: list[list[dict[str, Any]]] | None = None
        self.optim = optimizer_class(self._partition_parameters()[self.rank], **defaults)
        sync_param_groups(self.optim.param_groups, self.param_groups)
        self._all_state_dicts: list[dict[str, Any]] = []
        self._initialized = True

    # ------------------------------------------------------------ the partition
    def _partition_parameters(self) -> list[list[dict[str, Any]]]:
        """``[rank] -> parameter groups``: each group of ``param_groups`` with that rank's parameters only."""
        if self._partition is None:
            shards = greedy_partition([group["params"] for group in self.param_groups], self.world_size)
            self._partition = [
                [{**group, "params": params} for group, params in zip(self.param_groups, shard)]
                for shard in shards
            ]
        return self._partition

    def _shard(self, rank: int) -> list[Any]:
        """The parameters rank ``rank`` owns, group after group."""
        return [p for group in self._partition_parameters()[rank] for p in group["params"]]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group on every rank (it must run on all of them): its parameters join the shards.

        The groups already there keep their owners (the greedy partition runs group after group).
        """
        super().add_param_group(param_group)
        if not self._initialized:
            return
        self._partition = None
        added = self._partition_parameters()[self.rank][-1]
        self.optim.add_param_group(added)  # its other defaults reach param_groups at the next step

    # ------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any] | None = None, **kwargs: Any) -> Any:
        """Step this rank's shard with the local optimizer, then broadcast every shard from its owner.

        Returns the closure's loss, as the local optimizer does.
        """
        Join.notify_join_context(self)
        loss = self._local_step(closure, **kwargs)
        self._sync_params()
        return loss

    def _local_step(self, closure: Callable[[], Any] | None = None, **kwargs: Any) -> Any:
        """The local optimizer's step, with the options of ``param_groups`` (a scheduler's lr) copied in."""
        sync_param_groups(self.param_groups, self.optim.param_groups)
        loss = self.optim.step(closure, **kwargs) if kwargs else self.optim.step(closure)
        sync_param_groups(self.optim.param_groups, self.param_groups)
        return loss

    def _sync_params(self) -> None:
        """Each rank's shard from its owner to all: one ``Ibcast`` per parameter, or per rank with buckets."""
        group = self.process_group
        requests, unpack = [], []
        for rank in range(self.world_size):
            shard = self._shard(rank)
            if not shard:
                continue
            if self.parameters_as_bucket_view:
                flat = np.concatenate([p.array.reshape(-1) for p in shard]) if rank == self.rank else \
                    np.empty(sum(p.numel() for p in shard), shard[0].array.dtype)  # fmt: skip
                requests.append(group.comm.Ibcast(flat, root=rank))
                unpack.append((shard, flat))
            else:
                requests += [group.comm.Ibcast(p.array, root=rank) for p in shard]
        group.wait(requests, "ZeroRedundancyOptimizer.step (broadcasting the updated shards)")
        for shard, flat in unpack:
            stops = np.cumsum([p.numel() for p in shard]).tolist()
            for param, stop in zip(shard, stops):
                param.array[...] = flat[stop - param.numel() : stop].reshape(param.array.shape)
        for rank in range(self.world_size):
            if rank != self.rank:
                for param in self._shard(rank):
                    versions.bump(param.array)

    # ------------------------------------------------------------ Join
    def join_hook(self, **kwargs: Any) -> JoinHook:
        """The hook a joined rank runs: it steps its shard and takes part in the broadcasts."""
        return ZeROJoinHook(self)

    @property
    def join_device(self) -> str:
        return "cpu"

    @property
    def join_process_group(self) -> ProcessGroup:
        return self.process_group

    # ------------------------------------------------------------ saving and loading
    def consolidate_state_dict(self, to: int = 0) -> None:
        """Gather every shard's state on group rank ``to`` (call it on all ranks), for :meth:`state_dict`."""
        if not (isinstance(to, int) and 0 <= to < self.world_size):
            raise ValueError(
                f"ZeroRedundancyOptimizer.consolidate_state_dict: to={to!r} is not a rank of the group of "
                f"{self.world_size}"
            )
        gathered: list[Any] | None = [None] * self.world_size if self.rank == to else None
        gather_object(self.optim.state_dict(), gathered, group=self.process_group, group_dst=to)
        self._all_state_dicts = gathered if gathered is not None else []

    def state_dict(self) -> dict[str, Any]:
        """The whole optimizer's state, in the plain optimizer's layout, as last consolidated on this rank."""
        if not self._all_state_dicts:
            raise RuntimeError(
                "ZeroRedundancyOptimizer.state_dict: the optimizer state has not been consolidated on this "
                f"rank (rank {self.rank}); call consolidate_state_dict(to={self.rank}) on all ranks first"
            )
        index_of = {id(p): i for i, p in enumerate(p for group in self.param_groups for p in group["params"])}
        groups = [
            {
                **{k: v for k, v in group.items() if k != "params"},
                "params": [index_of[id(p)] for p in group["params"]],
            }
            for group in self.param_groups
        ]
        state: dict[int, Any] = {}
        for rank, local in enumerate(self._all_state_dicts):
            for local_group, shard_group in zip(local["param_groups"], self._partition_parameters()[rank]):
                for local_index, param in zip(local_group["params"], shard_group["params"]):
                    if local_index in local["state"]:
                        state[index_of[id(param)]] = local["state"][local_index]
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a whole-optimizer state (from :meth:`state_dict` or a plain optimizer) on every rank.

        The options of every group are taken; the local optimizer keeps the state of this
        rank's shard only.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                "ZeroRedundancyOptimizer.load_state_dict: expected a dict with 'state' and 'param_groups', "
                "as state_dict() makes"
            )
        saved_groups = state_dict["param_groups"]
        sizes = [len(g["params"]) for g in self.param_groups]
        if [len(g["params"]) for g in saved_groups] != sizes:
            raise ValueError(
                "ZeroRedundancyOptimizer.load_state_dict: the saved state has groups of "
                f"{[len(g['params']) for g in saved_groups]} parameters, this optimizer {sizes}"
            )
        index_of = {id(p): i for i, p in enumerate(p for group in self.param_groups for p in group["params"])}
        # the local optimizer's state dict names its parameters by their place in the shard
        local_state = {
            local: state_dict["state"][index_of[id(param)]]
            for local, param in enumerate(self._shard(self.rank))
            if index_of[id(param)] in state_dict["state"]
        }
        local_groups = []
        start = 0
        for saved, mine in zip(saved_groups, self._partition_parameters()[self.rank]):
            local_groups.append({**{k: v for k, v in saved.items() if k != "params"},
                                 "params": list(range(start, start + len(mine["params"])))})  # fmt: skip
            start += len(mine["params"])
        self.optim.load_state_dict({"state": local_state, "param_groups": local_groups})
        sync_param_groups(self.optim.param_groups, self.param_groups)


class ZeROJoinHook(JoinHook):
    """What a joined rank runs for a :class:`ZeroRedundancyOptimizer` (PyTorch's ``_ZeROJoinHook``).

    It steps this rank's shard with the gradients the parameters hold (DDP's join hook
    has written the averaged ones) and takes part in the broadcasts. Unlike PyTorch's, it
    does not notify the join context again: a joined rank that did would add an all-reduce
    that the ranks still training do not issue when the optimizer is the first joinable.
    """

    def __init__(self, zero: ZeroRedundancyOptimizer) -> None:
        self.zero = zero

    def main_hook(self) -> None:
        self.zero._local_step()
        self.zero._sync_params()
