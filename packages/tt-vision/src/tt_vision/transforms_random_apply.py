"""``RandomApply``, ``RandomChoice``, ``RandomOrder``: torchvision's random containers, per image of a batch.

Beyond module 08's exercises; exported by :mod:`tt_vision.transforms`. torchvision decides once
per call, and a call there is one image; here a call is a batch, so each image gets its own
decision (apply or not, which transform, which order), and each transform runs once on the
images that drew it (a gather, the transform, a scatter back; ``RandomOrder``: once per step of
the orders). The transforms inside must keep the images' shape, since the batch is put back
together; random ones inside draw for the images they are given. Cost: one call of each
transform per group of images, plus one copy (``RandomOrder``: ``n`` steps, ``n²`` calls).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from tt_tensor import Generator, numpy_generator

from .transforms import Compose, _unwrap, _wrap


def apply_by_group(array: np.ndarray, groups: np.ndarray, functions: Sequence[Callable | None]) -> np.ndarray:
    """``functions[g](array[members], members)`` written over the images whose ``groups`` entry is ``g``.

    The one gather-transform-scatter behind every per-image choice of tt-vision's random
    transforms: ``groups`` holds one integer per image; a group without a function (``None``, or a
    value outside ``range(len(functions))``) is left as it is. The functions run in increasing
    group order, each once, on the groups that occur (a random function draws for exactly the
    images it is given), and each must return its part in the part's shape. Cost: one copy of
    the batch, one gather and one scatter per group that occurs.
    """
    out = array.copy()
    for group in np.unique(groups):
        if 0 <= group < len(functions) and functions[group] is not None:
            members = np.flatnonzero(groups == group)
            out[members] = functions[group](array[members], members)
    return out


def apply_to_groups(op: str, images: object, groups: np.ndarray, transforms: Sequence[Callable]) -> object:
    """``transforms[g]`` on the images with ``groups == g`` (no transform where ``g == len(transforms)``)."""
    array, is_tensor, single = _unwrap(images)

    def on_images(transform: Callable) -> Callable:
        def apply(part: np.ndarray, members: np.ndarray) -> np.ndarray:
            result, _, _ = _unwrap(transform(_wrap(part, is_tensor, False)))
            if result.shape[1:] != part.shape[1:]:
                raise ValueError(
                    f"{op}: a transform changed the images' shape {part.shape[1:]} to {result.shape[1:]}; "
                    "the transforms inside must keep it (put size-changing ones outside, e.g. in a Compose)"
                )
            return result

        return apply

    return _wrap(apply_by_group(array, groups, [on_images(t) for t in transforms]), is_tensor, single)


def apply_with_probability(
    images: object, p: float, generator: Generator | None, function: Callable
) -> object:
    """``function`` (arrays ``(n, C, H, W)`` to the same shape) on the images a coin of probability ``p``
    picks, one coin per image; the others as they are. ``function`` first sees no image (``array[:0]``), so
    its checks of dtype and channels refuse a bad batch on every call, not only when a coin comes up."""
    array, is_tensor, single = _unwrap(images)
    function(array[:0])
    skip = numpy_generator(generator).random(len(array)) >= p  # group 1: left alone
    out = apply_by_group(array, skip.astype(np.int64), [lambda part, _: function(part)])
    return _wrap(out, is_tensor, single)


class RandomApply:
    """Apply ``transforms`` in order to each image with probability ``p`` (else leave it)."""

    def __init__(
        self, transforms: Sequence[Callable], p: float = 0.5, generator: Generator | None = None
    ) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomApply: p must be in [0, 1], got {p}")
        self.transforms, self.p, self.generator = list(transforms), p, generator

    def __call__(self, images: object) -> object:
        array, _, _ = _unwrap(images)
        skip = numpy_generator(self.generator).random(len(array)) >= self.p  # group 1: left alone
        return apply_to_groups("RandomApply", images, skip.astype(np.int64), [Compose(self.transforms)])

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"RandomApply(\n    p={self.p}{inner}\n)"


class RandomChoice:
    """Apply one of ``transforms`` to each image, chosen with probabilities ``p`` (default: equal)."""

    def __init__(
        self,
        transforms: Sequence[Callable],
        p: Sequence[float] | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.transforms = list(transforms)
        if not self.transforms:
            raise ValueError("RandomChoice: give at least one transform")
        if p is not None and (len(p) != len(self.transforms) or min(p) < 0 or sum(p) <= 0):
            raise ValueError(
                f"RandomChoice: p must be {len(self.transforms)} non-negative weights (one per transform), "
                f"got {p!r}"
            )
        self.p, self.generator = p, generator

    def __call__(self, images: object) -> object:
        array, _, _ = _unwrap(images)
        weights = None if self.p is None else np.asarray(self.p, float) / np.sum(self.p)
        groups = numpy_generator(self.generator).choice(len(self.transforms), size=len(array), p=weights)
        return apply_to_groups("RandomChoice", images, groups, self.transforms)

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"RandomChoice({inner}\n)(p={self.p})"


class RandomOrder:
    """Apply all ``transforms`` to each image, in an order drawn per image (every order equally likely)."""

    def __init__(self, transforms: Sequence[Callable], generator: Generator | None = None) -> None:
        self.transforms, self.generator = list(transforms), generator

    def __call__(self, images: object) -> object:
        """Step ``k`` applies each transform to the images whose order has it ``k``-th: ``n`` steps of
        ``n`` calls (not one chain per order: ``n!`` of them), each image through its own order."""
        array, _, _ = _unwrap(images)
        orders = numpy_generator(self.generator).random((len(array), len(self.transforms))).argsort(axis=1)
        for step in range(len(self.transforms)):
            images = apply_to_groups("RandomOrder", images, orders[:, step], self.transforms)
        return images

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"RandomOrder({inner}\n)"


__all__ = ["RandomApply", "RandomChoice", "RandomOrder", "apply_by_group", "apply_with_probability"]
