"""Debug settings of torch.distributed: ``DebugLevel`` and ``TORCH_DISTRIBUTED_DEBUG``; torchelastic's flag.

``DebugLevel.OFF``, ``INFO`` and ``DETAIL`` (0, 1, 2) are PyTorch's levels of
checking and logging in distributed jobs. The level is read from the
environment variable ``TORCH_DISTRIBUTED_DEBUG`` (``OFF``, ``INFO`` or ``DETAIL``,
any case) when this module is imported and by :func:`set_debug_level_from_env`;
:func:`set_debug_level` sets it from code. What each level does, as in PyTorch:

* ``OFF``: nothing; a collective pays one attribute test for the level.
* ``INFO``: :class:`~tt_dist.DistributedDataParallel` logs its set-up (parameters,
  buckets, world size) to the ``tt_dist`` logger at INFO.
* ``DETAIL``: that, and before each collective every rank checks that all ranks run
  the same one on tensors of the same shape and dtype, raising on every rank an error
  that names each rank's operation and shape instead of hanging
  (:mod:`tt_dist.collective_check`: one small all-gather per collective); each
  collective is logged at INFO.

tt-dist's other checks (arguments, split sizes, monitored barriers) run at every level.

:func:`is_torchelastic_launched` tells whether ``torchrun`` (torchelastic)
started this process: it sets ``TORCHELASTIC_RUN_ID`` in every worker's
environment. ``mpiexec`` does not, so under tt-dist's usual launcher it is False.
"""

from __future__ import annotations

import enum
import os

ENVIRONMENT = "TORCH_DISTRIBUTED_DEBUG"


class DebugLevel(enum.IntEnum):
    """How much torch.distributed checks and logs: OFF (0), INFO (1), DETAIL (2)."""

    OFF = 0
    INFO = 1
    DETAIL = 2

    def __str__(self) -> str:
        return f"DebugLevel.{self.name}"  # PyTorch's; IntEnum's own str is the number


_level = DebugLevel.OFF


def get_debug_level() -> DebugLevel:
    """The current level (``TORCH_DISTRIBUTED_DEBUG`` at import, or the last one set)."""
    return _level


def set_debug_level(level: DebugLevel) -> None:
    """Set the level; ``level`` is a :class:`DebugLevel` (PyTorch refuses strings and ints too)."""
    global _level
    if not isinstance(level, DebugLevel):
        raise TypeError(
            "set_debug_level: level is a DebugLevel (DebugLevel.OFF, INFO or DETAIL), got "
            f"{type(level).__name__} {level!r}; for a name use DebugLevel[name]"
        )
    _level = level


def set_debug_level_from_env() -> None:
    """Set the level from ``TORCH_DISTRIBUTED_DEBUG`` (OFF when unset); any other value is a ValueError."""
    value = os.environ.get(ENVIRONMENT, "OFF")
    try:
        level = DebugLevel[value.upper()]
    except KeyError:
        raise ValueError(
            f"The value of TORCH_DISTRIBUTED_DEBUG must be OFF, INFO, or DETAIL, got {value!r} "
            "(set_debug_level_from_env)"
        ) from None
    set_debug_level(level)


def is_torchelastic_launched() -> bool:
    """True when torchrun (torchelastic) started this process: ``TORCHELASTIC_RUN_ID`` is set."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


try:  # at import a bad value leaves OFF; set_debug_level_from_env() reports it
    set_debug_level_from_env()
except ValueError:
    pass
