"""``DataParallel``: a module's batch split over the worker threads of one process (PyTorch's name).

One NumPy process leaves a core idle for much of a training step: the BLAS
threads help only inside big GEMMs, and the element-wise work between them
(GELU, LayerNorm, softmax, attention's small GEMMs) runs on one thread.
``DataParallel`` cuts the batch instead: with ``n`` workers (those of
:mod:`tt_tensor.threads`, each with a one-thread BLAS) it runs ``n`` replicas
of the module on ``n`` slices of the batch at once, forward *and* backward, and
adds the replicas' gradients into the module's own parameters. NumPy releases
the interpreter lock inside its array loops and BLAS calls, so the threads
really run in parallel; only the Python between the array operations takes
turns.

How, step by step (for ``out = DataParallel(model)(x)``):

1. **replicate** (once, then reused until a parameter, submodule or buffer
   is added, replaced or removed): replica 0 *is* ``model``; the others
   are shallow copies of its module tree whose parameters are new
   ``Parameter`` objects sharing the *same arrays* (nothing is copied), each
   with its own ``.grad``; buffers are copies, refreshed from ``model``'s
   before every forward (as in PyTorch, only replica 0's in-place buffer
   updates, e.g. batch norm's running statistics, are kept), and so are the
   modules' other attributes (``training``, a dropout's ``p``), shared again;
2. **scatter**: every tensor or array argument whose ``dim`` axis has the
   batch's length is cut into ``n`` contiguous slices; other arguments go to
   every replica unchanged;
3. **parallel forward**: replica ``i`` runs on slice ``i`` on worker ``i``,
   under the caller's grad mode;
4. **gather**: the outputs are concatenated along ``dim`` by one autograd node
   (0-d outputs, e.g. a loss, are stacked into a vector of ``n``, as PyTorch
   does);
5. **parallel backward**: that node's backward cuts the incoming gradient the
   same way and runs each replica's backward on its own worker, into
   parameters of the replica's own (for replica 0, stand-ins on ``model``'s
   arrays); then their gradients are added into ``model``'s and cleared. The
   caller's backward pass has set ``model``'s hooked parameters aside like any
   other leaf, so their ``register_hook`` and post-accumulate hooks run once,
   on the whole batch's gradient, as without ``DataParallel``.

Higher-order gradients (``backward(create_graph=True)``, ``autograd.grad(...,
create_graph=True)``: a gradient penalty) and ``autograd.grad`` (which returns
gradients rather than filling ``.grad``) run in the caller's thread instead:
the replicas' graphs record ``model``'s own parameters, as PyTorch's replicas
are views of them, so the recorded gradient pass and any pass through what it
recorded reach ``model`` through every replica (the threaded backward switches
those graphs to the replicas' own parameters while it runs).

Hooks behave as without ``DataParallel`` (PyTorch's, on a machine without
GPUs, just calls the module): ``model``'s own forward pre-hooks, forward
hooks and full backward (pre-)hooks run once per call, in the caller's
thread, on the whole batch, around the replicas, which run ``model.forward``;
but a pre-hook that makes a weight from the parameters runs in every
replica, on that replica's parameters: ``weight_norm``'s, ``spectral_norm``'s
and pruning's, and a hook of your own that does the same, once it has an
attribute ``per_replica = True`` (a name of this framework; made once in the
caller's thread, such a weight would be shared by the worker threads'
backward passes). Parameter hooks run once, on the summed
gradient (step 5). The hooks of ``model``'s *submodules* run in every
replica, on its slice, as in PyTorch's ``DataParallel`` on GPUs, whose
replicas carry them.

The gradients equal those of ``model(x)`` on the whole batch (up to float
reassociation) whenever the module treats samples independently — so not
for batch norm in training mode, whose statistics are per slice (like
``DistributedDataParallel`` without ``SyncBatchNorm``). Dropout draws from the
shared generator in whatever order the threads reach it: not reproducible
run to run.

Differences from PyTorch, and why: PyTorch's ``DataParallel`` splits over
GPUs (``device_ids``) and on a CPU-only machine just calls the module; here
the "devices" are worker threads, so ``device_ids`` (if given) only sets how
many. Gradients do not flow back into the *inputs* (an input that requires
grad is refused).

The process-wide BLAS thread count is 1 while the replicas run. Each
worker already asks OpenBLAS for one thread of its own, but with the
process-wide count left at 2 milestone 05's GPT step took 413–429 ms
against 235–254 ms at 1 (idle machine, alternating); kernels that ask for
one BLAS thread on a worker leave the process-wide count alone
(:func:`tt_tensor.threads.one_blas_thread`).

Cost per call: ``n`` shallow module copies the first time; then per forward
one pointer per parameter, one copy per buffer and one attribute update per
module (the refresh took 0.67-0.74 ms for a 4-layer, 128-wide GPT's 52
modules, 0.49-0.50 ms without the attributes, of a 2-slice step of about
240 ms); the gather copies the outputs once. With one worker (or a batch of
one) it calls the module directly.

Example:
    >>> import tt_autograd as autograd
    >>> import tt_nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 3), nn.GELU())
    >>> out = nn.DataParallel(model, device_ids=[0, 1])(autograd.randn(8, 4))  # 2 slices of 4 rows
    >>> out.shape, out.grad_fn
    (tt.Size([8, 3]), <GatherBackward0>)
    >>> out.sum().backward()  # model's own parameters get the whole batch's gradient
    >>> model[0].weight.grad.shape
    tt.Size([3, 4])
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from contextlib import contextmanager
from functools import partial

import numpy as np
import tt_autograd as autograd
from tt_autograd import Function
from tt_autograd.engine import topological_order
from tt_autograd.grad_mode import is_grad_enabled, set_grad_enabled
from tt_tensor import threads

from .backward_hooks import call_with_backward_hooks
from .module import Module
from .parameter import Parameter


class DataParallel(Module):
    """Run ``module`` on slices of the batch on the worker threads, gradients summed into ``module``.

    Args:
        module: the module to run; it stays the owner of the parameters (its
            ``state_dict`` is ``DataParallel``'s under the prefix ``module.``).
        device_ids: accepted for PyTorch's signature; its length, if given, is
            the number of slices (default: the worker pool's size,
            ``$TINYTORCH_NUM_THREADS`` or the cores).
        output_device: PyTorch's argument; only None (the caller's memory) is meaningful here.
        dim: the batch axis of inputs and outputs (default 0).

    Shape:
        whatever ``module`` takes and returns; the inputs' ``dim`` axis is the
        batch, and outputs are concatenated along it.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[object] | None = None,
        output_device: object = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module to wrap, got {type(module).__name__}")
        if output_device is not None:
            raise ValueError(
                f"DataParallel: output_device={output_device!r} names a GPU; on this CPU framework the "
                "output is gathered in the caller's memory, so pass output_device=None"
            )
        if device_ids is not None and len(device_ids) < 1:
            raise ValueError("DataParallel: device_ids is empty; pass None to use every worker thread")
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"DataParallel: dim must be an int, got {dim!r}")
        self.module = module
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "slices", None if device_ids is None else len(device_ids))
        object.__setattr__(self, "_replicas", [])  # replicas 1.. (replica 0 is self.module)
        object.__setattr__(self, "_replicated", ())  # the tree the replicas were made for (_refresh)
        object.__setattr__(self, "_stand_ins", [])  # replica 0's parameters in the threaded backward

    def forward(self, *inputs: object, **kwargs: object) -> object:
        module = self.module  # its own hooks run here, once, around the replicas (module docstring)
        inputs = module._pre_hooked(
            [h for h in module._forward_pre_hooks.values() if not _per_replica(h)], inputs, kwargs
        )
        if module.__dict__.get("_backward_hooks") or module.__dict__.get("_backward_pre_hooks"):
            return call_with_backward_hooks(module, inputs, kwargs, self._spread)
        return self._spread(inputs, **kwargs)

    def _spread(self, inputs: tuple, /, **kwargs: object) -> object:
        """The wrapped module's forward, over the replicas when the batch splits, then its forward hooks."""
        batch = _batch_length(inputs, kwargs, self.dim)
        parts = threads.split(batch or 0, self.slices if self.slices is not None else threads.workers())
        enabled = is_grad_enabled()
        if len(parts) < 2:
            return self.module._post_hooked(inputs, _forward_on(self.module, enabled, inputs, kwargs), kwargs)
        replicas = [self.module, *self._refresh(len(parts) - 1)]
        own = [self._stand_ins, *(list(replica.parameters()) for replica in replicas[1:])]
        tasks = [
            partial(_forward_on, replica, enabled, *_scatter(inputs, kwargs, self.dim, start, stop, batch))
            for replica, (start, stop) in zip(replicas, parts)
        ]
        with threads.one_blas_thread():  # the process-wide count too (module docstring)
            outputs = threads.run(tasks)
        links = _OwnerLinks(outputs, list(self.module.parameters()), own)
        return self.module._post_hooked(inputs, _gather(outputs, self.dim, links), kwargs)

    def _refresh(self, count: int) -> list[Module]:
        """Replicas 1..count of ``self.module``, made if needed; attributes, parameters and buffers synced.

        They are made again when the tree changed (a parameter, a submodule or a buffer added, replaced or
        removed); in between, each module's other attributes (``training``, ``Dropout.p``, a plain
        float) are shared again before every forward, as PyTorch's replicas, made on every call, share them.
        """
        params = tuple(self.module.parameters())
        originals = list(self.module.modules())
        buffers = [name for name, _ in self.module.named_buffers()]
        tree = (*map(id, params), None, *map(id, originals), None, *buffers)
        if len(self._replicas) < count or self._replicated != tree:
            object.__setattr__(self, "_replicas", [_replicate(self.module) for _ in range(count)])
            object.__setattr__(self, "_replicated", tree)
            object.__setattr__(self, "_stand_ins", [Parameter(p) for p in params])  # synced below
        replicas = self._replicas[:count]
        for source, copy in zip(params, self._stand_ins):
            copy.array = source.array  # (.to() may have given it another dtype: gradients follow it)
        for replica in replicas:
            for source, copy in zip(originals, replica.modules()):
                own = {name: copy.__dict__[name] for name in ("_parameters", "_buffers", "_modules")}
                copy.__dict__.update(source.__dict__)
                copy.__dict__.update(own)
            for source, copy in zip(params, replica.parameters()):
                copy.array = source.array  # the optimizer may have given the parameter a new array
                copy.requires_grad = source.requires_grad
            for source, copy in zip(self.module.buffers(), replica.buffers()):
                if copy.array.shape == source.array.shape and copy.array.dtype == source.array.dtype:
                    np.copyto(copy.array, source.array)
                else:
                    copy.array = source.array.copy()
        return replicas


