"""F.interpolate's bicubic, trilinear, nearest-exact and area modes, and 5-D nearest: PyTorch 2.13's values.

Every expected array below is what ``torch.nn.functional.interpolate`` returned for the same call on
``arange(n) ** 1.5`` (float64), rounded to 12 decimals; the gradients are checked by central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn

IMAGE = (1, 1, 3, 4)
VOLUME = (1, 1, 2, 3, 4)

CASES = [
    (IMAGE, {"size": (4, 6), "mode": "bicubic"},
     [[-0.647439322431, -0.312523377424, 0.548233002363, 1.549695989682, 3.268215294166, 4.436245803966],
      [3.313672578151, 4.380748696672, 6.314992459314, 7.923459196276, 10.414275689486, 12.021931069305],
      [13.815760326549, 15.690233033003, 18.84646702966, 21.200214525043, 24.662963407965, 26.835143101655],
      [23.290341163273, 25.465584741214, 29.111666732278, 31.81187454279, 35.745753759442, 38.200524527753]]),
    (IMAGE, {"size": (5, 3), "mode": "bicubic", "align_corners": True},
     [[0.0, 1.785989315689, 5.196152422707], [2.62867965644, 5.795862870805, 10.174210782912],
      [8.0, 12.878359718981, 18.520259177452], [16.063708498985, 22.111931559117, 28.750700943938],
      [22.62741699797, 29.265683948636, 36.482872693909]]),
    (IMAGE, {"scale_factor": 1.5, "mode": "bicubic"},
     [[-0.764820693122, -0.446753920621, 0.389135055533, 1.376304587262, 3.076536837829, 4.234109434328],
      [2.456943792572, 3.377052420781, 5.095430025801, 6.581289729686, 8.915873935311, 10.434482077901],
      [10.486395975266, 12.205803933829, 15.119176983281, 17.313549904365, 20.5639008315, 22.610603395398],
      [20.299003520289, 22.365414739847, 25.836968646037, 28.417218944603, 32.189190630254,
       34.547386934461]]),
    (IMAGE, {"size": (5, 3), "mode": "nearest-exact"},
     [[0.0, 2.828427124746, 5.196152422707], [0.0, 2.828427124746, 5.196152422707],
      [8.0, 14.696938456699, 18.520259177452], [22.62741699797, 31.622776601684, 36.482872693909],
      [22.62741699797, 31.622776601684, 36.482872693909]]),
    (IMAGE, {"size": (2, 3), "mode": "area"},
     [[5.045084971875, 7.426426367236, 10.310444295401], [17.201939221367, 21.12501373647, 25.330711732436]]),
    (VOLUME, {"size": (3, 4, 3), "mode": "trilinear"},
     [[[0.166666666667, 1.914213562373, 4.801531539713], [5.393785404948, 8.804479568452, 12.977473738222],
       [14.089853216813, 19.078420095378, 24.554220665281],
       [23.356180831641, 29.311388300842, 35.672856678538]],
      [[21.309855290775, 25.770949280153, 30.972178634889],
       [30.97417154253, 36.591856971908, 42.747961068733],
       [44.344999873611, 51.119564702339, 58.281735079659],
       [56.96539750699, 64.511503227968, 72.395575997359]],
      [[42.453043914883, 49.627684997934, 57.142825730065],
       [56.554557680112, 64.379234375365, 72.518448399244],
       [74.600146530408, 83.1607093093, 92.009249494037],
       [90.574614182338, 99.711618155094, 109.11829531618]]]),
    (VOLUME, {"scale_factor": (1.5, 1, 0.75), "mode": "trilinear", "align_corners": True},
     [[[0.0, 1.914213562373, 5.196152422707], [8.0, 12.938639172099, 18.520259177452],
       [22.62741699797, 29.311388300842, 36.482872693909]],
      [[20.784609690827, 25.770949280153, 31.645451307909], [36.0, 43.084401586961, 50.669669552362],
       [56.035068048981, 64.511503227968, 73.393498865051]],
      [[41.569219381653, 49.627684997934, 58.094750193111], [64.0, 73.230164001824, 82.819079927273],
       [89.442719099992, 99.711618155094, 110.304125036193]]]),
    (VOLUME, {"size": (3, 2, 5), "mode": "nearest"},
     [[[0.0, 0.0, 1.0, 2.828427124746, 5.196152422707], [8.0, 8.0, 11.180339887499, 14.696938456699,
                                                            18.520259177452]],
      [[0.0, 0.0, 1.0, 2.828427124746, 5.196152422707], [8.0, 8.0, 11.180339887499, 14.696938456699,
                                                            18.520259177452]],
      [[41.569219381653, 41.569219381653, 46.872166581032, 52.383203414835, 58.094750193111],
       [64.0, 64.0, 70.0927956355, 76.367532368147, 82.819079927273]]]),
]  # fmt: skip


def powers(shape):
    return autograd.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape) ** 1.5)


@pytest.mark.parametrize("shape, options, expected", CASES)
def test_values_are_pytorchs(shape, options, expected):
    got = nn.functional.interpolate(powers(shape), **options)
    np.testing.assert_allclose(got.numpy()[0, 0], np.array(expected), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("shape, options, expected", CASES)
def test_gradients_match_central_differences(shape, options, expected):
    x = autograd.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    assert autograd.gradcheck(lambda t: nn.functional.interpolate(t, **options), [x])


def test_area_is_adaptive_average_pooling_and_cubic_weights_sum_to_one():
    x = powers((2, 3, 7, 5))
    area = nn.functional.interpolate(x, size=(3, 2), mode="area")
    expected = np.zeros((2, 3, 3, 2))
    for i in range(3):
        for j in range(2):
            rows = slice(i * 7 // 3, -(-(i + 1) * 7 // 3))
            cols = slice(j * 5 // 2, -(-(j + 1) * 5 // 2))
            expected[:, :, i, j] = x.numpy()[:, :, rows, cols].mean(axis=(2, 3))
    np.testing.assert_allclose(area.numpy(), expected, rtol=1e-12)
    ones = nn.functional.interpolate(
        autograd.ones(1, 1, 4, 5, dtype=autograd.float64), size=(9, 7), mode="bicubic"
    )
    np.testing.assert_allclose(ones.numpy(), 1.0, rtol=1e-12)  # a constant stays constant, edges included


def test_area_bins_of_different_lengths():
    # 5 -> 3 rows: bins [0, 2), [1, 4), [3, 5) (2, 3 and 2 rows); 6 -> 4 columns: 2 each.
    x = powers((1, 2, 5, 6))
    got = nn.functional.interpolate(x, size=(3, 4), mode="area").numpy()
    rows, cols = [(0, 2), (1, 4), (3, 5)], [(0, 2), (1, 3), (3, 5), (4, 6)]
    expected = np.array([[x.numpy()[0, :, a:b, c:d].mean(axis=(1, 2)) for c, d in cols] for a, b in rows])
    np.testing.assert_allclose(got[0], expected.transpose(2, 0, 1), rtol=1e-12)


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"size": (3, 3, 3), "mode": "bicubic"}, ValueError, r"output size \(3, 3, 3\) must be positive"),
        ({"size": (0, 3), "mode": "area"}, ValueError, r"output size \(0, 3\) must be positive"),
        ({"size": 3, "mode": "nearest", "antialias": True}, ValueError, "antialias=True is for modes"),
    ],
)  # fmt: skip
def test_sizes_and_options_pytorch_refuses_or_we_lack(options, error, message):
    with pytest.raises(error, match=message):
        nn.functional.interpolate(powers(IMAGE), **options)


def test_the_deprecated_upsample_names_warn_and_are_interpolate():
    import tt_nn.functional as F

    x = autograd.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    with pytest.warns(UserWarning, match=r"upsample is deprecated. Use nn.functional.interpolate"):
        out = F.upsample(x, scale_factor=2, mode="bilinear")
    np.testing.assert_array_equal(out.numpy(), F.interpolate(x, scale_factor=2, mode="bilinear").numpy())
    with pytest.warns(UserWarning, match=r"upsample_nearest is deprecated"):
        out = F.upsample_nearest(x, size=(8, 8))
    np.testing.assert_array_equal(out.numpy(), F.interpolate(x, size=(8, 8)).numpy())
    with pytest.warns(UserWarning, match=r"upsample_bilinear is deprecated"):
        out = F.upsample_bilinear(x, scale_factor=2)  # align_corners=True, as PyTorch's
    expected = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    assert not np.array_equal(out.numpy(), F.interpolate(x, scale_factor=2, mode="bilinear").numpy())
