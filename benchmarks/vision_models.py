"""tt_vision.models at CIFAR size: milliseconds of a training step's forward + backward, and of inference.

    python benchmarks/vision_models.py                      # resnet18, batch 32 of 3×32×32
    python benchmarks/vision_models.py --batch 8 mobilenet_v2 squeezenet1_1
    python benchmarks/vision_models.py --batch 8 --size 75 inception_v3    # at least 75×75
    python benchmarks/vision_models.py --batch 8 --chapter-kernels mobilenet_v2   # each model twice
    python benchmarks/vision_models.py --build regnet_y_32gf vit_l_16      # seconds to build (all: no name)
    python benchmarks/vision_models.py --batch 2 --size 128 deeplabv3_mobilenet_v3_large

For each builder (``num_classes=10``): one warm-up, then ``--repeats`` timed rounds of
a training-mode forward + cross-entropy + backward, and of an evaluation-mode forward
under ``no_grad``; the median of each is printed. GoogLeNet and Inception v3 are built with
``init_weights=True``; in training mode their auxiliary heads' logits join the loss (weight 0.4,
torchvision's references'), and Inception v3 below 299×299 is built without its head (the head
needs a 17×17 map). The segmentation builders (``tt_vision.models.segmentation``) are built with
their auxiliary head where they have one; their loss is the pixels' cross-entropy of ``"out"``
plus 0.5 × that of ``"aux"`` (torchvision's references'), against random labels per pixel.
With ``--chapter-kernels`` each model is timed a second time under
``tt_vision.fast_convolutions(False)`` (every convolution through the chapter's im2col, GEMM and
col2im: no Winograd, channels-first first layer, depthwise sum or trimmed taps), and the ratio is
printed. ``--build`` times only the construction instead: each builder at its
defaults (1000 classes, ``init_weights=True`` where torchvision warns without it), wall and
CPU seconds, and CPU nanoseconds per parameter (the random initialisation's share). Figures quoted in
docs/torchvision/models.md come from this script.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import tt_autograd
import tt_nn as nn
from tt_vision import fast_convolutions, models


def milliseconds(run, repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def build_times(names: list[str]) -> None:
    """Seconds to build each model at its defaults (every registered builder when ``names`` is empty)."""
    for name in names or models.list_models():
        options = {"init_weights": True} if name in ("googlenet", "inception_v3") else {}
        wall, cpu = time.perf_counter(), time.process_time()
        model = models.get_model(name, **options)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        params = sum(p.numel() for p in model.parameters())
        print(
            f"{name:18s} {params / 1e6:7.2f} M parameters  built in {wall:6.2f} s ({cpu:6.2f} s CPU, "
            f"{cpu / params * 1e9:5.1f} ns per parameter)",
            flush=True,
        )
        del model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="builders (default resnet18; with --build, all)")
    parser.add_argument("--build", action="store_true", help="time building the models instead")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--chapter-kernels", action="store_true", help="also time each model with fast_convolutions(False)"
    )
    args = parser.parse_args()
    if args.build:
        return build_times(args.names)
    args.names = args.names or ["resnet18"]
    rng = np.random.default_rng(0)
    x = tt_autograd.from_numpy(rng.standard_normal((args.batch, 3, args.size, args.size)).astype(np.float32))
    labels = tt_autograd.from_numpy(rng.integers(0, 10, args.batch))
    pixel_labels = tt_autograd.from_numpy(rng.integers(0, 10, (args.batch, args.size, args.size)))
    segmentation = set(models.list_models(module=models.segmentation))
    for name in args.names:
        options = {"init_weights": True} if name in ("googlenet", "inception_v3") else {}
        if name == "inception_v3" and args.size < 299:
            options["aux_logits"] = False
        if name.startswith("vit_"):
            options["image_size"] = args.size  # ViT's sequence length
        if name in segmentation and not name.startswith("lraspp"):
            options["aux_loss"] = True
        model = models.get_model(name, num_classes=10, **options)

        def train_step(model=model):
            model.train()
            model.zero_grad()
            out = model(x)
            if isinstance(out, dict):  # a segmentation model: logits per pixel, auxiliary weight 0.5
                loss = nn.functional.cross_entropy(out["out"], pixel_labels)
                if "aux" in out:
                    loss = loss + 0.5 * nn.functional.cross_entropy(out["aux"], pixel_labels)
            else:
                logits, *aux = out if isinstance(out, tuple) else (out,)
                loss = nn.functional.cross_entropy(logits, labels)
                for extra in aux:
                    loss = loss + 0.4 * nn.functional.cross_entropy(extra, labels)
            loss.backward()

        def inference(model=model):
            model.eval()
            with tt_autograd.no_grad():
                model(x)

        step, forward = milliseconds(train_step, args.repeats), milliseconds(inference, args.repeats)
        params = sum(p.numel() for p in model.parameters())
        print(
            f"{name:18s} {params / 1e6:6.2f} M parameters  batch {args.batch}×3×{args.size}×{args.size}: "
            f"forward + backward {step:7.1f} ms ({args.batch / step * 1000:6.1f} images/s), "
            f"inference {forward:7.1f} ms"
        )
        if args.chapter_kernels:
            with fast_convolutions(False):
                slow_step = milliseconds(train_step, args.repeats)
                slow_forward = milliseconds(inference, args.repeats)
            print(
                f"{'':18s} the chapter's kernels only: forward + backward {slow_step:7.1f} ms "
                f"({slow_step / step:.2f}x), inference {slow_forward:7.1f} ms ({slow_forward / forward:.2f}x)"
            )


if __name__ == "__main__":
    main()
