"""tt-tensor: an n-d array library on NumPy with PyTorch's names (TinyTorch module 01).

It knows nothing of gradients; tt-autograd builds on it.

What packages built on tt-tensor may use (its public protocol; nothing else
of tt-tensor's internals, and no name that starts with ``_``):

* ``Tensor.array`` — the ``np.ndarray`` inside a tensor (a plain attribute:
  reading it costs what reading any attribute costs). Writing into it writes
  the tensor; assigning it replaces the tensor's storage.
* ``Tensor.from_array(array)`` — a tensor of the class it is called on,
  wrapping ``array`` without a copy; every op builds its result through it,
  so a subclass (tt-autograd's ``Tensor``, tt-nn's ``Parameter``) gets its
  own type back from every op it does not override.
* ``tt_tensor.checks`` — argument checks with PyTorch's messages
  (``normalize_dim``, ``normalize_dims``, ``parse_size``, ``parse_shape``).
* ``tt_tensor.numpy_generator(generator)`` — the ``np.random.Generator``
  behind a tt ``Generator`` (or the default one for ``None``), for code that
  samples in NumPy and must follow ``manual_seed``.
* The NumPy-in, NumPy-out kernels of the public modules ``pointwise``,
  ``reduce``, ``shaping``, ``indexing``, ``selection``, ``linalg``, ``dtypes``, ``random``
  and ``versions`` (version counters: ``versions.counts`` is empty while
  nothing was ever written in place); beyond the exercises, ``pointwise_extra``, ``cumulative``,
  ``order_stats`` and ``distance``.
* Hooks for subclasses: ``_cat``, ``_stack``, ``_where``, ``_einsum``, ``_convert``,
  ``_inplace`` and ``_repr_extras`` may be overridden (and called through
  ``super()``) by a subclass of ``Tensor``; no other code calls them.

Example:
    >>> import tt_tensor as tt
    >>> x = tt.arange(6).reshape(2, 3)
    >>> (x * 2.0).sum(dim=1)
    tensor([ 6., 24.])
"""

from __future__ import annotations

from . import (
    blas_kernels,  # TINYTORCH_BLAS_KERNELS: which OpenBLAS kernels run the products (not a course topic)
    float_warnings,  # NumPy's 1/0 and 0/0 warnings silenced inside TinyTorch, as PyTorch (not a course topic)
    memory,  # the memory runtime: freed arrays stay in the process (not a course topic)
    threads,  # the BLAS/threading runtime every package shares (not a course topic)
)
from .buffers import from_dlpack, frombuffer, to_dlpack
from .builders import block_diag, cartesian_prod, combinations, vander
from .complex_numbers import *  # noqa: F403  (complex, real, imag, view_as_real, ...)
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
from .devices import device
from .dtype_info import can_cast, finfo, iinfo, promote_types, result_type
from .dtypes import (
    DType,
    bool_,
    cdouble,
    cfloat,
    complex64,
    complex128,
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
from .formatting import set_printoptions
from .functional import *  # noqa: F403  (the functional forms: exp, sum, cat, where, ...)
from .functional import cat, concat, concatenate, stack, where
from .functional_extra import *  # noqa: F403  (log1p, atan2, lerp, ...: beyond the exercises)
from .grids import logspace, meshgrid, tril_indices, triu_indices
from .memory_formats import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    layout,
    memory_format,
    preserve_format,
    strided,
)
from .random import (
    Generator,
    default_generator,
    fork_rng,
    get_rng_state,
    initial_seed,
    manual_seed,
    numpy_generator,
    seed,
    set_rng_state,
)
from .random_extra import bernoulli, binomial, normal, poisson
from .size import Size
from .tensor import SortResult, Tensor, ValuesIndices
from .threads import get_num_threads, set_num_threads
from .utilities import (
    asarray,
    broadcast_shapes,
    is_tensor,
    isin,
    randint_like,
    rsub,
    scalar_tensor,
    unravel_index,
)
from .windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window

__version__ = "0.1.0"

float_warnings.ignore_inside_tinytorch()
blas_kernels.apply_environment()

bool = bool_  # noqa: A001  (PyTorch's name; the builtin stays reachable as builtins.bool)
float = float32  # noqa: A001
int = int32  # noqa: A001