def data_parallel(
    module: Module,
    inputs: object,
    device_ids: Sequence[object] | None = None,
    output_device: object = None,
    dim: int = 0,
    module_kwargs: dict | None = None,
) -> object:
    """``module(*inputs, **module_kwargs)`` run as :class:`DataParallel` would, for one call.

    PyTorch's functional form of :class:`DataParallel`.

    Args:
        module: the module to run; its parameters receive the whole batch's gradients.
        inputs: one input, or a tuple of them (as PyTorch: a non-tuple is one argument).
        device_ids, output_device, dim: as :class:`DataParallel`.
        module_kwargs: keyword arguments for ``module``, scattered like the inputs.

    Cost: the replicas are made for this call and dropped after it (``n - 1``
    shallow module copies, as PyTorch replicates on every call); a loop that
    calls it each step should wrap the module in :class:`DataParallel` once instead.

    Example:
        >>> import tt_autograd as autograd
        >>> import tt_nn as nn
        >>> model = nn.Linear(4, 3)
        >>> nn.data_parallel(model, autograd.randn(8, 4), device_ids=[0, 1]).shape
        tt.Size([8, 3])
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    if module_kwargs is not None and not isinstance(module_kwargs, dict):
        raise TypeError(
            f"data_parallel: module_kwargs must be a dict of keyword arguments, got {module_kwargs!r}"
        )
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))


def _replicate(module: Module, memo: dict[int, object] | None = None) -> Module:
    """A shallow copy of ``module``'s tree: new Parameters on the same arrays, copied buffers, shared rest."""
    memo = {} if memo is None else memo
    if id(module) in memo:
        return memo[id(module)]  # type: ignore[return-value]
    clone = object.__new__(type(module))
    clone.__dict__.update(module.__dict__)
    memo[id(module)] = clone

    def parameter(p: Parameter | None) -> Parameter | None:
        if p is None:
            return None
        if id(p) not in memo:  # a parameter shared by two modules (tied weights) stays shared
            memo[id(p)] = Parameter(p, requires_grad=p.requires_grad)
        return memo[id(p)]  # type: ignore[return-value]

    def buffer(b: object) -> object:
        if b is None:
            return None
        if id(b) not in memo:
            memo[id(b)] = autograd.tensor(b.array.copy())  # type: ignore[attr-defined]
        return memo[id(b)]

    parameters = OrderedDict((k, parameter(p)) for k, p in module._parameters.items())
    object.__setattr__(clone, "_parameters", parameters)
    object.__setattr__(clone, "_buffers", OrderedDict((k, buffer(b)) for k, b in module._buffers.items()))
    object.__setattr__(
        clone,
        "_modules",
        OrderedDict((k, None if m is None else _replicate(m, memo)) for k, m in module._modules.items()),
    )
    return clone


