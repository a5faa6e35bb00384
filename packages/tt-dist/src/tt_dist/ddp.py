"""``DistributedDataParallel``: one model replica per rank, gradients averaged during backward.

Wrap the model once, on every rank, after :func:`~tt_dist.init_process_group`::

    model = DistributedDataParallel(model)
    for x, y in loader:                      # each rank reads its own part (DistributedSampler)
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()                      # gradients are averaged over the ranks here
        optimizer.step()                     # same gradients, same update: replicas stay equal

At construction every rank receives rank 0's parameters and buffers, so the
replicas start equal whatever each rank's seed was. In each backward, the
:class:`~tt_dist.reducer.Reducer` sums the gradients over the ranks in buckets
started from gradient hooks while backward is still running, and divides by
the world size: with each of N ranks on B/N samples and a loss that averages
over its batch, every rank ends with the gradient of the full batch of B.

Batch statistics are per rank, as in PyTorch: a BatchNorm layer normalises
each rank's B/N samples by their own mean and variance, so a model with
BatchNorm matches a single process on batch B only approximately; its running
statistics are rank 0's (``broadcast_buffers``). For an exact match convert it
first: ``SyncBatchNorm.convert_sync_batchnorm(model)`` (``sync_batch_norm.py``).

Cost per step: the reducer's copies and all-reduces (see :mod:`tt_dist.reducer`);
with ``broadcast_buffers``, one broadcast per buffer per forward.
"""

from __future__ import annotations

import contextlib
import inspect
import typing
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from tt_autograd import Function, is_grad_enabled
from tt_nn import Module
from tt_tensor import versions

from . import debug
from .collective_check import logger
from .comm_hook import CommHookReducer, GradBucket
from .ddp_join import JoinableDDP
from .futures import Future
from .join import Joinable
from .objects import all_gather_object
from .process_group import ProcessGroup, default_group
from .reducer import Reducer


def broadcast_tensors(tensors: list[Any], group: ProcessGroup, src: int = 0) -> None:
    """Overwrite every tensor in ``tensors`` with rank ``src``'s values, in place (one ``Bcast`` each)."""
    # BEGIN SOLUTION 21
    # TODO: overwrite each tensor with rank src's values in place (one Bcast each), so every rank starts
    #   from the same model (§ How it is built, "The wrapper").
    # HINT: MPI needs a contiguous buffer; bump the array's version counter after writing it (module 02).
    for tensor in tensors:
        array = tensor.array
        buffer = np.ascontiguousarray(array)  # the array itself when it is contiguous already
        group.comm.Bcast(buffer, root=src)
        array[...] = buffer
        versions.bump(array)
    # END SOLUTION


def verify_same_model(named: list[tuple[str, Any]], group: ProcessGroup) -> None:
    """Raise on every rank unless every rank's ``named`` tensors have rank 0's count, shapes and dtypes.

    DDP broadcasts and all-reduces these tensors element for element, so replicas
    built differently (another width, one layer more) would otherwise hang in a
    collective or fail inside MPI with no word about the model. PyTorch's DDP runs
    the same check at construction (it too compares shapes, not names). Cost: one
    all-gather of every rank's list of (name, shape, dtype).
    """
    mine = [[name, list(tensor.shape), str(tensor.dtype)] for name, tensor in named]
    every: list[Any] = [None] * group.size
    all_gather_object(every, mine, group=group)
    for rank, theirs in enumerate(every):
        if [entry[1:] for entry in theirs] == [entry[1:] for entry in every[0]]:
            continue
        counts = ""
        if len(theirs) != len(every[0]):
            counts = f"rank {rank} has {len(theirs)} parameters and buffers and rank 0 has {len(every[0])}; "
        first = next((i for i, (a, b) in enumerate(zip(every[0], theirs)) if a[1:] != b[1:]), None)
        if first is None:  # one list is the start of the other
            shorter, longer = (0, rank) if len(every[0]) < len(theirs) else (rank, 0)
            extra = describe_tensor(every[longer][len(every[shorter])])
            detail = f"rank {longer} has {extra} after rank {shorter}'s last"
        else:
            ours, other = describe_tensor(every[0][first]), describe_tensor(theirs[first])
            detail = f"rank 0 has {ours} where rank {rank} has {other}"
        raise RuntimeError(
            f"DistributedDataParallel expects the same model on every rank, but {counts}{detail}. "
            "Build the model the same way on every rank (same class and arguments) before wrapping it"
        )


