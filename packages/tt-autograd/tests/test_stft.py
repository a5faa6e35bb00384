"""``torch.stft`` / ``torch.istft`` (spectral.py): values, round trips, gradients, errors as PyTorch's.

Values are checked against a reference written here with NumPy (``np.pad``, a
loop over frames, ``np.fft``), and one spectrum and gradient are pinned from
PyTorch 2.13; gradients by ``gradcheck``/``gradgradcheck`` (float64/complex128)
with respect to the signal and the window, batched.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck, gradgradcheck
from tt_autograd.spectral import FramesFunction, OverlapAddFunction

NUMPY_PAD = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def signal(shape, seed=0, complex_=False):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_ else 0)
    dtype = autograd.complex128 if complex_ else autograd.float64
    return autograd.tensor(values, dtype=dtype, requires_grad=True)


def window(n, seed=1):
    values = np.random.default_rng(seed).uniform(0.5, 1.5, n)
    return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)


def reference(x, n_fft, hop, win, center=True, pad_mode="reflect", normalized=False, onesided=True):
    """The STFT by its definition: pad, a loop over frames, each windowed and transformed."""
    if center:
        widths = [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)]
        x = np.pad(x, widths, mode=NUMPY_PAD[pad_mode])
    padded = np.zeros(n_fft)
    left = (n_fft - len(win)) // 2
    padded[left : left + len(win)] = win
    count = (x.shape[-1] - n_fft) // hop + 1
    frames = np.stack([x[..., f * hop : f * hop + n_fft] * padded for f in range(count)], axis=-2)
    transform = np.fft.rfft if onesided else np.fft.fft
    return np.swapaxes(transform(frames, axis=-1, norm="ortho" if normalized else "backward"), -1, -2)


CASES = [
    dict(n_fft=8, hop_length=2),
    dict(n_fft=8, hop_length=3, win_length=5),
    dict(n_fft=9, hop_length=2, center=False),
    dict(n_fft=8, hop_length=2, pad_mode="constant", normalized=True),
    dict(n_fft=8, hop_length=4, pad_mode="replicate", onesided=False),
    dict(n_fft=6, hop_length=1, pad_mode="circular"),
    dict(n_fft=10, hop_length=3, win_length=5),
    dict(n_fft=8, hop_length=2, win_length=8),
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_stft_matches_its_definition(kwargs):
    x, n_fft = signal((2, 29)), kwargs["n_fft"]
    w = window(kwargs.get("win_length", n_fft))
    out = autograd.stft(x, window=w, return_complex=True, **kwargs)
    hop = kwargs["hop_length"]
    expected = reference(
        x.detach().numpy(),
        n_fft,
        hop,
        w.detach().numpy(),
        kwargs.get("center", True),
        kwargs.get("pad_mode", "reflect"),
        kwargs.get("normalized", False),
        kwargs.get("onesided", True),
    )
    assert out.dtype == autograd.complex128 and tuple(out.shape) == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)


def test_stft_of_a_complex_signal_is_two_sided_and_defaults_follow_pytorch():
    x = signal((23,), complex_=True)
    out = autograd.stft(x, 8, window=autograd.ones(8, dtype=autograd.float64))  # return_complex: implied
    np.testing.assert_allclose(
        out.detach().numpy(), reference(x.detach().numpy(), 8, 2, np.ones(8), onesided=False)
    )
    real = autograd.stft(autograd.zeros(20), 8, window=autograd.hann_window(8), return_complex=True)
    assert real.dtype == autograd.complex64 and tuple(real.shape) == (
        5,
        11,
    )  # hop n_fft // 4, 20 // 2 + 1 frames


def test_edge_sizes_as_pytorch():
    x = signal((5,))
    ones = autograd.ones(1, dtype=autograd.float64)
    single = autograd.stft(x, 1, hop_length=1, window=ones, return_complex=True)  # one-sample frames
    assert single.detach().numpy().tolist() == [(x.detach().numpy() + 0j).tolist()]
    short = autograd.stft(x, 4, hop_length=1, win_length=1, window=ones, return_complex=True)
    np.testing.assert_allclose(short.detach().numpy(), reference(x.detach().numpy(), 4, 1, [1.0]), atol=1e-12)
    whole = autograd.stft(signal((8,)), 8, hop_length=2, center=False, window=window(8), return_complex=True)
    assert tuple(whole.shape) == (5, 1)  # n_fft == length: one frame
    wrapped = autograd.stft(
        signal((4,)), 8, hop_length=2, pad_mode="circular", window=window(8), return_complex=True
    )
    assert tuple(wrapped.shape) == (5, 3)  # padding by the whole length wraps once: allowed
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        autograd.stft(
            signal((4,)), 10, hop_length=2, pad_mode="circular", window=window(10), return_complex=True
        )
    complex_window = autograd.tensor(np.ones(8) * (1 + 1j), dtype=autograd.complex128)
    assert tuple(autograd.stft(signal((8,)), 8, hop_length=2, window=complex_window).shape) == (8, 5)


def test_stft_value_and_gradient_match_pytorch():
    x = autograd.tensor(np.sin(np.arange(12.0)), dtype=autograd.float64, requires_grad=True)
    out = autograd.stft(
        x, 4, hop_length=2, window=autograd.hann_window(4, dtype=autograd.float64), return_complex=True
    )
    out.abs().sum().backward()
    np.testing.assert_allclose(out.detach().numpy()[1, 2], 0.7568024953079282 - 0.550022141361503j)  # PyTorch
    np.testing.assert_allclose(  # PyTorch 2.13
        x.grad.numpy()[:4], [0.0, 2.179688760932268, 2.933192261422321, 0.11426435654382947]
    )


@pytest.mark.parametrize("kwargs", CASES[:4] + [dict(n_fft=8, hop_length=2, onesided=False)], ids=str)
def test_istft_inverts_stft(kwargs):
    x, n_fft = signal((2, 40), 3), kwargs["n_fft"]
    w = autograd.hann_window(kwargs.get("win_length", n_fft), dtype=autograd.float64) + 0.1
    spectra = autograd.stft(x, window=w, return_complex=True, **kwargs)
    back_kwargs = {k: v for k, v in kwargs.items() if k != "pad_mode"}
    back = autograd.istft(spectra, window=w, **back_kwargs)
    kept = back.shape[-1]
    np.testing.assert_allclose(back.detach().numpy(), x.detach().numpy()[..., :kept], atol=1e-12)
    assert kept >= 40 - n_fft


def test_istft_length_trims_or_pads_with_pytorchs_warning_and_complex_output():
    x, w = signal((30,), 4), autograd.hann_window(8, dtype=autograd.float64)
    spectra = autograd.stft(x, 8, hop_length=2, window=w, return_complex=True)
    assert tuple(autograd.istft(spectra, 8, hop_length=2, window=w, length=25).shape) == (25,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the natural length: no padding, no warning
        assert tuple(autograd.istft(spectra, 8, hop_length=2, window=w, length=30).shape) == (30,)
    with pytest.warns(
        UserWarning, match="The length of signal is shorter than the length parameter"
    ) as caught:
        long = autograd.istft(spectra, 8, hop_length=2, window=w, length=40)
    assert caught[0].filename == __file__ and tuple(long.shape) == (40,)
    np.testing.assert_allclose(long.detach().numpy()[:30], x.detach().numpy(), atol=1e-12)
    assert long.detach().numpy()[-6:].tolist() == [0.0] * 6
    z = signal((30,), 5, complex_=True)
    both = autograd.stft(z, 8, hop_length=2, window=w)
    back = autograd.istft(both, 8, hop_length=2, window=w, return_complex=True)
    np.testing.assert_allclose(back.detach().numpy(), z.detach().numpy(), atol=1e-12)


GRADIENTS = {
    "stft of signal and window (batched)": (
        lambda x, w: autograd.stft(x, 6, hop_length=2, window=w, return_complex=True),
        lambda: [signal((2, 11)), window(6)],
    ),
    "stft, short window, constant pad, normalized": (
        lambda x, w: autograd.stft(
            x,
            6,
            hop_length=3,
            win_length=4,
            window=w,
            pad_mode="constant",
            normalized=True,
            return_complex=True,
        ),
        lambda: [signal((11,)), window(4)],
    ),
    "stft of a complex signal": (
        lambda z: autograd.stft(z, 4, hop_length=2, window=autograd.hann_window(4, dtype=autograd.float64)),
        lambda: [signal((9,), complex_=True)],
    ),
    "istft of spectra and window": (
        lambda s, w: autograd.istft(s, 6, hop_length=2, window=w),
        lambda: [signal((2, 4, 5), 2, complex_=True), window(6)],
    ),
    "istft with length and center=False": (
        lambda s, w: autograd.istft(s, 6, hop_length=2, window=w, center=False, length=13),
        lambda: [signal((4, 5), 2, complex_=True), window(6)],
    ),
    "istft to complex": (
        lambda s, w: autograd.istft(s, 4, hop_length=1, window=w, return_complex=True),
        lambda: [signal((4, 5), 2, complex_=True), window(4)],
    ),
    "frames and overlap-add": (
        lambda a: OverlapAddFunction.apply(
            FramesFunction.apply(a, 4, 3) * FramesFunction.apply(a, 4, 3), 12, 2
        ),
        lambda: [signal((2, 13), complex_=True)],
    ),
}


@pytest.mark.parametrize("name", list(GRADIENTS))
def test_gradients_and_second_derivatives_match_central_differences(name):
    fn, make = GRADIENTS[name]
    assert gradcheck(fn, make())
    assert gradgradcheck(fn, make())


def test_frames_are_a_view_and_overlap_add_is_their_adjoint():
    a = np.arange(10.0)
    ctx = FramesFunction()
    frames = FramesFunction.forward(ctx, a, 4, 3)
    assert frames.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]] and np.shares_memory(frames, a)
    summed = OverlapAddFunction.forward(OverlapAddFunction(), np.ones((3, 4)), 11, 3)
    assert summed.tolist() == [1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 0]


def test_istft_refuses_an_envelope_below_pytorchs_threshold_1e_11_only():
    w = autograd.tensor(
        [1.5e-11**0.5, 1.0, 1.0, 1.0], dtype=autograd.float64
    )  # envelope 1.5e-11 at 0, 4, ...
    x = signal((16,), 6)
    spectra = autograd.stft(x, 4, hop_length=4, center=False, window=w, return_complex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # accepted, as by PyTorch, and the frames reach the end: no warning
        back = autograd.istft(spectra, 4, hop_length=4, center=False, window=w)
    np.testing.assert_allclose(back.detach().numpy(), x.detach().numpy(), rtol=1e-6)
    low = autograd.tensor([0.5e-11**0.5, 1.0, 1.0, 1.0], dtype=autograd.float64)
    with pytest.raises(RuntimeError, match="window overlap add min is below 1e-11"):
        autograd.istft(spectra, 4, hop_length=4, center=False, window=low)


def test_a_missing_window_is_rectangular_with_pytorchs_warning():
    x = signal((16,))
    with pytest.warns(UserWarning, match="A window was not provided") as caught:
        out = autograd.stft(x, 4, return_complex=True)
    assert caught[0].filename == __file__  # attributed to the caller
    np.testing.assert_allclose(
        out.detach().numpy(), reference(x.detach().numpy(), 4, 1, np.ones(4)), atol=1e-12
    )
    with pytest.warns(UserWarning, match="same window used by stft"):
        autograd.istft(out, 4)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: autograd.stft(x, 8), RuntimeError, "requires the return_complex parameter"),
        (lambda x: autograd.stft(x, 8, return_complex=False), RuntimeError, "return_complex=False"),
        (lambda x: autograd.stft(x, 8, hop_length=0, return_complex=True), RuntimeError, "hop_length > 0"),
        (lambda x: autograd.stft(x, 0, return_complex=True), RuntimeError, "n_fft > 0"),
        (lambda x: autograd.stft(x, 8, win_length=0, return_complex=True), RuntimeError, "win_length=0"),
        (
            lambda x: autograd.stft(x, 8, win_length=9, return_complex=True),
            RuntimeError,
            "win_length <= n_fft",
        ),
        (
            lambda x: autograd.stft(x, 8, window=autograd.ones(7), return_complex=True),
            RuntimeError,
            "size \\[7\\]",
        ),
        (lambda x: autograd.stft(x, 30, center=False, return_complex=True), RuntimeError, "n_fft <= 20"),
        (lambda x: autograd.stft(x, 64, return_complex=True), RuntimeError, "reflect padding of 32"),
        (lambda x: autograd.stft(x, 40, return_complex=True), RuntimeError, "reflect padding of 20"),
        (
            lambda x: autograd.stft(x, 8, pad_mode="foo", return_complex=True),
            RuntimeError,
            "padding mode 'foo'",
        ),
        (lambda x: autograd.stft(x.reshape(1, 2, 10), 4, return_complex=True), RuntimeError, "1D or 2D"),
        (lambda x: autograd.stft(x, 8, window=[1.0] * 8, return_complex=True), TypeError, "window"),
        (lambda x: autograd.stft(x, 4.0, return_complex=True), TypeError, "'n_fft' must be an int"),
        (
            lambda x: autograd.stft(autograd.arange(20), 8, return_complex=True),
            RuntimeError,
            "floating point",
        ),
        (lambda x: autograd.stft(x * 1j, 8, onesided=True), RuntimeError, "Cannot have onesided output"),
        (
            lambda x: autograd.stft(x, 8, align_to_window=True, return_complex=True),
            RuntimeError,
            "align_to_window",
        ),
        (lambda x: autograd.istft(x, 8), RuntimeError, "istft requires a complex-valued input"),
        (
            lambda x: autograd.istft(_spectra(x), 10),
            RuntimeError,
            "match n_fft / 2 \\+ 1 when onesided=True, but got 5",
        ),
        (
            lambda x: autograd.istft(_spectra(x), 8, onesided=False),
            RuntimeError,
            "match n_fft when onesided=False",
        ),
        (lambda x: autograd.istft(_spectra(x), 8, return_complex=True), RuntimeError, "Cannot have onesided"),
        (
            lambda x: autograd.istft(_spectra(x), 8, window=_HANN * 1j),
            RuntimeError,
            "Complex windows are incompatible",
        ),
        (lambda x: autograd.istft(_spectra(x)[None, None], 8), RuntimeError, "2D or 3D"),
        (
            lambda x: autograd.istft(_spectra(x), 8, window=_HANN, center=False),
            RuntimeError,
            "overlap add min",
        ),
    ],
)
def test_errors_name_the_problem_as_pytorch(call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            call(autograd.randn(20))


_HANN = autograd.hann_window(8)


def _spectra(x):
    return autograd.stft(x, 8, window=_HANN, return_complex=True)
