"""``channel_shuffle``: interleave the channels of ``groups`` groups, as ShuffleNet does between convs.

Channel ``g·(C/groups) + k`` (the ``k``-th of group ``g``) moves to position
``k·groups + g``: a reshape to ``(N, groups, C/groups, ...)``, a swap of those two
axes and a reshape back, all tt-autograd primitives, so the gradient (the
inverse permutation) comes free. Cost: one copy of the input.
"""

from __future__ import annotations

import operator

from tt_autograd import Tensor

from .functional import _as_tensor  # imported at functional.py's end


def check_groups(op: str, groups) -> int:
    """``groups`` as a positive int, else an error naming ``op``."""
    if isinstance(groups, bool):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    try:
        groups = operator.index(groups)
    except TypeError:
        raise TypeError(f"{op}: groups must be an int, got {groups!r}") from None
    if groups < 1:
        raise ValueError(f"{op}: groups must be positive, got {groups}")
    return groups


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Interleave the channels (dim 1) of ``groups`` equal groups, like PyTorch's ``channel_shuffle``.

    Args:
        input: ``(N, C, *)`` with at least 3 dims; ``C`` divisible by ``groups``.
        groups: number of channel groups.

    Shape: output as input; channel ``g·(C/groups) + k`` goes to ``k·groups + g``.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.tensor([[[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]]])
        >>> channel_shuffle(x, 2).numpy().ravel().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    op = "channel_shuffle"
    x = _as_tensor(op, input)
    groups = check_groups(op, groups)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of at least 3 dims (N, C, *), got shape {tuple(x.shape)}")
    n, c, *rest = x.shape
    if c % groups:
        raise ValueError(
            f"{op}: the {c} channels (shape {tuple(x.shape)}) must be divisible by groups={groups}"
        )
    return x.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(tuple(x.shape))
