"""``torch.fft``: discrete Fourier transforms with their gradients, on ``numpy.fft``.

``fft``/``ifft`` (complex to complex), ``rfft``/``irfft`` (real to half a
spectrum and back), ``hfft``/``ihfft`` (Hermitian), their 2-D and n-D forms,
``fftfreq``/``rfftfreq`` and ``fftshift``/``ifftshift``, with PyTorch's
arguments: ``n`` or ``s`` (the signal length per dimension: longer is
zero-padded, shorter truncated), ``dim``, and ``norm``: ``"backward"`` (the
default: no scaling forward, ``1/n`` inverse), ``"ortho"`` (``1/sqrt(n)`` both
ways) or ``"forward"`` (``1/n`` forward).

Dtypes: NumPy computes in complex128; a float32 or complex64 input gives a
complex64 result (float32 from ``irfft``), as PyTorch's. Integers are first
converted to the default float dtype.

Gradients (PyTorch's complex convention, :mod:`tt_autograd.complex_grad`). A
transform is linear, ``y = A x``, so the gradient is ``A^H grad``: the adjoint
of a DFT is the opposite transform with the "dual" scaling (``"backward"``
and ``"forward"`` swap, ``"ortho"`` stays), then the padding or truncation by
``n`` undone. ``rfft``'s adjoint zero-fills the missing half of the spectrum
before the inverse and keeps the real part; ``irfft``'s is an ``rfft`` whose
bins strictly between 0 and the Nyquist bin are doubled (each of them stands
for itself and its conjugate mirror). ``hfft``/``ihfft`` are composed from
``irfft``/``rfft`` and ``conj``. Each rule has a ``graph_backward`` made of
these same Functions, so gradients of gradients work.

Cost: one NumPy FFT forward and one backward, O(n log n) per transformed line.
"""

from __future__ import annotations

import numbers

import numpy as np
import tt_tensor
from tt_tensor.checks import check_tensor, normalize_dim
from tt_tensor.dtypes import complex_of, from_numpy_dtype, get_default_dtype

from .function import Function, _tensor_class

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


# ----------------------------------------------------------------- helpers on arrays
def _complex_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind == "c" else complex_of(dtype)


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float64) if dtype in (np.float64, np.complex128) else np.dtype(np.float32)


