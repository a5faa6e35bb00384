"""FSDP's :class:`~tt_dist.fsdp.MixedPrecision`: a unit's dtypes, the reduction's division, casting inputs.

With ``MixedPrecision(param_dtype=tt.float16)`` a unit's shards stay float32 (what the
optimizer steps); each forward casts this rank's shard to float16 and all-gathers in
float16, so forward and backward compute in float16 (half the bytes gathered and
saved); the gradients are reduce-scattered in ``reduce_dtype`` (default ``param_dtype``)
and this rank's part is cast back to float32 into ``flat_param.grad``, as PyTorch's FSDP1
does. NumPy multiplies float16 matrices without BLAS: what float16 halves here is the
bytes gathered, saved for backward and reduced (its time is not measured).

Cost per unit and step: a cast of ``P'/N`` elements before each all-gather, of ``P'/N``
after the reduce-scatter; the all-gather and the reduce-scatter move ``itemsize`` bytes
per element of their dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_tensor.dtypes import as_dtype, dtype_argument

from .api import MixedPrecision

__all__ = ["cast_inputs", "predivide_factor", "unit_dtypes"]


def floating(value: Any, name: str) -> np.dtype:
    """``value`` (``tt.float16``; a name or a NumPy dtype is refused, as every public ``dtype=``) as a
    NumPy floating-point dtype."""
    dtype = dtype_argument("FullyShardedDataParallel", value, f"MixedPrecision.{name}").numpy
    if dtype.kind != "f":
        raise ValueError(
            f"FullyShardedDataParallel: MixedPrecision.{name} must be a floating-point dtype, got {dtype}; "
            "use tt.float16, tt.float32 or tt.float64"
        )
    return dtype


def unit_dtypes(policy: MixedPrecision | None, dtype: np.dtype) -> tuple[np.dtype, np.dtype]:
    """``(param dtype, reduce dtype)`` of a unit with shards of ``dtype`` under ``policy`` (None: ``dtype``).

    Raises ``TypeError`` for a policy that is not a :class:`MixedPrecision` and
    ``NotImplementedError`` for the options TinyTorch does not have (``buffer_dtype``,
    ``keep_low_precision_grads``).
    """
    if policy is None:
        return dtype, dtype
    if not isinstance(policy, MixedPrecision):
        raise TypeError(
            f"FullyShardedDataParallel: mixed_precision must be a MixedPrecision, got {type(policy).__name__}"
        )
    if policy.buffer_dtype is not None:
        raise NotImplementedError(
            "FullyShardedDataParallel: MixedPrecision.buffer_dtype is not supported in TinyTorch; cast the "
            "buffers yourself (for buffer in model.buffers()) or leave it None"
        )
    if policy.keep_low_precision_grads:
        raise NotImplementedError(
            "FullyShardedDataParallel: MixedPrecision.keep_low_precision_grads is not supported in "
            "TinyTorch: the reduced gradients are cast to the shards' dtype; leave it False"
        )
    param = dtype if policy.param_dtype is None else floating(policy.param_dtype, "param_dtype")
    reduce = param if policy.reduce_dtype is None else floating(policy.reduce_dtype, "reduce_dtype")
    return param, reduce


def predivide_factor(world: int) -> int:
    """PyTorch FSDP1's gradient pre-division on ``world`` ranks: a power of 2 near ``sqrt(world)``.

    The gradients are divided by it before the reduce-scatter and by ``world / factor`` after,
    so a low-precision sum neither overflows nor loses its small terms (2 ranks: 2 then 1).
    """
    factor = 1
    while world % factor == 0 and world / factor > factor:
        factor *= 2
    return factor


def cast_inputs(value: Any, dtype: np.dtype) -> Any:
    """``value`` with each floating-point tensor in it (in tuples, lists, dicts) cast to ``dtype``.

    A differentiable cast (``Tensor.to``): the input's gradient comes back in its own dtype.
    """
    if isinstance(value, Tensor):
        kind = value.array.dtype.kind
        return value.to(as_dtype(dtype)) if kind == "f" and value.array.dtype != dtype else value
    if isinstance(value, (tuple, list)):
        return type(value)(cast_inputs(item, dtype) for item in value)
    if isinstance(value, dict):
        return {key: cast_inputs(item, dtype) for key, item in value.items()}
    return value
