"""float16 computed in float32 and rounded back, as PyTorch's CPU kernels do.

float16 holds at most 65504 and keeps a 10-bit mantissa. A kernel that is a chain of NumPy
passes (a polynomial, a variance, ``x * (x + 3) / 6``) therefore overflows or loses the digits
the result needs when every intermediate is float16: Cody's erf polynomials overflow for
``|x| > ~3`` and give NaN (so did the exact GELU below ``x = -5.7``), the squares behind a
variance overflow beyond ~256, ``sinc(1)`` came out as 3e-4 instead of 0. PyTorch evaluates
float16 element-wise and reduction kernels in float32 ("opmath") and rounds the result once;
:func:`in_float32` does the same around a whole operation.

Cost: two cast passes (float16 -> float32 -> float16), recorded in the graph as two nodes, so
the gradients are float16 too and follow the same float32 route.
"""

from __future__ import annotations

import numpy as np
import tt_tensor


def is_half(*tensors: object) -> bool:
    """Whether any of ``tensors`` (tensors, None or Python numbers) is a float16 tensor."""
    return any(isinstance(t, tt_tensor.Tensor) and t.array.dtype == np.float16 for t in tensors)


def in_float32(op, input, tensors=()):  # noqa: A002  (PyTorch's argument name)
    """``op(input.float(), *[t.float() for t in tensors]).half()``; a None in ``tensors`` stays None."""
    cast = [None if t is None else t.float() for t in tensors]
    return op(input.float(), *cast).half()


def through_float32(apply, input):  # noqa: A002
    """``apply(input)``, computed in float32 and rounded back when ``input`` is a float16 tensor."""
    return in_float32(apply, input) if is_half(input) else apply(input)
