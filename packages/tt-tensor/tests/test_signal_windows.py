"""``torch.signal.windows`` (``tt_tensor.signal_windows``): PyTorch's ``sym`` flag, keyword options,
float32/float64 dtypes and its error messages.

References are written here from SciPy's textbook formulas; one PyTorch 2.13 value is pinned per
window kind. Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_tensor import float16, float32, float64, hann_window, int64, set_default_dtype, strided
from tt_tensor import signal_windows as windows

NUTTALL = (0.3635819, 0.4891775, 0.1365995, 0.0106411)


def symmetric(name: str, m: int, **options: object) -> np.ndarray:
    """The symmetric window of ``m`` points, from its formula (not from the code under test)."""
    n = np.arange(m, dtype=np.float64)
    x = 2 * np.pi * n / (m - 1) if m > 1 else np.zeros(m)
    alpha = options.get("alpha", 0.54)
    cosine_sums = {"hann": (0.5, 0.5), "hamming": (0.54, 0.46), "blackman": (0.42, 0.5, 0.08),
                   "nuttall": NUTTALL, "general_cosine": tuple(options.get("a", ())),
                   "general_hamming": (alpha, 1 - alpha)}  # fmt: skip
    if name in cosine_sums:
        return sum((-1) ** k * a * np.cos(k * x) for k, a in enumerate(cosine_sums[name]))
    if name == "bartlett":
        return 1 - np.abs(2 * n / (m - 1) - 1)
    if name == "cosine":
        return np.sin(np.pi * (n + 0.5) / m)
    if name == "gaussian":
        return np.exp(-0.5 * ((n - (m - 1) / 2) / options.get("std", 1.0)) ** 2)
    if name == "exponential":
        return np.exp(-np.abs(n - (m - 1) / 2) / options.get("tau", 1.0))
    beta = options.get("beta", 12.0)
    return np.i0(beta * np.sqrt(np.clip(1 - (2 * n / (m - 1) - 1) ** 2, 0, None))) / np.i0(beta)


CASES = [
    ("bartlett", {}),
    ("blackman", {}),
    ("cosine", {}),
    ("exponential", {}),
    ("exponential", {"tau": 2.5}),
    ("gaussian", {}),
    ("gaussian", {"std": 0.7}),
    ("general_cosine", {"a": [0.5, 0.3, 0.2]}),
    ("general_cosine", {"a": (1.0,)}),
    ("general_hamming", {}),
    ("general_hamming", {"alpha": 0.6}),
    ("hamming", {}),
    ("hann", {}),
    ("kaiser", {}),
    ("kaiser", {"beta": 0.0}),
    ("kaiser", {"beta": 5.0}),
    ("nuttall", {}),
]


@pytest.mark.parametrize(("name", "options"), CASES)
@pytest.mark.parametrize("length", [2, 3, 8, 9])
def test_symmetric_is_the_formula_and_periodic_drops_the_last_of_one_more(name, options, length):
    window = getattr(windows, name)
    np.testing.assert_allclose(
        window(length, dtype=float64, **options).numpy(), symmetric(name, length, **options), atol=1e-14
    )
    periodic = window(length, sym=False, dtype=float64, **options).numpy()
    np.testing.assert_allclose(periodic, symmetric(name, length + 1, **options)[:-1], atol=1e-14)


@pytest.mark.parametrize(("name", "options"), CASES)
def test_lengths_zero_and_one_and_dtypes(name, options):
    window = getattr(windows, name)
    assert window(0, **options).shape == (0,) and window(0, **options).dtype == float32
    assert window(1, **options).tolist() == [1.0] and window(1, sym=False, **options).tolist() == [1.0]
    assert window(5, **options).dtype == float32 and window(5, dtype=float64, **options).dtype == float64
    set_default_dtype(float64)
    try:
        assert window(5, **options).dtype == float64
    finally:
        set_default_dtype(float32)
    for dtype in (float16, int64):
        with pytest.raises(ValueError, match=f"^{name} expects float32 or float64 dtypes, got: {dtype}$"):
            window(4, dtype=dtype, **options)
    with pytest.raises(ValueError, match=f"^{name} requires non-negative window length, got M=-1$"):
        window(-1, **options)
    with pytest.raises(ValueError, match=f"^{name} is implemented for strided tensors only"):
        window(4, layout="sparse_coo", **options)
    assert window(3, layout=strided, **options).shape == (3,)
    with pytest.raises(TypeError, match=f"{name}: M must be an int"):
        window(4.0, **options)


def test_pytorch_values():
    # PyTorch 2.13, dtype=torch.float64: torch.signal.windows.nuttall(5), cosine(4, sym=False),
    # gaussian(4, std=1.5), exponential(4, sym=False, center=1.0, tau=2.0), kaiser(5, beta=3.0, sym=False),
    # general_cosine(4, a=[0.5, 0.3, 0.2])
    pinned = [
        (windows.nuttall(5, dtype=float64), [0.0003628, 0.2269824, 1.0, 0.2269824, 0.0003628]),
        (windows.cosine(4, sym=False, dtype=float64), [0.30901699, 0.80901699, 1.0, 0.80901699]),
        (windows.gaussian(4, std=1.5, dtype=float64), [0.60653066, 0.94595947, 0.94595947, 0.60653066]),
        (
            windows.exponential(4, sym=False, center=1.0, tau=2.0, dtype=float64),
            [0.60653066, 1.0, 0.60653066, 0.36787944],
        ),
        (
            windows.kaiser(5, beta=3.0, sym=False, dtype=float64),
            [0.20488476, 0.62474621, 0.95222186, 0.95222186, 0.62474621],
        ),
        (windows.general_cosine(4, a=[0.5, 0.3, 0.2], dtype=float64), [0.4, 0.55, 0.55, 0.4]),
    ]
    for got, expected in pinned:
        np.testing.assert_allclose(got.numpy(), expected, atol=1e-8)


def test_the_two_families_agree():
    # torch.hann_window(M) is torch.signal.windows.hann(M, sym=False); periodic=False is sym=True
    np.testing.assert_array_equal(windows.hann(7, sym=False).numpy(), hann_window(7).numpy())
    np.testing.assert_array_equal(windows.hann(7).numpy(), hann_window(7, False).numpy())


def test_exponential_center():
    # center moves the peak; it is given only for periodic windows, and length 1 keeps it
    np.testing.assert_allclose(
        windows.exponential(5, sym=False, center=0.0, dtype=float64).numpy(), np.exp(-np.arange(5.0))
    )
    np.testing.assert_allclose(windows.exponential(1, sym=False, center=2.0, tau=0.5).numpy(), [np.exp(-4.0)])
    with pytest.raises(ValueError, match="^Center must be None for symmetric windows$"):
        windows.exponential(4, center=1.0)
    with pytest.raises(TypeError, match="exponential: center must be a number"):
        windows.exponential(4, sym=False, center="middle")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: windows.exponential(4, tau=0.0), ValueError, "^Tau must be positive, got: 0.0 instead.$"),
        (lambda: windows.exponential(4, tau=-1), ValueError, "^Tau must be positive, got: -1.0 instead.$"),
        (lambda: windows.gaussian(4, std=0), ValueError, "^Standard deviation must be positive, got: 0.0"),
        (lambda: windows.gaussian(4, std=float("nan")), ValueError, "^Standard deviation must be positive"),
        (lambda: windows.kaiser(4, beta=-0.5), ValueError, "^beta must be non-negative, got: -0.5 instead.$"),
        (lambda: windows.kaiser(4, beta="big"), TypeError, "kaiser: beta must be a number"),
        (lambda: windows.general_cosine(4, a=[]), ValueError, "^Coefficients cannot be empty$"),
        (lambda: windows.general_cosine(4, a=3), TypeError, "^Coefficients must be a list/tuple$"),
        (lambda: windows.general_cosine(4, a="ab"), TypeError, "^Coefficients must be a list/tuple$"),
        (lambda: windows.general_cosine(4, a=[1, "x"]), TypeError, "general_cosine: a must be a number"),
        (lambda: windows.general_hamming(4, alpha=None), TypeError, "general_hamming: alpha must be"),
        (lambda: windows.hann(4, dtype=int64), ValueError, "^hann expects float32 or float64"),
    ],
)
def test_option_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
