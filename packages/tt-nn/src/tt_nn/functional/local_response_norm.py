"""``local_response_norm``: divide each channel by the activity of its neighbouring channels (AlexNet's LRN).

Not course material. Composed of tt-autograd primitives (the gradient comes
free): it is not on a modern hot path, and the composed form reads as the formula.
"""

from __future__ import annotations

from ._checks import float_arg, number_args
from .resample import pad


@number_args("local_response_norm", "alpha", "beta", "k")
def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):  # noqa: A002
    """``b_c = a_c / (k + alpha / size · Σ_{c' near c} a_{c'}²) ** beta``, over channels (dim 1).

    The window of channel ``c`` is ``c - size // 2 … c + (size - 1) // 2``,
    cut at the edges (the missing channels count as zeros, and the sum is
    still divided by ``size``, as in PyTorch).

    Args:
        input: ``(N, C, *)`` with at least one spatial dim (3-d or more, as PyTorch requires).
        size: the number of neighbouring channels in the window.
        alpha: the scale of the sum of squares; beta: its exponent; k: the additive constant.

    Shape:
        output: the input's shape and dtype.

    Cost: ``size`` slices added up (a loop over the window offsets, not over elements); about
    ``size + 5`` passes over the input.

    Example:
        >>> local_response_norm(tt_autograd.randn(2, 8, 5, 5), size=3).shape  # doctest: +SKIP
        (2, 8, 5, 5)
    """
    x = float_arg("local_response_norm", input)
    if x.ndim < 3:
        raise ValueError(
            f"local_response_norm: expected an input of 3 or more dims (N, C, *), got shape {x.shape}"
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    channels = x.shape[1]
    squares = (x * x).reshape(x.shape[0], channels, -1)
    padded = pad(squares, (0, 0, size // 2, (size - 1) // 2))
    window = padded[:, 0:channels]
    for offset in range(1, size):
        window = window + padded[:, offset : offset + channels]
    divisor = (window * (alpha / size) + k) ** beta
    return x / divisor.reshape(x.shape)
