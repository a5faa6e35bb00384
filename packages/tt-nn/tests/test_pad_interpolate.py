"""``F.pad`` and ``F.interpolate`` (everyday torch API): values against NumPy references, gradchecks, errors.

References: ``np.pad`` for padding (``reflect`` = PyTorch's reflect, ``edge`` =
replicate, ``wrap`` = circular) and a direct per-pixel loop for resizing,
written from the formulas in PyTorch's documentation.

Not course material (the code sits outside the solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional as F

X = np.random.default_rng(3).standard_normal((2, 3, 4, 5))


@pytest.mark.parametrize(
    ("mode", "numpy_mode"), [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")]
)
@pytest.mark.parametrize("pad", [(1, 2), (2, 1, 3, 0), (0, 0, 1, 1)])
def test_pad_modes_match_numpy(mode, numpy_mode, pad):
    out = F.pad(autograd.tensor(X), pad, mode=mode)
    widths = [(0, 0)] * 2 + [(pad[2], pad[3]) if len(pad) == 4 else (0, 0), (pad[0], pad[1])]
    np.testing.assert_array_equal(out.numpy(), np.pad(X, widths, mode=numpy_mode))


def test_constant_pad_with_a_value_and_cropping():
    out = F.pad(autograd.tensor(X), (1, 1, 2, 0, 1, 0), value=-3.0)
    np.testing.assert_array_equal(
        out.numpy(), np.pad(X, [(0, 0), (1, 0), (2, 0), (1, 1)], constant_values=-3.0)
    )
    cropped = F.pad(autograd.tensor(X), (-1, 2))
    np.testing.assert_array_equal(cropped.numpy(), np.pad(X[..., 1:], [(0, 0)] * 3 + [(0, 2)]))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradients(mode, leaf, check_grad):
    value = 0.5 if mode == "constant" else None
    weights = autograd.arange(42.0).reshape(6, 7)
    check_grad(lambda x: F.pad(x, (2, 1, 1, 2), mode=mode, value=value) * weights, leaf(2, 3, 4))


def test_pad_errors_name_the_problem():
    x = autograd.zeros(1, 2, 3)
    # PyTorch 2.13's words: "Argument #4: Padding size should be less than the corresponding input
    # dimension, but got: padding (3, 0) at dimension 2 of input [1, 2, 3]" (a RuntimeError)
    words = r"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
    with pytest.raises(RuntimeError, match=words + r"padding \(3, 0\) at dimension 2 of input \[1, 2, 3\]"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(RuntimeError, match=r"Argument #6: .* \(0, 2\) at dimension 1 of input \[1, 2, 3\]"):
        F.pad(x, (2, 2, 0, 2), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        F.pad(x, (0, 0, 3, 0), mode="circular")
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        F.pad(x, (0, 4), mode="circular")
    assert F.pad(x, (3, 3, 2, 2), mode="circular").shape == (1, 6, 9)  # a whole period each side is fine
    with pytest.raises(ValueError, match="pad: padding .* even length"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(NotImplementedError, match="pad: mode 'symmetric' is not supported"):
        F.pad(x, (1, 1), mode="symmetric")
    with pytest.raises(ValueError, match="pad: value= only applies to mode='constant'"):
        F.pad(x, (1, 1), mode="replicate", value=2.0)


def _reference(x, out_size, mode, align_corners):
    """Resize the last two dims pixel by pixel, straight from the formulas."""
    h_in, w_in = x.shape[-2:]
    h_out, w_out = out_size
    out = np.zeros(x.shape[:-2] + (h_out, w_out))

    def source(dst, n_in, n_out):
        if mode == "nearest":
            return min(math.floor(dst * n_in / n_out), n_in - 1)
        if align_corners:
            return dst * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        return max((dst + 0.5) * n_in / n_out - 0.5, 0.0)

    for i in range(h_out):
        for j in range(w_out):
            si, sj = source(i, h_in, h_out), source(j, w_in, w_out)
            if mode == "nearest":
                out[..., i, j] = x[..., si, sj]
                continue
            i0, j0 = min(int(si), h_in - 1), min(int(sj), w_in - 1)
            i1, j1 = min(i0 + 1, h_in - 1), min(j0 + 1, w_in - 1)
            a, b = si - i0, sj - j0
            out[..., i, j] = (
                (1 - a) * (1 - b) * x[..., i0, j0]
                + (1 - a) * b * x[..., i0, j1]
                + a * (1 - b) * x[..., i1, j0]
                + a * b * x[..., i1, j1]
            )
    return out


@pytest.mark.parametrize("size", [(8, 10), (3, 7), (1, 2)])
@pytest.mark.parametrize(
    ("mode", "align_corners"), [("nearest", None), ("bilinear", False), ("bilinear", True)]
)
def test_interpolate_matches_the_formulas(size, mode, align_corners):
    out = F.interpolate(autograd.tensor(X), size=size, mode=mode, align_corners=align_corners)
    np.testing.assert_allclose(out.numpy(), _reference(X, size, mode, align_corners), rtol=1e-12, atol=1e-12)


def test_interpolate_scale_factor_and_linear_mode():
    out = F.interpolate(autograd.tensor(X), scale_factor=2)
    np.testing.assert_array_equal(out.numpy(), X.repeat(2, axis=2).repeat(2, axis=3))
    line = F.interpolate(autograd.tensor([[[0.0, 1.0]]]), size=3, mode="linear", align_corners=True)
    assert line.tolist() == [[[0.0, 0.5, 1.0]]]


@pytest.mark.parametrize(
    ("mode", "align_corners"), [("nearest", None), ("bilinear", False), ("bilinear", True)]
)
def test_interpolate_gradients(mode, align_corners, leaf, check_grad):
    check_grad(
        lambda x: (
            F.interpolate(x, size=(5, 3), mode=mode, align_corners=align_corners)
            * autograd.arange(15.0).reshape(5, 3)
        ),
        leaf(1, 2, 3, 4),
    )


def test_interpolate_errors():
    with pytest.raises(NotImplementedError, match="interpolate: mode 'box' is not supported"):
        F.interpolate(autograd.zeros(1, 1, 2, 2), size=3, mode="box")
    with pytest.raises(ValueError, match="interpolate: mode 'trilinear' got input of shape"):
        F.interpolate(autograd.zeros(1, 1, 2, 2), size=3, mode="trilinear")
    with pytest.raises(
        ValueError, match="align_corners only applies to the linear and cubic modes, not 'area'"
    ):
        F.interpolate(autograd.zeros(1, 1, 2, 2), size=3, mode="area", align_corners=True)
    with pytest.raises(ValueError, match="interpolate: mode 'bilinear' got input of shape"):
        F.interpolate(autograd.zeros(1, 1, 2), size=3, mode="bilinear")
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(autograd.zeros(1, 1, 2))
