"""tt-tensor: an n-d array library on NumPy with PyTorch's names (TinyTorch module 01).

It knows nothing of gradients; tt-autograd builds on it.

Example:
    >>> import tt_tensor as tt
    >>> x = tt.arange(6).reshape(2, 3)
    >>> (x * 2.0).sum(dim=1)
    tensor([ 6., 24.])
"""

from __future__ import annotations

from . import threads  # the BLAS/threading runtime every package shares (not a course topic)
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (
    DType,
    bool_,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .functional import *  # noqa: F403  (the functional forms: exp, sum, cat, where, ...)
from .functional import cat, concat, concatenate, stack, where
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    numpy_generator,
    set_rng_state,
)
from .tensor import Tensor, ValuesIndices
from .threads import get_num_threads, set_num_threads

__version__ = "0.1.0"

bool = bool_  # noqa: A001  (PyTorch's name; the builtin stays reachable as builtins.bool)
float = float32  # noqa: A001
int = int32  # noqa: A001
