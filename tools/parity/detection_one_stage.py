"""torchvision's RetinaNet and FCOS against ``tt_vision.models.detection``: the same numbers?

For ``--cases`` random scenes (seeded) it builds, in both frameworks, the same small detector: a
three-level convolutional stand-in backbone (strides 8, 16, 32; 32 channels) under a
``RetinaNet`` (v1 head, l1 box loss), a ``RetinaNet`` with the v2 head (``GroupNorm(32)``, giou
box loss) and an ``FCOS``; torchvision's random weights, perturbed so that scores spread, are
copied into ours (state dict -> NumPy -> ``load_state_dict``). It feeds two images of different
sizes and compares, in evaluation mode, the detections (where both kept the same number, the
count of such cases printed: each of ours against its torchvision twin, the same label and the
nearest box, since near-equal scores may be ranked in another order) and, in training mode,
every loss and the gradient of the first tower convolution. Each figure is the largest
``|ours - theirs|`` over the cases (float32; ``--float64``: both in float64). ``--time`` times one
evaluation-mode forward of ``retinanet_resnet50_fpn`` and ``fcos_resnet50_fpn`` (91 classes,
random weights) on one 320-px image: both on one thread, the best of 3 each and their ratio.

Opt-in: it needs torch and torchvision with working C ops (``nms``), e.g. ``/tmp/tvcmp``, and
TinyTorch's packages on the path; nothing in the test suite runs it.

Usage:
    PYTHONPATH=... /tmp/tvcmp/bin/python tools/parity/detection_one_stage.py [--cases 10] [--float64] [--time]
"""

from __future__ import annotations

import argparse
import os
from collections import OrderedDict
from functools import partial

import numpy as np
from detection import one_thread_each, time_against

CLASSES = 4
SIZES = tuple((s, int(s * 2 ** (1.0 / 3)), int(s * 2 ** (2.0 / 3))) for s in (32, 64, 128))
RATIOS = ((0.5, 1.0, 2.0),) * 3
CONFIG = {"min_size": 128, "max_size": 192}


def frameworks() -> tuple[dict, dict]:
    import torch
    import torchvision.models.detection as tv_detection
    from torchvision.models.detection import anchor_utils, fcos, retinanet  # noqa: F401
    from tt_vision.layers import Conv2d
    from tt_vision.models import detection as tt_detection
    from tt_vision.models.detection import fcos as tt_fcos
    from tt_vision.models.detection import retinanet as tt_retinanet

    import tinytorch as tt

    theirs = {
        "name": "torch",
        "tensor": lambda a: torch.from_numpy(np.array(a)),
        "numpy": lambda t: t.detach().numpy(),
        "no_grad": torch.no_grad,
        "nn": torch.nn,
        "Conv2d": torch.nn.Conv2d,
        "retinanet": tv_detection.retinanet,
        "fcos": tv_detection.fcos,
        "detection": tv_detection,
    }
    ours = {
        "name": "tinytorch",
        "float64": tt.float64,
        "tensor": lambda a: tt.tensor(np.array(a)),
        "numpy": lambda t: np.asarray(t.detach().numpy()),
        "no_grad": tt.no_grad,
        "nn": tt.nn,
        "Conv2d": Conv2d,
        "retinanet": tt_retinanet,
        "fcos": tt_fcos,
        "detection": tt_detection,
    }
    return ours, theirs


