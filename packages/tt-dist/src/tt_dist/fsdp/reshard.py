"""FULL_SHARD's release after forward: a unit's gathered parameters are freed between forward and backward.

PyTorch's FULL_SHARD (``reshard_after_forward``) frees a unit's gathered parameters
once its forward has run and all-gathers them again in a pre-backward hook. Here the
autograd graph is what would keep them: ops save views of the gathered buffer for
backward (``Linear`` saves its ``weight``, ``x @ w.T`` saves the transposed view), and
the unit's parameter leaves, views of it, are the graph's inputs. So a FULL_SHARD
unit's recorded forward runs under ``tt_autograd.saved_hooks.saved_tensors_hooks``
(PyTorch's ``torch.autograd.graph.saved_tensors_hooks``) whose

* pack hook replaces a saved array that lies in the gathered buffer (any view of it:
  a slice, a reshape, a transpose) by a :class:`SavedView`: the forward's
  :class:`Gathered`, the byte offset, shape and strides -- a few bytes; anything else
  saved (activations) goes to the enclosing pair of hooks, if any, untouched otherwise;
* unpack hook all-gathers the unit again if it was released (once per unit per backward:
  the parameter leaves then view the new buffer) and returns the same view of it.

After the forward, :meth:`Gathered.release` drops the buffer: the handle forgets it and
each leaf's array becomes a read-only NaN stand-in of its shape (a zero-stride view of
one element, as PyTorch points a freed parameter at empty storage); nothing else refers
to it, so NumPy frees it. Once the unit's backward has computed every gradient of the
leaves, the post-backward hook releases the re-gathered buffer too. A frozen unit (no
post-backward hook) keeps the re-gathered buffer until the graph frees the last saved
value that views it.

What the hooks do not see stays as it was, and correct: an array a Function keeps as an
attribute of its node rather than through ``save_for_backward`` keeps the buffer alive
until backward (``tt_autograd.saved_hooks.census`` lists such attributes). None of the
common layers does (Linear, Embedding, LayerNorm, Conv1d/2d, ConvTranspose2d, BatchNorm2d,
MultiheadAttention, LSTM: ``tests/test_fsdp_release_layers.py``). Nested units:
the inner unit's pair is the innermost, and hands what it does not keep to the outer
unit's. Inside ``disable_saved_tensors_hooks`` a unit cannot enter its pair and keeps its
buffer until its backward, as SHARD_GRAD_OP.

Cost per FULL_SHARD unit and step: one more all-gather of ``P'`` elements (backward's),
one ``np.may_share_memory`` bounds test per saved array of the unit's forward (and per
enclosing unit, for a nested one, as it hands them outwards). Memory: a
unit's ``P'`` gathered elements live during its forward and during its backward only,
so a step's peak holds about one or two units' instead of every unit's.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_autograd.saved_hooks import current_hooks, saved_tensors_hooks

__all__ = ["Gathered", "SavedView", "release_after_forward", "stand_in"]


def stand_in(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of ``shape`` that holds one element, NaN (0 for integers): a released parameter."""
    return np.broadcast_to(np.full((), np.nan if dtype.kind in "fc" else 0, dtype), shape)


def address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


class Gathered:
    """One recorded forward's gathered flat parameter of a unit, which its backward may gather again.

    Args:
        handle: the unit's :class:`~tt_dist.fsdp.flat_param.FlatParamHandle` (its ``gather`` and ``infos``).
        full: the gathered ``P'`` elements.
        leaves: ``{slot: leaf}``, the forward's leaf tensor of each distinct parameter (held weakly:
            the graph holds those it needs; the unit's post-backward hook holds this object).
    """

    def __init__(self, handle: Any, full: np.ndarray, leaves: dict[int, Tensor]) -> None:
        self.handle, self.full = handle, full
        self.leaves = {slot: weakref.ref(leaf) for slot, leaf in leaves.items()}
        self.gathers = 1  # all-gathers of this forward's parameters (forward's, then backward's)

    def live_leaves(self) -> Iterator[tuple[int, Tensor]]:
        for slot, ref in self.leaves.items():
            leaf = ref()
            if leaf is not None:
                yield slot, leaf

    def release(self) -> None:
        """Drop the buffer: the leaves' arrays become NaN stand-ins of their shapes."""
        self.full = None
        for _, leaf in self.live_leaves():
            leaf.array = stand_in(leaf.array.shape, leaf.array.dtype)

    def regather(self) -> np.ndarray:
        """The buffer, all-gathered again if it was released (the leaves then view the new one)."""
        if self.full is None:
            full = self.handle.gather(
                "FullyShardedDataParallel backward (gathering a unit's parameters again)"
            )
            infos = {info.slot: info for info in self.handle.infos if info.first}
            for slot, leaf in self.live_leaves():
                info = infos[slot]
                leaf.array = full[info.offset : info.offset + info.numel].reshape(info.shape)
            self.full = full
            self.gathers += 1
        return self.full


@dataclass
class SavedView:
    """What the pack hook keeps for a saved view of a unit's gathered buffer: where it lies, not its data."""

    gathered: Gathered
    offset: int  # in bytes, from the buffer's first element
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: np.dtype

    def unpack(self) -> Tensor:
        full = self.gathered.regather()
        view = np.ndarray(self.shape, self.dtype, buffer=full, offset=self.offset, strides=self.strides)
        return Tensor.from_array(view)


@contextlib.contextmanager
def release_after_forward(gathered: Gathered) -> Iterator[bool]:
    """Run a FULL_SHARD unit's forward under hooks that save views of ``gathered`` as :class:`SavedView`.

    Yields True when the hooks are on (then the caller releases the buffer after the forward);
    False inside ``disable_saved_tensors_hooks``, where the unit keeps its buffer until its
    backward has computed its gradients, as SHARD_GRAD_OP does.
    """
    outer = current_hooks()

    def pack(tensor: Tensor) -> Any:
        full = gathered.full
        array = tensor.array
        if full is not None and np.may_share_memory(array, full):  # the bounds of a fresh buffer: a view
            offset = address(array) - address(full)
            return SavedView(gathered, offset, array.shape, array.strides, array.dtype)
        return (outer[1], outer[0](tensor)) if outer is not None else tensor

    def unpack(packed: Any) -> Any:
        if isinstance(packed, SavedView):
            return packed.unpack()
        if isinstance(packed, tuple):  # (the enclosing unpack hook, what its pack hook returned)
            return packed[0](packed[1])
        return packed

    hooks = saved_tensors_hooks(pack, unpack)
    try:
        hooks.__enter__()
    except RuntimeError:  # inside disable_saved_tensors_hooks: nothing is released
        yield False
        return
    try:
        yield True
    finally:
        hooks.__exit__(None, None, None)