def _is_batched(value: object, dim: int, batch: int | None = None) -> bool:
    array = getattr(value, "array", value)
    if not isinstance(array, np.ndarray) or array.ndim == 0 or not -array.ndim <= dim < array.ndim:
        return False
    return batch is None or array.shape[dim] == batch


def _batch_length(inputs: tuple, kwargs: dict, dim: int) -> int | None:
    """The batch size: the ``dim`` length of the first tensor or array argument (None if there is none)."""
    for value in (*inputs, *kwargs.values()):
        if _is_batched(value, dim):
            return getattr(value, "array", value).shape[dim]  # type: ignore[union-attr]
    return None


def _scatter(inputs: tuple, kwargs: dict, dim: int, start: int, stop: int, batch: int) -> tuple[tuple, dict]:
    """The arguments of one replica: batched tensors and arrays cut to ``[start, stop)`` along ``dim``."""

    def cut(value: object) -> object:
        if not _is_batched(value, dim, batch):
            return value
        if getattr(value, "requires_grad", False):
            raise ValueError(
                "DataParallel: an input requires grad, but gradients do not flow back into inputs through "
                "the worker threads; pass input.detach(), or call the module directly"
            )
        index = (slice(None),) * (dim % np.ndim(getattr(value, "array", value))) + (slice(start, stop),)
        if isinstance(value, np.ndarray):
            return value[index]
        return type(value).from_array(value.array[index])  # type: ignore[attr-defined]

    return tuple(cut(v) for v in inputs), {k: cut(v) for k, v in kwargs.items()}


