"""Version counters: how many times a tensor's memory has been written in place.

Every in-place method of a tensor (``add_``, ``+=``, ``fill_``, ``t[i] = v``,
``copy_``, an optimizer's update) *bumps* the counter of the memory it
writes. Views share the memory, so they share the counter: ``t[0].add_(1)``
bumps ``t``'s version too. ``tensor._version`` reads it, as in PyTorch.

Autograd uses the counters to catch a silent error: forward saves an input
for backward (``y = w * x`` keeps ``x`` to compute ``w``'s gradient), the
program then changes ``x`` in place, and backward would compute with the
new values. Autograd notes each saved array's version when it saves it and
compares in backward; a difference raises instead of returning a wrong
gradient.

How: a counter belongs to the *root* array, the one that owns the memory
(follow ``.base`` from any view, through ``as_strided``'s holder). Counters live in one dict keyed by the
root's ``id``; a root gets an entry the first time it is written in place,
and a ``weakref.finalize`` removes the entry when the root is freed. Reading
a version is a walk up ``.base`` (usually zero or one step) and a dict
lookup; while nothing has ever been written in place the dict is empty and
every version is 0.
"""

from __future__ import annotations

import weakref

import numpy as np

#: Writes per root array, keyed by ``id``; empty while nothing was ever written in place (public, read-only).
counts: dict[int, int] = {}


def storage(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (``array`` itself if it is not a view).

    ``np.lib.stride_tricks.as_strided`` views (``as_strided``, ``diagonal``, ``unfold``) hang from
    their array through a small holder object with its own ``.base``: the walk goes through it.
    """
    while True:
        base = array.base
        if not isinstance(base, np.ndarray):
            base = getattr(base, "base", None)  # (as_strided's holder, else not a view of an array)
            if not isinstance(base, np.ndarray):
                return array
        array = base


def version(array: np.ndarray) -> int:
    """How many in-place writes the memory under ``array`` has had."""
    if not counts:
        return 0
    return counts.get(id(storage(array)), 0)


def bump(array: np.ndarray) -> None:
    """Record one in-place write to the memory under ``array``."""
    root = storage(array)
    key = id(root)
    count = counts.get(key)
    if count is None:
        weakref.finalize(root, counts.pop, key, None)
        count = 0
    counts[key] = count + 1


def snapshot(arrays: tuple[object, ...]) -> tuple[int, ...] | None:
    """The versions of ``arrays`` now (``None`` while nothing was ever written in place: all 0)."""
    if not counts:
        return None
    return tuple(version(a) if isinstance(a, np.ndarray) else 0 for a in arrays)


def changed(arrays: tuple[object, ...], saved: tuple[int, ...] | None) -> tuple[int, int, int] | None:
    """The first of ``arrays`` whose version moved since ``saved``: ``(position, saved, now)``, else None."""
    if not counts:
        return None
    for position, array in enumerate(arrays):
        if isinstance(array, np.ndarray):
            then = 0 if saved is None else saved[position]
            now = version(array)
            if now != then:
                return position, then, now
    return None
