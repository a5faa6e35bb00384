"""``FullyShardedDataParallel``: parameters, gradients and optimizer state sharded over the ranks (ZeRO-3).

PyTorch's ``torch.distributed.fsdp.FullyShardedDataParallel`` (FSDP1), on MPI. Wrap the
model on every rank after :func:`~tt_dist.init_process_group`, then build the optimizer
from the wrapped model::

    policy = ModuleWrapPolicy({Block})                     # each Block its own unit
    model = FullyShardedDataParallel(model, auto_wrap_policy=policy)
    optimizer = tt.optim.AdamW(model.parameters(), lr=1e-3)  # one flat shard per unit
    loss_fn(model(x), y).backward()                        # gradients reduce-scattered per unit
    model.clip_grad_norm_(1.0)                             # the global norm: one all-reduce
    optimizer.step()                                       # steps this rank's shards only

**Units.** The wrapped module and each submodule the ``auto_wrap_policy`` picks (or that
the user wrapped by hand) become units; each owns one flat parameter of the parameters
in its subtree that no nested unit owns (:mod:`tt_dist.fsdp.flat_param`). After
wrapping, ``model.parameters()`` yields these flat shards, one per unit, each ``1/N`` of
its unit's padded flat size, and ``model.state_dict()`` (``FULL_STATE_DICT``, the default)
the unwrapped model's keys and whole tensors. With ``use_orig_params=True`` it yields the
original parameters instead, each a 1-D view of its part of this rank's shard, so an
optimizer can take parameter groups (:mod:`tt_dist.fsdp.orig_params`).

**A step.** Each unit's forward all-gathers its flat parameter and runs the module with
its original parameters pointing at views of the gathered buffer; its backward ends in
one reduce-scatter that leaves the average gradient of this rank's shard in
``flat_param.grad``. With each of N ranks on B/N samples of a batch-averaged loss, the
parameters follow those of one process on the whole batch of B (up to float rounding).

**What is saved.** See :mod:`tt_dist.fsdp.flat_param`: parameters at rest, gradients and
optimizer state are ``1/N`` per rank; FULL_SHARD frees a unit's gathered parameters after
its forward and gathers them again in its backward (:mod:`tt_dist.fsdp.reshard`, through
saved-tensor hooks), so a step's peak holds one or two units' parameters, as PyTorch's;
SHARD_GRAD_OP keeps them from forward to the end of the unit's backward.

Every unit must take part in every backward on every rank (a unit whose parameters get
no gradient on one rank would leave the others waiting in its reduce-scatter).
"""

from __future__ import annotations

import contextlib
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from tt_autograd import Tensor, is_grad_enabled
from tt_nn import IncompatibleKeys, Module

from ..ddp import broadcast_tensors, refuse_unsupported
from ..process_group import ProcessGroup, default_group
from . import optim_state
from .api import (
    CPUOffload,
    FullStateDictConfig,
    LocalStateDictConfig,
    MixedPrecision,
    ShardedStateDictConfig,
    ShardingStrategy,
    StateDictConfig,
    StateDictType,
)
from .flat_param import ConsumedParameter, FlatParamHandle
from .mixed_precision import cast_inputs, unit_dtypes
from .reshard import release_after_forward
from .wrap import recursive_wrap

__all__ = ["FullyShardedDataParallel", "StateDictSettings"]

WRAPPED = "_fsdp_wrapped_module"
FLAT = "_flat_param"
_CONFIGS = {
    StateDictType.FULL_STATE_DICT: FullStateDictConfig,
    StateDictType.LOCAL_STATE_DICT: LocalStateDictConfig,
}


@dataclass
class StateDictSettings:
    """What ``set_state_dict_type`` returns: the settings in force before (PyTorch's)."""

    state_dict_type: StateDictType
    state_dict_config: StateDictConfig
    optim_state_dict_config: Any = None


def refuse(options: dict[str, Any]) -> None:
    """``NotImplementedError`` naming the first PyTorch option given that TinyTorch does not have."""
    refuse_unsupported(options, "FullyShardedDataParallel", "CPU sharding on MPI, one dtype per unit")


