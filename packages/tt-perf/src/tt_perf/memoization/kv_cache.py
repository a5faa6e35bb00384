"""``KVCache``: the keys and values a transformer has already computed, kept for the next token.

Generating token ``t+1`` with a causal transformer needs the attention of the
new position over positions ``0 … t``. The queries of the old positions are
never needed again, and their keys and values never change (causal masking:
a position only sees its past). So instead of re-running the whole prefix for
every new token — ``O(T²)`` work per token, ``O(T³)`` per sequence — keep
each layer's keys and values and compute only the new position: ``O(T)``
attention work and one position's worth of every matmul per token.

Layout: per layer, one preallocated ``float32`` array of keys and one of
values, each ``(B, H, T_max, D)`` (batch, heads, positions, head width),
filled left to right; ``length`` says how much is valid. Preallocating
means appending is a slice copy, never a reallocation.

Memory: ``2 · layers · B · H · T_max · D · 4`` bytes (``nbytes``); for
milestone 05's GPT (4 layers, width 128, context 128) at batch 1 that is
512 KiB.

Example:
    >>> cache = KVCache(n_layer=2, batch=1, n_head=4, head_dim=8, max_length=16)
    >>> cache.nbytes
    8192
    >>> import numpy as np
    >>> k = v = np.ones((1, 4, 3, 8), dtype=np.float32)
    >>> keys, values = cache.append(0, k, v)
    >>> keys.shape, cache.layer_length(0)
    ((1, 4, 3, 8), 3)
"""

from __future__ import annotations

import numpy as np


class KVCache:
    """Per-layer key and value buffers ``(B, H, T_max, D)``, filled left to right.

    Args:
        n_layer: transformer blocks.
        batch: sequences generated together ``B``.
        n_head: attention heads ``H``.
        head_dim: features per head ``D``.
        max_length: positions the cache can hold ``T_max`` (a GPT's ``block_size``).
        dtype: of the buffers (float32).
    """

    def __init__(
        self,
        n_layer: int,
        batch: int,
        n_head: int,
        head_dim: int,
        max_length: int,
        dtype: object = np.float32,
    ) -> None:
        sizes = {"n_layer": n_layer, "batch": batch, "n_head": n_head, "head_dim": head_dim}
        sizes["max_length"] = max_length
        bad = {name: value for name, value in sizes.items() if int(value) < 1}
        if bad:
            raise ValueError(f"KVCache: sizes must be positive integers, got {bad}")
        self.shape = (batch, n_head, max_length, head_dim)
        self.keys = [np.empty(self.shape, dtype=dtype) for _ in range(n_layer)]
        self.values = [np.empty(self.shape, dtype=dtype) for _ in range(n_layer)]
        self.lengths = [0] * n_layer

    @property
    def max_length(self) -> int:
        return self.shape[2]

    @property
    def nbytes(self) -> int:
        """Bytes held by all key and value buffers."""
        return sum(k.nbytes + v.nbytes for k, v in zip(self.keys, self.values))

    def layer_length(self, layer: int) -> int:
        """How many positions of ``layer`` are filled."""
        return self.lengths[layer]

    def reset(self) -> None:
        """Forget every position (the buffers are kept for reuse)."""
        self.lengths = [0] * len(self.lengths)

    def append(self, layer: int, keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add ``(B, H, t, D)`` new keys and values to ``layer``; return views of everything filled so far.

        Cost: one copy of the new positions; the returned views cost nothing.
        """
        expected = self.shape[:2] + self.shape[3:]
        if keys.shape != values.shape or keys.ndim != 4 or keys.shape[:2] + keys.shape[3:] != expected:
            raise ValueError(
                f"KVCache.append: keys {keys.shape} and values {values.shape} must both be (B, H, t, D) "
                f"with (B, H, D) = {expected}"
            )
        # BEGIN SOLUTION 18
        start = self.lengths[layer]
        stop = start + keys.shape[2]
        if stop > self.max_length:
            raise ValueError(
                f"KVCache.append: layer {layer} holds {start} of {self.max_length} positions and cannot take "
                f"{keys.shape[2]} more; reset() it or build a longer cache"
            )
        self.keys[layer][:, :, start:stop] = keys
        self.values[layer][:, :, start:stop] = values
        self.lengths[layer] = stop
        return self.keys[layer][:, :, :stop], self.values[layer][:, :, :stop]
        # END SOLUTION

    def __repr__(self) -> str:
        b, h, t, d = self.shape
        return (
            f"KVCache({len(self.keys)} layers, batch {b}, {h} heads × {d}, "
            f"{max(self.lengths)}/{t} positions, {self.nbytes / 1024:.0f} KiB)"
        )