def _forward_on(replica: Module, enabled: bool, inputs: tuple, kwargs: dict) -> object:
    """The replica's forward (its own hooks ran in the caller's thread, but for the per-replica pre-hooks)."""
    with set_grad_enabled(enabled):  # a worker thread starts with its own (default) grad mode
        inputs = replica._pre_hooked(
            [h for h in replica._forward_pre_hooks.values() if _per_replica(h)], inputs, kwargs
        )
        return replica.forward(*inputs, **kwargs)


def _per_replica(hook: object) -> bool:
    """A forward pre-hook that makes the module's weight from its parameters (``weight_norm``'s,
    ``spectral_norm``'s, pruning's: ``per_replica = True``): it runs in each replica, on its own."""
    return getattr(hook, "per_replica", False)


def _gather(outputs: list, dim: int, links: _OwnerLinks) -> object:
    """Concatenate the replicas' outputs along ``dim`` (0-d ones stacked); tuples and lists element-wise."""
    first = outputs[0]
    if isinstance(first, (tuple, list)):
        gathered = [_gather([out[i] for out in outputs], dim, links) for i in range(len(first))]
        return type(first)(gathered)
    if first is None:
        return None
    if not hasattr(first, "array"):
        raise TypeError(
            f"DataParallel: the module returned {type(first).__name__}; only tensors, and tuples or lists of "
            "them, can be gathered from the worker threads"
        )
    return GatherFunction.apply(*outputs, dim=dim, outputs=outputs, links=links)