def owned_parameters(module: Module, prefix: str = "") -> list[tuple[str, Module, str, Any]]:
    """``(fqn, module, name, parameter)`` of every parameter under ``module`` that no nested unit owns."""
    found = []
    for name, param in module._parameters.items():
        if isinstance(param, ConsumedParameter):
            raise ValueError(
                f"FullyShardedDataParallel: parameter {prefix + name!r} is shared with another FSDP unit, "
                f"which has flattened it already ({param._fsdp_name!r} there); tied parameters must "
                f"be in one "
                "unit: wrap the module that holds both uses"
            )
        if param is not None:
            found.append((prefix + name, module, name, param))
    for name, child in module._modules.items():
        if child is not None and not isinstance(child, FullyShardedDataParallel):
            found += owned_parameters(child, f"{prefix}{name}.")
    return found


class FullyShardedDataParallel(Module):
    """PyTorch's ``FullyShardedDataParallel`` (FSDP1; see the module docstring).

    Args:
        module: the model (the same on every rank, or made equal by ``sync_module_states``).
        process_group: the group to shard over (default: the default group).
        sharding_strategy: a :class:`ShardingStrategy`: FULL_SHARD (default), SHARD_GRAD_OP or
            NO_SHARD; the HYBRID ones are refused (they shard within a node of a 2-D mesh).
        cpu_offload, backward_prefetch, device_id, forward_prefetch, limit_all_gathers: accepted for
            PyTorch's signature; everything is on the CPU and gathered when first needed, without prefetch.
        auto_wrap_policy: a callable ``policy(module=, recurse=, nonwrapped_numel=)`` from
            :mod:`tt_dist.fsdp.wrap` choosing the submodules that become units of their own.
        sync_module_states: broadcast rank 0's parameters and buffers before sharding.
        use_orig_params: False (default): ``parameters()`` yields one flat shard per unit; True: the
            original parameters, each a 1-D view of its part of this rank's shard, for parameter
            groups (:mod:`tt_dist.fsdp.orig_params`).
        mixed_precision: a :class:`~tt_dist.fsdp.MixedPrecision`: the dtype the gathered parameters
            compute in and the one the gradients are reduced in (:mod:`tt_dist.fsdp.mixed_precision`).
        ignored_modules, param_init_fn, ignored_states, device_mesh: refused when set.

    Attributes:
        module: the wrapped module (``_fsdp_wrapped_module``).
        sharding_strategy, process_group, rank, world_size.
    """

    def __init__(
        self,
        module: Module,
        process_group: ProcessGroup | None = None,
        sharding_strategy: ShardingStrategy | None = None,
        cpu_offload: CPUOffload | None = None,
        auto_wrap_policy: Callable[..., bool] | None = None,
        backward_prefetch: Any = None,
        mixed_precision: MixedPrecision | None = None,
        ignored_modules: Any = None,
        param_init_fn: Any = None,
        device_id: Any = None,
        sync_module_states: bool = False,
        forward_prefetch: bool = False,
        limit_all_gathers: bool = True,
        use_orig_params: bool = False,
        ignored_states: Any = None,
        device_mesh: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"FullyShardedDataParallel: expected a tt.nn.Module, got {type(module).__name__}")
        if isinstance(module, FullyShardedDataParallel):
            raise ValueError(
                "FullyShardedDataParallel: this module is an FSDP unit already; wrap the original model "
                "once (nested units come from auto_wrap_policy or from wrapping submodules first)"
            )
        strategy = ShardingStrategy.FULL_SHARD if sharding_strategy is None else sharding_strategy
        if not isinstance(strategy, ShardingStrategy):
            raise TypeError(
                f"FullyShardedDataParallel: sharding_strategy must be a ShardingStrategy, got {strategy!r}"
            )
        if strategy in (ShardingStrategy.HYBRID_SHARD, ShardingStrategy._HYBRID_SHARD_ZERO2):
            raise NotImplementedError(
                f"FullyShardedDataParallel: {strategy} is not supported in TinyTorch: it shards "
                f"within a node "
                "and replicates across nodes (a 2-D device mesh); use FULL_SHARD or SHARD_GRAD_OP"
            )
        unit_dtypes(mixed_precision, np.dtype(np.float32))  # checked before anything is wrapped
        refuse({"ignored_modules": ignored_modules,
                "param_init_fn": param_init_fn, "ignored_states": ignored_states,
                "device_mesh": device_mesh})  # fmt: skip
        group = default_group(process_group, "FullyShardedDataParallel")
        if auto_wrap_policy is not None:
            if any(isinstance(m, FullyShardedDataParallel) for m in module.modules()):
                raise ValueError(
                    "FullyShardedDataParallel: auto_wrap_policy needs a model without FSDP units in it, but "
                    "this one has some already; wrap it once, either by hand or by the policy"
                )

            def unit(child: Module) -> Module:
                return FullyShardedDataParallel(child, group, strategy, mixed_precision=mixed_precision,
                                                sync_module_states=sync_module_states,
                                                use_orig_params=use_orig_params)  # fmt: skip

            recursive_wrap(module, auto_wrap_policy, unit, only_wrap_children=True)
        self._fsdp_wrapped_module = module
        self.process_group, self.sharding_strategy = group, strategy
        self.rank, self.world_size = group.rank, group.size
        self._state_dict_type = StateDictType.FULL_STATE_DICT
        self._state_dict_config: StateDictConfig = FullStateDictConfig()
        named = owned_parameters(module)
        self.mixed_precision = mixed_precision
        self._use_orig_params = bool(use_orig_params)
        flags = [m._use_orig_params for m in module.modules() if isinstance(m, FullyShardedDataParallel)]
        if any(flag != self._use_orig_params for flag in flags):
            raise ValueError(
                "FullyShardedDataParallel: every unit of a model must have the same use_orig_params (PyTorch "
                f"requires it too); this one has {self._use_orig_params}, a unit inside it the other"
            )
        self._handle = (
            FlatParamHandle(
                named, group, strategy, sync_module_states, mixed_precision, self._use_orig_params
            )
            if named
            else None
        )
        self._is_root = True  # until an enclosing unit is built around this one
        for inner in module.modules():
            if isinstance(inner, FullyShardedDataParallel):
                inner._is_root = False
        if self._handle is not None and not self._use_orig_params:  # (else the originals stay registered)
            module.register_parameter(FLAT, self._handle.flat_param)
        if sync_module_states and group.size > 1:
            broadcast_tensors([b for b in module.buffers()], group)

    @property
    def module(self) -> Module:
        """The wrapped module."""
        return self._fsdp_wrapped_module

    def extra_repr(self) -> str:
        return f"sharding_strategy={self.sharding_strategy.name}, world_size={self.world_size}"

    # ------------------------------------------------------------ forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Gather this unit's parameters, run the module, release them (FULL_SHARD) afterwards.

        A FULL_SHARD forward that records gradients runs under the saved-tensor hooks of
        :func:`~tt_dist.fsdp.reshard.release_after_forward`, so the graph does not keep the buffer.
        """
        handle = self._handle
        record = is_grad_enabled()
        policy = self.mixed_precision
        if policy is not None and policy.param_dtype is not None:
            if policy.cast_root_forward_inputs if self._is_root else policy.cast_forward_inputs:
                dtype, _ = unit_dtypes(policy, np.dtype(np.float32))
                args, kwargs = cast_inputs(args, dtype), cast_inputs(kwargs, dtype)
        if handle is not None:
            handle.unshard(record)
        gathered = handle.gathered if handle is not None else None  # FULL_SHARD, recording: reshard.py
        saving = release_after_forward(gathered) if gathered is not None else contextlib.nullcontext(False)
        releasing = False
        try:
            with saving as releasing:
                output = self._fsdp_wrapped_module(*args, **kwargs)
            if handle is not None and record:
                handle.watch(output)
            return output
        finally:
            if handle is not None:
                trains = record and handle.requires_grad
                if self.sharding_strategy is ShardingStrategy.FULL_SHARD or not trains:
                    handle.reshard()
            if releasing:
                gathered.release()

    @staticmethod
    def fsdp_modules(module: Module, root_only: bool = False) -> list[FullyShardedDataParallel]:
        """Every FSDP unit in ``module``'s tree, outermost first; ``root_only``: the outermost ones."""
        units = [m for m in module.modules() if isinstance(m, FullyShardedDataParallel)]
        if root_only:
            inner = {
                id(m) for u in units for m in u.module.modules() if isinstance(m, FullyShardedDataParallel)
            }
            units = [u for u in units if id(u) not in inner]
        return units

    def _handles(self) -> list[FlatParamHandle]:
        return [u._handle for u in self.fsdp_modules(self) if u._handle is not None]

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes inside keep each unit's whole gradient and send nothing (PyTorch's).

        The next backward outside sends the sum. Memory: a whole ``P'``-element gradient per unit
        while gradients wait, as in PyTorch.
        """
        handles = self._handles()
        before = [h.sync_gradients for h in handles]
        for handle in handles:
            handle.sync_gradients = False
        try:
            yield
        finally:
            for handle, value in zip(handles, before):
                handle.sync_gradients = value

    def clip_grad_norm_(self, max_norm: float, norm_type: float = 2.0) -> Tensor:
        """Scale every unit's gradient shard so the norm of the WHOLE gradient is at most ``max_norm``.

        Each rank sums ``|g|^p`` over its shards (``max |g|`` for ``inf``), one all-reduce combines
        the ranks (NO_SHARD units, whole on every rank, are added after it); returns the total
        norm (a 0-d tensor), as ``torch.nn.utils.clip_grad_norm_`` would on the unsharded model.
        Call it on every rank.
        """
        from mpi4py import MPI

        p = float(norm_type)
        for handle in self._handles():
            handle.sync_grads()  # (use_orig_params: what the original parameters' grads say)
        handles = [h for h in self._handles() if h.flat_param.grad is not None]
        sharded = [h.flat_param.grad.array for h in handles if h.sharded]
        whole = [h.flat_param.grad.array for h in handles if not h.sharded]

        def local(arrays: list[np.ndarray]) -> float:
            if math.isinf(p):
                return max((float(np.abs(a).max()) for a in arrays if a.size), default=0.0)
            return sum(float(np.sum(np.abs(a.astype(np.float64)) ** p)) for a in arrays)

        total = np.array([local(sharded)])
        op = MPI.MAX if math.isinf(p) else MPI.SUM
        group = self.process_group
        group.wait(
            [group.comm.Iallreduce(MPI.IN_PLACE, total, op=op)], "FullyShardedDataParallel.clip_grad_norm_"
        )
        norm = max(total[0], local(whole)) if math.isinf(p) else (total[0] + local(whole)) ** (1.0 / p)
        coefficient = max_norm / (norm + 1e-6)
        if coefficient < 1.0:
            for handle in handles:
                handle.flat_param.grad.array *= coefficient
        dtype = handles[0].dtype if handles else np.float32
        return Tensor.from_array(np.asarray(norm, dtype))

    # ------------------------------------------------------------ whole parameters
    @staticmethod
    @contextlib.contextmanager
    def summon_full_params(
        module: Module, recurse: bool = True, writeback: bool = True, rank0_only: bool = False,
        offload_to_cpu: bool = False, with_grads: bool = False,
    ) -> Iterator[None]:  # fmt: skip
        """Inside, every unit's original parameters are whole (gathered); call it on every rank.

        With ``writeback`` (default) changes made in place to them are kept: each rank copies its
        range back into its shard on exit. ``recurse=False``: ``module``'s own unit only.
        ``rank0_only`` and ``with_grads`` are refused; ``offload_to_cpu`` changes nothing.
        """
        refuse({"rank0_only": rank0_only or None, "with_grads": with_grads or None})
        units = FullyShardedDataParallel.fsdp_modules(module) if recurse else [module]
        handles = [
            u._handle for u in units if isinstance(u, FullyShardedDataParallel) and u._handle is not None
        ]
        for handle in handles:
            handle.prune()
            if handle.registrations:
                raise RuntimeError(
                    "FullyShardedDataParallel.summon_full_params: a forward that records gradients has run "
                    "and its backward has not; call it before the forward or after the backward"
                )
        for handle in handles:
            handle.unshard(record=False, compute=False)
        try:
            yield
        finally:
            for handle in handles:
                if writeback:
                    handle.writeback()
                handle.reshard()

    # ------------------------------------------------------------ state dicts
    @staticmethod
    def set_state_dict_type(
        module: Module, state_dict_type: StateDictType, state_dict_config: StateDictConfig | None = None,
        optim_state_dict_config: Any = None,
    ) -> StateDictSettings:  # fmt: skip
        """Set what ``state_dict()`` returns on every unit of ``module``; returns the previous settings."""
        if state_dict_type is StateDictType.SHARDED_STATE_DICT:
            raise NotImplementedError(
                "FullyShardedDataParallel: SHARDED_STATE_DICT is not supported in TinyTorch (PyTorch's holds "
                "DTensor shards, which TinyTorch does not have); use FULL_STATE_DICT or LOCAL_STATE_DICT"
            )
        if not isinstance(state_dict_type, StateDictType):
            raise TypeError(f"set_state_dict_type: expected a StateDictType, got {state_dict_type!r}")
        expected = _CONFIGS[state_dict_type]
        config = expected() if state_dict_config is None else state_dict_config
        if not isinstance(config, expected) or isinstance(config, ShardedStateDictConfig):
            raise ValueError(
                f"set_state_dict_type: expected a {expected.__name__} for {state_dict_type}, got "
                f"{type(config).__name__}"
            )
        units = FullyShardedDataParallel.fsdp_modules(module)
        if not units:
            raise ValueError("set_state_dict_type: the module has no FullyShardedDataParallel unit")
        if state_dict_type is StateDictType.LOCAL_STATE_DICT and units[0]._use_orig_params:
            raise NotImplementedError(
                "FullyShardedDataParallel: LOCAL_STATE_DICT with use_orig_params=True is not supported in "
                "TinyTorch (the flat shards are not registered); use FULL_STATE_DICT"
            )
        previous = StateDictSettings(units[0]._state_dict_type, units[0]._state_dict_config)
        for unit in units:
            unit._state_dict_type, unit._state_dict_config = state_dict_type, config
        return previous

    @staticmethod
    @contextlib.contextmanager
    def state_dict_type(
        module: Module, state_dict_type: StateDictType, state_dict_config: StateDictConfig | None = None,
        optim_state_dict_config: Any = None,
    ) -> Iterator[None]:  # fmt: skip
        """Within the block, ``module``'s ``state_dict()`` and ``load_state_dict()`` use this type."""
        previous = FullyShardedDataParallel.set_state_dict_type(module, state_dict_type, state_dict_config)
        try:
            yield
        finally:
            FullyShardedDataParallel.set_state_dict_type(
                module, previous.state_dict_type, previous.state_dict_config
            )

    @staticmethod
    def optim_state_dict(
        model: Module, optim: Any, optim_state_dict: dict[str, Any] | None = None, group: Any = None
    ) -> dict[str, Any]:
        """The optimizer's whole state keyed by the unwrapped model's parameter names (PyTorch's layout).

        Call it on every rank (it gathers; every rank gets the dict). See :mod:`tt_dist.fsdp.optim_state`.
        ``optim_state_dict`` (a state dict to convert instead of ``optim``'s) and ``group`` are refused.
        """
        refuse({"optim_state_dict": optim_state_dict, "group": group})
        return optim_state.optim_state_dict(model, optim, FullyShardedDataParallel)

    @staticmethod
    def optim_state_dict_to_load(
        model: Module, optim: Any, optim_state_dict: dict[str, Any], is_named_optimizer: bool = False,
        load_directly: bool = False, group: Any = None,
    ) -> dict[str, Any]:  # fmt: skip
        """This rank's shards of a whole optimizer state, in ``optim``'s layout (for its ``load_state_dict``).

        With ``load_directly`` it is loaded into ``optim`` too; ``is_named_optimizer`` and ``group`` are
        refused.
        """
        refuse({"is_named_optimizer": is_named_optimizer or None, "group": group})
        loadable = optim_state.optim_state_dict_to_load(
            model, optim, optim_state_dict, FullyShardedDataParallel
        )
        if load_directly:
            optim.load_state_dict(loadable)
        return loadable

    @contextlib.contextmanager
    def _originals_registered(self) -> Iterator[None]:
        """While summoned: the original parameters back in their modules' tables, for the state dicts."""
        infos = [info for handle in self._handles() for info in handle.infos]
        registered = [info.module._parameters[info.name] for info in infos]  # None, or use_orig_params' views
        for info in infos:
            info.module._parameters[info.name] = info.module.__dict__[info.name]
        try:
            yield
        finally:
            for info, value in zip(infos, registered):
                info.module._parameters[info.name] = value

    @contextlib.contextmanager
    def _live_state(self) -> Iterator[None]:
        """While inside: ``self.state_dict()`` is ``Module``'s (the live tensors, wrapped keys), which
        ``Module.load_state_dict`` reads to find its targets (a FULL one would hand it copies)."""
        kind, self._state_dict_type = self._state_dict_type, StateDictType.LOCAL_STATE_DICT
        try:
            yield
        finally:
            self._state_dict_type = kind

    def _full_entries(self) -> OrderedDict[str, Any]:
        """The unwrapped model's keys, live tensors and extra states, hooks run (call while summoned)."""
        with self._originals_registered():
            items = Module.state_dict(self, keep_vars=True).items()
        return OrderedDict(
            (key.replace(WRAPPED + ".", ""), value) for key, value in items if key.rsplit(".", 1)[-1] != FLAT
        )

    def _wrapped_keys(self, state_dict: dict[str, Any]) -> OrderedDict[str, Any]:
        """``state_dict`` (the unwrapped model's keys) re-keyed for this wrapped model, flat parameters added.

        A key ``path.name`` goes to the wrapped module that ``path`` names (``_fsdp_wrapped_module``
        inserted below each unit); a key naming no module stays as it is (the load reports it). Each
        unit's current flat parameter is added under its own key, so a strict load does not miss it:
        copying it into itself changes nothing, and the summoned parameters' writeback comes after.
        """
        modules: dict[str, str] = {}
        for name, _ in self.named_modules():
            unwrapped = name.replace(WRAPPED + ".", "").removesuffix(WRAPPED).removesuffix(".")
            if len(name) >= len(modules.get(unwrapped, "")):  # the deepest: the module that owns the tensors
                modules[unwrapped] = name
        wrapped = OrderedDict()
        for key, value in state_dict.items():
            path, _, leaf = key.rpartition(".")
            owner = modules.get(path)
            wrapped[key if owner is None else f"{owner}.{leaf}" if owner else leaf] = value
        for name, parameter in Module.named_parameters(self, remove_duplicate=False):
            if name.rsplit(".", 1)[-1] == FLAT:
                wrapped[name] = parameter
        return wrapped

    def state_dict(self, prefix: str = "", keep_vars: bool = False, *, destination: Any = None) -> Any:
        """The state in the form ``state_dict_type`` set: FULL (default) or LOCAL (:class:`StateDictType`).

        FULL: gathered on every rank (a collective), tensors copied, extra states (``get_extra_state``)
        as they are; with ``rank0_only`` the other ranks get ``{}``. The keys are the unwrapped model's,
        so it loads into an unwrapped model. State-dict hooks run as in ``Module.state_dict``. With
        ``destination`` the entries are added to it and it is returned, as PyTorch's.
        """
        if self._state_dict_type is StateDictType.LOCAL_STATE_DICT:
            return Module.state_dict(self, prefix, keep_vars, destination=destination)
        destination = OrderedDict() if destination is None else destination
        with self.summon_full_params(self, writeback=False):
            entries = self._full_entries()
            if self._state_dict_config.rank0_only and self.rank != 0:  # a FullStateDictConfig (checked)
                return destination
            for key, value in entries.items():
                copied = Tensor.from_array(value.array.copy()) if isinstance(value, Tensor) else value
                destination[prefix + key] = copied
            return destination

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True, assign: bool = False) -> Any:
        """Load a FULL state dict (the unwrapped model's keys) on every rank, or a LOCAL one.

        FULL: every rank needs the whole dict; each keeps its shard. Checked before anything is
        written, with load hooks and ``set_extra_state``, by ``Module.load_state_dict`` on the
        summoned model; the keys it reports are the unwrapped model's. ``assign=True`` is refused:
        the parameters are views of the units' flat parameters, which a new tensor cannot replace.
        """
        if assign:
            raise NotImplementedError(
                "FullyShardedDataParallel.load_state_dict: assign=True is not supported: the parameters are "
                "views of each unit's flat parameter; load without assign (the values are copied in)"
            )
        if self._state_dict_type is StateDictType.LOCAL_STATE_DICT:
            return Module.load_state_dict(self, state_dict, strict)
        with self.summon_full_params(self, writeback=True), self._originals_registered(), self._live_state():
            try:
                result = Module.load_state_dict(self, self._wrapped_keys(state_dict), strict)
            except RuntimeError as error:  # (its message names the wrapped keys: give the model's)
                raise RuntimeError(str(error).replace(WRAPPED + ".", "")) from None
        unwrap = [[key.replace(WRAPPED + ".", "") for key in keys] for keys in result]
        return IncompatibleKeys(*unwrap)
