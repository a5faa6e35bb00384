"""torchvision's SSD and SSDlite against ``tt_vision.models.detection``: the same numbers?

For ``--cases`` seeded scenes it builds ``ssdlite320_mobilenet_v3_large`` (``--classes``
classes) in both frameworks, copies torchvision's state dict into ours (NumPy arrays through
``load_state_dict``), feeds the same two images of different sizes and compares, in
evaluation mode, each image's detections (ours matched to theirs by label and corners within
0.5 px: the count matched is printed, the matched ones' boxes and scores compared, and the
sorted score lists) and, in training mode with two ground truths per image, the two losses
and the gradients of the classification head's first prediction layer (``GRADIENTS``,
relative to their largest value). SSD's training has no random sampling (hard negatives are
ranked by their loss), so nothing needs seeding. ``--vgg`` also runs ``ssd300_vgg16`` once
the same way (slow: about 31 GFLOPs per image). The figures are the largest
``|ours - theirs|`` (float32; ``--float64``: both models and the images in float64, where
the depthwise gradient's 0.1 relative difference in float32 falls to 5e-14 and every detection
matches: float error amplified, not a bug; the box loss still differs by 2.4e-7, as torchvision
computes its default boxes in float32 before the cast, up to 7.6e-6 px off). ``--time`` times
one eval forward of ``ssdlite320_mobilenet_v3_large`` on one 320×320 image (91 classes): both
on one thread, the best of 10 each and their ratio, with the load average.

Opt-in: it needs torch and torchvision with working C ops (``nms``), e.g. ``/tmp/tvcmp``, and
TinyTorch's packages on the path; nothing in the test suite runs it.

Usage:
    PYTHONPATH=... /tmp/tvcmp/bin/python tools/parity/detection_ssd.py [--cases 3] [--classes 91] \\
        [--vgg] [--float64] [--time]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from detection import one_thread_each, time_against

#: Compared gradients: SSDlite's first 1×1 prediction convolution, and the depthwise one before its
#: BatchNorm (train mode: the batch statistics' backward amplifies the inputs' float differences,
#: the transform's 4.6e-5 among them); SSD300's first prediction convolution.
GRADIENTS = (
    "head.classification_head.module_list.0.1.weight",
    "head.classification_head.module_list.0.0.0.weight",
    "head.classification_head.module_list.0.weight",
)


def frameworks() -> tuple[dict, dict]:
    import torch
    import torchvision.models.detection as tv_detection
    from tt_vision.models import detection as tt_detection

    import tinytorch as tt

    theirs = {
        "tensor": lambda a: torch.from_numpy(np.array(a)),
        "detection": tv_detection,
        "numpy": lambda t: t.detach().numpy(),
        "no_grad": torch.no_grad,
        "seed": torch.manual_seed,
    }
    ours = {
        "tensor": lambda a: tt.tensor(np.array(a)),
        "detection": tt_detection,
        "numpy": lambda t: np.asarray(t.detach().numpy()),
        "no_grad": tt.no_grad,
        "seed": tt.manual_seed,
    }
    return ours, theirs


def scene(rng: np.random.Generator, classes: int) -> dict:
    """Two images of different sizes, two ground-truth boxes each with labels in ``[1, classes)``."""
    data = {}
    for i in range(2):
        h, w = (int(v) for v in rng.integers(200, 400, size=2))
        data[f"image{i}"] = rng.uniform(0, 1, (3, h, w)).astype(np.float32)
        corner = rng.uniform(0, [w / 2, h / 2], size=(2, 2))
        data[f"boxes{i}"] = np.concatenate([corner, corner + rng.uniform(20, [w / 2, h / 2], (2, 2))], 1)
        data[f"boxes{i}"] = data[f"boxes{i}"].astype(np.float32)
        data[f"labels{i}"] = rng.integers(1, classes, size=2).astype(np.int64)
    return data


def run(lib, model, data: dict) -> dict:
    """Eval detections and train losses (+ one gradient) of ``model``, as NumPy arrays."""
    tensor, to_numpy = lib["tensor"], lib["numpy"]
    images = [tensor(data["image0"]), tensor(data["image1"])]
    out = {}
    model.eval()
    with lib["no_grad"]():
        detections = model(images)
    for key in ("boxes", "scores", "labels"):
        out[f"eval {key}"] = [to_numpy(d[key]) for d in detections]
    model.train()
    targets = [{"boxes": tensor(data[f"boxes{i}"]), "labels": tensor(data[f"labels{i}"])} for i in range(2)]
    losses = model(images, targets)
    (losses["bbox_regression"] + losses["classification"]).backward()
    out["loss bbox_regression"] = to_numpy(losses["bbox_regression"])
    out["loss classification"] = to_numpy(losses["classification"])
    parameters = dict(model.named_parameters())
    for name in GRADIENTS:
        if name in parameters:
            out[f"grad {name}"] = to_numpy(parameters[name].grad)
    model.zero_grad()
    return out


def match_detections(boxes, labels, ref_boxes, ref_labels, tolerance=0.5):
    """Index pairs (ours, theirs) of detections with the same label and corners within ``tolerance`` px,
    each of theirs used once (the detections near the score cut-off or an NMS decision can differ
    by float error: they are counted, not compared)."""
    distance = np.abs(boxes[:, None, :] - ref_boxes[None, :, :]).max(axis=2)
    distance[labels[:, None] != ref_labels[None, :]] = np.inf
    mine, theirs, used = [], [], set()
    for i in np.argsort(distance.min(axis=1, initial=np.inf)):
        j = int(np.argmin(distance[i])) if distance.shape[1] else -1
        if j >= 0 and distance[i, j] <= tolerance and j not in used:
            used.add(j)
            mine.append(int(i))
            theirs.append(j)
    return np.array(mine, dtype=int), np.array(theirs, dtype=int)


def paired(builder: str, classes: int) -> tuple[object, object]:
    """Our model and torchvision's, ours loaded with torchvision's state dict.

    The builders' initialisation (``N(0, 0.03²)`` convolutions) makes SSDlite's features vanish
    and every score tie at ``1 / classes``, which would compare tie-breaking only: torchvision's
    convolution weights are redrawn first, ``N(0, 2 / fan_in)`` (seeded; VGG's first one divided by
    255, SSD300 feeding it 0-255 values), biases ``N(0, 0.1²)``.
    """
    import torch

    ours, theirs = frameworks()
    reference = getattr(theirs["detection"], builder)(
        weights=None, weights_backbone=None, num_classes=classes
    )
    rng = np.random.default_rng(1234)
    with torch.no_grad():
        for name, parameter in reference.named_parameters():
            if parameter.ndim == 4:
                fan_in = parameter[0].numel()
                weight = rng.normal(0, np.sqrt(2 / fan_in), parameter.shape)
                if name == "backbone.features.0.weight":  # SSD300's inputs are on VGG's 0-255 scale
                    weight /= 255
                parameter.copy_(torch.from_numpy(weight))
            elif name.endswith("bias"):
                parameter.copy_(torch.from_numpy(rng.normal(0, 0.1, parameter.shape)))
    model = getattr(ours["detection"], builder)(num_classes=classes)
    state = {k: ours["tensor"](v.detach().numpy()) for k, v in reference.state_dict().items()}
    model.load_state_dict(state)
    return model, reference


def compare(builder: str, cases: int, classes: int, float64: bool = False) -> None:
    ours, theirs = frameworks()
    model, reference = paired(builder, classes)
    if float64:
        model, reference = model.double(), reference.double()
    worst: dict[str, float] = {}
    matched = total = 0
    for seed in range(cases):
        data = scene(np.random.default_rng(seed), classes)
        if float64:
            data = {k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in data.items()}
        mine, ref = run(ours, model, data), run(theirs, reference, data)
        for image in range(2):
            pairs = match_detections(
                *(r[f"eval {k}"][image] for r in (mine, ref) for k in ("boxes", "labels"))
            )
            matched, total = matched + len(pairs[0]), total + len(ref["eval boxes"][image])
            for key in ("boxes", "scores"):
                a, b = mine[f"eval {key}"][image][pairs[0]], ref[f"eval {key}"][image][pairs[1]]
                diff = float(np.abs(a.astype(np.float64) - b).max(initial=0))
                worst[f"eval {key} (matched)"] = max(worst.get(f"eval {key} (matched)", 0.0), diff)
            a, b = (np.sort(r["eval scores"][image])[::-1] for r in (mine, ref))
            if a.shape == b.shape:
                worst["eval scores (sorted)"] = max(
                    worst.get("eval scores (sorted)", 0.0), float(np.abs(a - b).max())
                )
        for key, value in mine.items():
            if not key.startswith("eval"):
                diff = float(np.abs(value.astype(np.float64) - ref[key]).max())
                if key.startswith("grad"):
                    diff /= float(np.abs(ref[key]).max())  # relative to the gradient's largest value
                    key += " (relative)"
                worst[key] = max(worst.get(key, 0.0), diff)
    print(
        f"{builder}, {classes} classes, {cases} cases{' (float64)' if float64 else ''}; "
        f"eval: {matched} of torchvision's {total} detections matched"
    )
    for key, diff in worst.items():
        print(f"  {key:34s} max|ours - torchvision| = {diff:.3g}")


def timing() -> None:
    one_thread_each()
    ours, theirs = frameworks()
    model, reference = paired("ssdlite320_mobilenet_v3_large", 91)
    image = np.random.default_rng(0).uniform(0, 1, (3, 320, 320)).astype(np.float32)
    calls = []
    for lib, net in ((ours, model), (theirs, reference)):
        net.eval()

        def call(net=net, lib=lib):
            with lib["no_grad"]():
                net([lib["tensor"](image)])

        calls.append(call)
    time_against("ssdlite320_mobilenet_v3_large eval forward, one 320x320 image", *calls, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3)
    parser.add_argument("--classes", type=int, default=91)
    parser.add_argument("--vgg", action="store_true")
    parser.add_argument("--float64", action="store_true", help="compare in float64 (rounding out of the way)")
    parser.add_argument("--time", action="store_true")
    args = parser.parse_args()
    if args.time:
        os.environ["TINYTORCH_NUM_THREADS"] = "1"  # before TinyTorch's worker pool can start
    compare("ssdlite320_mobilenet_v3_large", args.cases, args.classes, args.float64)
    if args.vgg:
        compare("ssd300_vgg16", 1, args.classes)
    if args.time:
        timing()


if __name__ == "__main__":
    main()