def buffer_sync(broadcast_buffers: bool | None, forward_sync_buffers: bool | None) -> tuple[bool, bool]:
    """PyTorch 2.13's rule: ``(sync buffers in each forward, sync them at construction)``, warning (a
    ``FutureWarning``) when the deprecated ``broadcast_buffers`` is given."""
    if broadcast_buffers is not None:
        warnings.warn(
            "DistributedDataParallel: `broadcast_buffers` is deprecated (PyTorch 2.13); use "
            "`forward_sync_buffers`"
            + (
                ", which is given: its value is used"
                if forward_sync_buffers is not None
                else " (unlike broadcast_buffers=False, forward_sync_buffers=False still syncs the buffers "
                "at construction)"
            ),
            FutureWarning,
            stacklevel=3,
        )
    if forward_sync_buffers is not None:
        return bool(forward_sync_buffers), True
    effective = True if broadcast_buffers is None else bool(broadcast_buffers)
    return effective, effective


def refuse_unsupported(
    options: dict[str, Any],
    wrapper: str = "DistributedDataParallel",
    scope: str = "CPU data parallelism on MPI, float32 buckets",
) -> None:
    """Raise ``NotImplementedError`` naming the first of PyTorch's ``wrapper`` options given (not None)
    that TinyTorch lacks; ``scope`` says what TinyTorch's wrapper does instead."""
    for name, value in options.items():
        if value is not None:
            raise NotImplementedError(
                f"{wrapper}: {name} is not supported in TinyTorch ({scope}); got {value!r}. "
                "Leave it at its default"
            )


def describe_tensor(entry: list[Any]) -> str:
    """``'name' dtype (shape)`` for an entry of :func:`verify_same_model`'s lists."""
    return f"{entry[0]!r} {entry[2]} {tuple(entry[1])}"


def reached_leaves(output: Any) -> set[int]:
    """``id`` of every leaf tensor that the autograd graph of ``output`` reaches (tensors in any nesting).

    A walk over ``grad_fn`` nodes and their ``parents`` (module 02's graph): what backward
    from ``output`` could send a gradient to. Cost: one visit per node of the graph.
    """
    found: set[int] = set()
    stack: list[Any] = []
    seen: set[int] = set()
    pending = [output]
    while pending:  # the tensors inside output (a tensor, or lists, tuples and dicts of them)
        item = pending.pop()
        if isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif getattr(item, "grad_fn", None) is not None:
            stack.append(item.grad_fn)
        elif getattr(item, "requires_grad", False):
            found.add(id(item))  # the output is itself a leaf (a model that returns a parameter)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for parent in getattr(node, "parents", ()):
            if isinstance(parent, Function):
                stack.append(parent)
            elif parent is not None:
                found.add(id(parent))
    return found


