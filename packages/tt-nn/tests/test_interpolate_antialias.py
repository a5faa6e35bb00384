"""F.interpolate(antialias=True) and mode="lanczos": PyTorch 2.13's values and refusals.

Expected arrays: what ``torch.nn.functional.interpolate`` returned for the same call on
``arange(35) ** 1.5`` (float64, shape (1, 1, 5, 7)), rounded to 12 decimals. The gradients are
checked by central differences; a slow per-pixel reference of PIL's rule checks the taps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn

IMAGE = (1, 1, 5, 7)

CASES = [
    ({"size": (2, 3), "mode": "bilinear"},
     [[27.043277418946, 35.999022007268, 46.198282496028],
      [105.188971222334, 120.459253913383, 136.392627783819]]),
    ({"size": (3, 2), "mode": "bicubic"},
     [[8.818069192998, 19.487484381147], [61.397324316296, 81.036586557856],
      [139.861954735347, 165.384265331413]]),
    ({"size": (2, 2), "mode": "lanczos"},
     [[20.494780443433, 34.567737698756], [115.776466611393, 141.218127953523]]),
    ({"scale_factor": (0.5, 1.6), "mode": "bicubic"},
     [[9.279463049662, 10.378440777867, 12.363042751829, 14.348792143508, 16.491146540967, 18.775723613355,
       21.186673041398, 23.717426196887, 26.362045871512, 29.486230732579, 31.804426644958],
      [78.245406833455, 80.923683020334, 85.569539012968, 89.689230026492, 93.873051176026, 98.121143412702,
       102.432801718211, 106.807301754725, 111.244159571107, 116.330238148266, 120.049523247153]]),
    ({"size": (2, 4), "mode": "bilinear", "align_corners": True},
     [[56.217388931754, 65.60355763221, 77.019632335441, 84.536886301344],
      [125.519317323486, 139.054615531481, 154.749925488299, 164.810391695974]]),
    ({"size": (1, 4), "mode": "bicubic", "align_corners": True},  # one row: scale 0, every tap at row 0
     [[-2.01674022733, 0.735147346337, 6.281669938591, 10.573154731401]]),
]  # fmt: skip


def powers(shape):
    return autograd.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape) ** 1.5)


@pytest.mark.parametrize("options, expected", CASES)
def test_values_are_pytorchs(options, expected):
    out = nn.functional.interpolate(powers(IMAGE), antialias=True, **options)
    np.testing.assert_allclose(out.numpy()[0, 0], expected, rtol=1e-11, atol=1e-9)


def _pil_reference(row: np.ndarray, s_out: int, half: float, kernel) -> np.ndarray:
    """One axis the slow way: each output a normalised kernel-weighted sum of the inputs in reach."""
    s_in = len(row)
    scale = s_in / s_out
    support, stretch = (half * scale, 1 / scale) if scale >= 1 else (half, 1.0)
    out = []
    for i in range(s_out):
        centre = scale * (i + 0.5)
        reach = range(max(int(centre - support + 0.5), 0), min(int(centre + support + 0.5), s_in))
        weights = [kernel((j - centre + 0.5) * stretch) for j in reach]
        out.append(sum(w * row[j] for w, j in zip(weights, reach)) / sum(weights))
    return np.array(out)


def _keys(x, a=-0.5):
    x = abs(x)
    return (
        ((a + 2) * x - (a + 3)) * x * x + 1 if x < 1 else ((((x - 5) * x + 8) * x - 4) * a if x < 2 else 0.0)
    )


def _sinc(x):
    return 1.0 if x == 0 else math.sin(math.pi * x) / (math.pi * x)


@pytest.mark.parametrize(
    "mode, half, kernel",
    [("bilinear", 1.0, lambda x: max(0.0, 1 - abs(x))), ("bicubic", 2.0, _keys),
     ("lanczos", 3.0, lambda x: _sinc(x) * _sinc(x / 3) if abs(x) < 3 else 0.0)],
)  # fmt: skip
@pytest.mark.parametrize("s_out", [1, 3, 5, 11, 30])  # shrinking by 11x ... growing by 2.7x
def test_taps_follow_pils_rule_on_one_axis(mode, half, kernel, s_out):
    row = np.random.default_rng(s_out).normal(size=11)
    x = autograd.tensor(row.reshape(1, 1, 1, 11))
    out = nn.functional.interpolate(x, size=(1, s_out), mode=mode, antialias=True).numpy()[0, 0, 0]
    np.testing.assert_allclose(out, _pil_reference(row, s_out, half, kernel), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_a_constant_image_stays_constant_and_gradients_are_right(mode):
    flat = nn.functional.interpolate(autograd.full((1, 2, 9, 6), 2.5), size=(4, 5), mode=mode, antialias=True)
    np.testing.assert_allclose(flat.numpy(), 2.5, rtol=1e-6)
    x = autograd.tensor(np.random.default_rng(1).normal(size=(2, 1, 7, 5)), requires_grad=True)
    assert autograd.gradcheck(
        lambda t: nn.functional.interpolate(t, size=(3, 8), mode=mode, antialias=True), [x]
    )


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"mode": "nearest", "antialias": True},
            "antialias=True is for modes 'bilinear', 'bicubic' and 'lanczos'",
        ),
        ({"mode": "area", "antialias": True}, "not 'area'"),
        ({"mode": "lanczos"}, "'lanczos' requires antialias=True"),
        ({"mode": "lanczos", "antialias": True, "align_corners": True}, "and no align_corners"),
    ],
)
def test_pytorchs_refusals(options, message):
    with pytest.raises(ValueError, match=message):
        nn.functional.interpolate(powers(IMAGE), size=(2, 2), **options)
