"""torchvision's AutoAugment, RandAugment and TrivialAugmentWide, batched: tables, ops, draws.

Beyond module 08's exercises: no module number. The policy tables, the magnitude bins and each
op's pixels are pinned against torchvision 0.28 (computed outside the repository: its
``policies``, ``_augmentation_space`` and ``autoaugment._apply_op`` on each image alone); the
draws must follow its distributions, one draw per image, and the batch must get what each image
would get alone given its draws.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import tt_tensor
from tt_vision import transforms as T
from tt_vision import transforms_auto_augment as auto

IMAGES = (np.arange(2 * 3 * 20 * 16) * 37 % 256).astype(np.uint8).reshape(2, 3, 20, 16)
IMAGES[1] = (IMAGES[1].astype(int) ** 2 // 255 // 2 + 40).astype(np.uint8)
PIXELS = np.random.default_rng(3).integers(0, 256, (64, 3, 12, 10), dtype=np.uint8)


def seeded(seed: int = 0) -> tt_tensor.Generator:
    return tt_tensor.Generator().manual_seed(seed)


def digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:20]


# sha256 of repr(torchvision.transforms.AutoAugment(policy).policies), computed with torchvision 0.28.
POLICY_DIGESTS = {
    "imagenet": "5d920e63cecb31105234",
    "cifar10": "68cb3a909b71737daf33",
    "svhn": "bce3ac92cc9ea8c59183",
}


@pytest.mark.parametrize("policy", list(T.AutoAugmentPolicy))
def test_policy_tables_are_torchvisions(policy):
    policies = T.AutoAugment(policy).policies
    assert len(policies) == 25
    assert hashlib.sha256(repr(policies).encode()).hexdigest()[:20] == POLICY_DIGESTS[policy.value]


def test_magnitude_bins_are_torchvisions_bit_for_bit():
    # Computed with torchvision 0.28 (torch.linspace in float32 and its posterize bins).
    wide = auto.augmentation_space(31, (1, 1), wide=True)
    assert wide["ShearX"][0][19] == np.float32(0.6270000338554382)  # 0.627 rounded otherwise
    assert wide["ShearX"][0][25] == np.float32(0.824999988079071)
    assert (
        wide["Posterize"][0].tolist() == [8, 8, 8] + [7] * 5 + [6] * 5 + [5] * 5 + [4] * 5 + [3] * 5 + [2] * 3
    )
    assert wide["TranslateY"][0][-1] == 32 and wide["Rotate"][0][-1] == 135
    space = auto.augmentation_space(10, (40, 32))
    assert space["Posterize"][0].tolist() == [8, 8, 7, 7, 6, 6, 5, 5, 4, 4]
    assert space["TranslateX"][0][9] == np.float32(14.501510620117188)  # 150/331 of the width
    assert space["TranslateY"][0][9] == np.float32(18.126888275146484)  # of the height
    assert space["Solarize"][0][1] == np.float32(226.6666717529297)
    assert [signed for _, signed in space.values()] == [False] + [True] * 9 + [False] * 4
    assert list(space) == list(auto.OPS[:-1])  # RandAugment's ops, in torchvision's order
    assert auto.linspace32(2.0, 1.0, 1).tolist() == [2.0]  # torch.linspace(2, 1, 1): the start


def space_bytes(space: dict) -> bytes:
    return b"".join(
        name.encode() + bytes([signed]) + values.astype(np.float32).tobytes()
        for name, (values, signed) in space.items()
    )


def test_every_magnitude_of_every_space_is_torchvisions():
    # sha256 of the same bytes from torchvision 0.28's RandAugment, AugMix and TrivialAugmentWide
    # ._augmentation_space, and of torch.linspace over the same (start, end, steps).
    spaces = hashlib.sha256()
    for bins in (2, 3, 10, 17, 31):
        for size in ((40, 32), (331, 150)):
            spaces.update(space_bytes(auto.augmentation_space(bins, size)))
            spaces.update(space_bytes(auto.augmix_space(bins, size)))
        spaces.update(space_bytes(auto.augmentation_space(bins, (5, 5), wide=True)))
    assert spaces.hexdigest()[:20] == "ac262877669a0c904868"
    ranges = ((0.0, 0.99), (0.0, 0.3), (255.0, 0.0), (0.0, 135.0), (0.0, 14.501510620117188), (0.1, 1.9))
    linspaces = hashlib.sha256()
    for steps in range(1, 32):
        for start, end in ranges:
            linspaces.update(auto.linspace32(start, end, steps).tobytes())
    assert linspaces.hexdigest()[:20] == "a295fbcd92edf5e4510d"


# sha256 of the two images through torchvision 0.28's autoaugment._apply_op, each with its magnitude.
APPLY_OP = {
    ("Identity", (0.0, 0.0), "nearest", None): "4592d5d659197177f9a5",
    ("ShearX", (0.3, -0.1), "nearest", None): "a3bda3651805dc499058",
    ("ShearY", (-0.2, 0.25), "nearest", 128): "824f4bdcfe19bbb96021",
    ("TranslateX", (5.7, -3.2), "nearest", None): "8bd58eb7f7c51f445df9",
    ("TranslateY", (-2.9, 4.0), "bilinear", (10, 200, 30)): "c920ee93d08cc67baf31",
    ("Rotate", (30.0, -12.5), "nearest", (10, 200, 30)): "5dc9702f463947f353f1",
    ("Rotate", (17.0, -8.0), "bilinear", None): "d6f641f510bcbdb898bc",
    ("Brightness", (0.5, -0.4), "nearest", None): "2812193d2cee62b97ede",
    ("Color", (0.9, -0.9), "nearest", None): "5c11b0a917a8861f60a9",
    ("Contrast", (0.33, -0.6), "nearest", None): "a502f087b94f6d2efd8c",
    ("Sharpness", (0.9, -0.5), "nearest", None): "961d97d2f838f4c26aaf",
    ("Posterize", (4.0, 2.0), "nearest", None): "679509236135c5d72d50",
    ("Solarize", (128.0, 226.66667), "nearest", None): "1de016768ac1a59c21df",
    ("AutoContrast", (0.0, 0.0), "nearest", None): "4544cc00ec00992a6f02",
    ("Equalize", (0.0, 0.0), "nearest", None): "2e9b2c5342cd7fdfdf6c",
    ("Invert", (0.0, 0.0), "nearest", None): "f1b1b9e20c37b6d19621",
}


@pytest.mark.parametrize(("name", "magnitudes", "mode", "fill"), list(APPLY_OP))
def test_each_op_gives_torchvisions_pixels_with_a_magnitude_per_image(name, magnitudes, mode, fill):
    colour = list(fill) if isinstance(fill, tuple) else fill
    out = auto.apply_ops(IMAGES, np.full(2, auto.OPS.index(name)), np.array(magnitudes), mode, colour)
    assert out.dtype == np.uint8 and out.shape == IMAGES.shape
    assert digest(out) == APPLY_OP[name, magnitudes, mode, fill]


def test_ops_apply_per_image_in_one_batch():
    ops = np.array(
        [auto.OPS.index(n) for n in ("Rotate", "Invert", "Identity", "Solarize", "Rotate", "ShearY")]
    )
    images = PIXELS[:6]
    magnitudes = np.array([20.0, 0.0, 0.0, 100.0, -7.0, 0.2])
    out = auto.apply_ops(images, ops, magnitudes, "nearest", None)
    for i in range(6):
        alone = auto.apply_ops(images[i : i + 1], ops[i : i + 1], magnitudes[i : i + 1], "nearest", None)
        np.testing.assert_array_equal(out[i], alone[0])
    np.testing.assert_array_equal(out[2], images[2])
    np.testing.assert_array_equal(out[1], 255 - images[1])
    assert not np.array_equal(out[0], out[4]) or np.array_equal(images[0], images[4])


def test_one_channel_images_and_tensors_and_single_images():
    gray = PIXELS[:8, :1]
    out = T.AutoAugment(T.AutoAugmentPolicy.SVHN, generator=seeded(1))(gray)
    assert out.shape == gray.shape and out.dtype == np.uint8
    colour = auto.apply_ops(gray, np.full(8, auto.OPS.index("Color")), np.full(8, 0.5), "nearest", None)
    np.testing.assert_array_equal(colour, gray)  # saturation leaves one channel alone, as torchvision
    tensor = tt_tensor.Tensor.from_array(PIXELS[0])
    single = T.TrivialAugmentWide(generator=seeded(2))(tensor)
    assert isinstance(single, tt_tensor.Tensor) and single.shape == (3, 12, 10)
    again = T.TrivialAugmentWide(generator=seeded(2))(PIXELS[:1])
    np.testing.assert_array_equal(single.array, again[0])


TRANSFORMS = [
    lambda g: T.AutoAugment(generator=g),
    lambda g: T.AutoAugment(T.AutoAugmentPolicy.CIFAR10, fill=128, generator=g),
    lambda g: T.RandAugment(generator=g),
    lambda g: T.TrivialAugmentWide(interpolation=T.InterpolationMode.BILINEAR, generator=g),
]


@pytest.mark.parametrize("make", TRANSFORMS)
def test_seeded_runs_repeat_and_images_draw_independently(make):
    first, second = make(seeded(4))(PIXELS), make(seeded(4))(PIXELS)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, make(seeded(5))(PIXELS))
    tt_tensor.manual_seed(11)
    global_first = make(None)(PIXELS)
    tt_tensor.manual_seed(11)
    np.testing.assert_array_equal(global_first, make(None)(PIXELS))
    same = np.repeat(PIXELS[:1], 32, axis=0)  # one image 32 times: the draws, not the pixels, differ
    out = make(seeded(6))(same)
    assert len({digest(image) for image in out}) > 4


@pytest.mark.parametrize("make", TRANSFORMS)
def test_the_batch_is_each_image_with_its_own_draws(make):
    steps = make(seeded(8)).draw(len(PIXELS), PIXELS.shape[2:])
    transform = make(seeded(8))
    expected = PIXELS
    for ops, magnitudes in steps:
        expected = auto.apply_ops(expected, ops, magnitudes, transform._mode, transform.fill)
    np.testing.assert_array_equal(transform(PIXELS), expected)
    for i in (0, 17, 63):
        alone = PIXELS[i : i + 1]
        for ops, magnitudes in steps:
            alone = auto.apply_ops(
                alone, ops[i : i + 1], magnitudes[i : i + 1], transform._mode, transform.fill
            )
        np.testing.assert_array_equal(expected[i], alone[0])


def within(count: int, total: int, p: float) -> bool:
    """``count`` of ``total`` draws is within 5 standard deviations of ``p · total``."""
    return abs(count - p * total) <= 5 * np.sqrt(total * p * (1 - p)) + 1


def test_auto_augment_draws_sub_policies_coins_and_signs_as_torchvision():
    n = 20000
    augment = T.AutoAugment(T.AutoAugmentPolicy.CIFAR10, generator=seeded(9))
    policy_id, probs, signs = augment.get_params(n)
    assert policy_id.min() == 0 and policy_id.max() == 24
    assert all(within(c, n, 1 / 25) for c in np.bincount(policy_id, minlength=25))
    assert probs.shape == (n, 2) and 0 <= probs.min() and probs.max() < 1
    assert within(int((probs <= 0.3).sum()), 2 * n, 0.3)
    assert set(np.unique(signs)) == {0, 1} and within(int(signs.sum()), 2 * n, 0.5)
    (ops0, mags0), (ops1, mags1) = T.AutoAugment(T.AutoAugmentPolicy.CIFAR10, generator=seeded(9)).draw(
        n, (32, 32)
    )
    # sub-policy 1: ("Rotate", 0.7, 2), ("TranslateX", 0.3, 9); magnitudes negated when the sign is 0
    rows = policy_id == 1
    assert within(int((ops0[rows] == auto.OPS.index("Rotate")).sum()), int(rows.sum()), 0.7)
    assert within(int((ops1[rows] == auto.OPS.index("TranslateX")).sum()), int(rows.sum()), 0.3)
    ran = rows & (ops0 == auto.OPS.index("Rotate"))
    np.testing.assert_array_equal(mags0[ran], np.where(signs[ran, 0] == 0, -1, 1) * np.float32(30 * 2 / 9))
    assert (ops0[rows & (probs[:, 0] > 0.7)] == 0).all()  # the coin said no: Identity
    edge = rows & (probs[:, 1] <= 0.3)
    assert (ops1[edge] == auto.OPS.index("TranslateX")).all()  # u <= p runs the op
    assert np.isin(np.abs(mags1[edge]), [np.float32(150 / 331 * 32)]).all()
    equalize = policy_id == 8  # ("Equalize", 0.6, None), ("Equalize", 0.5, None): magnitude 0
    assert (mags0[equalize] == 0).all() and (mags1[equalize] == 0).all()


def test_a_coin_equal_to_the_probability_runs_the_op():
    augment = T.AutoAugment(T.AutoAugmentPolicy.CIFAR10)
    # sub-policy 1: ("Rotate", 0.7, 2), ("TranslateX", 0.3, 9); coins exactly at p, then just above
    augment.get_params = lambda batch: (
        np.array([1, 1]),
        np.array([[0.7, 0.3], [0.70001, 0.30001]]),
        np.ones((2, 2), int),
    )
    (first, _), (second, _) = augment.draw(2, (32, 32))
    assert first.tolist() == [auto.OPS.index("Rotate"), 0] and second.tolist() == [
        auto.OPS.index("TranslateX"),
        0,
    ]


def test_rand_augment_and_trivial_augment_draw_uniformly():
    n = 28000
    steps = T.RandAugment(num_ops=3, magnitude=30, generator=seeded(10)).draw(n, (32, 32))
    assert len(steps) == 3
    for ops, magnitudes in steps:
        counts = np.bincount(ops, minlength=len(auto.OPS))
        assert counts[auto.OPS.index("Invert")] == 0 and all(within(c, n, 1 / 14) for c in counts[:-1])
        rotate = ops == auto.OPS.index("Rotate")
        assert set(np.unique(magnitudes[rotate])) == {-30.0, 30.0}
        assert within(int((magnitudes[rotate] > 0).sum()), int(rotate.sum()), 0.5)
        solarize = ops == auto.OPS.index("Solarize")
        assert (magnitudes[solarize] == 0).all()  # bin 30 of 31 from 255 down to 0, never negated
    ((ops, magnitudes),) = T.TrivialAugmentWide(num_magnitude_bins=5, generator=seeded(12)).draw(n, (8, 8))
    assert all(within(c, n, 1 / 14) for c in np.bincount(ops, minlength=len(auto.OPS))[:-1])
    shear = np.abs(magnitudes[ops == auto.OPS.index("ShearX")])
    values, counts = np.unique(shear, return_counts=True)
    np.testing.assert_array_equal(values, auto.linspace32(0, 0.99, 5).astype(np.float64))
    assert all(within(c, len(shear), 1 / 5) for c in counts)
    posterize = magnitudes[ops == auto.OPS.index("Posterize")]
    assert set(np.unique(posterize)) == {2.0, 4.0, 5.0, 6.0, 8.0}  # 8 − round(i / (4 / 6)), halves to even
    assert (magnitudes[ops == auto.OPS.index("Identity")] == 0).all()
    rotate = magnitudes[(ops == auto.OPS.index("Rotate")) & (magnitudes != 0)]
    assert within(int((rotate < 0).sum()), len(rotate), 0.5)  # signs: a fair coin


def test_zero_ops_and_posterize_per_image_masks():
    np.testing.assert_array_equal(T.RandAugment(num_ops=0)(PIXELS), PIXELS)
    bits = np.array([8.0, 1.0, 0.0, 5.0])
    out = auto.apply_ops(PIXELS[:4], np.full(4, auto.OPS.index("Posterize")), bits, "nearest", None)
    for i, keep in enumerate((8, 1, 0, 5)):
        np.testing.assert_array_equal(out[i], PIXELS[i] & np.uint8((0xFF << (8 - keep)) & 0xFF))


def test_bad_input_names_the_transform_and_the_fix():
    with pytest.raises(TypeError, match=r"AutoAugment: images must be uint8, got float32.*ConvertImageDtype"):
        T.AutoAugment()(PIXELS.astype(np.float32) / 255)
    with pytest.raises(
        TypeError, match=r"RandAugment: images must have 1 or 3 channels, got shape \(2, 4, 5, 5\)"
    ):
        T.RandAugment()(np.zeros((2, 4, 5, 5), np.uint8))
    with pytest.raises(ValueError, match="AutoAugment: policy must be an AutoAugmentPolicy"):
        T.AutoAugment("imagenet")
    with pytest.raises(
        ValueError, match=r"RandAugment: magnitude must be a bin in \[0, num_magnitude_bins = 31\), got 31"
    ):
        T.RandAugment(magnitude=31)
    with pytest.raises(ValueError, match="RandAugment: magnitude must be a bin"):
        T.RandAugment(magnitude=-1)
    T.RandAugment(magnitude=0, num_magnitude_bins=1)
    with pytest.raises(ValueError, match="RandAugment: num_ops must be non-negative, got -1"):
        T.RandAugment(num_ops=-1)
    with pytest.raises(ValueError, match="TrivialAugmentWide: num_magnitude_bins must be at least 2, got 1"):
        T.TrivialAugmentWide(num_magnitude_bins=1)
    T.TrivialAugmentWide(num_magnitude_bins=2)
    with pytest.raises(ValueError, match="TrivialAugmentWide: interpolation must be 'nearest' or 'bilinear'"):
        T.TrivialAugmentWide(interpolation=T.InterpolationMode.BICUBIC)
    with pytest.raises(TypeError, match="AutoAugment: fill must be None, a number or one number per channel"):
        T.AutoAugment(fill="white")
    with pytest.raises(TypeError, match="AutoAugment: fill must be"):
        T.AutoAugment(fill=True)


def test_reprs_are_torchvisions():
    assert repr(T.AutoAugment(fill=3)) == "AutoAugment(policy=AutoAugmentPolicy.IMAGENET, fill=3)"
    assert repr(T.RandAugment()) == (
        "RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31, "
        "interpolation=InterpolationMode.NEAREST, fill=None)"
    )
    assert repr(T.TrivialAugmentWide(7)) == (
        "TrivialAugmentWide(num_magnitude_bins=7, interpolation=InterpolationMode.NEAREST, fill=None)"
    )


def test_augmix_mixes_chains_as_torchvision():
    # torchvision 0.28: AugMix(severity=6, mixture_width=2, chain_depth=2, NEAREST, fill=[10, 200, 30])
    # after torch.manual_seed(3) on IMAGES[0] drew these weights and ops; the sha256 of its output.
    beta = np.array([0.6556679010391235, 0.3443320691585541], np.float32)
    chains = np.array([0.9247964024543762, 0.07520356774330139], np.float32)
    drawn = [
        [("TranslateY", 0.0), ("Color", -0.0)],
        [("Rotate", 13.333333015441895), ("ShearX", 0.1666666716337204)],
    ]
    steps = [
        [(np.array([auto.OPS.index(name)]), np.array([value])) for name, value in chain] for chain in drawn
    ]
    augmix = T.AugMix(6, 2, 2, interpolation=T.InterpolationMode.NEAREST, fill=[10, 200, 30])
    augmix.draw = lambda batch, size: (beta[:1], (chains * beta[1:])[None], steps)
    assert digest(augmix(IMAGES[0])) == "be4e32f225fb509ce750"


def test_augmix_space_and_draws():
    space = auto.augmix_space(10, (30, 24))
    assert space["Posterize"][0].tolist() == [4, 4, 3, 3, 2, 2, 1, 1, 0, 0]  # computed with torchvision 0.28
    assert space["TranslateX"][0][-1] == np.float32(8) and space["TranslateY"][0][-1] == np.float32(10)
    assert len(space) == 13 and len(auto.augmix_space(10, (30, 24), all_ops=False)) == 9
    assert "Brightness" not in auto.augmix_space(10, (30, 24), all_ops=False)
    n = 6000
    keep, weights, chains = T.AugMix(severity=2, mixture_width=4, generator=seeded(13)).draw(n, (30, 24))
    assert keep.dtype == np.float32 and weights.shape == (n, 4)
    np.testing.assert_allclose(keep + weights.sum(axis=1), 1, atol=1e-6)
    assert abs(keep.mean() - 0.5) < 0.02 and abs(weights.mean() - 0.125) < 0.01  # Beta(1, 1), Dirichlet
    assert len(chains) == 4 and all(len(chain) == 3 for chain in chains)
    depth = sum((ops != 0).astype(int) for ops, _ in chains[0])  # no Identity in AugMix's space
    assert all(within(int((depth == d).sum()), n, 1 / 3) for d in (1, 2, 3))
    first, _ = chains[0][0]
    assert all(within(c, n, 1 / 13) for c in np.bincount(first, minlength=len(auto.OPS))[1:14])
    rotate = np.abs(chains[0][0][1][first == auto.OPS.index("Rotate")])
    assert set(np.unique(rotate)) == {0.0, np.float32(30 / 9)}  # severity 2: bins 0 and 1
    for depth in (1, 2):
        fixed = T.AugMix(chain_depth=depth, generator=seeded(1)).draw(50, (8, 8))[2]
        assert all(len(chain) == depth and all((ops != 0).all() for ops, _ in chain) for chain in fixed)
    drawn = T.AugMix(chain_depth=0, mixture_width=1, generator=seeded(2)).draw(200, (8, 8))[2]
    assert len(drawn[0]) == 3 and (drawn[0][2][0] == 0).any()  # 0 (as -1): a depth of 1 to 3 per image
    ((ops, magnitudes), *_), *_ = T.AugMix(10, 1, 1, generator=seeded(3)).draw(20000, (8, 8))[2]
    rotate = magnitudes[(ops == auto.OPS.index("Rotate")) & (magnitudes != 0)]
    assert within(int((rotate < 0).sum()), len(rotate), 0.5)  # signs: a fair coin


def test_augmix_runs_per_image_seeded_and_refuses_bad_arguments():
    augmix = T.AugMix(generator=seeded(4))
    out = augmix(PIXELS)
    np.testing.assert_array_equal(out, T.AugMix(generator=seeded(4))(PIXELS))
    assert out.dtype == np.uint8 and out.shape == PIXELS.shape
    same = T.AugMix(generator=seeded(6))(np.repeat(PIXELS[:1], 16, axis=0))
    assert len({digest(image) for image in same}) > 8
    assert isinstance(T.AugMix()(tt_tensor.Tensor.from_array(PIXELS[0])), tt_tensor.Tensor)
    with pytest.raises(TypeError, match="AugMix: images must be uint8"):
        T.AugMix()(PIXELS.astype(np.float32))
    with pytest.raises(ValueError, match="AugMix: severity must be between 1 and 10, got 11"):
        T.AugMix(severity=11)
    with pytest.raises(ValueError, match="AugMix: severity must be between 1 and 10, got 0"):
        T.AugMix(severity=0)
    T.AugMix(severity=1), T.AugMix(severity=10), T.AugMix(mixture_width=1)
    with pytest.raises(
        ValueError, match="AugMix: mixture_width must be at least 1 and alpha positive, got 0"
    ):
        T.AugMix(mixture_width=0)
    with pytest.raises(ValueError, match="alpha positive, got 3 and 0"):
        T.AugMix(alpha=0)
    assert repr(T.AugMix()) == (
        "AugMix(severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True, "
        "interpolation=InterpolationMode.BILINEAR, fill=None)"
    )