def backbone(lib: dict):
    """Three levels from strided convolutions: ``{"0": stride 8, "1": 16, "2": 32}``, 32 channels each."""
    conv = lib["Conv2d"]

    class Backbone(lib["nn"].Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = conv(3, 32, 3, stride=8, padding=1)
            self.down1 = conv(32, 32, 3, stride=2, padding=1)
            self.down2 = conv(32, 32, 3, stride=2, padding=1)
            self.out_channels = 32

        def forward(self, x):
            p3 = self.stem(x)
            p4 = self.down1(p3)
            return OrderedDict([("0", p3), ("1", p4), ("2", self.down2(p4))])

    return Backbone()


def build(lib: dict, kind: str):
    """One of the three compared detectors, randomly initialised."""
    detection = lib["detection"]
    if kind == "fcos":
        generator = detection.anchor_utils.AnchorGenerator(((8,), (16,), (32,)), ((1.0,),) * 3)
        return lib["fcos"].FCOS(
            backbone(lib), CLASSES, anchor_generator=generator, score_thresh=0.1, **CONFIG
        )
    generator = detection.anchor_utils.AnchorGenerator(SIZES, RATIOS)
    head = None
    if kind == "retinanet_v2":
        norm = partial(lib["nn"].GroupNorm, 32)
        head = lib["retinanet"].RetinaNetHead(32, 9, CLASSES, norm_layer=norm)
        head.regression_head._loss_type = "giou"
    return lib["retinanet"].RetinaNet(
        backbone(lib), CLASSES, anchor_generator=generator, head=head, score_thresh=0.05, **CONFIG
    )


def scene(rng: np.random.Generator, state: dict) -> dict:
    """Two images with boxes and labels, and the weights: torchvision's, perturbed (``N(0, 0.1²)``)."""
    data = {"weights": {k: v + rng.normal(0, 0.1, v.shape).astype(np.float32) for k, v in state.items()}}
    for i in range(2):
        h, w = rng.integers(100, 170, size=2)
        data[f"image{i}"] = rng.uniform(0, 1, (3, h, w)).astype(np.float32)
        corner = rng.uniform(0, [w / 2, h / 2], size=(3, 2))
        size = rng.uniform(8, [w / 2, h / 2], size=(3, 2))
        data[f"boxes{i}"] = np.concatenate([corner, corner + size], 1).astype(np.float32)
        data[f"labels{i}"] = rng.integers(0, CLASSES, size=3)
    return data


def run(lib: dict, kind: str, data: dict) -> dict:
    """Every compared output of one framework, as NumPy arrays."""
    tensor, to_numpy = lib["tensor"], lib["numpy"]
    model = build(lib, kind)
    if data["image0"].dtype == np.float64:
        model = model.double() if lib["name"] == "torch" else model.to(dtype=lib["float64"])
    model.load_state_dict({k: tensor(v) for k, v in data["weights"].items()})
    images = [tensor(data["image0"]), tensor(data["image1"])]
    out = {}
    with lib["no_grad"]():
        detections = model.eval()(images)
    for key in ("boxes", "scores", "labels"):
        out[f"eval {key}"] = [to_numpy(d[key]) for d in detections]
    targets = [{"boxes": tensor(data[f"boxes{i}"]), "labels": tensor(data[f"labels{i}"])} for i in range(2)]
    losses = model.train()(images, targets)
    sum(losses.values()).backward()
    for key, value in losses.items():
        out[f"loss {key}"] = to_numpy(value)
    tower = dict(model.named_parameters())
    name = next(n for n in tower if n.startswith("head.classification_head.conv.0"))
    out["grad cls tower conv 0"] = to_numpy(tower[name].grad)
    return out


def twin_gaps(mine: dict, ref: dict) -> tuple[float, float]:
    """Each of our detections against its torchvision twin (same label, nearest box): the largest box
    and score gaps. Order-free, since near-equal scores may be ranked differently in float32."""
    box_gap = score_gap = 0.0
    for boxes, scores, labels, their_boxes, their_scores, their_labels in zip(
        mine["eval boxes"], mine["eval scores"], mine["eval labels"],
        ref["eval boxes"], ref["eval scores"], ref["eval labels"],
    ):  # fmt: skip
        for box, score, label in zip(boxes, scores, labels):
            same = np.flatnonzero(their_labels == label)
            if same.size == 0:
                return np.inf, np.inf
            gaps = np.abs(their_boxes[same] - box).max(axis=1) + np.abs(their_scores[same] - score)
            twin = same[np.argmin(gaps)]
            box_gap = max(box_gap, float(np.abs(their_boxes[twin] - box).max()))
            score_gap = max(score_gap, float(abs(their_scores[twin] - score)))
    return box_gap, score_gap


def in_float64(data: dict) -> dict:
    """The scene with every float32 array (weights too) in float64."""
    wide = {
        k: v.astype(np.float64) if getattr(v, "dtype", None) == np.float32 else v for k, v in data.items()
    }
    wide["weights"] = {
        k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in data["weights"].items()
    }
    return wide


def compare(cases: int, float64: bool = False) -> None:
    ours, theirs = frameworks()
    for kind in ("retinanet", "retinanet_v2", "fcos"):
        worst: dict[str, float] = {}
        scale: dict[str, float] = {}
        same_counts = detections = 0
        for seed in range(cases):
            reference = build(theirs, kind)
            state = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
            data = scene(np.random.default_rng(seed), state)
            data = in_float64(data) if float64 else data
            mine, ref = run(ours, kind, data), run(theirs, kind, data)
            same = all(a.shape == b.shape for a, b in zip(mine["eval boxes"], ref["eval boxes"]))
            same_counts += same
            detections += sum(len(b) for b in ref["eval boxes"])
            if same:
                box_gap, score_gap = twin_gaps(mine, ref)
                worst["eval boxes (twin)"] = max(worst.get("eval boxes (twin)", 0.0), box_gap)
                worst["eval scores (twin)"] = max(worst.get("eval scores (twin)", 0.0), score_gap)
            for key, value in mine.items():
                if not key.startswith("eval"):
                    diff = float(np.abs(value.astype(np.float64) - ref[key]).max())
                    worst[key] = max(worst.get(key, 0.0), diff)
                    scale[key] = max(scale.get(key, 0.0), float(np.abs(ref[key]).max()))
        print(f"{kind}: {cases} cases, {detections} torchvision detections; same count in {same_counts}")
        for key, diff in worst.items():
            size = f"  (max|torchvision| {scale[key]:.3g})" if key in scale else ""
            print(f"  {key:28s} max|ours - torchvision| = {diff:.3g}{size}")


def timing() -> None:
    one_thread_each()
    ours, theirs = frameworks()
    image = np.random.default_rng(0).uniform(0, 1, (3, 320, 320)).astype(np.float32)
    for builder in ("retinanet_resnet50_fpn", "fcos_resnet50_fpn"):
        calls = []
        for lib in (ours, theirs):
            model = getattr(lib["detection"], builder)(weights=None, weights_backbone=None)
            model.transform.min_size, model.transform.max_size = (320,), 320
            model.eval()

            def call(model=model, lib=lib):
                with lib["no_grad"]():
                    model([lib["tensor"](image)])

            calls.append(call)
        time_against(f"{builder} eval forward, one 320x320 image", *calls, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--float64", action="store_true", help="compare in float64 (rounding out of the way)")
    args = parser.parse_args()
    if args.time:
        os.environ["TINYTORCH_NUM_THREADS"] = "1"  # before TinyTorch's worker pool can start
    compare(args.cases, args.float64)
    if args.time:
        timing()


if __name__ == "__main__":
    main()
