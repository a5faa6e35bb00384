"""TinyTorch: ``import tinytorch as tt`` gives the PyTorch-style top level over every package.

Tensors and autograd at the top level (``tt.tensor``, ``tt.no_grad``, ...),
then ``tt.nn``, ``tt.optim``, ``tt.utils.data``, ``tt.vision``, ``tt.text``,
``tt.perf`` (profiling, quantization, compression, acceleration, KV
caching, benchmarking) and ``tt.distributed`` (data-parallel training on
MPI). A PyTorch script runs with ``import torch`` changed to
``import tinytorch as torch`` as far as these packages reach.

Example:
    >>> import tinytorch as tt
    >>> x = tt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from __future__ import annotations

import math as _math

import tt_perf as perf  # tt.perf: the systems toolkit (modules 14-20)
import tt_text as text  # tt.text: tokenizers, GPT, generation
import tt_vision as vision  # tt.vision: datasets, transforms
from tt_autograd import *  # noqa: F403  (tensor, zeros, randn, cat, stack, where, no_grad, ...)
from tt_autograd import (  # noqa: A004  (PyTorch's dtype aliases)
    DType,
    Generator,
    GradcheckError,
    Tensor,
    bool,
    cat,
    enable_grad,
    float,
    gradcheck,
    int,
    is_grad_enabled,
    manual_seed,
    no_grad,
    set_grad_enabled,
    stack,
    tensor,
    where,
)
from tt_nn.special import digamma, erf, erfc, erfinv, i0, lgamma, mvlgamma, polygamma, sinc  # torch.erf, ...
from tt_nn.special.incomplete_gamma import igamma, igammac
from tt_optim import save  # torch.save for state dicts, without pickle
from tt_perf.quantization.eager_qtensor import (  # torch.qint8, torch.quantize_per_tensor, ...
    QScheme as qscheme,
)
from tt_perf.quantization.eager_qtensor import dequantize_tensor as dequantize
from tt_perf.quantization.eager_qtensor import (
    per_channel_affine,
    per_channel_symmetric,
    per_tensor_affine,
    per_tensor_symmetric,
    qint8,
    qint32,
    quantize_per_channel,
    quantize_per_tensor,
    quint8,
)

from . import (  # tt.nn, tt.optim, tt.utils.data, tt.distributed, torch.cuda etc. (CPU only)
    accelerator,
    amp,
    ao,  # tt.ao.quantization, tt.ao.nn.quantized: eager-mode quantization (torch.ao)
    autograd,
    backends,
    cuda,
    curriculum,
    distributed,
    distributions,
    fft,  # tt.fft: fft, rfft, fftn, fftfreq, fftshift, ... (torch.fft)
    func,  # tt.func: grad, vjp, jacrev, hessian, functional_call (torch.func)
    futures,  # tt.futures: Future, collect_all, wait_all (torch.futures)
    jit,  # tt.jit: TorchScript's decorators as the identity (eager only)
    linalg,  # tt.linalg: norms, solves, decompositions (torch.linalg)
    module_paths,
    multiprocessing,  # tt.multiprocessing: get_context, set_start_method, Process, Queue (the stdlib's)
    nn,
    onnx,  # tt.onnx.export (needs the onnx package only when called)
    optim,
    profiler,  # tt.profiler: profile, record_function, schedule (torch.profiler)
    quantization,  # torch.quantization, the legacy name of torch.ao.quantization
    random,  # tt.random: seeds, RNG state and fork_rng (torch.random)
    serialization,
    signal,  # tt.signal.windows: hann, kaiser, gaussian, ... (torch.signal.windows)
    sparse,
    special,
    testing,  # tt.testing.assert_close, make_tensor
    utils,
)
from ._unsupported import unsupported as _not_in_tinytorch
from .amp import autocast, bfloat16  # no mixed precision on NumPy: autocast runs as is
from .autograd import Function  # PyTorch's custom Functions, on tensors (tt_autograd.custom_function)
from .control_flow import cond, while_loop  # torch.cond / torch.while_loop, eagerly
from .functional_forms import *  # noqa: F403  (torch.conv2d, torch.dropout, torch.layer_norm, ...)
from .global_settings import (
    are_deterministic_algorithms_enabled,
    get_default_device,
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    get_num_interop_threads,
    is_deterministic_algorithms_warn_only_enabled,
    is_warn_always_enabled,
    set_default_device,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    set_flush_denormal,
    set_num_interop_threads,
    set_warn_always,
    use_deterministic_algorithms,
)
from .legacy_functions import *  # noqa: F403  (torch.range, torch.ger, torch.chain_matmul, ...)
from .legacy_tensors import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    set_default_tensor_type,
    typename,
)
from .out_argument import install as _give_out_arguments
from .serialization import load  # torch.load's signature; reads without pickle

_give_out_arguments(globals())  # torch.add(a, b, out=c), ...: PyTorch's out= on its top-level functions
module_paths.install()  # torch.nn.modules.loss, torch.optim.adam, ...: PyTorch's module paths (see there)

__version__ = "0.1.0"

dtype = DType  # torch.dtype: the class of tt.float32 and the others (isinstance checks)
e, inf, nan, pi = _math.e, _math.inf, _math.nan, _math.pi  # PyTorch's math constants
newaxis = None  # x[:, torch.newaxis]


def compile(model: object = None, **options: object) -> object:  # noqa: A001  (PyTorch's name)
    """``torch.compile``: returns ``model`` unchanged (TinyTorch runs eagerly; there is no compiler).

    Works as a call (``torch.compile(model)``) and as a decorator (``@torch.compile``
    or ``@torch.compile(mode=...)``).
    """
    if model is None:
        return lambda function: function
    return model


def __getattr__(name: str) -> object:
    """``torch.<name>`` that TinyTorch lacks: an error that names it (see ``_unsupported.py``)."""
    raise _not_in_tinytorch("torch", name, globals())
