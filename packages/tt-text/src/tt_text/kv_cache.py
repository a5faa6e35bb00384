"""``KVCache``: the keys and values a GPT has already computed, kept for the next token (module 18).

Generating token ``t+1`` with a causal transformer needs the attention of
the new position over positions ``0 … t``. The queries of the old positions
are never needed again, and their keys and values never change (a position
only sees its past). So instead of re-running the whole prefix for every new
token — ``O(t·C²)`` projection work and ``O(t²·C)`` attention work per token —
keep each layer's keys and values and compute only the new position:
``O(C²)`` and ``O(t·C)``.

Layout: per layer, one preallocated array of keys and one of values, each
``(B, H, max_length, D)`` (batch, heads, positions, head width), filled left
to right; :meth:`KVCache.get_seq_length` says how much is valid.
Preallocating means appending is a slice copy, never a reallocation, and
the views :meth:`KVCache.update` returns cost nothing.

Memory: ``2 · n_layer · B · H · max_length · D · 4`` bytes in float32
(:attr:`KVCache.nbytes`); for milestone 05's GPT (4 layers, width 128,
context 128) at batch 1 that is 512 KiB.

The names follow Hugging Face's ``Cache``: ``update(key, value, layer_idx)``
and ``get_seq_length()``; a model takes it as ``past_key_values`` and fills
it in place (:meth:`tt_text.GPT.forward`).

Example:
    >>> cache = KVCache(n_layer=2, batch_size=1, n_head=4, head_dim=8, max_length=16)
    >>> cache.nbytes
    8192
    >>> k = v = np.ones((1, 4, 3, 8), dtype=np.float32)
    >>> keys, values = cache.update(k, v, layer_idx=0)
    >>> keys.shape, cache.get_seq_length(0)
    ((1, 4, 3, 8), 3)
"""

from __future__ import annotations

import numpy as np


class KVCache:
    """Per-layer key and value buffers ``(B, H, max_length, D)``, filled left to right.

    Args:
        n_layer: transformer blocks (one key and one value buffer each).
        batch_size: sequences generated together ``B``.
        n_head: attention heads ``H``.
        head_dim: features per head ``D``.
        max_length: positions the cache can hold (a GPT's ``block_size``).
        dtype: of the buffers (float32).

    Use :meth:`from_config` to build one that fits a ``GPTConfig``.
    """

    def __init__(self, n_layer: int, batch_size: int, n_head: int, head_dim: int, max_length: int,
                 dtype: object = np.float32) -> None:  # fmt: skip
        sizes = {"n_layer": n_layer, "batch_size": batch_size, "n_head": n_head, "head_dim": head_dim,
                 "max_length": max_length}  # fmt: skip
        bad = {name: value for name, value in sizes.items() if int(value) != value or value < 1}
        if bad:
            raise ValueError(f"KVCache: sizes must be positive integers, got {bad}")
        self.shape = (batch_size, n_head, max_length, head_dim)
        self.keys = [np.zeros(self.shape, dtype=dtype) for _ in range(n_layer)]
        self.values = [np.zeros(self.shape, dtype=dtype) for _ in range(n_layer)]
        self.lengths = [0] * n_layer

    @classmethod
    def from_config(cls, config: object, batch_size: int, dtype: object = np.float32) -> KVCache:
        """An empty cache for a model of ``config`` (a ``GPTConfig``): ``block_size`` positions long."""
        head_dim = config.n_embd // config.n_head
        return cls(config.n_layer, batch_size, config.n_head, head_dim, config.block_size, dtype)

    @property
    def n_layer(self) -> int:
        """Layers held (one key and one value buffer each)."""
        return len(self.keys)

    @property
    def batch_size(self) -> int:
        """Sequences ``B`` the cache was built for."""
        return self.shape[0]

    @property
    def max_length(self) -> int:
        """Positions each layer can hold."""
        return self.shape[2]

    @property
    def nbytes(self) -> int:
        """Bytes held by all key and value buffers."""
        return sum(k.nbytes + v.nbytes for k, v in zip(self.keys, self.values))

    def get_seq_length(self, layer_idx: int = 0) -> int:
        """How many positions of layer ``layer_idx`` are filled (the next position's index)."""
        return self.lengths[layer_idx]

    def reset(self) -> None:
        """Forget every position (the buffers are kept for reuse)."""
        self.lengths = [0] * self.n_layer

    def update(self, key: np.ndarray, value: np.ndarray, layer_idx: int) -> tuple[np.ndarray, np.ndarray]:
        """Append ``(B, H, t, D)`` new keys and values to layer ``layer_idx``; return all filled so far.

        Returns:
            views ``(B, H, s + t, D)`` of the layer's keys and values, ``s``
            the positions cached before this call.

        Cost: one copy of the ``t`` new positions; no allocation.
        """
        if not 0 <= layer_idx < self.n_layer:
            raise IndexError(f"KVCache.update: layer_idx {layer_idx} out of range for {self.n_layer} layers")
        expected = self.shape[:2] + self.shape[3:]
        if key.shape != value.shape or key.ndim != 4 or key.shape[:2] + key.shape[3:] != expected:
            raise ValueError(
                f"KVCache.update: key {key.shape} and value {value.shape} must both be (B, H, t, D) with "
                f"(B, H, D) = {expected} as the cache was built; build a cache for this batch and model"
            )
        # BEGIN SOLUTION 18
        # TODO: write the new (B, H, t, D) keys and values of layer layer_idx after
        #   the ones stored (preallocated arrays, no concatenation), advance its
        #   length, return every position filled so far (views).
        # HINT: more than max_length positions is an error naming both numbers.
        start = self.lengths[layer_idx]
        stop = start + key.shape[2]
        if stop > self.max_length:
            raise ValueError(
                f"KVCache.update: layer {layer_idx} holds {start} of {self.max_length} positions and cannot "
                f"take {key.shape[2]} more; reset() it or build a longer cache"
            )
        self.keys[layer_idx][:, :, start:stop] = key
        self.values[layer_idx][:, :, start:stop] = value
        self.lengths[layer_idx] = stop
        return self.keys[layer_idx][:, :, :stop], self.values[layer_idx][:, :, :stop]
        # END SOLUTION

    def __repr__(self) -> str:
        b, h, t, d = self.shape
        return (
            f"KVCache({self.n_layer} layers, batch {b}, {h} heads × {d}, "
            f"{max(self.lengths)}/{t} positions, {self.nbytes / 1024:.0f} KiB)"
        )
