"""One FSDP unit's parameters as one flat array, of which each rank keeps a 1/world shard.

A unit's parameters (those of its module not inside a nested unit) are laid end to
end, ``P`` elements, padded with zeros to ``P' = ceil(P / N) * N`` on N ranks; rank r
keeps elements ``[r·P'/N, (r+1)·P'/N)`` as the :class:`FlatParameter` the optimizer
steps. The module's original parameters are taken out of ``_parameters`` (their names
stay declared, as None) and their storage is freed; with ``use_orig_params=True`` they
stay, as views of their parts of the shard (:mod:`tt_dist.fsdp.orig_params`).

* :meth:`FlatParamHandle.unshard`: one ``Iallgather`` of the shards into one buffer of
  ``P'`` elements; each original parameter becomes a leaf tensor viewing its range of
  the buffer, set as a plain attribute of its module (``module.weight``), so the
  module's own ``forward`` runs unchanged.
* after the unit's backward (``register_multi_grad_hook`` on those leaves: it fires once
  the pass has computed all their gradients): the gradients are packed into one
  ``P'``-element buffer, ``Ireduce_scatter_block`` sums it over the ranks into this
  rank's ``P'/N`` elements, which are divided by N (PyTorch's average) and added into
  ``flat_param.grad``.
* :meth:`FlatParamHandle.reshard`: the module's attributes become empty tensors (as
  PyTorch's freed parameters) and the handle drops the buffer.

**Memory.** NumPy frees an array once nothing references it, and the autograd graph
references what its ops saved (a ``Linear`` saves its weight) and its leaves until
backward has run. FULL_SHARD therefore runs a recording forward under saved-tensor hooks
that keep where a saved view of the buffer lies rather than the view, and then drops
the buffer (:mod:`tt_dist.fsdp.reshard`); backward gathers it again, and the
post-backward hook drops it again: a unit's ``P'`` elements live during its forward and
its backward only, as PyTorch's. SHARD_GRAD_OP keeps the buffer from the forward until
the unit's backward has computed its gradients, then its post-backward hook points the
leaves at NaN stand-ins (as FULL_SHARD's release does) while the user may still hold the
graph, so the peak of a step holds every unit's gathered parameters, as DDP holds the
whole model, and none is left after backward, as PyTorch's. At rest, per rank: parameters
``P'/N``, gradients ``P'/N``, optimizer state ``P'/N`` per state tensor (Adam's two moments:
``2·P'/N``) -- against ``P`` each with DDP. One transient ``P'``-element gradient buffer exists during each
unit's reduce-scatter. ``benchmarks/fsdp_memory.py`` prints both, at rest and traced
through a step.

Cost per unit and step: one all-gather (FULL_SHARD: two) and one reduce-scatter of ``P'``
elements (each moves about ``P'·(N-1)/N`` elements per rank), one copy of the gradients
into the buffer.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
from tt_autograd import Tensor, hooks
from tt_autograd.multi_grad_hook import register_multi_grad_hook
from tt_nn import Module, Parameter
from tt_tensor import versions

from . import orig_params
from .api import MixedPrecision, ShardingStrategy
from .mixed_precision import predivide_factor, unit_dtypes
from .reshard import Gathered

__all__ = ["ConsumedParameter", "FlatParamHandle", "FlatParameter"]

_MOVED = (
    "FullyShardedDataParallel: this parameter {what} was flattened into a unit's FlatParameter when the "
    "model was wrapped, and is no longer trained; an optimizer built before wrapping holds it. Build "
    "the optimizer after wrapping, from the wrapped model: optim.SGD(fsdp_model.parameters(), ...)"
)


_AGAIN = (
    "FullyShardedDataParallel: a second backward pass reached a unit's parameters through a graph whose "
    "gradients were already reduce-scattered (backward(retain_graph=True), then another backward); a "
    "unit reduces its gradients once per forward, as PyTorch's FSDP does. Run the forward again for each "
    "backward, or add the losses and call backward once"
)


class FlatParameter(Parameter):
    """This rank's shard of one unit's flat parameters (PyTorch's ``FlatParameter``), 1-D, ``P'/N`` elements.

    It is the parameter ``fsdp_model.parameters()`` yields and the optimizer steps.
    """


class ConsumedParameter(Parameter):
    """An original parameter after wrapping: storage freed, reading or setting ``.grad`` raises.

    An optimizer built before wrapping still holds these; its ``zero_grad()`` or ``step()``
    reads ``.grad`` and gets an error that says to build it after wrapping (otherwise it
    would silently skip them: they never receive a gradient again).
    """

    _fsdp_name = ""

    @property  # type: ignore[override]
    def grad(self) -> Any:
        raise RuntimeError(_MOVED.format(what=repr(self._fsdp_name)))

    @grad.setter
    def grad(self, value: Any) -> None:
        raise RuntimeError(_MOVED.format(what=repr(self._fsdp_name)))


@dataclass
class ParamInfo:
    """Where one original parameter lives: ``module.name``, its shape and its range of the flat buffer."""

    module: Module
    name: str
    fqn: str  # dotted name under the unit's module (``0.weight``)
    shape: tuple[int, ...]
    offset: int
    numel: int
    first: bool  # False for a second name of a tied parameter (it shares the first one's range)
    slot: int  # which distinct parameter (tied names share one)


class FlatParamHandle:
    """The flat parameter of one unit: build it, gather it for forward, reduce-scatter its gradient.

    Args:
        named: ``(fqn, module, name, parameter)`` for each of the unit's original parameters, in
            registration order (a tied parameter may appear under several names).
        group: the process group to shard over.
        strategy: a :class:`ShardingStrategy` (FULL_SHARD, SHARD_GRAD_OP or NO_SHARD).
        sync_module_states: broadcast rank 0's values before sharding (else every rank must have
            built the same values, as with PyTorch's default).
        mixed_precision: a :class:`~tt_dist.fsdp.MixedPrecision` (the gathered parameters' dtype and
            the reduction's; :mod:`tt_dist.fsdp.mixed_precision`), or None.
        use_orig_params: keep the original parameters registered, as views of this rank's shard
            (:mod:`tt_dist.fsdp.orig_params`); else they are consumed.
    """

    def __init__(
        self,
        named: list[tuple[str, Module, str, Parameter]],
        group: Any,
        strategy: ShardingStrategy,
        sync_module_states: bool = False,
        mixed_precision: MixedPrecision | None = None,
        use_orig_params: bool = False,
    ) -> None:
        self.group, self.strategy = group, strategy
        self.sharded = strategy is not ShardingStrategy.NO_SHARD
        kinds = sorted({str(p.dtype) for *_, p in named})
        if len(kinds) > 1:
            names = ", ".join(f"{fqn} {p.dtype}" for fqn, *_, p in named)
            raise ValueError(
                f"FullyShardedDataParallel: the parameters of one unit must share a dtype to be "
                f"flattened, got "
                f"{names}; convert the model first (model.float()) or wrap the differing modules as units"
            )
        grads = {p.requires_grad for *_, p in named}
        if len(grads) > 1:
            frozen = [fqn for fqn, *_, p in named if not p.requires_grad]
            raise ValueError(
                "FullyShardedDataParallel flattens a unit's parameters into one, so they must all require "
                f"grad or none (with use_orig_params=True too, unlike PyTorch's); frozen: {frozen}. Wrap the "
                "frozen modules as units of their own (auto_wrap_policy) or freeze the whole unit"
            )
        self.requires_grad = grads == {True}
        self.infos: list[ParamInfo] = []
        offsets: dict[int, ParamInfo] = {}
        total = 0
        for fqn, module, name, param in named:
            seen = offsets.get(id(param))
            if seen is None:
                info = ParamInfo(
                    module, name, fqn, tuple(param.shape), total, param.numel(), True, len(offsets)
                )
                offsets[id(param)] = info
                total += info.numel
            else:
                info = ParamInfo(module, name, fqn, seen.shape, seen.offset, seen.numel, False, seen.slot)
            self.infos.append(info)
        world = group.size if self.sharded else 1
        self.numel = total
        self.padded = -(-total // world) * world
        self.shard_size = self.padded // world
        self.dtype = named[0][3].array.dtype
        self.param_dtype, self.reduce_dtype = unit_dtypes(mixed_precision, self.dtype)
        self.predivide = 1 if mixed_precision is None else predivide_factor(group.size)
        full = np.zeros(self.padded, self.dtype)
        for info, (*_, param) in zip(self.infos, named):
            full[info.offset : info.offset + info.numel] = param.array.reshape(-1)
        if sync_module_states and group.size > 1:
            group.wait([group.comm.Ibcast(full, root=0)], "FullyShardedDataParallel(sync_module_states=True)")
        start = group.rank * self.shard_size if self.sharded else 0
        self.flat_param = FlatParameter(Tensor.from_array(full[start : start + self.shard_size].copy()),
                                        requires_grad=self.requires_grad)  # fmt: skip
        self.originals: list[tuple[ParamInfo, Parameter]] | None = None  # use_orig_params: (info, view)
        if use_orig_params:
            orig_params.expose(self, named)
        else:
            consume(self.infos, named, self.dtype)
        self.placeholder = Tensor.from_array(np.empty(0, self.dtype))
        self.full: np.ndarray | None = None  # the gathered P' elements while unsharded
        self.gathered: Gathered | None = None  # FULL_SHARD: the recording forward's, to release after it
        self.pending: np.ndarray | None = None  # unsharded gradient summed under no_sync()
        self.registrations: list[Any] = []  # live multi-grad hooks (one per forward awaiting backward)
        self.sync_gradients = True
        self.reshard()

    # ------------------------------------------------------------ gather and release
    def unshard(self, record: bool, compute: bool = True) -> None:
        """Gather the whole flat parameter and point the module's attributes at views of it.

        ``record``: the forward records gradients, so the views are leaves requiring grad and the
        unit's post-backward hook is registered on them. ``compute``: in ``param_dtype`` (False:
        in the shards' dtype, for summon_full_params). Nothing happens if already unsharded.
        """
        self.prune()
        if self.full is not None and self.sharded and not self.registrations:
            self.reshard()  # kept by SHARD_GRAD_OP for a forward dropped without backward: maybe stale now
        if self.full is None or not self.sharded:  # NO_SHARD: new views (and hook) each forward
            if self.sharded:
                what = "FullyShardedDataParallel forward (all-gathering a unit's parameters)"
                full = self.gather(what, self.param_dtype if compute else self.dtype)
            elif compute and self.param_dtype != self.dtype:
                full = self.flat_param.array.astype(self.param_dtype)  # NO_SHARD in a lower precision: a copy
            else:
                full = self.flat_param.array  # NO_SHARD: the flat parameter is whole; the views write through
            self.full = full
            by_slot: dict[int, Tensor] = {}
            for info in self.infos:
                if info.first:
                    view = full[info.offset : info.offset + info.numel].reshape(info.shape)
                    by_slot[info.slot] = Tensor.from_array(view)
                object.__setattr__(info.module, info.name, by_slot[info.slot])  # a tied name: the same leaf
            self.leaves = list(by_slot.values())
            if record and self.strategy is ShardingStrategy.FULL_SHARD:
                self.gathered = Gathered(self, full, by_slot)  # released after forward (reshard.py)
            if record and self.requires_grad:
                for leaf in self.leaves:
                    leaf.requires_grad = True
                self._register(list(self.leaves))

    def gather(self, what: str, dtype: np.dtype | None = None) -> np.ndarray:
        """All-gather the shards into a new buffer of ``P'`` elements of ``dtype`` (default ``param_dtype``).

        ``what``: the call, for a timeout's message. Each rank casts its shard first if needed.
        """
        dtype = self.param_dtype if dtype is None else dtype
        shard = self.flat_param.array
        full = np.empty(self.padded, dtype)
        self.group.wait([self.group.comm.Iallgather(shard.astype(dtype, copy=False), full)], what)
        return full

    def _register(self, leaves: list[Tensor]) -> None:
        """Run :meth:`post_backward` once this pass has computed every gradient of ``leaves``.

        The registration holds nothing of the graph: :meth:`watch` gives it weak references to the
        outputs' nodes, and once none is left (the graph was dropped without a backward) :meth:`prune`
        forgets it. Until then, the first leaf stands in (it lives as long as the graph does).

        The hook is taken off when it has run (a live multi-grad hook makes every backward pass of
        the process record its walk). A later pass that reaches the leaves again (``backward(
        retain_graph=True)``, then a second backward through the graph) would find no hook and leave
        its gradients out of ``flat_param.grad``: it raises instead, as PyTorch's FSDP refuses it.
        """
        entry: dict[str, Any] = {"alive": [weakref.ref(leaves[0])], "watched": False}
        forward = self.gathered  # FULL_SHARD's (None otherwise): released when the backward is done
        if self.strategy is ShardingStrategy.SHARD_GRAD_OP:  # the leaves view the forward's buffer
            forward = Gathered(self, self.full, dict(enumerate(leaves)))  # (held weakly; never gathers)

        def clear(leaf: Tensor) -> None:
            leaf.grad = None  # the gradient went into the flat buffer; do not keep a full-size copy
            if entry.get("pass", hooks.passes.number) != hooks.passes.number:
                raise RuntimeError(_AGAIN)

        def done(grads: list[Any]) -> None:
            entry["pass"] = hooks.passes.number  # (the last leaf's clear() runs after, in this pass)
            for handle in entry["handles"]:
                handle.remove()
            self.registrations = [e for e in self.registrations if e is not entry]  # by identity
            if forward is not None:
                forward.release()  # the gathered parameters go before the reduce-scatter (PyTorch's order)
            self.post_backward(grads)

        for leaf in leaves:  # kept after done(): the last leaf's runs after it, and they die with the leaves
            leaf.register_post_accumulate_grad_hook(clear)
        entry["handles"] = [register_multi_grad_hook(leaves, done)]
        self.registrations.append(entry)

    def watch(self, output: Any) -> None:
        """Tie the latest registration to the graph of ``output`` (a forward's result: tensors, nested).

        A SHARD_GRAD_OP unit called again before its backward adds this graph to the one it has.
        """
        node = first_node(output)
        if node is None or not self.registrations:
            return
        entry = self.registrations[-1]
        if not entry["watched"]:
            entry["alive"], entry["watched"] = [], True  # the leaf stood in until now
        entry["alive"].append(weakref.ref(node))

    def prune(self) -> None:
        """Forget the registrations of forwards whose graph was dropped without a backward."""

        def alive(entry: dict[str, Any]) -> bool:
            return any(ref() is not None for ref in entry["alive"])

        for entry in self.registrations:
            if not alive(entry):
                for handle in entry["handles"]:
                    handle.remove()
        self.registrations = [e for e in self.registrations if alive(e)]

    def reshard(self) -> None:
        """Drop the gathered buffer; the module's attributes become empty tensors until the next gather."""
        if not self.sharded and self.full is not None:
            return  # NO_SHARD: the views are of the flat parameter itself, kept
        self.full = None
        self.leaves = []
        self.gathered = None
        for info in self.infos:
            if self.originals is not None:  # the name reads the registered view again
                info.module.__dict__.pop(info.name, None)
            else:
                object.__setattr__(info.module, info.name, self.placeholder)

    def writeback(self) -> None:
        """Copy this rank's range of the gathered buffer (changed in place) back into the shard."""
        if self.sharded and self.full is not None:
            start = self.group.rank * self.shard_size
            self.flat_param.array[...] = self.full[start : start + self.shard_size]
            versions.bump(self.flat_param.array)

    # ------------------------------------------------------------ gradients
    def post_backward(self, grads: list[Any]) -> None:
        """Pack the unit's gradients, reduce-scatter and average them into ``flat_param.grad``.

        Under ``no_sync()`` the packed gradient is kept (summed over passes) and sent with the next
        synchronised backward. SHARD_GRAD_OP's handle drops its gathered buffer here (the hook has
        pointed the forward's leaves at stand-ins).
        """
        flat = np.zeros(self.padded, self.reduce_dtype)
        firsts = [info for info in self.infos if info.first]
        for info, grad in zip(firsts, grads):
            if grad is not None:
                flat[info.offset : info.offset + info.numel] = getattr(grad, "array", grad).reshape(-1)
        if self.pending is not None:
            flat += self.pending
            self.pending = None
        if not self.registrations:
            self.reshard()  # SHARD_GRAD_OP's release (FULL_SHARD released after forward; NO_SHARD keeps)
        if not self.sync_gradients:
            self.pending = flat
            return
        self.reduce(flat)

    def reduce(self, flat: np.ndarray) -> None:
        """Sum ``flat`` (``P'`` elements) over the ranks; this rank's range / N into ``flat_param.grad``.

        In ``reduce_dtype``; with MixedPrecision divided by ``predivide`` before and the rest after
        (PyTorch's), then cast to the shard's dtype.
        """
        from mpi4py import MPI

        what = "FullyShardedDataParallel backward (reducing a unit's gradients)"
        self.sync_grads()
        if self.predivide != 1:
            flat /= self.predivide
        if self.sharded:
            shard = np.empty(self.shard_size, flat.dtype)
            self.group.wait([self.group.comm.Ireduce_scatter_block(flat, shard, op=MPI.SUM)], what)
        else:
            shard = flat
            self.group.wait([self.group.comm.Iallreduce(MPI.IN_PLACE, shard, op=MPI.SUM)], what)
        shard /= self.group.size / self.predivide
        shard = shard.astype(self.dtype, copy=False)
        param = self.flat_param
        if param.grad is None:
            param.grad = Tensor.from_array(shard)
        else:
            param.grad.array += shard
            versions.bump(param.grad.array)
        if self.originals is not None:
            orig_params.point_grads(self)

    def sync_grads(self) -> None:
        """use_orig_params: ``flat_param.grad`` made what the original parameters' ``grad`` say."""
        if self.originals is not None:
            orig_params.sync_grads(self)

    def held_arrays(self) -> list[np.ndarray]:
        """The memory this handle refers to, each block once (for counting a rank's bytes).

        The shard, its gradient, a gradient kept under ``no_sync()``, the gathered buffer and what
        the current leaves view (the gathered buffer, or the shard itself with NO_SHARD).
        """
        arrays = [self.flat_param.array, *(a for a in (self.pending, self.full) if a is not None)]
        if self.flat_param.grad is not None:
            arrays.append(self.flat_param.grad.array)
        arrays += [leaf.array for leaf in self.leaves]
        roots: dict[int, np.ndarray] = {}
        for array in arrays:
            while array.base is not None:
                array = array.base
            roots[id(array)] = array
        return list(roots.values())


def consume(infos: list[ParamInfo], named: list[tuple[str, Module, str, Parameter]], dtype: np.dtype) -> None:
    """Take the original parameters out of their modules and free their storage (use_orig_params=False)."""
    for info, (fqn, module, name, param) in zip(infos, named):
        module._parameters[name] = None  # the name stays declared; named_parameters skips it
        if info.first:
            param.array = np.empty(0, dtype)  # free the original storage (PyTorch frees it too)
            param.__class__ = ConsumedParameter
            param._fsdp_name = fqn


def first_node(output: Any) -> Any:
    """The ``grad_fn`` of the first tensor in ``output`` that has one (None if none has)."""
    pending = [output]
    while pending:
        item = pending.pop(0)
        if isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif getattr(item, "grad_fn", None) is not None:
            return item.grad_fn
    return None