class DistributedDataParallel(Module, JoinableDDP):
    """Data-parallel training of ``module``: PyTorch's ``torch.nn.parallel.DistributedDataParallel``.

    Args:
        module: the model; every rank wraps its own replica, built the same way.
        device_ids, output_device: for GPU modules; as PyTorch does for a CPU module, any but an
            empty or None value is refused. dim: unused for a CPU module, as in PyTorch.
        broadcast_buffers: deprecated in PyTorch 2.13 (a FutureWarning when given, as there): False
            syncs the buffers neither at construction nor in forward; True, as the default, both.
        forward_sync_buffers: PyTorch 2.13's: copy rank 0's buffers (BatchNorm's running statistics) to
            every rank at the start of each forward (default: as ``broadcast_buffers``, True); the
            buffers are synced at construction either way. It wins over ``broadcast_buffers``.
            ``self.forward_sync_buffers`` (and ``self.broadcast_buffers``, the same) holds it.
        init_sync: broadcast rank 0's parameters and buffers now (False: the caller has made the
            replicas equal; their shapes are checked either way).
        process_group: the group to average over (default: the default group).
        bucket_cap_mb: the largest gradient bucket, in megabytes (None: PyTorch's default, 25).
        find_unused_parameters: after each forward, walk the autograd graph from the
            output and count the parameters it does not reach as ready at once (they add
            zeros, or the gradient they hold, to the average). Needed when some parameters
            take no part in a step (a branch the input decides); costs one walk of the graph
            per forward and one all-reduce of a flag per parameter per backward. A parameter
            that no rank used keeps no gradient (``.grad`` stays None), as in PyTorch.
        check_reduction, gradient_as_bucket_view, static_graph, batched_grad_copy: accepted for PyTorch's
            signature;
            results are the same either way (the averaged gradients are copied out of the
            buckets rather than being views of them, and the reducer needs no static-graph hint).
        delay_all_reduce_named_params, param_to_hook_all_reduce, mixed_precision, device_mesh,
            skip_all_reduce_unused_params, bucket_cap_mb_list: PyTorch's GPU and FSDP-era options (and
            per-bucket caps), refused when set.

    :meth:`register_comm_hook` replaces the all-reduce of each bucket by a function of the
    user's (fp16 or bf16 compression, PowerSGD: ``tt_dist.algorithms.ddp_comm_hooks``).

    The wrapped model is ``ddp.module``; ``ddp.state_dict()`` prefixes its keys with
    ``module.`` as PyTorch does, so save ``ddp.module.state_dict()`` for a file that loads
    into an unwrapped model (:func:`tt_dist.save_checkpoint` does). For ranks with different
    numbers of batches, train inside ``with ddp.join():`` (:mod:`tt_dist.ddp_join`).
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool | None = None,
        init_sync: bool = True,
        process_group: ProcessGroup | None = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        delay_all_reduce_named_params: Any = None,
        param_to_hook_all_reduce: Any = None,
        mixed_precision: Any = None,
        device_mesh: Any = None,
        skip_all_reduce_unused_params: bool = False,
        bucket_cap_mb_list: Any = None,
        batched_grad_copy: bool = False,
        forward_sync_buffers: bool | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a tt.nn.Module, got {type(module).__name__}")
        if device_ids or output_device:
            raise ValueError(
                "DistributedDataParallel: device_ids and output_device are for GPU modules; a CPU module "
                f"takes neither (leave them None), got device_ids={device_ids!r}, "
                f"output_device={output_device!r}"
            )
        refuse_unsupported({
            "delay_all_reduce_named_params": delay_all_reduce_named_params,
            "param_to_hook_all_reduce": param_to_hook_all_reduce,
            "mixed_precision": mixed_precision,
            "device_mesh": device_mesh,
            "skip_all_reduce_unused_params": skip_all_reduce_unused_params or None,
            "bucket_cap_mb_list": bucket_cap_mb_list,
        })  # fmt: skip
        forward_sync, init_sync_buffers = buffer_sync(broadcast_buffers, forward_sync_buffers)
        bucket_cap_mb = 25.0 if bucket_cap_mb is None else bucket_cap_mb
        self.gradient_as_bucket_view, self.static_graph = bool(gradient_as_bucket_view), bool(static_graph)
        group = default_group(process_group, "DistributedDataParallel")
        self.module = module
        self.process_group = group
        self.forward_sync_buffers = self.broadcast_buffers = forward_sync
        self.require_backward_grad_sync = True
        self.find_unused_parameters = bool(find_unused_parameters)
        Joinable.__init__(self)  # no join traffic until a Join (ddp_join.py) enables it
        self.bucket_cap_mb = bucket_cap_mb
        self.trained = False  # a forward that records gradients has run (register_comm_hook refuses then)
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if group.size > 1:
            verify_same_model([*module.named_parameters(), *module.named_buffers()], group)
        if init_sync:
            broadcast_tensors([*module.parameters(), *(module.buffers() if init_sync_buffers else ())], group)
        self.reducer = Reducer([p for _, p in named], group, bucket_cap_mb, names=[n for n, _ in named],
                               find_unused_parameters=self.find_unused_parameters)  # fmt: skip
        self._handles = [p.register_post_accumulate_grad_hook(self.reducer.mark_ready) for _, p in named]
        if debug.get_debug_level() is not debug.DebugLevel.OFF:  # PyTorch logs its set-up at INFO and DETAIL
            logger.info(
                "[Rank %d] DDP: %d parameters (%d elements) in %d buckets of at most %g MB; "
                "world size %d, broadcast_buffers=%s, find_unused_parameters=%s",
                group.global_rank(group.rank), len(named), sum(p.numel() for _, p in named),
                len(self.reducer.buckets), bucket_cap_mb, group.size, self.broadcast_buffers,
                self.find_unused_parameters,
            )  # fmt: skip

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the module; when grad mode is on and sync is not paused, the next backward averages."""
        self._sync_buffers_from(self._join_pre_forward())  # rank 0's, outside a Join (ddp_join.py)
        self.trained = self.trained or is_grad_enabled()
        syncing = is_grad_enabled() and self.require_backward_grad_sync
        if syncing:
            self.reducer.prepare()
        output = self.module(*args, **kwargs)
        if syncing and self.find_unused_parameters:
            reached = reached_leaves(output)
            self.reducer.mark_unused([p for p in self.reducer.params if id(p) not in reached])
        return output

    def register_comm_hook(self, state: object, hook: Callable[..., Future[Any]]) -> None:
        """Reduce each gradient bucket with ``hook(state, bucket)`` instead of DDP's all-reduce (PyTorch's).

        Args:
            state: passed to every call (the process group for the default hooks; None: the default
                group; or an object the hook keeps state in, such as ``PowerSGDState``).
            hook: ``hook(state, bucket: GradBucket) -> Future[Tensor]``, called from backward as soon as
                the bucket's gradients are ready; the future's value is the reduced flat tensor
                (or a list holding it), written back into the ``.grad``. DDP does not divide
                after a hook: the hook averages (see :mod:`tt_dist.comm_hook`).

        Call it once, before the first forward, on every rank with the same hook. Buckets are
        reduced under ``no_sync()`` not at all, and with ``find_unused_parameters`` as usual.

        Example (``mpiexec -n 2``):
            >>> from tt_dist.algorithms.ddp_comm_hooks import default_hooks  # doctest: +SKIP
            >>> model.register_comm_hook(None, default_hooks.fp16_compress_hook)  # doctest: +SKIP
        """
        check_comm_hook(hook)
        if isinstance(self.reducer, CommHookReducer):
            raise RuntimeError("register_comm_hook or register_builtin_comm_hook can only be called once.")
        if self.trained:
            raise RuntimeError(
                "DistributedDataParallel.register_comm_hook must be called before the first forward that "
                "records gradients (the hook decides how every backward reduces them); register it right "
                "after wrapping the model"
            )
        reducer = self.reducer
        for handle in self._handles:
            handle.remove()
        self.reducer = CommHookReducer(reducer.params, self.process_group, self.bucket_cap_mb, reducer.names,
                                       self.find_unused_parameters, state, hook)  # fmt: skip
        ready = self.reducer.mark_ready
        self._handles = [param.register_post_accumulate_grad_hook(ready) for param in reducer.params]

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, forward/backward only accumulate local gradients (no communication).

        For gradient accumulation: run k-1 micro-batches under ``no_sync()`` and the
        last one outside; its backward averages the sum of all k micro-batches' gradients.
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self) -> str:
        return f"world_size={self.process_group.size}, buckets={len(self.reducer.buckets)}"