def _fit(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``array`` truncated or zero-padded (at the end of each dimension) to ``shape``."""
    if array.shape == tuple(shape):
        return array
    out = np.zeros(shape, dtype=array.dtype)
    common = tuple(slice(0, min(a, b)) for a, b in zip(array.shape, shape))
    out[common] = array[common]
    return out


def _fit_tensor(tensor: object, shape: tuple[int, ...]) -> object:
    """:func:`_fit` in recorded tensor operations (slicing, then ``cat`` with zeros)."""
    if tuple(tensor.shape) == tuple(shape):
        return tensor
    tensor = tensor[tuple(slice(0, min(a, b)) for a, b in zip(tensor.shape, shape))]
    for d, size in enumerate(shape):
        missing = size - tensor.shape[d]
        if missing > 0:
            zeros_shape = (*tensor.shape[:d], missing, *tensor.shape[d + 1 :])
            zeros = _tensor_class().from_array(np.zeros(zeros_shape, dtype=tensor.array.dtype))
            tensor = tt_tensor.cat([tensor, zeros], dim=d)
    return tensor


def _doubled_bins(n: int, bins: int, ndim: int, last: int, dtype: np.dtype) -> np.ndarray:
    """Weights along ``last`` of an ``irfft`` of length ``n``: 2 for the bins between 0 and Nyquist."""
    weights = np.full(bins, 2.0, dtype=dtype)
    weights[0] = 1.0
    if n % 2 == 0:  # the Nyquist bin (bins is n // 2 + 1)
        weights[n // 2] = 1.0
    shape = [1] * ndim
    shape[last] = bins
    return weights.reshape(shape)


# ----------------------------------------------------------------- Functions
class FFTNFunction(Function):
    """``fftn``/``ifftn`` over ``dims`` (sizes ``s``); gradient: the opposite transform, dual scaling."""

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a, s, dims, norm, inverse):
        ctx.shape, ctx.dtype, ctx.dims, ctx.norm, ctx.inverse = a.shape, a.dtype, dims, norm, inverse
        transform = np.fft.ifftn if inverse else np.fft.fftn
        return transform(a, s, dims, norm).astype(_complex_dtype(a.dtype), copy=False)

    @staticmethod
    def backward(ctx, grad):
        transform = np.fft.fftn if ctx.inverse else np.fft.ifftn
        out = _fit(transform(grad, None, ctx.dims, _DUAL[ctx.norm]), ctx.shape)
        return ((out.real if ctx.dtype.kind != "c" else out).astype(ctx.dtype, copy=False),)

    @staticmethod
    def graph_backward(ctx, grad):
        out = _fit_tensor(
            FFTNFunction.apply(grad, None, ctx.dims, _DUAL[ctx.norm], not ctx.inverse), ctx.shape
        )
        return ((out.real if ctx.dtype.kind != "c" else out).to(from_numpy_dtype(ctx.dtype)),)


class RFFTNFunction(Function):
    """``rfftn``: half the spectrum of a real signal; gradient: the zero-filled inverse, real part."""

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a, s, dims, norm):
        out = np.fft.rfftn(a, s, dims, norm)
        sizes = [a.shape[d] for d in dims] if s is None else list(s)
        ctx.shape, ctx.dtype, ctx.dims, ctx.norm = a.shape, a.dtype, dims, norm
        ctx.full = tuple(sizes[-1] if d == dims[-1] else size for d, size in enumerate(out.shape))
        return out.astype(_complex_dtype(a.dtype), copy=False)

    @staticmethod
    def backward(ctx, grad):
        spectrum = _fit(grad, ctx.full)
        out = np.fft.ifftn(spectrum, None, ctx.dims, _DUAL[ctx.norm]).real
        return (_fit(out, ctx.shape).astype(ctx.dtype, copy=False),)

    @staticmethod
    def graph_backward(ctx, grad):
        spectrum = _fit_tensor(grad, ctx.full)
        out = FFTNFunction.apply(spectrum, None, ctx.dims, _DUAL[ctx.norm], True).real
        return (_fit_tensor(out, ctx.shape).to(from_numpy_dtype(ctx.dtype)),)


class IRFFTNFunction(Function):
    """``irfftn``: a real signal from half a spectrum; gradient: an ``rfftn`` with the inner bins doubled."""

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a, s, dims, norm):
        out = np.fft.irfftn(a, s, dims, norm)
        ctx.shape, ctx.dtype, ctx.dims, ctx.norm = a.shape, a.dtype, dims, norm
        n = out.shape[dims[-1]]
        ctx.weights = _doubled_bins(n, n // 2 + 1, out.ndim, dims[-1], _real_dtype(a.dtype))
        return out.astype(_real_dtype(a.dtype), copy=False)

    @staticmethod
    def backward(ctx, grad):
        out = _fit(np.fft.rfftn(grad, None, ctx.dims, _DUAL[ctx.norm]) * ctx.weights, ctx.shape)
        return ((out.real if ctx.dtype.kind != "c" else out).astype(ctx.dtype, copy=False),)

    @staticmethod
    def graph_backward(ctx, grad):
        weights = _tensor_class().from_array(ctx.weights)
        out = _fit_tensor(RFFTNFunction.apply(grad, None, ctx.dims, _DUAL[ctx.norm]) * weights, ctx.shape)
        return ((out.real if ctx.dtype.kind != "c" else out).to(from_numpy_dtype(ctx.dtype)),)


# ----------------------------------------------------------------- argument checks
def _input(op: str, input: object) -> object:  # noqa: A002
    tensor = check_tensor(op, input)
    if tensor.array.dtype.kind in "iub":
        return tensor.to(get_default_dtype())
    return tensor


def _norm(op: str, norm: object) -> str:
    if norm is None:
        return "backward"
    if not isinstance(norm, str) or norm not in _DUAL:
        raise RuntimeError(
            f'{op}: Invalid normalization mode: {norm!r}; use "backward", "ortho" or "forward"'
        )
    return norm  # type: ignore[return-value]


def _size(op: str, value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{op}: argument '{name}' must be an int (a number of data points), got {value!r:.40}"
        )
    if value < 1:
        raise RuntimeError(f"{op}: Invalid number of data points ({value!r}) specified for {name}")
    return int(value)


def _int_tuple(op: str, value: object, name: str) -> tuple:
    """``value`` (an int, or a list or tuple of ints) as a tuple; a TypeError naming ``op`` otherwise."""
    values = (value,) if isinstance(value, numbers.Integral) else value
    if not isinstance(values, (tuple, list)) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
    ):
        raise TypeError(f"{op}: argument '{name}' must be an int or a tuple of ints, got {value!r:.40}")
    return tuple(int(v) for v in values)


def _dims_and_sizes(op: str, tensor: object, s: object, dim: object) -> tuple:
    """PyTorch's ``s``/``dim``: both given (one size per dim), one of them (``s``: the last
    ``len(s)`` dims), or neither (all dims; the 2-D forms pass their default ``dim``)."""
    ndim = tensor.ndim
    if s is not None:
        s = _int_tuple(op, s, "s")
    if dim is not None:
        dims = tuple(normalize_dim(op, d, ndim) for d in _int_tuple(op, dim, "dim"))
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op}: dims must be unique, got {tuple(dim)}")
    elif s is not None:
        dims = tuple(range(ndim - len(s), ndim))
        if len(s) > ndim:
            raise RuntimeError(f"{op}: got s of length {len(s)} for a tensor of {ndim} dimensions")
    else:
        dims = tuple(range(ndim))
    if not dims:
        raise RuntimeError(f"{op}: needs at least one dimension to transform (got a {ndim}-d tensor)")
    if s is None:
        return dims, None
    s = tuple(s)
    if len(s) != len(dims):
        raise RuntimeError(f"{op}: When given, dim and shape arguments must have the same length")
    sizes = tuple(tensor.shape[d] if size == -1 else _size(op, size, "s") for d, size in zip(dims, s))
    return dims, sizes


def _one_dim(op: str, input: object, n: object, dim: object) -> tuple:  # noqa: A002
    tensor = _input(op, input)
    if tensor.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    d = normalize_dim(op, dim, tensor.ndim)
    return tensor, (d,), None if n is None else (_size(op, n, "n"),)


# ----------------------------------------------------------------- complex to complex
def fft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """``torch.fft.fft``: the 1-D discrete Fourier transform along ``dim`` (length ``n``)."""
    tensor, dims, s = _one_dim("fft", input, n, dim)
    return FFTNFunction.apply(tensor, s, dims, _norm("fft", norm), False)


def ifft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """``torch.fft.ifft``: the inverse of :func:`fft`."""
    tensor, dims, s = _one_dim("ifft", input, n, dim)
    return FFTNFunction.apply(tensor, s, dims, _norm("ifft", norm), True)


def _c2c(op: str, input: object, s: object, dim: object, norm: object, inverse: bool) -> object:  # noqa: A002
    tensor = _input(op, input)
    dims, sizes = _dims_and_sizes(op, tensor, s, dim)
    return FFTNFunction.apply(tensor, sizes, dims, _norm(op, norm), inverse)


def fftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """``torch.fft.fftn``: the n-D transform over ``dim`` (all dims by default), sizes ``s``."""
    return _c2c("fftn", input, s, dim, norm, False)


def ifftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """``torch.fft.ifftn``: the inverse of :func:`fftn`."""
    return _c2c("ifftn", input, s, dim, norm, True)


def fft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """``torch.fft.fft2``: :func:`fftn` over the last two dims."""
    return _c2c("fft2", input, s, dim, norm, False)


def ifft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """``torch.fft.ifft2``: :func:`ifftn` over the last two dims."""
    return _c2c("ifft2", input, s, dim, norm, True)


# ----------------------------------------------------------------- real signals
def _real_input(op: str, input: object) -> object:  # noqa: A002
    tensor = _input(op, input)
    if tensor.is_complex():
        raise RuntimeError(f"{op} expects a real input tensor, but got {tensor.dtype.name}")
    return tensor


def _rfft(op: str, input: object, n: object, dim: object, norm: str) -> object:  # noqa: A002
    tensor, dims, s = _one_dim(op, _real_input(op, input), n, dim)
    return RFFTNFunction.apply(tensor, s, dims, norm)


def _irfft(op: str, input: object, n: object, dim: object, norm: str) -> object:  # noqa: A002
    tensor, dims, s = _one_dim(op, input, n, dim)
    if s is None and 2 * (tensor.shape[dims[0]] - 1) < 1:
        raise RuntimeError(
            f"{op}: Invalid number of data points (0) for an input of size {tensor.shape[dims[0]]}"
        )
    return IRFFTNFunction.apply(tensor, s, dims, norm)


def rfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """``torch.fft.rfft``: the ``n // 2 + 1`` non-negative frequencies of a real signal's transform."""
    return _rfft("rfft", input, n, dim, _norm("rfft", norm))


def irfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """``torch.fft.irfft``: the real signal (length ``n``, default ``2 (m - 1)``) of a half spectrum."""
    return _irfft("irfft", input, n, dim, _norm("irfft", norm))


def _r2c(op: str, input: object, s: object, dim: object, norm: object) -> object:  # noqa: A002
    tensor = _real_input(op, input)
    dims, sizes = _dims_and_sizes(op, tensor, s, dim)
    return RFFTNFunction.apply(tensor, sizes, dims, _norm(op, norm))


def _c2r(op: str, input: object, s: object, dim: object, norm: object) -> object:  # noqa: A002
    tensor = _input(op, input)
    dims, sizes = _dims_and_sizes(op, tensor, s, dim)
    if sizes is None and 2 * (tensor.shape[dims[-1]] - 1) < 1:
        raise RuntimeError(f"{op}: Invalid number of data points (0) along the last transformed dim")
    return IRFFTNFunction.apply(tensor, sizes, dims, _norm(op, norm))


def rfftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """``torch.fft.rfftn``: :func:`fftn` of a real signal, halved along the last transformed dim."""
    return _r2c("rfftn", input, s, dim, norm)


def irfftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """``torch.fft.irfftn``: the inverse of :func:`rfftn` (last size ``2 (m - 1)`` unless given)."""
    return _c2r("irfftn", input, s, dim, norm)


