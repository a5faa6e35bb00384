"""What every special function does to its input first, and how it evaluates in float64.

* ``float_input``: a tensor, with integer and bool tensors promoted to float32 as PyTorch does
  (``torch.erf(torch.tensor([1, 2]))`` is float32); a complex tensor is a ``RuntimeError`` and
  anything else a ``TypeError``.
* ``in_float64``: run a NumPy kernel in float64 and cast the result back to the input's dtype.
  The kernels here are written for float64 (their series and constants carry 16 digits), and
  float32 inputs are evaluated in float64 too: one widening and one narrowing pass, and the
  float32 result is then the correctly rounded float64 value (to within one float32 ulp).
* ``without_grad``: both, for the functions PyTorch gives no derivative (the Bessel ``j``, ``y``,
  ``k``): a new tensor that does not require grad, as PyTorch's output.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tt_autograd

from ..functional._checks import tensor_arg


def float_input(op: str, value: object, name: str = "input") -> tt_autograd.Tensor:
    """``value`` as a floating-point tensor: integers and bools become float32, as in PyTorch; a complex
    tensor is refused, as PyTorch refuses it (a cast would drop its imaginary parts)."""
    tensor = tensor_arg(op, value, name)
    if tensor.is_complex():
        raise RuntimeError(
            f"{op}: not implemented for complex tensors (got {tensor.dtype}), as in PyTorch; apply it to "
            ".real, .imag or .abs() if that is what you mean"
        )
    return tensor if tensor.is_floating_point() else tensor.to(tt_autograd.float32)


def in_float64(kernel: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``kernel(x)`` evaluated on ``x`` widened to float64, returned in ``x``'s dtype."""
    with np.errstate(all="ignore"):  # poles and overflow give the documented inf/nan, silently
        return np.asarray(kernel(x.astype(np.float64, copy=False))).astype(x.dtype, copy=False)


def without_grad(op: str, kernel: Callable[[np.ndarray], np.ndarray], value: object) -> tt_autograd.Tensor:
    """``kernel`` on ``value``'s elements (in float64) as a new tensor that does not require grad."""
    x = float_input(op, value)
    return tt_autograd.Tensor.from_array(in_float64(kernel, x.array))
