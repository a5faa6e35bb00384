"""``dropout`` (module 04): inverted dropout, drawn from TinyTorch's default generator.

In training, each element is kept with probability ``1 - p`` and scaled by
``1 / (1 - p)``, so the expected output equals the input and evaluation
needs no rescaling: in eval mode dropout is the identity. The mask comes
from ``tt.manual_seed``'s generator, so a seeded run drops the same units.
Forward saves only the scaled mask; backward is one multiply by it.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function
from tt_autograd.forward_ad import symmetric_jvp
from tt_autograd.higher_order import backward_slopes
from tt_tensor.checks import bool_args, number_args
from tt_tensor.random import default_generator

from ._checks import float_arg
from .in_place import write_in_place


class DropoutFunction(Function):
    """``x * mask`` where ``mask`` is ``0`` (probability ``p``) or ``1 / (1 - p)``."""

    @staticmethod
    def forward(ctx, x, p):
        # BEGIN SOLUTION 04
        # TODO: inverted dropout: zero each element with probability p, scale the kept ones by 1 / (1 - p)
        #   (§ How it is built, "Dropout"); save the mask for backward.
        # HINT: draw from default_generator.numpy (so manual_seed
        #   reproduces it) in x's float dtype; p = 1 zeroes all.
        draw_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        keep = default_generator.numpy.random(x.shape, dtype=draw_dtype) >= p
        mask = keep.astype(x.dtype)
        if p < 1:
            mask *= 1.0 / (1.0 - p)
        ctx.save_for_backward(mask)
        return x * mask
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 04
        # TODO: the gradient: grad times the saved (scaled) mask.
        (mask,) = ctx.saved_tensors
        return (grad * mask,)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # grad times the mask, a constant (PyTorch records no slope here)
        return (grad * backward_slopes(ctx, grad),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian (the mask)


@number_args("dropout", "p")  # junk p: a clear TypeError before the exercise's range check
@bool_args("dropout", "training")
def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training only).

    Args:
        input: a float tensor of any shape.
        p: probability of dropping an element, in ``[0, 1]``.
        training: apply dropout; when False the input is returned unchanged.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).

    Example:
        >>> tt_autograd.manual_seed(0); dropout(tt_autograd.ones(4), p=0.5)  # doctest: +SKIP
        tensor([2., 0., 2., 2.])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("dropout(inplace=True)", input, lambda x: dropout(x, p, training))
    # BEGIN SOLUTION 04
    # TODO: check 0 <= p <= 1; return the input itself when not training or p == 0; else DropoutFunction.
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    x = float_arg("dropout", input)
    if not training or p == 0.0:
        return x
    return DropoutFunction.apply(x, p=float(p))
    # END SOLUTION
