"""tt-autograd: reverse-mode automatic differentiation over tt-tensor (TinyTorch module 02).

Example:
    >>> import tt_autograd as autograd
    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
"""

from __future__ import annotations

from tt_tensor import (
    DType,
    Generator,
    Size,
    bool_,
    broadcast_shapes,
    can_cast,
    cdouble,
    cfloat,
    channels_last,
    channels_last_3d,
    complex64,
    complex128,
    contiguous_format,
    default_generator,
    device,
    double,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    get_num_threads,
    get_rng_state,
    half,
    iinfo,
    initial_seed,
    int8,
    int16,
    int32,
    int64,
    is_tensor,
    isin,
    layout,
    long,
    manual_seed,
    memory_format,
    preserve_format,
    promote_types,
    result_type,
    rsub,
    seed,
    set_default_dtype,
    set_num_threads,
    set_printoptions,
    set_rng_state,
    short,
    strided,
    to_dlpack,
    uint8,
    unravel_index,
)
from tt_tensor.builders import block_diag, cartesian_prod, combinations, vander
from tt_tensor.complex_numbers import *  # noqa: F403  (complex, real, imag, view_as_real, ...)
from tt_tensor.functional import *  # noqa: F403  (functional forms dispatch to this package's methods)
from tt_tensor.functional import cat, concat, concatenate, stack, where
from tt_tensor.functional_extra import *  # noqa: F403  (log1p, atan2, lerp, ...: beyond the exercises)
from tt_tensor.grids import meshgrid

from . import (
    fft,  # torch.fft (re-exported as tinytorch.fft)
    gradients,  # torch.autograd.grad / backward (re-exported as tinytorch.autograd)
    linalg,  # torch.linalg (re-exported as tinytorch.linalg)
    sparse,  # torch.sparse: mm, sum (re-exported as tinytorch.sparse)
)
from ._alias_methods import *  # noqa: F403  (torch.<name> forms of the methods there)
from ._index_extra_methods import *  # noqa: F403
from ._math_more_methods import *  # noqa: F403
from .anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled  # torch.is_anomaly_enabled
from .creation import (
    arange,
    as_tensor,
    asarray,
    bartlett_window,
    bernoulli,
    binomial,
    blackman_window,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    frombuffer,
    full,
    full_like,
    hamming_window,
    hann_window,
    kaiser_window,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from .distance import cdist  # recorded; replaces tt_tensor's
from .finite_differences import gradient
from .function import Function, unbroadcast
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .histogramdd import histogramdd
from .integration import cumulative_trapezoid, trapezoid, trapz
from .linalg.householder import geqrf, orgqr, ormqr  # LAPACK's compact QR (torch.geqrf, ...)
from .linalg.lowrank import pca_lowrank, svd_lowrank  # randomised (Halko et al.)
from .linalg.torch_aliases import (  # torch.det, torch.svd, ...: the top-level linear algebra forms
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    det,
    inverse,
    logdet,
    lu,
    lu_solve,
    lu_unpack,
    matrix_exp,
    matrix_power,
    pinverse,
    qr,
    slogdet,
    svd,
    triangular_solve,
)
from .sparse_mm import matmul, mm, spmm  # sparse @ dense dispatch, over tt-tensor's functional forms
from .sparse_tensor import SparseTensor, sparse_coo_tensor
from .spectral import istft, stft  # torch.stft / torch.istft
from .tensor import Tensor
from .view_copies import *  # noqa: F403  (torch.view_copy, permute_copy, t_copy, ...: views that copy)
from .vmap_transform import vmap  # torch.vmap (and torch.func.vmap)

__version__ = "0.1.0"

bool = bool_  # noqa: A001  (PyTorch's dtype names)
float = float32  # noqa: A001
int = int32  # noqa: A001

# The public API: every name above except the submodules an import brings along.
__all__ = sorted(
    name
    for name, value in dict(globals()).items()
    if not name.startswith("_") and type(value).__name__ != "module"
)
