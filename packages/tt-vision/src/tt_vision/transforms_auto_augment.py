"""torchvision's automatic augmentation, batched: AutoAugment, RandAugment, TrivialAugmentWide, AugMix.

Beyond module 08's exercises; exported by :mod:`tt_vision.transforms`. Each takes ``uint8``
images ``(B, C, H, W)`` (C = 1 or 3) or one image ``(C, H, W)``, a tensor or a NumPy array,
and returns the same kind. torchvision's v1 transforms draw one sub-policy (or op, sign,
magnitude) per call, and a call is one image; these draw them per image, as vectors of length
``B``, from ``generator`` (default: the global generator ``tt.manual_seed`` seeds), with
torchvision's distributions (not its random stream).

**Applying them without a loop over images.** After the draws every image has, for each step,
an op index (``Identity`` where the op's coin said no) and a magnitude. Images that drew the same
op are gathered, get that op in one call with their magnitudes as a ``(n,)`` vector (the
per-image factors of :mod:`.transforms_color_functional`, one inverse affine matrix per image
for the warps, a per-image bit mask or threshold for Posterize and Solarize), and are
scattered back: a loop over the 15 ops, per step. Given the same draws, every image gets
torchvision's ``_apply_op`` pixels. Cost per step: one pass of each drawn op over its images,
``O(B · C · H · W)`` (the warps: times 1 or 4 taps). :class:`AugMix` runs ``mixture_width``
chains of up to 3 such steps and blends them in float32: ``O(width · 3)`` passes.

Exact to torchvision (checked with 0.28 outside the repository): the policy tables, the
magnitude bins bit for bit, and each op's pixels given its magnitude, except that bilinear
warps (Shear, Rotate; the default of ``AugMix``) can land one below or above where a float32
sample sits within rounding of a half (a few pixels in a thousand), as :func:`functional.affine`.

**Floats are refused up front.** torchvision's policies include Posterize and Equalize, which
refuse float tensors, so a float image fails there only when one of those ops is drawn; these
transforms refuse float images on every call, with the fix, instead of failing at random.
"""

from __future__ import annotations

import enum

import numpy as np
from tt_tensor import Generator, numpy_generator

from . import transforms_color_functional as F
from .transforms import _unwrap, _wrap
from .transforms_functional import InterpolationMode
from .transforms_random_apply import apply_by_group
from .transforms_warp import affine_images, warp_mode

__all__ = ["AugMix", "AutoAugment", "AutoAugmentPolicy", "RandAugment", "TrivialAugmentWide"]

#: Every op ``_apply_op`` knows, in one fixed order (the indices the batched draws use).
OPS = (
    "Identity",
    "ShearX",
    "ShearY",
    "TranslateX",
    "TranslateY",
    "Rotate",
    "Brightness",
    "Color",
    "Contrast",
    "Sharpness",
    "Posterize",
    "Solarize",
    "AutoContrast",
    "Equalize",
    "Invert",
)