class _OwnerLinks:
    """Where the replicas' graphs use a parameter, switchable between the owner and the replica's own.

    The graphs record the owners (``module``'s own parameters, as PyTorch's replicas are
    views of them): a ``create_graph`` backward, or a later pass through a gradient it
    recorded, then walks them in one thread and reaches the owners. The threaded first-order
    backward switches every replica, replica 0 (``module`` itself) included, to parameters of
    its own (:meth:`replicas_while`), so no two threads add into one ``.grad``, and no worker
    reaches an owner: an owner's hooks run once, in the caller's pass, on the summed gradient
    (:meth:`hand_over`), as without ``DataParallel``. Cost: one walk of every replica's graph
    per forward (0.18-0.25 ms, 106 links, of a 2-slice step of a 4-layer, 128-wide GPT on
    16 x 64 tokens that took 237-309 ms; walking replica 1's graph alone took 0.27-0.35 ms).
    """

    def __init__(self, outputs: list, owners: list, own: list[list]) -> None:
        self.owners, self.own = owners, own  # own[i]: replica i's parameters, in the owners' order
        self.slots: list[tuple[Function, int, object, object]] = []  # (node, position, replica's, owner)
        for index, (output, params) in enumerate(zip(outputs, own)):
            # replica 0 is module, so its graph holds the owners; the others' graphs hold their own
            links = {id(o if index == 0 else c): (c, o) for o, c in zip(owners, params)}
            root = Function()  # above the replica's outputs, so a node they share is walked once
            root.parents = _nodes(output)
            for node in topological_order(root):  # (the root's parents are nodes, never a parameter)
                for position, parent in enumerate(node.parents):
                    if id(parent) in links:
                        self.slots.append((node, position, *links[id(parent)]))
        self._use(owner=True)

    def _use(self, owner: bool) -> None:
        for node, position, copy, original in self.slots:
            node.parents[position] = original if owner else copy

    def hand_over(self) -> None:
        """Add every replica's gradients into the owners' ``.grad`` (the caller's pass hooks the sum)."""
        for params in self.own:
            for owner, copy in zip(self.owners, params):
                if copy.grad is None:
                    continue
                if owner.grad is None:
                    owner.grad = copy.grad  # the replica's own array: handed over, not copied
                else:
                    owner.grad.array += copy.grad.array
                copy.grad = None

    @contextmanager
    def replicas_while(self):
        self._use(owner=False)
        try:
            yield
        finally:
            self._use(owner=True)


def _nodes(value: object) -> list:
    """The ``grad_fn`` of each tensor of an output that has one (nested tuples and lists flattened)."""
    if isinstance(value, (tuple, list)):
        return [node for v in value for node in _nodes(v)]
    node = getattr(value, "grad_fn", None)
    return [] if node is None else [node]


class GatherFunction(Function):
    """The replicas' outputs joined along ``dim``; backward runs each replica's backward on its own worker.

    ``graph_backward`` is the linear rule (each replica's slice of the gradient, to its output), walked in
    the caller's thread.
    """

    @staticmethod
    def forward(ctx, *arrays, dim, outputs, links):
        ctx.outputs, ctx.links = outputs, links
        ctx.stacked = arrays[0].ndim == 0
        ctx.dim = dim
        ctx.sizes = [1 if ctx.stacked else a.shape[dim] for a in arrays]
        return np.stack(arrays) if ctx.stacked else np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        dim = 0 if ctx.stacked else ctx.dim
        pieces = np.split(grad, np.cumsum(ctx.sizes)[:-1], axis=dim)
        tasks = [
            partial(_backward_on, out, piece.reshape(out.shape))
            for out, piece in zip(ctx.outputs, pieces)
            if getattr(out, "requires_grad", False)
        ]
        with threads.one_blas_thread(), ctx.links.replicas_while():
            errors = threads.run(tasks)  # every replica's pass has ended, whether or not one raised
        ctx.links.hand_over()  # what they did add (as a raising backward without DataParallel leaves it)
        for error in errors:
            if error is not None:
                raise error
        return (None,) * len(ctx.outputs)

    @staticmethod
    def returning_backward(ctx, grad):  # autograd.grad: each replica's slice, walked on through the owners
        dim = 0 if ctx.stacked else ctx.dim
        pieces = np.split(grad, np.cumsum(ctx.sizes)[:-1], axis=dim)
        return tuple(piece.reshape(out.shape) for out, piece in zip(ctx.outputs, pieces))

    @staticmethod
    def graph_backward(ctx, grad):  # linear: each replica's slice, walked (recorded) through the owners
        dim = 0 if ctx.stacked else ctx.dim
        starts = np.cumsum([0, *ctx.sizes])
        return tuple(
            grad.narrow(dim, int(start), size).reshape(out.shape)
            for out, start, size in zip(ctx.outputs, starts, ctx.sizes)
        )


def _backward_on(output: object, grad: np.ndarray) -> BaseException | None:
    """One replica's backward; what it raised is returned, so the caller waits for every replica."""
    try:
        output.backward(grad, retain_graph=True)  # type: ignore[attr-defined]
    except Exception as error:  # raised again by GatherFunction.backward
        return error
    return None
