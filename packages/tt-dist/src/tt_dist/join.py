"""Uneven inputs: PyTorch's generic join context manager (``torch.distributed.algorithms.join``).

When ranks hold different numbers of batches, the first to run out would leave the
others waiting forever in their next gradient all-reduce. Inside ``with Join([...]):``
a rank that has run out of batches *joins*: at the end of the ``with`` block it keeps
running its joinables' :meth:`JoinHook.main_hook`, each of which issues the same
collectives that one training iteration issues on the ranks still training (zeros into
DDP's gradient all-reduces, the broadcasts of ZeRO's parameter shards), until every
rank has joined; then each hook's :meth:`JoinHook.post_hook` runs once (DDP copies the
model of the last rank to join to every rank)::

    with Join([ddp_model, zero_optimizer]):
        for x, y in my_batches:                  # a different count on each rank
            loss_fn(ddp_model(x), y).backward()
            zero_optimizer.step()

How the ranks agree. The first joinable of the list calls :meth:`Join.notify_join_context`
at the start of each iteration (DDP does so in forward): one all-reduce of a 1 from
every rank still training. A joined rank matches it with a 0 in each pass of its loop,
so the sum tells it how many ranks are still training, and the loop ends on every rank
at the same all-reduce, the first that sums to 0. The joinables must therefore be
listed in the order in which they communicate within an iteration (the model before its
optimizer). Cost per iteration: one all-reduce of one number (two with
``throw_on_early_termination``), plus what the hooks shadow.

Differences from PyTorch, and why: :meth:`Join.notify_join_context` waits for its
all-reduce and returns a finished :class:`~tt_dist.Work` (PyTorch returns a pending
one; MPI moves a started collective forward mostly inside MPI calls, and a request no
one waits for would stay allocated). On leaving the ``with`` block the joinables go
back to working outside a join context (PyTorch leaves them enabled, so every later
forward still pays the notification all-reduce).
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np

from .process_group import ProcessGroup, Work, default_group, sum_over_group

__all__ = ["Join", "JoinHook", "Joinable"]

#: Join warns once a rank has shadowed this many iterations (PyTorch's threshold).
WARN_THRESHOLD = 1000


class JoinHook:
    """What a joined rank runs for one joinable: PyTorch's ``torch.distributed.algorithms.JoinHook``.

    Subclass it and override :meth:`main_hook` (called once per training iteration of the
    ranks still training, to issue the collectives they issue) and :meth:`post_hook`
    (called once when every rank has joined). Both do nothing by default.
    """

    def main_hook(self) -> None:
        """Shadow the collectives of one training iteration (forward, backward, optimizer step)."""

    def post_hook(self, is_last_joiner: bool) -> None:
        """Run once after every rank has joined; ``is_last_joiner`` is True on the ranks that joined last."""


class JoinConfig(NamedTuple):
    """How a :class:`Joinable` behaves in its current join context (PyTorch's ``_JoinConfig``)."""

    enable: bool
    throw_on_early_termination: bool
    is_first_joinable: bool

    @staticmethod
    def construct_disabled_join_config() -> JoinConfig:
        """The configuration outside any join context: no join-related communication."""
        return JoinConfig(enable=False, throw_on_early_termination=False, is_first_joinable=False)


class Joinable(ABC):
    """A class that can take part in :class:`Join`: PyTorch's ``torch.distributed.algorithms.Joinable``.

    A subclass calls ``Joinable.__init__(self)`` in its constructor and defines
    :meth:`join_hook`, :attr:`join_device` and :attr:`join_process_group`; at the start of
    each iteration's collectives it calls ``Join.notify_join_context(self)``.
    """

    @abstractmethod
    def __init__(self) -> None:
        super().__init__()
        self._join_config = JoinConfig.construct_disabled_join_config()

    @abstractmethod
    def join_hook(self, **kwargs: Any) -> JoinHook:
        """The :class:`JoinHook` a joined rank runs for this object (``kwargs``: those of :class:`Join`)."""

    @property
    @abstractmethod
    def join_device(self) -> Any:
        """The device of the join context's own collectives (the CPU here)."""

    @property
    @abstractmethod
    def join_process_group(self) -> Any:
        """The process group of the join context's own collectives."""


class Join:
    """Context manager that lets ranks with fewer inputs shadow the others: PyTorch's ``Join``.

    Args:
        joinables: the participating :class:`Joinable` objects, in the order in which they
            communicate within an iteration; their hooks run in this order.
        enable: False turns the context manager into a no-op (inputs known to be even).
        throw_on_early_termination: instead of shadowing, raise ``RuntimeError`` on every rank
            as soon as one rank runs out of inputs (the ranks still training raise in their
            next notification, the joined rank at the end of its ``with`` block).
        **kwargs: passed to every joinable's ``join_hook`` (DDP reads
            ``divide_by_initial_world_size``).
    """

    def __init__(
        self,
        joinables: list[Joinable],
        enable: bool = True,
        throw_on_early_termination: bool = False,
        **kwargs: Any,
    ) -> None:
        joinables = list(joinables)
        if len(joinables) == 0:
            raise ValueError("Join: the join context manager requires at least one joinable")
        for joinable in joinables:
            if not isinstance(joinable, Joinable):
                raise TypeError(
                    f"Join: expected Joinable objects (DistributedDataParallel, ZeroRedundancyOptimizer or a "
                    f"subclass of tt_dist.Joinable), got {type(joinable).__name__}"
                )
        self._joinables = joinables
        self._join_hooks = [joinable.join_hook(**kwargs) for joinable in joinables]
        self._enable = bool(enable)
        self._throw_on_early_termination = bool(throw_on_early_termination)
        groups = [joinable.join_process_group for joinable in joinables]
        if any(group is not groups[0] for group in groups):
            raise ValueError(
                "Join: using the join context manager with multiple process groups; every joinable must "
                "communicate over the same group"
            )
        self._process_group: ProcessGroup = default_group(groups[0], "Join")
        self._rank = self._process_group.rank

    def _set_joinable_configs(self) -> None:
        """Give each joinable its configuration; only the first one notifies."""
        for position, joinable in enumerate(self._joinables):
            joinable._join_config = JoinConfig(self._enable, self._throw_on_early_termination, position == 0)

    def __enter__(self) -> Join:
        self._set_joinable_configs()  # on entering (PyTorch: on making), so a Join can be entered again
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:  # fmt: skip
        """Run the main hooks until every rank has joined, then the post-hooks (nothing on an exception)."""
        try:
            if not self._enable or kind is not None:
                return  # an exception propagates as it is
            is_last_joiner = True
            shadowed = 0
            while self._get_num_nonjoined_procs() > 0:
                if shadowed == WARN_THRESHOLD:
                    warnings.warn(
                        f"Join: detected uneven input skew of more than {WARN_THRESHOLD}: rank {self._rank} "
                        f"has at least {WARN_THRESHOLD} fewer inputs than other ranks still training, "
                        "which can slow training down",
                        stacklevel=2,
                    )
                if self._throw_on_early_termination:
                    self._notify_procs_to_terminate()
                for hook in self._join_hooks:
                    hook.main_hook()
                is_last_joiner = False
                shadowed += 1
            for hook in self._join_hooks:
                hook.post_hook(is_last_joiner)
        finally:
            for joinable in self._joinables:  # every rank leaves together: back to no join traffic
                joinable._join_config = JoinConfig.construct_disabled_join_config()

    def _get_num_nonjoined_procs(self) -> int:
        """How many ranks are still training: a 0 into the all-reduce of their notification."""
        count = np.zeros(1, np.int64)
        return int(sum_over_group(count, self._process_group, "Join (counting the ranks still training)")[0])

    def _notify_procs_to_terminate(self) -> None:
        """Tell the ranks still training to raise (a 1 into their check), then raise here."""
        sum_over_group(np.ones(1, np.int64), self._process_group, "Join (throw_on_early_termination)")
        raise RuntimeError(
            f"Rank {self._rank} exhausted all inputs (Join with throw_on_early_termination=True raises on "
            "every rank as soon as one rank runs out of inputs)"
        )

    @staticmethod
    def notify_join_context(joinable: Joinable) -> Work | None:
        """Tell the join context that this rank has not joined; call it before an iteration's collectives.

        Only the first joinable of the context communicates (one all-reduce of a 1; with
        ``throw_on_early_termination`` a second one, which raises ``RuntimeError`` here if
        some rank has run out of inputs). Returns a finished :class:`~tt_dist.Work` for the
        first joinable, None for the others and outside a join context.
        """
        config = getattr(joinable, "_join_config", None)
        if config is None:
            raise RuntimeError(
                f"Join.notify_join_context: {type(joinable).__name__} has no join configuration; its "
                "constructor must call Joinable.__init__(self)"
            )
        if not (config.enable and config.is_first_joinable):
            return None
        group = default_group(joinable.join_process_group, "Join.notify_join_context")
        sum_over_group(np.ones(1, np.int64), group, "Join (notifying that this rank still trains)")
        if config.throw_on_early_termination:
            joined = sum_over_group(np.zeros(1, np.int64), group, "Join (throw_on_early_termination)")
            if joined[0] > 0:
                raise RuntimeError(
                    "Detected at least one rank that exhausted inputs. Throwing across all ranks "
                    f"(rank {group.rank}: Join with throw_on_early_termination=True)"
                )
        return Work(group, None, "Join.notify_join_context")
