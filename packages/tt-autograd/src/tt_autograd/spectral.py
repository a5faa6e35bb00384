"""``torch.stft`` / ``torch.istft``: short-time Fourier transforms with their gradients.

``stft`` pads the signal (``center``: ``n_fft // 2`` each side, by ``pad_mode``),
cuts it into frames ``hop_length`` apart (:class:`FramesFunction`, a strided view
of the signal: no copy and no loop over frames), multiplies each by the window
(zero-padded to ``n_fft`` in the middle when ``win_length < n_fft``) and
transforms the frames with :mod:`tt_autograd.fft` (``rfft`` when ``onesided``,
``"ortho"`` scaling when ``normalized``). The result is ``(freq, frames)`` per
signal, complex (``return_complex=True``: PyTorch requires it for real input
and has deprecated ``False``, which TinyTorch does not offer).

``istft`` inverts it: inverse transform of each frame, window, overlap-add
(:class:`OverlapAddFunction`), division by the overlap-added squared window
(the "envelope", refused where it is below ``1e-11``, as PyTorch's NOLA check),
then the ``center`` padding cut off (or ``length`` samples kept, zero-padded
with PyTorch's warning when the frames do not reach that far).

Gradients: framing and overlap-add are each other's adjoint (both linear with 0/1
coefficients, so they serve complex gradients unchanged); everything else is
recorded tensor operations (indexing for the padding, ``mul``, the FFT
Functions, ``div``), so gradients reach the signal and the window, and
gradients of gradients work.

Cost: the FFTs, ``O(frames * n_fft log n_fft)``; the frames themselves (a view
forward) are materialised once, by the window multiply; overlap-add is one
``np.add.at``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import tt_tensor
from tt_tensor.checks import check_tensor

from . import fft
from .function import Function, _tensor_class

__all__ = ["istft", "stft"]

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _overlap_add(frames: np.ndarray, length: int, hop: int) -> np.ndarray:
    """Frames ``(..., n, size)`` added into signals ``(..., length)``, frame ``f`` at ``f * hop``."""
    count, size = frames.shape[-2:]
    lead = frames.shape[:-2]
    out = np.zeros((int(np.prod(lead)), length), dtype=frames.dtype)
    positions = (np.arange(count)[:, None] * hop + np.arange(size)).reshape(-1)
    np.add.at(out, (slice(None), positions), frames.reshape(-1, count * size))
    return out.reshape(*lead, length)


def _frames(signal: np.ndarray, size: int, hop: int) -> np.ndarray:
    """The frames ``(..., n, size)`` of ``signal`` ``(..., length)``, ``hop`` apart: a read-only view."""
    return np.lib.stride_tricks.sliding_window_view(signal, size, axis=-1)[..., ::hop, :]


class FramesFunction(Function):
    """Frames of the last dim, ``hop`` apart (PyTorch's ``unfold``); gradient: overlap-add."""

    complex_gradient = "own"  # linear with real 0/1 coefficients: its adjoint applies to complex as is

    @staticmethod
    def forward(ctx, a, size, hop):
        ctx.length, ctx.hop = a.shape[-1], hop
        return _frames(a, size, hop)

    @staticmethod
    def backward(ctx, grad):
        return (_overlap_add(grad, ctx.length, ctx.hop),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (OverlapAddFunction.apply(grad, ctx.length, ctx.hop),)


class OverlapAddFunction(Function):
    """Frames ``(..., n, size)`` summed into signals of ``length``, ``hop`` apart; gradient: framing."""

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a, length, hop):
        ctx.count, ctx.size, ctx.hop = *a.shape[-2:], hop
        return _overlap_add(a, length, hop)

    @staticmethod
    def backward(ctx, grad):  # (a longer signal than the frames reach has more frames: the first count)
        return (np.ascontiguousarray(_frames(grad, ctx.size, ctx.hop)[..., : ctx.count, :]),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (FramesFunction.apply(grad, ctx.size, ctx.hop)[..., : ctx.count, :],)


# ----------------------------------------------------------------- argument checks
def _count(op: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{op}: argument '{name}' must be an int, got {value!r:.40}")
    return int(value)


def _lengths(op: str, n_fft: object, hop_length: object, win_length: object) -> tuple[int, int, int]:
    n_fft = _count(op, "n_fft", n_fft)
    if n_fft <= 0:
        raise RuntimeError(f"{op}: expected n_fft > 0, but got n_fft={n_fft}")
    hop = n_fft // 4 if hop_length is None else _count(op, "hop_length", hop_length)
    if hop <= 0:
        raise RuntimeError(f"{op}: expected hop_length > 0, but got hop_length={hop}")
    win = n_fft if win_length is None else _count(op, "win_length", win_length)
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{op}: expected 0 < win_length <= n_fft, but got win_length={win}")
    return n_fft, hop, win


def _window(op: str, window: object, n_fft: int, win: int, dtype: np.dtype) -> object:
    """The window as ``n_fft`` values: ones when None (PyTorch warns), zero-padded in the middle."""
    if window is None:
        advice = (
            "Other windows such as torch.hann_window reduce spectral leakage"
            if op == "stft"
            else ("Please provide the same window used by stft to make the inversion lossless")
        )
        warnings.warn(
            f"{op}: A window was not provided. A rectangular window will be applied. {advice}. To suppress "
            f"this warning and use a rectangular window, explicitly set `window=torch.ones(n_fft)`.",
            UserWarning,
            stacklevel=3,
        )
        window = _tensor_class().from_array(np.ones(win, dtype=dtype))
    window = check_tensor(op, window, "window")
    if window.ndim != 1 or window.shape[0] != win:
        raise RuntimeError(
            f"{op}: expected a 1D window tensor of size equal to win_length={win}, "
            f"but got window with size {list(window.shape)}"
        )
    if win == n_fft:
        return window
    left = (n_fft - win) // 2
    return tt_tensor.cat([_zeros(left, window), window, _zeros(n_fft - win - left, window)])


def _zeros(count: int, like: object) -> object:
    """``count`` zeros along the last dim of ``like``, in its dtype."""
    return _tensor_class().from_array(np.zeros((*like.shape[:-1], count), dtype=like.array.dtype))


def _pad(signal: object, pad: int, mode: str) -> object:
    """``signal`` ``(batch, length)`` padded by ``pad`` at both ends of the last dim, by ``mode``."""
    length = signal.shape[-1]
    inner = np.arange(length)
    if mode == "constant":
        return tt_tensor.cat([_zeros(pad, signal), signal, _zeros(pad, signal)], dim=-1)
    if mode == "reflect":
        if pad >= length:
            raise RuntimeError(
                f"stft: reflect padding of {pad} on each side needs a signal longer than {pad} samples, got "
                f"{length}; use center=False, a smaller n_fft or pad_mode='constant'"
            )
        index = np.concatenate([inner[pad:0:-1], inner, inner[-2 : -pad - 2 : -1]])
    elif mode == "replicate":
        index = np.clip(np.arange(-pad, length + pad), 0, length - 1)
    else:  # circular
        if pad > length:
            raise RuntimeError(
                f"stft: Padding value causes wrapping around more than once: circular padding of {pad} "
                f"needs at least {pad} samples, got {length}"
            )
        index = np.arange(-pad, length + pad) % length
    return signal[:, index]


def _signal(op: str, input: object) -> tuple[object, bool]:  # noqa: A002
    """The input as ``(batch, ...)`` and whether it had no batch dim."""
    tensor = check_tensor(op, input)
    if tensor.array.dtype.kind not in "fc":
        raise RuntimeError(
            f"{op}: expected a tensor of floating point or complex values, got {tensor.dtype.name}"
        )
    return tensor, tensor.ndim == (1 if op == "stft" else 2)


# ----------------------------------------------------------------- the transforms
def stft(
    input,  # noqa: A002
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    pad_mode="reflect",
    normalized=False,
    onesided=None,
    return_complex=None,
    align_to_window=None,
):
    """``torch.stft``: the spectra ``(..., n_fft // 2 + 1 or n_fft, frames)`` of windowed frames of ``input``.

    ``input`` is ``(length,)`` or ``(batch, length)``, real or complex; see the module docstring.
    """
    signal, single = _signal("stft", input)
    if signal.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, got {signal.ndim} dimensions")
    complex_window = isinstance(window, tt_tensor.Tensor) and window.is_complex()
    if return_complex is None and not (signal.is_complex() or complex_window):
        raise RuntimeError(
            "stft requires the return_complex parameter be given for real inputs: pass return_complex=True"
        )
    if return_complex is False:
        raise RuntimeError(
            "stft: return_complex=False (deprecated by PyTorch) is not supported in TinyTorch; pass "
            "return_complex=True and use torch.view_as_real on the result for the old format"
        )
    if align_to_window is not None:
        raise RuntimeError("stft: align_to_window is not supported in TinyTorch; leave it None")
    if pad_mode not in PAD_MODES:
        raise RuntimeError(f"stft: Unrecognised padding mode {pad_mode!r}; use one of {', '.join(PAD_MODES)}")
    n_fft, hop, win = _lengths("stft", n_fft, hop_length, win_length)
    signal = signal.unsqueeze(0) if single else signal
    if center:
        signal = _pad(signal, n_fft // 2, pad_mode)
    if not n_fft <= signal.shape[-1]:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {signal.shape[-1]}, but got n_fft={n_fft}")
    window = _window("stft", window, n_fft, win, fft._real_dtype(signal.array.dtype))
    frames = FramesFunction.apply(signal, n_fft, hop) * window
    onesided = not frames.is_complex() if onesided is None else onesided
    if onesided and frames.is_complex():
        raise RuntimeError("stft: Cannot have onesided output if window or input is complex")
    norm = "ortho" if normalized else "backward"
    spectra = (fft.rfft if onesided else fft.fft)(frames, norm=norm).transpose(-1, -2)
    return spectra[0] if single else spectra


def istft(
    input,  # noqa: A002
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    normalized=False,
    onesided=None,
    length=None,
    return_complex=False,
):
    """``torch.istft``: the signal whose :func:`stft` ``input`` is (``(freq, frames)`` or batched).

    Overlap-add of the windowed inverse transforms, divided by the overlap-added squared window.
    """
    spectra, single = _signal("istft", input)
    if not spectra.is_complex():
        raise RuntimeError(
            "istft requires a complex-valued input tensor matching the output from stft with "
            "return_complex=True."
        )
    if spectra.ndim not in (2, 3):
        raise RuntimeError(
            f"istft: expected a 2D or 3D tensor of complex values, got {spectra.ndim} dimensions"
        )
    n_fft, hop, win = _lengths("istft", n_fft, hop_length, win_length)
    spectra = spectra.unsqueeze(0) if single else spectra
    bins, count = spectra.shape[-2:]
    onesided = bins != n_fft if onesided is None else onesided
    if onesided and bins != n_fft // 2 + 1:
        raise RuntimeError(
            "istft: expected the frequency dimension (3rd to the last) of the input tensor to match "
            f"n_fft / 2 + 1 when onesided=True, but got {bins}"
        )
    if not onesided and bins != n_fft:
        raise RuntimeError(
            "istft: expected the frequency dimension (3rd to the last) of the input tensor to match n_fft "
            f"when onesided=False, but got {bins}"
        )
    window = _window("istft", window, n_fft, win, fft._real_dtype(spectra.array.dtype))
    norm = "ortho" if normalized else "backward"
    spectra = spectra.transpose(-1, -2)
    if return_complex:
        if onesided:
            raise RuntimeError("istft: Cannot have onesided output if window or input is complex")
        frames = fft.ifft(spectra, norm=norm)
    else:
        if window.is_complex():
            raise RuntimeError("istft: Complex windows are incompatible with return_complex=False")
        frames = fft.irfft(spectra[..., : n_fft // 2 + 1], n=n_fft, norm=norm)
    total = n_fft + hop * (count - 1)
    signal = OverlapAddFunction.apply(frames * window, total, hop)
    envelope = OverlapAddFunction.apply((window * window).expand(1, count, n_fft), total, hop)
    start = n_fft // 2 if center else 0
    end = total - start if center else total
    end = end if length is None else start + _count("istft", "length", length)
    envelope = envelope[..., start:end]
    if bool((envelope.detach().abs().numpy() < 1e-11).any()):
        raise RuntimeError(
            "istft: window overlap add min is below 1e-11 (the NOLA condition fails): choose a window and "
            "hop_length whose overlapping squared windows sum to nonzero everywhere"
        )
    signal = signal[..., start:end] / envelope
    if end > total:
        warnings.warn(
            "The length of signal is shorter than the length parameter. Result is being padded with zeros in "
            "the tail. Please check your center and hop_length settings.",
            UserWarning,
            stacklevel=2,
        )
        signal = tt_tensor.cat([signal, _zeros(end - total, signal)], dim=-1)
    return signal[0] if single else signal
