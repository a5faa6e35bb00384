"""Version counters of ``as_strided`` views: NumPy hangs them from their array through a holder
object, and the counter must still be the array's (``tt_tensor.versions.storage`` walks through it)."""

from __future__ import annotations

import numpy as np
from tt_tensor import versions


def test_an_as_strided_view_shares_its_arrays_counter_and_storage():
    owner = np.zeros(12)
    view = np.lib.stride_tricks.as_strided(owner[2:], shape=(2, 3), strides=(8 * 4, 8))
    window = np.lib.stride_tricks.sliding_window_view(owner.reshape(3, 4), 2, axis=1)
    assert versions.storage(view) is owner and versions.storage(window) is owner
    before = versions.version(owner)
    versions.bump(view)
    versions.bump(window)
    assert versions.version(owner) == before + 2 == versions.version(owner[5:])


def test_an_array_over_foreign_memory_is_its_own_storage():
    memory = bytearray(32)
    array = np.frombuffer(memory, dtype=np.float64)
    assert versions.storage(array) is array and versions.storage(array[1:]) is array