def rfft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """``torch.fft.rfft2``: :func:`rfftn` over the last two dims."""
    return _r2c("rfft2", input, s, dim, norm)


def irfft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """``torch.fft.irfft2``: :func:`irfftn` over the last two dims."""
    return _c2r("irfft2", input, s, dim, norm)


def hfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """``torch.fft.hfft``: the real transform of a Hermitian-symmetric signal given by its first half.

    ``irfft(conj(input))`` with the opposite scaling, as NumPy and PyTorch define it.
    """
    return _irfft("hfft", check_tensor("hfft", input).conj(), n, dim, _DUAL[_norm("hfft", norm)])


def ihfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """``torch.fft.ihfft``: the inverse of :func:`hfft`: ``conj(rfft(input))`` with the opposite scaling."""
    return _rfft("ihfft", input, n, dim, _DUAL[_norm("ihfft", norm)]).conj()


# ----------------------------------------------------------------- frequencies and shifts
def _spacing(op: str, d: object) -> float:
    if isinstance(d, bool) or not isinstance(d, numbers.Real):
        raise TypeError(f"{op}: argument 'd' (the sample spacing) must be a number, got {d!r:.40}")
    return float(d)


def _frequencies(op: str, values: np.ndarray, dtype: object, requires_grad: bool) -> object:
    dtype = get_default_dtype() if dtype is None else tt_tensor.dtypes.dtype_argument(op, dtype)
    return _tensor_class()(values, dtype=dtype, requires_grad=requires_grad)


def fftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):  # noqa: ARG001
    """``torch.fft.fftfreq``: the sample frequencies of an ``n``-point :func:`fft` with spacing ``d``."""
    return _frequencies(
        "fftfreq", np.fft.fftfreq(_size("fftfreq", n, "n"), _spacing("fftfreq", d)), dtype, requires_grad
    )


def rfftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):  # noqa: ARG001
    """``torch.fft.rfftfreq``: the ``n // 2 + 1`` non-negative frequencies of an :func:`rfft`."""
    return _frequencies(
        "rfftfreq", np.fft.rfftfreq(_size("rfftfreq", n, "n"), _spacing("rfftfreq", d)), dtype, requires_grad
    )


def _shift(op: str, input: object, dim: object, sign: int) -> object:  # noqa: A002
    tensor = check_tensor(op, input)
    if dim is None:
        dims = tuple(range(tensor.ndim))
    else:
        dims = tuple(normalize_dim(op, d, tensor.ndim) for d in _int_tuple(op, dim, "dim"))
    if not dims:
        return tensor
    shifts = tuple(sign * (tensor.shape[d] // 2) for d in dims)
    return tensor.roll(shifts, dims)


def fftshift(input, dim=None):  # noqa: A002
    """``torch.fft.fftshift``: the zero frequency moved to the centre (a ``roll`` by ``n // 2``)."""
    return _shift("fftshift", input, dim, 1)


def ifftshift(input, dim=None):  # noqa: A002
    """``torch.fft.ifftshift``: the inverse of :func:`fftshift`."""
    return _shift("ifftshift", input, dim, -1)