def check_comm_hook(hook: Any) -> None:
    """Refuse what cannot be a communication hook, as PyTorch's ``_check_comm_hook`` does, saying why."""
    if not callable(hook):
        raise TypeError(f"Communication hook must be callable, got {type(hook).__name__}.")
    try:
        signature = inspect.signature(hook)
        signature.bind(None, None)
    except TypeError as error:
        raise TypeError(
            f"Communication hook {getattr(hook, '__qualname__', hook)!r} must take two arguments, "
            f"(state, bucket): {error}"
        ) from None
    except ValueError:  # a builtin without a signature: nothing more to check
        return
    try:  # annotations written as strings (``from __future__ import annotations``) are resolved first
        signature = inspect.signature(hook, eval_str=True)
    except Exception:  # a name the hook's module cannot resolve: leave those annotations unchecked
        pass
    bucket = list(signature.parameters.values())[1].annotation if len(signature.parameters) > 1 else None
    if bucket not in (None, inspect.Parameter.empty, GradBucket) and not isinstance(bucket, str):
        raise ValueError("Communication hook: bucket annotation should be dist.GradBucket.")
    result = signature.return_annotation
    if result is not inspect.Signature.empty and not isinstance(result, str):
        if result is not Future and typing.get_origin(result) is not Future:
            raise ValueError(
                "Communication hook: return annotation should be torch.futures.Future[torch.Tensor]."
            )
