"""``stochastic_depth`` and ``StochasticDepth``: drop a residual branch at random (Huang et al., 2016).

In training, the branch's output is zeroed with probability ``p`` and scaled by
``1 / (1 - p)`` otherwise, so its expected value is unchanged: for each sample
(``mode='row'``, one coin per row of the batch) or for the whole batch at once
(``mode='batch'``). Out of training, or with ``p = 0``, the input is returned as
is. The coins come from TinyTorch's default generator (``tt.manual_seed``); the
product is a tt-autograd operation, so the gradient is the same mask.
"""

from __future__ import annotations

from tt_autograd import Tensor
from tt_nn import Module
from tt_tensor.random import default_generator

from ..functional import _as_tensor


def stochastic_depth(input: Tensor, p: float, mode: str, training: bool = True) -> Tensor:  # noqa: A002
    """Zero the whole input (``'batch'``) or each sample (``'row'``) with probability ``p``.

    Args:
        input: ``(N, ...)`` float, the output of a residual branch.
        p: probability of dropping, in ``[0, 1]``.
        mode: ``'row'`` (one draw per sample, along dim 0) or ``'batch'`` (one draw for all).
        training: apply it; when False the input is returned unchanged.

    Shape: output as ``input``; the survivors are scaled by ``1 / (1 - p)``.

    Example:
        >>> import tt_autograd as autograd
        >>> stochastic_depth(autograd.ones(2, 3), 0.5, "row", training=False).numpy().tolist()
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    op = "stochastic_depth"
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("batch", "row"):
        raise ValueError(f"{op}: mode has to be either 'batch' or 'row', but got {mode!r}")
    x = _as_tensor(op, input)
    if not training or p == 0.0:
        return x
    survival = 1.0 - p
    size = (x.shape[0],) + (1,) * (x.ndim - 1) if mode == "row" else (1,) * x.ndim
    noise = (default_generator.numpy.random(size) < survival).astype(x.dtype.numpy)
    if survival > 0.0:
        noise /= x.dtype.numpy.type(survival)
    return x * noise


class StochasticDepth(Module):
    """Layer form of :func:`stochastic_depth`: active in ``train()`` mode only.

    Example:
        >>> StochasticDepth(0.2, "row")
        StochasticDepth(p=0.2, mode=row)
    """

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``stochastic_depth(input, p, mode, self.training)``."""
        return stochastic_depth(input, self.p, self.mode, self.training)

    def extra_repr(self) -> str:
        """torchvision's text: ``p=..., mode=...`` (the mode unquoted)."""
        return f"p={self.p}, mode={self.mode}"