class AutoAugmentPolicy(enum.Enum):
    """The AutoAugment policies learned on ImageNet, CIFAR-10 and SVHN (torchvision's names)."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


#: torchvision's policy tables: sub-policies of two ``(op, probability, magnitude bin)`` pairs.
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
        (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
        (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
        (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
        (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)),
        (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
        (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
        (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
        (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
        (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
        (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
        (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
        (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
        (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
        (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
        (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
        (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
        (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)),
        (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)),
        (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)),
        (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)),
        (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)),
        (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)),
        (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)),
        (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


def linspace32(start: float, end: float, steps: int) -> np.ndarray:
    """``torch.linspace(start, end, steps)`` in float32 as PyTorch's CPU kernel computes it.

    ``step = (end − start) / (steps − 1)`` in float32; the first half is ``start + step · i``,
    the second ``end − step · (steps − 1 − i)``, each a fused multiply-add (one rounding: the
    float32 product is exact in float64). That is PyTorch's scalar loop, which it runs for fewer
    than two SIMD vectors of values (32 on AVX-512, 16 on AVX2); its vector loop, for more bins,
    can differ from this in the last bit, and so from machine to machine.
    """
    start32, end32 = np.float32(start), np.float32(end)
    if steps == 1:
        return np.array([start32])
    step = np.float64((end32 - start32) / np.float32(steps - 1))
    index = np.arange(steps)
    head = np.float64(start32) + step * index
    tail = np.float64(end32) - step * (steps - 1 - index)
    return np.where(index < steps // 2, head, tail).astype(np.float32)


def posterize_bits(bins: int, levels: int) -> np.ndarray:
    """``8 − round(arange(bins) / ((bins − 1) / levels))`` in float32, halves to even, as int."""
    ratio = np.arange(bins).astype(np.float32) / np.float32((bins - 1) / levels)
    return (8 - np.rint(ratio)).astype(np.int64)


def augmentation_space(bins: int, size: tuple[int, int], wide: bool = False) -> dict:
    """torchvision's ``_augmentation_space``: op → (float32 magnitudes, signed).

    ``size`` ``(H, W)`` scales the translations (``150/331`` of the side); ``wide=True`` is
    TrivialAugmentWide's space (shear and colour to 0.99, translations to 32 pixels, rotations
    to 135°, posterize down to 2 bits). Ops without a magnitude map to a 0-d zero.
    """
    zero = np.zeros((), np.float32)
    shear, colour, rotate = (0.99, 0.99, 135.0) if wide else (0.3, 0.9, 30.0)
    translate = (32.0, 32.0) if wide else (150.0 / 331.0 * size[0], 150.0 / 331.0 * size[1])
    space = {
        "Identity": (zero, False),
        "ShearX": (linspace32(0.0, shear, bins), True),
        "ShearY": (linspace32(0.0, shear, bins), True),
        "TranslateX": (linspace32(0.0, translate[1], bins), True),
        "TranslateY": (linspace32(0.0, translate[0], bins), True),
        "Rotate": (linspace32(0.0, rotate, bins), True),
    }
    for name in ("Brightness", "Color", "Contrast", "Sharpness"):
        space[name] = (linspace32(0.0, colour, bins), True)
    space["Posterize"] = (posterize_bits(bins, 6 if wide else 4), False)
    space["Solarize"] = (linspace32(255.0, 0.0, bins), False)
    for name in ("AutoContrast", "Equalize"):
        space[name] = (zero, False)
    return space


def _pixels(op: str, images: object) -> tuple[np.ndarray, bool, bool]:
    """The ``(B, C, H, W)`` uint8 array behind ``images``, refusing floats (see the module's note)."""
    array, is_tensor, single = _unwrap(images)
    if array.dtype != np.uint8:
        raise TypeError(
            f"{op}: images must be uint8, got {array.dtype} (its Posterize and Equalize take uint8 "
            f"pixels only, as torchvision's); convert float images with "
            f"ConvertImageDtype(tt.uint8) before {op} and back after it"
        )
    if array.shape[1] not in (1, 3):
        raise TypeError(f"{op}: images must have 1 or 3 channels, got shape {array.shape}")
    return array, is_tensor, single


def _fill(op: str, fill):
    if fill is not None and (not isinstance(fill, (int, float, list, tuple)) or isinstance(fill, bool)):
        raise TypeError(f"{op}: fill must be None, a number or one number per channel, got {fill!r}")
    return fill


def _apply_op(part: np.ndarray, name: str, magnitude: np.ndarray, mode: str, fill) -> np.ndarray:
    """torchvision's ``_apply_op`` on images ``(n, C, H, W)``, magnitude ``(n,)`` float64 per image."""
    n = len(part)
    zeros, ones = np.zeros((n, 2)), np.ones(n)
    if name in ("ShearX", "ShearY"):
        shear = np.zeros((n, 2))
        shear[:, int(name == "ShearY")] = np.degrees(np.arctan(magnitude))
        return affine_images(part, 0.0, zeros, ones, shear, mode, fill, [0, 0], "AutoAugment")
    if name in ("TranslateX", "TranslateY"):
        translate = np.zeros((n, 2))
        translate[:, int(name == "TranslateY")] = np.trunc(magnitude)  # torchvision's int(magnitude)
        return affine_images(part, 0.0, translate, ones, zeros, mode, fill, None, "AutoAugment")
    if name == "Rotate":  # functional.rotate: counter-clockwise, the affine matrix's angle negated
        return affine_images(part, -magnitude, zeros, ones, zeros, mode, fill, None, "AutoAugment")
    colour = {
        "Brightness": F.adjust_brightness,
        "Color": F.adjust_saturation,
        "Contrast": F.adjust_contrast,
        "Sharpness": F.adjust_sharpness,
    }
    if name in colour:
        return colour[name](part, 1.0 + magnitude)
    if name == "Posterize":  # x & ~(2 ** (8 − bits) − 1), a mask per image
        masks = (-(2 ** (8 - magnitude.astype(np.int64))) & 0xFF).astype(np.uint8)
        return part & masks.reshape(-1, 1, 1, 1)
    if name == "Solarize":
        return np.where(part >= magnitude.reshape(-1, 1, 1, 1), 255 - part, part)
    named = {"AutoContrast": F.autocontrast, "Equalize": F.equalize, "Invert": F.invert}
    return named[name](part) if name in named else part


def apply_ops(array: np.ndarray, ops: np.ndarray, magnitudes: np.ndarray, mode: str, fill) -> np.ndarray:
    """Image ``i`` gets op ``OPS[ops[i]]`` of magnitude ``magnitudes[i]``: one call per op drawn."""

    def op(name: str):
        return lambda part, members: _apply_op(part, name, magnitudes[members], mode, fill)

    return apply_by_group(array, ops, [None if name == "Identity" else op(name) for name in OPS])


def _magnitudes(space: dict, ops: np.ndarray, bins: np.ndarray, negate: np.ndarray) -> np.ndarray:
    """Per image: the magnitude of op ``OPS[ops[i]]`` at bin ``bins[i]``, negated where signed and drawn.

    One ``(len(OPS), bins)`` table of the space's magnitudes (zeros for ops without one, or
    outside ``space``) and one gather: no loop over images. ``negate`` is a fair coin per image;
    which of its faces negates is immaterial (torchvision negates on 1 here, on 0 in AutoAugment).
    """
    width = max(len(values) for values, _ in space.values() if values.ndim)
    table, signed = np.zeros((len(OPS), width)), np.zeros(len(OPS), bool)
    for name, (values, sign) in space.items():
        if values.ndim:
            table[OPS.index(name), : len(values)], signed[OPS.index(name)] = values, sign
    return table[ops, bins] * np.where(signed[ops] & negate, -1.0, 1.0)


def _op_indices(space: dict) -> np.ndarray:
    """The index into :data:`OPS` of each op of ``space``, in the space's order (torchvision's draw order)."""
    return np.array([OPS.index(name) for name in space], dtype=np.int64)


class _Augment:
    """What the three policies share: interpolation and fill, checking, applying a step."""

    def _setup(self, interpolation, fill, generator: Generator | None) -> None:
        op = type(self).__name__
        self._mode = warp_mode(op, interpolation)
        self.interpolation, self.fill, self.generator = interpolation, _fill(op, fill), generator

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _pixels(type(self).__name__, images)
        for ops, magnitudes in self.draw(len(array), array.shape[2:]):
            array = apply_ops(array, ops, magnitudes, self._mode, self.fill)
        return _wrap(array, is_tensor, single)


class AutoAugment(_Augment):
    """AutoAugment (Cubuk et al., 2019): a learned sub-policy of two ops per image.

    Args:
        policy: an :class:`AutoAugmentPolicy` (default IMAGENET).
        interpolation: ``InterpolationMode.NEAREST`` (default) or ``BILINEAR``, for the warps.
        fill: the value (or one per channel) outside warped images; None: 0.
        generator: a ``tt.Generator`` (default: the global one).

    Each image draws a sub-policy uniformly, a coin for each of its two ops (the op runs when
    the coin ``u ≤ p``) and a sign for each (signed magnitudes negated with probability ½),
    magnitudes from torchvision's 10 bins. Shape: ``(B, C, H, W)`` or ``(C, H, W)`` uint8 → same.
    """

    def __init__(
        self,
        policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
        interpolation=InterpolationMode.NEAREST,
        fill=None,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(policy, AutoAugmentPolicy):
            raise ValueError(
                f"AutoAugment: policy must be an AutoAugmentPolicy (IMAGENET, CIFAR10 or SVHN), "
                f"got {policy!r}"
            )
        self.policy, self.policies = policy, _POLICIES[policy]
        self._setup(interpolation, fill, generator)

    def get_params(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per image: a sub-policy index ``(B,)``, two coins ``(B, 2)``, two signs ``(B, 2)`` (0: negate)."""
        rng = numpy_generator(self.generator)
        policy_id = rng.integers(len(self.policies), size=batch)
        return policy_id, rng.random((batch, 2)), rng.integers(2, size=(batch, 2))

    def draw(self, batch: int, size: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The two steps: per image an index into :data:`OPS` and a magnitude each."""
        policy_id, probs, signs = self.get_params(batch)
        space, steps = augmentation_space(10, size), []  # Invert has no magnitude: 0
        ops = np.array([[OPS.index(name) for name, _, _ in pair] for pair in self.policies])  # (25, 2)
        chance = np.array([[p for _, p, _ in pair] for pair in self.policies])
        bins = np.array([[0 if b is None else b for _, _, b in pair] for pair in self.policies])
        for i in range(2):
            drawn = ops[policy_id, i]
            magnitudes = _magnitudes(space, drawn, bins[policy_id, i], signs[:, i] == 0)
            steps.append((np.where(probs[:, i] <= chance[policy_id, i], drawn, 0), magnitudes))
        return steps

    def __repr__(self) -> str:
        return f"AutoAugment(policy={self.policy}, fill={self.fill})"


class RandAugment(_Augment):
    """RandAugment (Cubuk et al., 2020): ``num_ops`` ops drawn uniformly per image, one magnitude.

    Args:
        num_ops: ops applied in sequence (default 2).
        magnitude: the bin, in ``[0, num_magnitude_bins)``, every op uses (default 9).
        num_magnitude_bins: bins of each op's range (default 31).
        interpolation, fill, generator: as :class:`AutoAugment`.

    Each image draws, per step, one of 14 ops (``Identity`` included, ``Invert`` not) and a sign.
    """

    def __init__(
        self,
        num_ops: int = 2,
        magnitude: int = 9,
        num_magnitude_bins: int = 31,
        interpolation=InterpolationMode.NEAREST,
        fill=None,
        generator: Generator | None = None,
    ) -> None:
        if num_ops < 0:
            raise ValueError(f"RandAugment: num_ops must be non-negative, got {num_ops}")
        if not 0 <= magnitude < num_magnitude_bins:
            raise ValueError(
                f"RandAugment: magnitude must be a bin in [0, num_magnitude_bins = {num_magnitude_bins}), "
                f"got {magnitude}; raise num_magnitude_bins or lower magnitude"
            )
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins
        self._setup(interpolation, fill, generator)

    def draw(self, batch: int, size: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
        space = augmentation_space(self.num_magnitude_bins, size)
        rng = numpy_generator(self.generator)
        ops = _op_indices(space)[rng.integers(len(space), size=(self.num_ops, batch))]
        negate = rng.integers(2, size=(self.num_ops, batch)) == 1
        bins = np.full(batch, self.magnitude)
        return [(row, _magnitudes(space, row, bins, flip)) for row, flip in zip(ops, negate)]

    def __repr__(self) -> str:
        return (
            f"RandAugment(num_ops={self.num_ops}, magnitude={self.magnitude}, "
            f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
            f"fill={self.fill})"
        )


class TrivialAugmentWide(_Augment):
    """TrivialAugment Wide (Müller and Hutter, 2021): one op and one magnitude bin per image.

    Args:
        num_magnitude_bins: bins of each op's (wide) range (default 31).
        interpolation, fill, generator: as :class:`AutoAugment`.

    Each image draws one of 14 ops, a bin uniformly in ``[0, num_magnitude_bins)`` and a sign.
    """

    def __init__(
        self,
        num_magnitude_bins: int = 31,
        interpolation=InterpolationMode.NEAREST,
        fill=None,
        generator: Generator | None = None,
    ) -> None:
        if num_magnitude_bins < 2:
            raise ValueError(
                f"TrivialAugmentWide: num_magnitude_bins must be at least 2, got {num_magnitude_bins}"
            )
        self.num_magnitude_bins = num_magnitude_bins
        self._setup(interpolation, fill, generator)

    def draw(self, batch: int, size: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
        space = augmentation_space(self.num_magnitude_bins, size, wide=True)
        rng = numpy_generator(self.generator)
        ops = _op_indices(space)[rng.integers(len(space), size=batch)]
        bins = rng.integers(self.num_magnitude_bins, size=batch)
        negate = rng.integers(2, size=batch) == 1
        return [(ops, _magnitudes(space, ops, bins, negate))]

    def __repr__(self) -> str:
        return (
            f"TrivialAugmentWide(num_magnitude_bins={self.num_magnitude_bins}, "
            f"interpolation={self.interpolation}, fill={self.fill})"
        )


def augmix_space(bins: int, size: tuple[int, int], all_ops: bool = True) -> dict:
    """torchvision's ``AugMix._augmentation_space``: op → (float32 magnitudes, signed).

    Translations to a third of the side, posterize from 4 bits down to 0; ``all_ops`` adds
    Brightness, Color, Contrast and Sharpness (to 0.9), which the AugMix paper leaves out
    because they overlap ImageNet-C's corruptions.
    """
    base = augmentation_space(bins, size)
    space = {name: base[name] for name in ("ShearX", "ShearY")}
    space["TranslateX"] = (linspace32(0.0, size[1] / 3.0, bins), True)
    space["TranslateY"] = (linspace32(0.0, size[0] / 3.0, bins), True)
    space["Rotate"] = base["Rotate"]
    space["Posterize"] = (posterize_bits(bins, 4) - 4, False)
    for name in ("Solarize", "AutoContrast", "Equalize") + (
        ("Brightness", "Color", "Contrast", "Sharpness") if all_ops else ()
    ):
        space[name] = base[name]
    return space


class AugMix(_Augment):
    """AugMix (Hendrycks et al., 2020): a blend of the image with chains of random ops, per image.

    Args:
        severity: ops draw their magnitude bin uniformly in ``[0, severity)`` of 10 (1 to 10).
        mixture_width: chains per image (default 3).
        chain_depth: ops per chain; ``-1`` (default) draws 1 to 3 per chain and image.
        alpha: the Dirichlet (and Beta) concentration of the weights.
        all_ops: include Brightness, Color, Contrast and Sharpness.
        interpolation: ``BILINEAR`` (default, as torchvision) or ``NEAREST``; fill, generator: as
            :class:`AutoAugment`.

    Per image: ``m ~ Beta(alpha, alpha)``, chain weights ``w ~ Dirichlet(alpha · 1)``, and the
    result ``m · x + Σ_i (1 − m) · w_i · chain_i(x)`` in float32, truncated to uint8 (torchvision's
    arithmetic, in its order). torchvision already draws ``m`` and ``w`` per image of a batch but
    one chain of ops for all; here each image draws its own chains, depths, ops and magnitudes.
    """

    def __init__(
        self,
        severity: int = 3,
        mixture_width: int = 3,
        chain_depth: int = -1,
        alpha: float = 1.0,
        all_ops: bool = True,
        interpolation=InterpolationMode.BILINEAR,
        fill=None,
        generator: Generator | None = None,
    ) -> None:
        if not 1 <= severity <= 10:
            raise ValueError(f"AugMix: severity must be between 1 and 10, got {severity}")
        if mixture_width < 1 or not alpha > 0:
            raise ValueError(
                f"AugMix: mixture_width must be at least 1 and alpha positive, "
                f"got {mixture_width} and {alpha}"
            )
        self.severity, self.mixture_width, self.chain_depth = severity, mixture_width, chain_depth
        self.alpha, self.all_ops = alpha, all_ops
        self._setup(interpolation, fill, generator)

    def draw(self, batch: int, size: tuple[int, int]) -> tuple:
        """Per image: the weight ``m`` ``(B,)`` of the image, of each chain ``(B, width)``, and the chains.

        Each chain is a list of steps ``(ops, magnitudes)`` as :meth:`AutoAugment.draw`'s, as many
        as the longest chain's depth (images whose chain is shorter get ``Identity``).
        """
        rng = numpy_generator(self.generator)
        beta = rng.dirichlet([self.alpha] * 2, size=batch).astype(np.float32)  # (m, 1 − m), as torchvision
        chains = rng.dirichlet([self.alpha] * self.mixture_width, size=batch).astype(np.float32)
        space, steps = augmix_space(10, size, self.all_ops), []
        for _ in range(self.mixture_width):
            fixed = self.chain_depth > 0
            depth = np.full(batch, self.chain_depth) if fixed else rng.integers(1, 4, size=batch)
            chain = []
            for step in range(int(depth.max())):
                ops = _op_indices(space)[rng.integers(len(space), size=batch)]
                bins = rng.integers(self.severity, size=batch)
                negate = rng.integers(2, size=batch) == 1
                ops = np.where(step < depth, ops, 0)  # chains shorter than this step: Identity
                chain.append((ops, _magnitudes(space, ops, bins, negate)))
            steps.append(chain)
        return beta[:, 0], chains * beta[:, 1:], steps

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _pixels("AugMix", images)
        keep, weights, chains = self.draw(len(array), array.shape[2:])
        mix = keep.reshape(-1, 1, 1, 1) * array.astype(np.float32)
        for chain, steps in enumerate(chains):
            augmented = array
            for ops, magnitudes in steps:
                augmented = apply_ops(augmented, ops, magnitudes, self._mode, self.fill)
            mix += weights[:, chain].reshape(-1, 1, 1, 1) * augmented
        return _wrap(mix.astype(np.uint8), is_tensor, single)

    def __repr__(self) -> str:
        return (
            f"AugMix(severity={self.severity}, mixture_width={self.mixture_width}, "
            f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
            f"interpolation={self.interpolation}, fill={self.fill})"
        )
