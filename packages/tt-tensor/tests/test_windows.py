"""Window functions (``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window``,
``kaiser_window``): PyTorch's periodic and symmetric forms, dtypes and errors.

References are written here from the textbook formulas; one PyTorch 2.13 value is pinned per window.
Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_tensor import (
    bartlett_window,
    blackman_window,
    float32,
    float64,
    hamming_window,
    hann_window,
    int64,
    kaiser_window,
    set_default_dtype,
)


def symmetric(name: str, m: int, **options: float) -> np.ndarray:
    """The symmetric window of ``m`` points, from its formula."""
    n = np.arange(m, dtype=np.float64)
    x = 2 * np.pi * n / (m - 1)
    if name == "hann":
        return 0.5 - 0.5 * np.cos(x)
    if name == "hamming":
        return options.get("alpha", 0.54) - options.get("beta", 0.46) * np.cos(x)
    if name == "blackman":
        return 0.42 - 0.5 * np.cos(x) + 0.08 * np.cos(2 * x)
    if name == "bartlett":
        return 1 - np.abs(2 * n / (m - 1) - 1)
    beta = options.get("beta", 12.0)
    return np.i0(beta * np.sqrt(1 - (2 * n / (m - 1) - 1) ** 2)) / np.i0(beta)


WINDOWS = {"hann": hann_window, "hamming": hamming_window, "blackman": blackman_window,
           "bartlett": bartlett_window, "kaiser": kaiser_window}  # fmt: skip


@pytest.mark.parametrize("name", list(WINDOWS))
@pytest.mark.parametrize("length", [2, 3, 8, 9])
def test_periodic_drops_the_last_point_of_one_more_and_symmetric_is_the_formula(name, length):
    periodic = WINDOWS[name](length, dtype=float64).numpy()
    np.testing.assert_allclose(periodic, symmetric(name, length + 1)[:-1], atol=1e-15)
    np.testing.assert_allclose(
        WINDOWS[name](length, False, dtype=float64).numpy(), symmetric(name, length), atol=1e-15
    )


def test_options_and_pytorch_values():
    np.testing.assert_allclose(hann_window(4).numpy(), [0.0, 0.5, 1.0, 0.5], atol=1e-7)
    np.testing.assert_allclose(hamming_window(5, False).numpy(), [0.08, 0.54, 1.0, 0.54, 0.08], atol=1e-7)
    alpha_beta = hamming_window(6, False, 0.5, 0.5, dtype=float64).numpy()
    np.testing.assert_allclose(alpha_beta, symmetric("hann", 6), atol=1e-15)  # Hamming's 0.5/0.5 is Hann
    # PyTorch 2.13: torch.kaiser_window(4, True, 5.0, dtype=torch.float64), torch.blackman_window(5)
    np.testing.assert_allclose(kaiser_window(4, True, 5.0, dtype=float64).numpy(),
                               [0.03671089, 0.55285177, 1.0, 0.55285177], atol=1e-8)  # fmt: skip
    np.testing.assert_allclose(blackman_window(5, dtype=float64).numpy(),
                               [0.0, 0.20077014, 0.84922986, 0.84922986, 0.20077014], atol=1e-8)  # fmt: skip


@pytest.mark.parametrize("name", list(WINDOWS))
def test_lengths_zero_and_one_and_dtypes(name):
    window = WINDOWS[name]
    assert window(0).shape == (0,) and window(1).tolist() == [1.0] and window(1, False).tolist() == [1.0]
    assert window(5).dtype == float32 and window(5, dtype=float64).dtype == float64
    set_default_dtype(float64)
    try:
        assert window(5).dtype == float64
    finally:
        set_default_dtype(float32)
    with pytest.raises(ValueError, match=f"{name}_window: dtype must be a floating point type, got tt.int64"):
        window(4, dtype=int64)
    with pytest.raises(ValueError, match=f"{name}_window.*window_length"):
        window(-1)
