"""torchvision's photometric functions, batched: pinned against torchvision, per-image factors, refusals.

Beyond module 08's exercises: no module number. The pinned values were computed with torchvision 0.28
(its tensor path, one image at a time) from the two uint8 images built below and their float32
``/ 255`` copy, by a scratch script outside the repository; uint8 results are pinned byte for byte,
float32 ones by their sum, a weighted sum and two pixels, to float32 rounding.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.transforms_color_functional as F
from tt_vision.transforms_color_functional import _turns_into_unit

# (2, 3, 3, 4) uint8: a scrambled image U and a smooth one S (gradients along both axes).
U = ((np.arange(2 * 3 * 3 * 4).reshape(2, 3, 3, 4) * 37 + 11) % 256).astype(np.uint8)
_ROWS, _COLUMNS = np.mgrid[0:3, 0:4]
S = np.stack(
    [np.stack([(40 + 20 * _COLUMNS + 7 * _ROWS + 30 * c + 50 * b) % 256 for c in range(3)]) for b in range(2)]
).astype(np.uint8)
FLOAT = U.astype(np.float32) / np.float32(255)
WEIGHTS = np.arange(FLOAT.size, dtype=np.float64).reshape(FLOAT.shape) % 7 - 3
IMAGES = {"U": U, "S": S}

# torchvision 0.28's uint8 output bytes (hex), per function, arguments and image.
PINNED_UINT8 = {
    (
        "adjust_brightness",
        (0.6,),
        "U",
    ): "061c33495f758b081e344b61778d0a20364c63798f0c22384e647b910d243a50667c930f"
    "253c52687e9411273d546a809613293f556c8298152b41576d8400162d43596f8502182e",
    (
        "adjust_brightness",
        (0.6,),
        "S",
    ): "1824303c1c283440202c38442a36424e2e3a4652323e4a563c485460404c586444505c68"
    "36424e5a3a46525e3e4a56624854606c4c586470505c68745a66727e5e6a7682626e7a86",
    (
        "adjust_brightness_up",
        (1.7,),
        "U",
    ): "125190cfffffff175695d4ffffff1c5b9ad9ffffff22609fdeffffff2766a4e3ffffff2c"
    "6baae8ffffff3170afeeffffff3675b4f3ffffff3b7ab9f8ffff01407fbefdffff064584",
    (
        "adjust_brightness_up",
        (1.7,),
        "S",
    ): "446688aa4f7193b55b7d9fc17799bbdd82a4c6e88eb0d2f4aacceeffb5d7f9ffc1e3ffff"
    "99bbddffa4c6e8ffb0d2f4ffcceeffffd7f9ffffe3ffffffffffffffffffffffffffffff",
    (
        "adjust_contrast",
        (0.5,),
        "U",
    ): "425467798c9eb14356687b8da0b245576a7c8fa1b446596b7e90a3b5485a6d7f92a4b749"
    "61748699abbe506375889aadbf526477899caec15366788b9db04255677a8c9fb1445669",
    (
        "adjust_contrast",
        (0.5,),
        "S",
    ): "46505a644a545e684d57616b555f697359636d775c66707a646e788268727c866b757f89"
    "78828c967c86909a7f89939d87919ba58b959fa98e98a2ac96a0aab49aa4aeb89da7b1bb",
    (
        "adjust_contrast_up",
        (1.8,),
        "U",
    ): "0000377abcffff00003d7fc2ffff00004285c7ffff0005478acdffff000a4d90d2ffff00"
    "074a8ccfffff000c4f92d4ffff00125497daffff00175a9cdfff00001d5fa2e4ff000022",
    (
        "adjust_contrast_up",
        (1.8,),
        "S",
    ): "001b3f6303274b6f1034587c2d517599395d81a5466a8eb26387abcf6f93b7db7ca0c4e8"
    "294d719535597da142668aae5f83a7cb6b8fb3d7789cc0e495b9ddffa1c5e9ffaed2f6ff",
    (
        "adjust_saturation",
        (0.3,),
        "U",
    ): "61864267779cc16489456a7a9abf2d526388ad9dc230556685aa668b4f749988ad698e52"
    "95516186abd07398546489aece3c4d7297bcacd13f50759ab975395e83a897bc783c6186",
    (
        "adjust_saturation",
        (0.3,),
        "S",
    ): "384c60743f53677b465a6e824155697d485c70844f63778b4a5e72865165798d586c8094"
    "6a7e92a6718599ad788ca0b473879baf7a8ea2b68195a9bd7c90a4b88397abbf8a9eb2c6",
    (
        "adjust_saturation_up",
        (2.5,),
        "U",
    ): "00007da2f3ffff000080a5f6ffff0000496e93ffff00004c7da2ffff00000080a5ffff00"
    "008cddffffff00008fe0ffffff0033587da2ffff00365b80b1ff000000008fb4ff000000",
    (
        "adjust_saturation_up",
        (2.5,),
        "S",
    ): "04182c400b1f334712263a4e4f63778b566a7e925d7185999aaec2d6a1b5c9dda8bcd0e4"
    "364a5e723d51657944586c808195a9bd889cb0c48fa3b7cbcce0f4ffd3e7fbffdaeeffff",
    ("adjust_hue", (0.27,), "U"): "3b60cdf2173c613e63d0f51a0b3011369fc4e90e331439a2c7ec1439274c71caef173c2a"
    "6fdc01264b704d73df04294e3f2089aed3f81d42238cb1d6fb2311365b80d9fe2614395e",
    ("adjust_hue", (0.27,), "S"): "64788ca06b7f93a772869aae283c50642f43576b364a5e725d71859964788ca06b7f93a7"
    "96aabed29db1c5d9a4b8cce05a6e82966175899d687c90a48fa3b7cb96aabed29db1c5d9",
    (
        "adjust_hue_neg",
        (-0.45,),
        "U",
    ): "c7ec5076173c61caef53791a0b30cdf232577c0e33d0f535163b11369fc4e9193e1439a2"
    "fb5f01264b70d9fe6204294e3fdc1c41668b1d42df1f44694a2089aed3f8284d238cb1d6",
    (
        "adjust_hue_neg",
        (-0.45,),
        "S",
    ): "64788ca06b7f93a772869aae586c80945f73879b667a8ea2283c50642f43576b364a5e72"
    "96aabed29db1c5d9a4b8cce08a9eb2c691a5b9cd98acc0d45a6e82966175899d687c90a4",
    (
        "adjust_gamma",
        (0.6, 1.2),
        "U",
    ): "2e709ec5e7ffff3574a2c8e9ffff3c79a5cbecffff427da8cdefffff4880acd0f1ffff4e"
    "84afd3f4ffff5388b2d6f6ffff588cb5d9f9ffff5d8fb8dbfbff0b6293bbdefeff196696",
    (
        "adjust_gamma",
        (0.6, 1.2),
        "S",
    ): "658099af6f89a1b67992a8bd8da4b9cd95acc0d39db3c7daafc3d6e8b6cadceebdd0e2f4"
    "a4b9cddfacc0d3e5b3c7daebc3d6e8f9cadceeffd0e2f4ffdff0ffffe5f6ffffebfcffff",
    (
        "adjust_sharpness",
        (2.0,),
        "U",
    ): "0b30557a9fffff0e33587da2c7ec11365b80cccaef14395e83a8cdf217013a86abd0f51a"
    "3f6489aed3ff0042678cb1d6fb20456a8fdbfffe23486d92b7dc01264b70bcbadf04294e",
    (
        "adjust_sharpness",
        (2.0,),
        "S",
    ): "283c50642f43576b364a5e72465a6e824d61758954687c9064788ca06b7f93a772869aae"
    "5a6e82966175899d687c90a4788ca0b47f93a7bb869aaec296aabed29db1c5d9a4b8cce0",
    (
        "adjust_sharpness_down",
        (0.3,),
        "U",
    ): "0b30557a9f9ab10e33587da2c7ec11365b8089caef14395e83a8cdf217657c86abd0f51a"
    "3f6489aed3c05442678cb1d6fb20456a8f98affe23486d92b7dc01264b7079badf04294e",
    (
        "adjust_sharpness_down",
        (0.3,),
        "S",
    ): "283c50642f43576b364a5e72465a6e824d61758954687c9064788ca06b7f93a772869aae"
    "5a6e82966175899d687c90a4788ca0b47f93a7bb869aaec296aabed29db1c5d9a4b8cce0",
    ("rgb_to_grayscale", (1,), "U"): "87ac3a5f678cb18aaf3d626abb4951769bc099be4c54799e",
    ("rgb_to_grayscale", (1,), "S"): "4054687c475b6f834e62768a72869aae798da1b58094a8bc",
    ("invert", (), "U"): "f4cfaa85603b16f1cca7825d3813eec9a47f5a3510ebc6a17c57320de8c39e79542f0ae5"
    "c09b76512c07e2bd98734e2904dfba95704b2601dcb7926d4823fed9b48f6a4520fbd6b1",
    ("invert", (), "S"): "d7c3af9bd0bca894c9b5a18db9a5917db29e8a76ab97836f9b87735f94806c588d796551"
    "a5917d699e8a766297836f5b87735f4b806c58447965513d6955412d624e3a265b47331f",
    ("autocontrast", (), "U"): "002a557faad4ff032d5882add1fb002a557faad4ff032d587ca6d1fb002a557faad4ff03"
    "27527da8d3ff002b5681acd7fb002a557faad4ff032d5882d1fb002a557faad4ff032d58",
    ("autocontrast", (), "S"): "004489ce185da1e63075baff004489ce185da1e63075baff004489ce185da1e63075baff"
    "004489ce185da1e63075baff004489ce185da1e63075baff004489ce185da1e63075baff",
    (
        "gaussian_blur",
        ((3, 5), (0.8, 1.3)),
        "U",
    ): "6c7f877773878c7971848c7c958674738d80767b8a7a7178697c959a667990926e81928e"
    "a0967a70a79b7a6ea59b7f75878394a783859caf7b8099ac857664637d70666b7a6a6168",
    (
        "gaussian_blur",
        ((3, 5), (0.8, 1.3)),
        "S",
    ): "3842566139435761394458625660747f5761757f57627680747e929d757f939d7580949e"
    "6a7488936b7589936b768a948892a6b18993a7b18994a8b2a6b0c4cfa7b1c5cfa7b2c6d0",
    ("posterize", (3,), "U"): "0020406080c0e000204060a0c0e000204080a0c0e000204080a0c0e000206080a0c0e000"
    "206080a0c0e000406080a0c0e020406080a0c0e020406080a0c00020406080a0c0002040",
    ("posterize", (3,), "S"): "202040602040406020404060404060804060608040606080606080a0606080a0608080a0"
    "4060808060608080606080a06080a0a06080a0a08080a0c080a0a0c080a0c0c0a0a0c0e0",
    ("solarize", (100,), "U"): "0b305585603b160e3358825d381311365b7f5a351014395e7c57320d173c6179542f0a1a"
    "3f9b76512c071d4298734e2904204595704b26012348926d482301264b8f6a452004294e",
    ("solarize", (100,), "S"): "283c509b2f435794364a5e8d465a917d4d618a765497836f9b87735f94806c588d796551"
    "5a917d69618a766297836f5b87735f4b806c58447965513d6955412d624e3a265b47331f",
    ("equalize", (), "U"): "0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186abd0f51a"
    "3f6489aed3f81d42678cb1d6fb20456a8fb4d9fe23486d92b7dc01264b7095badf04294e",
    ("equalize", (), "S"): "283c50642f43576b364a5e72465a6e824d61758954687c9064788ca06b7f93a772869aae"
    "5a6e82966175899d687c90a4788ca0b47f93a7bb869aaec296aabed29db1c5d9a4b8cce0",
}

# torchvision 0.28's float32 output on FLOAT: (sum, sum of out * WEIGHTS, out[0, 0, 1, 2], out[1, -1, 2, 3]).
PINNED_FLOAT = {
    ("adjust_brightness", (0.6,)): (21.3929424, 20.1058832, 0.548235297, 0.183529422),
    ("adjust_brightness_up", (1.7,)): (50.1600013, 32.5733321, 1, 0.520000041),
    ("adjust_contrast", (0.5,)): (35.8093378, 15.5167926, 0.69597888, 0.413321912),
    ("adjust_contrast_up", (1.8,)): (35.2531315, 48.1296528, 1, 0.133979112),
    ("adjust_saturation", (0.3,)): (35.8711106, 11.7008674, 0.761528194, 0.527023613),
    ("adjust_saturation_up", (2.5,)): (35.5499182, 47.6225973, 1, 0),
    ("adjust_hue", (0.27,)): (29.9454135, -4.97584864, 0.380392194, 0.369882584),
    ("adjust_hue_neg", (-0.45,)): (30.8156819, -31.0831369, 0.380392194, 0.839215696),
    ("adjust_gamma", (0.6, 1.2)): (51.5996114, 25.8716327, 1, 0.589540899),
    ("adjust_sharpness", (2.0,)): (36.1125195, 35.8796381, 1, 0.305882365),
    ("adjust_sharpness_down", (0.3,)): (35.0602723, 30.2663654, 0.697496235, 0.305882365),
    ("rgb_to_grayscale", (1,)): (11.9879237, 2.3541798, 0.696300805, 0.621798456),
    ("invert", ()): (36.3450975, -38.5098046, 0.0862745047, 0.694117665),
    ("autocontrast", ()): (34.9279281, 39.0186351, 1, 0.346846849),
    ("gaussian_blur", ((3, 5), (0.8, 1.3))): (36.6088102, 0.334925294, 0.548047721, 0.408788234),
    ("solarize", (0.4,)): (18.4156859, -5.3450988, 0.0862745047, 0.305882365),
}


def _function(name: str):
    """The function a pin names: ``adjust_contrast_up`` is ``adjust_contrast`` with a factor above 1."""
    return getattr(F, name.removesuffix("_up").removesuffix("_neg").removesuffix("_down"))


@pytest.mark.parametrize(("name", "arguments", "image"), list(PINNED_UINT8))
def test_uint8_results_are_torchvisions_byte_for_byte(name, arguments, image):
    out = _function(name)(IMAGES[image], *arguments)
    expected = np.frombuffer(bytes.fromhex(PINNED_UINT8[name, arguments, image]), np.uint8)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.reshape(-1), expected, err_msg=f"{name}{arguments} on {image}")


@pytest.mark.parametrize(("name", "arguments"), list(PINNED_FLOAT))
def test_float_results_are_torchvisions_to_float32_rounding(name, arguments):
    out = _function(name)(FLOAT, *arguments)
    assert out.dtype == np.float32
    got = (out.sum(dtype=np.float64), (out * WEIGHTS).sum(), out[0, 0, 1, 2], out[1, -1, 2, 3])
    np.testing.assert_allclose(got, PINNED_FLOAT[name, arguments], rtol=2e-6, atol=2e-6)


def test_one_channel_images_and_three_gray_channels_are_torchvisions():
    gray = U[:, :1]  # torchvision 0.28's bytes for contrast 0.4, a default blur and 3 gray channels
    contrast = "45536271808f9d46556372816c7b8998a7b65e6d7c8b99a8"
    blur = "63777e6f74878c79788c9384978d7369a89b7a6daca2887e"
    np.testing.assert_array_equal(
        F.adjust_contrast(gray, 0.4).reshape(-1), np.frombuffer(bytes.fromhex(contrast), np.uint8)
    )
    np.testing.assert_array_equal(
        F.gaussian_blur(gray, 3).reshape(-1), np.frombuffer(bytes.fromhex(blur), np.uint8)
    )
    three = F.rgb_to_grayscale(U, 3)
    assert three.shape == (2, 3, 3, 4)
    np.testing.assert_array_equal(three, np.repeat(F.rgb_to_grayscale(U), 3, axis=1))
    np.testing.assert_array_equal(F.rgb_to_grayscale(gray, 3), np.repeat(gray, 3, axis=1))
    copy = F.rgb_to_grayscale(gray)
    assert copy is not gray
    np.testing.assert_array_equal(copy, gray)
    np.testing.assert_array_equal(F.to_grayscale(S, 3), F.rgb_to_grayscale(S, 3))
    for function in (F.adjust_saturation, F.adjust_hue):  # as torchvision (PIL's behaviour): unchanged
        assert function(gray, 0.3) is gray


@pytest.mark.parametrize(
    ("function", "factors"),
    [
        (F.adjust_brightness, [0.2, 1.6]),
        (F.adjust_contrast, [0.0, 1.9]),
        (F.adjust_saturation, [2.5, 0.4]),
        (F.adjust_hue, [-0.5, 0.3]),
        (F.adjust_gamma, [0.5, 2.0]),
        (F.adjust_sharpness, [0.1, 3.0]),
    ],
)
def test_one_factor_per_image_is_each_images_own_call(function, factors):
    for images in (S, FLOAT):
        batched = function(images, np.array(factors))
        for k, factor in enumerate(factors):
            alone = function(images[k : k + 1], factor)[0]
            if function is F.adjust_gamma and images is FLOAT:  # NumPy's x ** 0.5 is sqrt: 1 ulp apart
                np.testing.assert_allclose(batched[k], alone, rtol=2e-7)
            else:
                np.testing.assert_array_equal(batched[k], alone)
    as_tensor = function(autograd.tensor(FLOAT), autograd.tensor(np.array(factors)))
    np.testing.assert_array_equal(as_tensor.numpy(), function(FLOAT, factors))


def test_gamma_gain_per_image_and_blur_sigma_per_image():
    gains = F.adjust_gamma(S, 1.0, [0.5, 1.5])
    np.testing.assert_array_equal(gains[1], F.adjust_gamma(S[1:], 1.0, 1.5)[0])
    for sigma in ([0.7, 1.6], [[0.7, 0.9], [1.6, 0.4]]):  # (B,) per image; (B, 2): (σx, σy) per image
        big = np.concatenate([S, S, S], axis=2)  # 9 rows for a 5-row kernel
        per_image = np.asarray(sigma) if np.ndim(sigma) == 2 else np.stack([sigma, sigma], axis=1)
        batched = F.gaussian_blur(
            np.concatenate([big, big[:1]]), (3, 5), np.concatenate([per_image, per_image[:1]])
        )
        for k in range(2):
            np.testing.assert_array_equal(batched[k], F.gaussian_blur(big[k], (3, 5), list(per_image[k])))
    three = np.concatenate([FLOAT, FLOAT[:1]])
    per_image = F.gaussian_blur(three, (3, 3), np.array([0.5, 1.0, 1.5]))  # (B,): the same σ on both axes
    np.testing.assert_array_equal(per_image[2], F.gaussian_blur(three[2], 3, 1.5))
    np.testing.assert_array_equal(F.gaussian_blur(U, 1, 2.0), U)  # a 1-tap kernel changes nothing
    pair = F.gaussian_blur(FLOAT, 3, (0.8, 1.2))  # a batch of two: a pair is torchvision's (σx, σy)
    np.testing.assert_array_equal(pair[1], F.gaussian_blur(FLOAT[1], [3, 3], [0.8, 1.2]))
    np.testing.assert_array_equal(F.gaussian_blur(FLOAT, 3, [0.8]), F.gaussian_blur(FLOAT, 3, 0.8))


def test_tensors_single_images_and_float64_keep_their_kind():
    one = F.adjust_hue(autograd.tensor(FLOAT[0]), 0.2)
    assert isinstance(one, autograd.Tensor) and one.shape == (3, 3, 4)
    np.testing.assert_array_equal(one.numpy(), F.adjust_hue(FLOAT, 0.2)[0])
    wide = F.adjust_contrast(FLOAT.astype(np.float64), 1.5)
    assert wide.dtype == np.float64
    np.testing.assert_allclose(wide, F.adjust_contrast(FLOAT, 1.5), atol=1e-6)
    assert F.adjust_hue(FLOAT.astype(np.float64), 0.1).dtype == np.float64
    assert F.invert(U[0]).shape == (3, 3, 4)


def test_edge_cases_follow_torchvision():
    np.testing.assert_array_equal(F.posterize(U, 0), np.zeros_like(U))
    np.testing.assert_array_equal(F.posterize(U, 8), U)
    flat = np.full((1, 3, 4, 4), 77, np.uint8)
    flat[0, 1] = np.arange(16).reshape(4, 4)  # channel 1 varies, 0 and 2 are flat
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero on the way
        stretched = F.autocontrast(flat)
    np.testing.assert_array_equal(stretched[0, [0, 2]], flat[0, [0, 2]])  # flat channels: unchanged
    assert stretched[0, 1].min() == 0 and stretched[0, 1].max() == 255
    # the brightest value reaches 255 (torchvision 0.28: [0, 98, 255]; dividing 255 by the range first
    # gives 254.99998 in float32, truncated to 254)
    np.testing.assert_array_equal(F.autocontrast(np.array([[[3, 100, 255]]], np.uint8)), [[[0, 98, 255]]])
    two_values = np.zeros((1, 1, 2, 2), np.uint8)
    two_values[..., 0, 0] = 9  # step = (4 - count of the largest value) // 255 = 0: unchanged
    np.testing.assert_array_equal(F.equalize(two_values), two_values)
    thin, narrow = FLOAT[:, :, :2], FLOAT[..., :2]  # 2 rows or 2 columns: too small to sharpen
    assert F.adjust_sharpness(thin, 2.0) is thin and F.adjust_sharpness(narrow, 2.0) is narrow
    three = F.adjust_sharpness(U[..., :3], 2.0)  # 3 columns: the middle one is sharpened
    np.testing.assert_array_equal(three[..., [0, 2]], U[..., [0, 2]])
    assert (three[:, :, 1, 1] != U[:, :, 1, 1]).any()
    np.testing.assert_array_equal(F.solarize(U, 255), np.where(U == 255, 0, U))


def test_hue_of_gray_pixels_and_of_a_hue_that_wraps_to_one():
    # torchvision 0.28: the first pixel's hue is 0.0833333731; shifted by minus the next float32 up,
    # it lands just below 0, which float32 rounds to 1.0 (sector 6, taken as 0). Gray, black and
    # white pixels have no hue and stay as they are.
    image = np.array([[[0.8, 0.5, 0.0, 1.0]], [[0.5, 0.5, 0.0, 1.0]], [[0.2, 0.5, 0.0, 1.0]]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 / 0 for the gray pixels
        out = F.adjust_hue(image, -0.08333338052034378)
    expected = [[0.8, 0.5, 0.0, 1.0], [0.2, 0.5, 0.0, 1.0], [0.2, 0.5, 0.0, 1.0]]
    np.testing.assert_array_equal(out.reshape(3, 4), np.array(expected, np.float32))
    np.testing.assert_array_equal(F.adjust_hue(image, 0.5)[:, :, 1:], image[:, :, 1:])  # 0.5 is allowed


def test_equalize_is_torchvisions_on_a_larger_image():
    batch, channel, row, column = np.meshgrid(
        np.arange(2), np.arange(3), np.arange(16), np.arange(20), indexing="ij"
    )
    image = ((row * row * 7 + column * 3 + channel * 50 + batch * 20) % 256).astype(np.uint8)
    out = F.equalize(image).astype(np.int64)
    weights = np.arange(16 * 20).reshape(16, 20) % 7 - 3
    # torchvision 0.28's output: per image and channel, the sum and the sum weighted by `weights`.
    assert out.sum(axis=(2, 3)).tolist() == [[48857, 48850, 48862], [48852, 48853, 48869]]
    assert (out * weights).sum(axis=(2, 3)).tolist() == [[-519, -2488, -1866], [1644, -1892, -2208]]
    # 30 x 34 = 1020 pixels a channel, the largest value 2, 254 and 300 times: steps (1020 - count) // 255
    # of 3, 3 (but 2 if divided by 256) and 2 (whose half, 1, rounds the table).
    channel, row, column = np.meshgrid(np.arange(3), np.arange(30), np.arange(34), indexing="ij")
    image = ((row * 7 + column * 3 + channel * 50) % 200).astype(np.uint8)
    for c, count in enumerate((2, 254, 300)):
        image.reshape(3, -1)[c, :count] = 250
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero for the channels with step 0
        out = F.equalize(image).astype(np.int64)
        F.equalize(np.zeros((1, 2, 2), np.uint8))
    weights = np.arange(30 * 34).reshape(30, 34) % 7 - 3
    assert out.sum(axis=(1, 2)).tolist() == [161898, 162030, 194626]  # torchvision 0.28's
    assert (out * weights).sum(axis=(1, 2)).tolist() == [-467, -164, -1244]


def test_erase_one_rectangle_or_one_per_image():
    out = F.erase(FLOAT, 1, 2, 2, 1, autograd.tensor(np.array([[[0.5]], [[0.25]], [[0.0]]], np.float32)))
    expected = FLOAT.copy()
    expected[:, :, 1:3, 2:3] = np.array([0.5, 0.25, 0.0]).reshape(3, 1, 1)
    np.testing.assert_array_equal(out, expected)
    per_image = F.erase(U, np.array([0, 1]), np.array([1, 0]), np.array([2, 1]), np.array([3, 4]), [7, 8, 9])
    expected = U.copy()
    expected[0, :, 0:2, 1:4] = np.array([7, 8, 9]).reshape(3, 1, 1)
    expected[1, :, 1:2, 0:4] = np.array([7, 8, 9]).reshape(3, 1, 1)
    np.testing.assert_array_equal(per_image, expected)
    target = U.copy()
    assert F.erase(target, 0, 0, 1, 1, 0, inplace=True) is target
    assert target[:, :, 0, 0].sum() == 0 and target[:, :, 1:].sum() == U[:, :, 1:].sum()
    assert F.erase(U, 0, 0, 1, 1, 0)[:, :, 0, 0].sum() == 0 and U[:, :, 0, 0].sum() > 0  # a copy by default


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: F.adjust_brightness(U, -0.1),
            ValueError,
            r"adjust_brightness: brightness_factor \(-0.1\) is not non-negative",
        ),
        (lambda: F.adjust_contrast(U, [1.0, -1.0]), ValueError, "adjust_contrast: contrast_factor"),
        (
            lambda: F.adjust_saturation(U, [1.0, 1.0, 1.0]),
            ValueError,
            r"one per image \(2,\), got shape \(3,\)",
        ),
        (lambda: F.adjust_hue(U, 0.6), ValueError, r"adjust_hue: hue_factor \(0.6\) is not in \[-0.5, 0.5\]"),
        (lambda: F.adjust_hue(U, -0.51), ValueError, r"hue_factor \(-0.51\) is not in \[-0.5, 0.5\]"),
        (lambda: F.adjust_gamma(U, -1), ValueError, "adjust_gamma: gamma"),
        (
            lambda: F.adjust_saturation(np.zeros((1, 4, 3, 3), np.uint8), 0.5),
            TypeError,
            "adjust_saturation: images must have 1 or 3 channels.*convert RGBA",
        ),
        (
            lambda: F.adjust_hue(np.zeros((4, 3, 3), np.float32), 0.1),
            TypeError,
            r"adjust_hue: .*got shape \(1, 4, 3, 3\)",
        ),
        (
            lambda: F.adjust_brightness(U.astype(np.int32), 0.5),
            TypeError,
            "adjust_brightness: images must be float .* or uint8, got int32",
        ),
        (
            lambda: F.rgb_to_grayscale(U, 2),
            ValueError,
            "rgb_to_grayscale: num_output_channels must be 1 or 3, got 2",
        ),
        (lambda: F.posterize(FLOAT, 3), TypeError, "posterize: only uint8 images are supported, got float32"),
        (lambda: F.posterize(U, 9), ValueError, "posterize: bits must be between 0 and 8, got 9"),
        (lambda: F.equalize(FLOAT), TypeError, "equalize: only uint8 images are supported, got float32"),
        (
            lambda: F.solarize(U, 256),
            TypeError,
            "solarize: threshold 256 is above the largest uint8 pixel, 255",
        ),
        (
            lambda: F.solarize(FLOAT, 1.5),
            TypeError,
            "solarize: threshold 1.5 is above the largest float32 pixel, 1",
        ),
        (
            lambda: F.gaussian_blur(U, 4),
            ValueError,
            r"gaussian_blur: kernel_size must be odd positive ints \(kx, ky\), got 4",
        ),
        (lambda: F.gaussian_blur(U, (3, 3, 3)), ValueError, "kernel_size must be odd positive ints"),
        (lambda: F.gaussian_blur(U, (3, -1)), ValueError, "kernel_size must be odd positive ints"),
        (lambda: F.gaussian_blur(U, [3.5, 3]), ValueError, "kernel_size must be odd positive ints"),
        (lambda: F.gaussian_blur(U, 3, []), ValueError, r"gaussian_blur: sigma must be .* got shape \(0,\)"),
        (lambda: F.gaussian_blur(U, 3, [1.0, 1.0, 1.0]), ValueError, r"got shape \(3,\)"),
        (
            lambda: F.gaussian_blur(U, (9, 3)),
            ValueError,
            r"kernel_size \(9, 3\) needs reflect padding \(4, 1\)",
        ),
        (
            lambda: F.gaussian_blur(U, 3.0),
            TypeError,
            "gaussian_blur: kernel_size must be an int or a sequence",
        ),
        (lambda: F.gaussian_blur(U, 3, 0.0), ValueError, "gaussian_blur: sigma must be positive"),
        (
            lambda: F.gaussian_blur(U, 3, np.ones((3, 2))),
            ValueError,
            r"gaussian_blur: sigma must be .* one per image \(2,\) or \(2, 2\); got shape \(3, 2\)",
        ),
        (
            lambda: F.gaussian_blur(U, (3, 7)),
            ValueError,
            r"gaussian_blur: kernel_size \(3, 7\) needs reflect padding \(1, 3\) smaller than the image 3x4; "
            "use a smaller kernel",
        ),
        (
            lambda: F.gaussian_blur(U.astype(np.int16), 3),
            TypeError,
            "gaussian_blur: images must be float or uint8, got int16",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_function_and_the_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_autocontrast_scale_is_a_reciprocal_times_the_bound_as_in_torch():
    # torchvision's scale = 255 / (max - min) runs in torch as reciprocal(max - min) * 255: for
    # min 60, max 179 that maps 179 to 255.0 exactly (computed with torchvision 0.28: 255), where
    # 255 / 119 * 119 in float32 is 254.99998, truncated to 254.
    image = np.array([60, 179, 120, 179], np.uint8).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(F.autocontrast(image).ravel(), [0, 255, 128, 255])


def test_hue_turns_wrap_into_the_unit_as_a_remainder():
    # torch.remainder(v, 1.0) rounds v + 1 once for v < 0 and subtracts 1 exactly for v >= 1, which
    # NumPy's np.mod does too (checked against torch 2.13 on 100,000 float32 values: no difference)
    values = np.random.default_rng(5).uniform(-0.5, 1.5, 10_000).astype(np.float32)
    values[:6] = [0.0, 1.0, -1e-9, 1 - 1e-7, -0.5, 0.25]
    np.testing.assert_array_equal(_turns_into_unit(values.copy()), np.mod(values, np.float32(1)))
    assert _turns_into_unit(np.float32([-1e-9]))[0] == 1.0  # rounds up to 1.0, as torch's (sector 6 -> 0)
