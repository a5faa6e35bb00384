"""``timeout=`` arguments of tt-dist, as PyTorch takes them: a ``datetime.timedelta`` or seconds.

One check for ``init_process_group``, ``new_group``, ``barrier`` and ``Work.wait``: the value in
seconds (float), None for the caller's default (no limit, or the group's), refused by the caller's
name when it is not a duration or not positive.

Example:
    >>> seconds_of("barrier", datetime.timedelta(minutes=2), None)
    120.0
"""

from __future__ import annotations

import datetime
from typing import Any


def seconds_of(op: str, timeout: Any, default: float | None) -> float | None:
    """``timeout`` (a ``datetime.timedelta`` or seconds; None: ``default``) in seconds, checked positive."""
    if timeout is None:
        return default
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{op}: timeout must be a datetime.timedelta or seconds, got {timeout!r}")
    if not timeout > 0:
        raise ValueError(f"{op}: timeout must be positive, got {timeout!r} seconds")
    return float(timeout)
