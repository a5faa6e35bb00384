"""The cost of data in a CIFAR-10 epoch: loading, and batching with augmentation (issue #4, module 08).

``python benchmarks/vision_data.py`` (also part of ``nox -s bench``). Prints:

* loading the training set: the first time (decoding the compressed
  ``.npz`` and writing the decoded cache, in a fresh temporary cache
  folder) and every later time (mapping the cache);
* one epoch of milestone 04's input pipeline — shuffled batches of 128
  through tt-optim's DataLoader, random crop (pad 4, reflect), random flip,
  normalise — as the median of several epochs, and what each step costs
  per batch;
* the same epoch with torchvision's ImageNet-style geometry instead of the
  crop: ``RandomResizedCrop(32, scale=(0.25, 1))`` (a box per image, resized
  by per-image weight matrices), random flip, normalise;
* per batch, also the transforms beyond the milestone's recipe: ``ColorJitter(0.4, 0.4, 0.4,
  0.1)``, ``RandomPerspective(p=1)`` and ``ElasticTransform(alpha=20, sigma=3)``.

It needs CIFAR-10 (``$TINYTORCH_DATA`` or the cache); without it, the
epoch is timed on random pixels of the same shape and the load is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from tt_vision import transforms as T
from tt_vision.datasets import CIFAR10, DatasetNotFoundError, VisionDataset
from tt_vision.datasets.base import to_float_images

import tinytorch as tt
from tinytorch.utils.data import DataLoader

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def augmentation() -> T.Compose:
    """Milestone 04's training transform."""
    return T.Compose(
        [
            T.RandomCrop(32, padding=4, padding_mode="reflect"),
            T.RandomHorizontalFlip(),
            T.Normalize(MEAN, STD),
        ]
    )


def geometry_augmentation() -> T.Compose:
    """An ImageNet-style training transform at CIFAR-10's size: a random box per image, resized back to 32."""
    return T.Compose(
        [T.RandomResizedCrop(32, scale=(0.25, 1.0)), T.RandomHorizontalFlip(), T.Normalize(MEAN, STD)]
    )


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


@contextlib.contextmanager
def fresh_cache():
    """A new, empty decoded-dataset cache folder for the duration of the block."""
    previous = os.environ.get("TINYTORCH_CACHE")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TINYTORCH_CACHE"] = folder
        try:
            yield
        finally:
            if previous is None:
                del os.environ["TINYTORCH_CACHE"]
            else:
                os.environ["TINYTORCH_CACHE"] = previous


def load_training_set() -> tuple[VisionDataset, dict[str, float]]:
    """CIFAR-10's training set (mapped from the cache) and the load times; random pixels if it is absent."""
    times: dict[str, float] = {}
    try:
        times["first load s"], _ = timed(lambda: CIFAR10(train=True, download=False))
        later = [timed(lambda: CIFAR10(train=True, download=False)) for _ in range(3)]
        times["later load s"] = statistics.median(t for t, _ in later)  # just written: checksums run
        time.sleep(2.5)  # the entry settles (2 s in the cache); the next load stamps it as verified
        CIFAR10(train=True, download=False)
        settled = [timed(lambda: CIFAR10(train=True, download=False)) for _ in range(3)]
        times["settled load s"] = statistics.median(t for t, _ in settled)  # stamp matches: no checksum
        return settled[-1][1], times
    except DatasetNotFoundError:
        print("CIFAR-10 not found (set TINYTORCH_DATA): timing the epoch on random pixels")
        pixels = np.random.default_rng(0).integers(0, 256, (50_000, 32, 32, 3), dtype=np.uint8)
        return VisionDataset(pixels, np.zeros(50_000, dtype=np.int64)), times


def epoch_seconds(data: VisionDataset, epochs: int, transform: T.Compose | None = None) -> list[float]:
    """Wall times of full passes of the DataLoader (batch 128, shuffled, augmented by ``transform``)."""
    data.transform = augmentation() if transform is None else transform
    loader = DataLoader(data, batch_size=128, shuffle=True, generator=tt.Generator(0))
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for _images, _labels in loader:
            pass
        times.append(time.perf_counter() - start)
    return times


def step_costs(data: VisionDataset, repeats: int = 200) -> dict[str, float]:
    """Milliseconds per batch of 128 for each step of the pipeline, on the raw uint8 pixels as it runs."""
    rng = np.random.default_rng(0)
    crop, flip = T.RandomCrop(32, padding=4, padding_mode="reflect"), T.RandomHorizontalFlip()
    resized_crop = T.RandomResizedCrop(32, scale=(0.25, 1.0))
    jitter = T.ColorJitter(0.4, 0.4, 0.4, 0.1)  # hue's HSV round trip is most of it
    perspective, elastic = T.RandomPerspective(p=1.0), T.ElasticTransform(alpha=20.0, sigma=3.0)
    normalize = T.Normalize(MEAN, STD)
    batches = [np.sort(rng.choice(len(data), 128, replace=False)) for _ in range(repeats)]
    raw = data.pixels[batches[0]]
    steps = {
        "gather": lambda i: data.pixels[batches[i]],
        "crop": lambda i: crop(raw),
        "flip": lambda i: flip(raw),
        "resized crop": lambda i: resized_crop(raw),
        "colour jitter": lambda i: jitter(raw),
        "perspective": lambda i: perspective(raw),
        "elastic": lambda i: elastic(raw),
        "to float": lambda i: to_float_images(raw),
        "normalise": lambda i: normalize.normalize(to_float_images(raw), inplace=True),
    }
    costs = {}
    for name, step in steps.items():
        start = time.perf_counter()
        for i in range(repeats):
            step(i)
        costs[name] = (time.perf_counter() - start) / repeats * 1e3
    costs["normalise"] -= costs["to float"]  # timed on top of the conversion it follows
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs (a smoke run)")
    args = parser.parse_args(argv)
    with fresh_cache():
        data, load = load_training_set()
        epochs = epoch_seconds(data, 3 if args.quick else 6)
        geometry = epoch_seconds(data, 3 if args.quick else 6, geometry_augmentation())
        costs = step_costs(data, 50 if args.quick else 200)
    if load:
        print(
            f"CIFAR-10 train load: first {load['first load s']:.2f} s (decode + write the cache), "
            f"later {load['later load s'] * 1e3:.1f} ms (mapped and checksummed), "
            f"once settled {load['settled load s'] * 1e3:.1f} ms (mapped; unchanged since checked)"
        )
    print(
        f"one epoch of batching + augmentation (391 batches of 128): first after loading {epochs[0]:.2f} s, "
        f"then median {statistics.median(epochs[1:]):.2f} s  (goal: well under 1 s)"
    )
    print(
        f"the same epoch, RandomResizedCrop(32, scale=(0.25, 1)) for the crop: first {geometry[0]:.2f} s, "
        f"then median {statistics.median(geometry[1:]):.2f} s"
    )
    print("per batch, ms: " + ", ".join(f"{name} {ms:.2f}" for name, ms in costs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
