"""Small helpers that layer code and checkpoint code reach for (PyTorch's ``torch.nn.modules.utils``).

* :func:`ntuple` and its instances :func:`single`, :func:`pair`, :func:`triple`,
  :func:`quadruple`: an argument given as one value or as a sequence becomes a tuple
  (``pair(3) == (3, 3)``, ``pair((3, 5)) == (3, 5)``), the way a convolution reads
  ``kernel_size``. A custom layer written against PyTorch imports them as
  ``from torch.nn.modules.utils import _pair``: ``tinytorch.nn.modules.utils`` has those
  underscore names too (the same functions).
* :func:`reverse_repeat_tuple`: a layer's per-dimension padding ``(pad_h, pad_w)`` in the
  order ``F.pad`` reads it, last dimension first, each value twice.
* :func:`consume_prefix_in_state_dict_if_present`: strip ``"module."`` (what
  ``DataParallel``/``DistributedDataParallel`` put before every key) from a state dict in
  place, so a plain model loads it.

Cost: each is a few Python operations on its (short) argument; the prefix strip is one pass
over the keys.
"""

from __future__ import annotations

import collections.abc
import itertools
from collections.abc import Callable
from typing import Any

__all__ = [
    "consume_prefix_in_state_dict_if_present",
    "list_with_default",
    "ntuple",
    "pair",
    "quadruple",
    "reverse_repeat_tuple",
    "single",
    "triple",
]


def ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple]:
    """A function turning one value into ``n`` copies of it, and any iterable into a tuple as it is.

    The iterable is not checked to have ``n`` entries (PyTorch's does not check either: the layer
    that uses the result does).
    """

    def parse(value: Any) -> tuple:
        if isinstance(value, collections.abc.Iterable):
            return tuple(value)
        return tuple(itertools.repeat(value, n))

    parse.__name__ = name
    return parse


single = ntuple(1, "_single")
pair = ntuple(2, "_pair")
triple = ntuple(3, "_triple")
quadruple = ntuple(4, "_quadruple")


def reverse_repeat_tuple(values: tuple, n: int) -> tuple:
    """``values`` last first, each repeated ``n`` times: ``((1, 2), 2) -> (2, 2, 1, 1)``.

    A layer's padding per dimension ``(pad_h, pad_w)`` becomes ``F.pad``'s
    ``(left, right, top, bottom)`` = ``(pad_w, pad_w, pad_h, pad_h)``.
    """
    return tuple(value for value in reversed(values) for _ in range(n))


def list_with_default(out_size: Any, defaults: list[int]) -> Any:
    """An adaptive pool's ``output_size`` with each ``None`` replaced by the input's own size.

    Args:
        out_size: an int (returned as it is) or a list of ints and ``None``.
        defaults: the input's shape; its last ``len(out_size)`` sizes fill the ``None`` entries.

    Raises:
        ValueError: ``defaults`` has no more entries than ``out_size`` (the input lacks its
            batch or channel dimension).
    """
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(
            f"list_with_default: an output size of {len(out_size)} dims needs an input of at least "
            f"{len(out_size) + 1} dims, got {len(defaults)} ({list(defaults)})"
        )
    tail = defaults[len(defaults) - len(out_size) :]
    return [default if size is None else size for size, default in zip(out_size, tail)]


def consume_prefix_in_state_dict_if_present(state_dict: dict[str, Any], prefix: str) -> None:
    """Remove ``prefix`` from the keys of ``state_dict`` that start with it, in place.

    A checkpoint saved from ``DistributedDataParallel(model)`` has every key as
    ``"module." + key``; after ``consume_prefix_in_state_dict_if_present(state, "module.")`` the
    plain ``model`` loads it. The state dict's ``_metadata`` (module versions by path), when it has
    one, is renamed the same way; its ``""`` entry (the wrapper's own) is kept as it is.
    """
    for key in [key for key in state_dict if key.startswith(prefix)]:
        state_dict[key[len(prefix) :]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is None:
        return
    bare = prefix.replace(".", "")  # the wrapped module's own entry: "module" for the prefix "module."
    for key in [key for key in metadata if key and (key == bare or key.startswith(prefix))]:
        metadata[key[len(prefix) :]] = metadata.pop(key)


# PyTorch's private spellings, for ``tinytorch.nn.modules.utils`` (code written for PyTorch imports them).
_ntuple, _single, _pair, _triple, _quadruple = ntuple, single, pair, triple, quadruple
_reverse_repeat_tuple, _list_with_default = reverse_repeat_tuple, list_with_default
