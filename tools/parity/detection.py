"""torchvision's detection building blocks against ``tt_vision.models.detection``: the same numbers?

For ``--cases`` random scenes (seeded) it builds, in both frameworks with the same inputs and
weights: the anchors of a three-level ``AnchorGenerator``; ``GeneralizedRCNNTransform``'s
batch, resized target boxes and postprocessed boxes for two images of different sizes; an
``RPNHead`` + ``RegionProposalNetwork`` with the head's weights copied, in evaluation mode
(proposals) and in training mode with sampling made deterministic (``batch_size_per_image``
above the number of anchors, ``positive_fraction`` 1: every labelled anchor is taken), where
it compares the two losses and the head's weight gradients. Each figure is the largest
``|ours - theirs|`` over the cases (float32); proposals are compared only where both kept
the same number (the count of cases that did is printed). ``--time`` also times one
evaluation-mode RPN forward on a five-level pyramid (64 channels, levels 64² to 4²): both on
one thread, the best of 10 each and their ratio.

Opt-in: it needs torch and torchvision with working C ops (``nms``), e.g. ``/tmp/tvcmp``,
and TinyTorch's packages on the path; nothing in the test suite runs it.

Usage:
    PYTHONPATH=... /tmp/tvcmp/bin/python tools/parity/detection.py [--cases 20] [--time]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import OrderedDict

import numpy as np

SIZES = ((32,), (64,), (128,))
RATIOS = ((0.5, 1.0, 2.0),) * 3
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
TOP_N = ({"training": 300, "testing": 200}, {"training": 100, "testing": 50})


def scene(rng: np.random.Generator, channels: int = 8) -> dict:
    """Random inputs: a padded batch, three feature levels, two raw images with boxes, head weights."""
    f32 = np.float32
    data = {"batch": rng.uniform(0, 1, (2, 3, 128, 160)).astype(f32)}
    for level, (h, w) in enumerate([(32, 40), (16, 20), (8, 10)]):
        data[f"feature{level}"] = rng.normal(0, 1, (2, channels, h, w)).astype(f32)
    for i in range(2):
        h, w = rng.integers(40, 120, size=2)
        data[f"image{i}"] = rng.uniform(0, 1, (3, h, w)).astype(f32)
        corner = rng.uniform(0, [w / 2, h / 2], size=(3, 2))
        data[f"boxes{i}"] = np.concatenate(
            [corner, corner + rng.uniform(4, [w / 2, h / 2], (3, 2))], 1
        ).astype(f32)
        corner = rng.uniform(0, 100, size=(2, 2))
        data[f"gt{i}"] = np.concatenate([corner, corner + rng.uniform(10, 60, (2, 2))], 1).astype(f32)
    shapes = {
        "conv.0.0.weight": ((channels, channels, 3, 3), 0.1),
        "conv.0.0.bias": ((channels,), 0.1),
        "cls_logits.weight": ((3, channels, 1, 1), 0.5),
        "cls_logits.bias": ((3,), 0.1),
        "bbox_pred.weight": ((12, channels, 1, 1), 0.2),
        "bbox_pred.bias": ((12,), 0.1),
    }
    data["head"] = {k: rng.normal(0, std, shape).astype(f32) for k, (shape, std) in shapes.items()}
    return data


def run(lib, data: dict) -> dict:
    """Every compared output of one framework, as NumPy arrays. ``lib`` names the framework's pieces."""
    tensor, detection, to_numpy = lib["tensor"], lib["detection"], lib["numpy"]
    out = {}
    generator = detection.anchor_utils.AnchorGenerator(SIZES, RATIOS)
    images = detection.image_list.ImageList(tensor(data["batch"]), [(128, 160), (120, 150)])
    features = OrderedDict((str(i), tensor(data[f"feature{i}"])) for i in range(3))
    out["anchors"] = to_numpy(generator(images, list(features.values()))[0])
    transform = detection.transform.GeneralizedRCNNTransform(96, 160, MEAN, STD).eval()
    raw = [tensor(data["image0"]), tensor(data["image1"])]
    batch, targets = transform(raw, [{"boxes": tensor(data[f"boxes{i}"])} for i in range(2)])
    out["transform batch"] = to_numpy(batch.tensors)
    out["transform boxes"] = np.concatenate([to_numpy(t["boxes"]) for t in targets])
    sizes = [tuple(image.shape[-2:]) for image in raw]
    back = transform.postprocess([{"boxes": t["boxes"]} for t in targets], batch.image_sizes, sizes)
    out["postprocess boxes"] = np.concatenate([to_numpy(p["boxes"]) for p in back])
    head = detection.rpn.RPNHead(8, 3)
    head.load_state_dict({k: tensor(v) for k, v in data["head"].items()})
    rpn = detection.rpn.RegionProposalNetwork(generator, head, 0.7, 0.3, 256, 0.5, *TOP_N, 0.7).eval()
    with lib["no_grad"]():
        proposals, _ = rpn(images, features)
    out["eval proposals"] = [to_numpy(p) for p in proposals]
    anchors = len(out["anchors"])
    rpn = detection.rpn.RegionProposalNetwork(
        generator, head, 0.5, 0.2, anchors + 1, 1.0, *TOP_N, 0.7
    ).train()
    _, losses = rpn(images, features, [{"boxes": tensor(data[f"gt{i}"])} for i in range(2)])
    (losses["loss_objectness"] + losses["loss_rpn_box_reg"]).backward()
    out["loss_objectness"] = to_numpy(losses["loss_objectness"])
    out["loss_rpn_box_reg"] = to_numpy(losses["loss_rpn_box_reg"])
    for name in ("conv.0.0.weight", "cls_logits.weight", "bbox_pred.weight"):
        out[f"grad {name}"] = to_numpy(dict(head.named_parameters())[name].grad)
    return out


def frameworks() -> tuple[dict, dict]:
    import torch
    import torchvision.models.detection as tv_detection
    from torchvision.models.detection import anchor_utils, image_list, rpn, transform  # noqa: F401
    from tt_vision.models import detection as tt_detection

    import tinytorch as tt

    theirs = {
        "tensor": lambda a: torch.from_numpy(np.array(a)),
        "detection": tv_detection,
        "numpy": lambda t: t.detach().numpy(),
        "no_grad": torch.no_grad,
    }
    ours = {
        "tensor": lambda a: tt.tensor(np.array(a)),
        "detection": tt_detection,
        "numpy": lambda t: np.asarray(t.detach().numpy()),
        "no_grad": tt.no_grad,
    }
    return ours, theirs


def largest_differences(worst: dict[str, float], mine: dict, ref: dict, same: bool) -> None:
    """Raise each ``worst[key]`` to this case's ``max|mine[key] - ref[key]|``.

    A value that is a list (one array per image) is compared only when ``same`` (every image kept
    as many rows in both frameworks).
    """
    for key, value in mine.items():
        if isinstance(value, list):
            if not same:
                continue
            diff = max(
                float(np.abs(a.astype(np.float64) - b).max(initial=0)) for a, b in zip(value, ref[key])
            )
        else:
            diff = float(np.abs(value.astype(np.float64) - ref[key]).max())
        worst[key] = max(worst.get(key, 0.0), diff)


def compare(cases: int) -> None:
    ours, theirs = frameworks()
    worst: dict[str, float] = {}
    same_counts = 0
    for seed in range(cases):
        data = scene(np.random.default_rng(seed))
        mine, ref = run(ours, data), run(theirs, data)
        same = all(a.shape == b.shape for a, b in zip(mine["eval proposals"], ref["eval proposals"]))
        same_counts += same
        largest_differences(worst, mine, ref, same)
    print(f"{cases} cases; eval proposals: same count in {same_counts} of {cases}")
    for key, diff in worst.items():
        print(f"  {key:28s} max|ours - torchvision| = {diff:.3g}")


def one_thread_each() -> None:
    """Torch and TinyTorch on one thread each, for ``--time``: ``torch.set_num_threads(1)``, TinyTorch's
    BLAS at one thread and its worker pool off (``TINYTORCH_NUM_THREADS=1``, read when the pool first
    starts: :func:`parity_main` sets it before anything runs). Before session 40 only torch was held
    to one thread, so TinyTorch's figures had both cores."""
    import torch

    import tinytorch as tt

    os.environ["TINYTORCH_NUM_THREADS"] = "1"
    torch.set_num_threads(1)
    tt.set_num_threads(1)


def time_against(label: str, ours, theirs, repeats: int = 5) -> float:
    """Print the best of ``repeats`` calls of ``ours()`` and of ``theirs()`` (after one warm-up call each,
    the two alternated so that a burst of load hits both) and their ratio, with the load average;
    returns the ratio. On a shared machine the ratio is the figure to quote."""
    ours(), theirs()
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for k, call in enumerate((ours, theirs)):
            start = time.perf_counter()
            call()
            best[k] = min(best[k], time.perf_counter() - start)
    ratio = best[0] / best[1]
    print(
        f"{label}: tinytorch {best[0] * 1000:.1f} ms, torchvision {best[1] * 1000:.1f} ms, ratio {ratio:.2f} "
        f"(best of {repeats}, one thread each, load average {os.getloadavg()[0]:.2f})"
    )
    return ratio


def timing() -> None:
    one_thread_each()
    ours, theirs = frameworks()
    rng = np.random.default_rng(0)
    levels = OrderedDict(
        (str(i), rng.normal(size=(1, 64, 64 >> i, 64 >> i)).astype(np.float32)) for i in range(5)
    )
    calls = []
    for lib in (ours, theirs):
        detection, tensor = lib["detection"], lib["tensor"]
        generator = detection.anchor_utils.AnchorGenerator(
            ((32,), (64,), (128,), (256,), (512,)), RATIOS[:1] * 5
        )
        head = detection.rpn.RPNHead(64, 3)
        if lib is theirs:  # the same weights
            head.load_state_dict({k: tensor(v.detach().numpy()) for k, v in calls[0][1].state_dict().items()})
        rpn = detection.rpn.RegionProposalNetwork(generator, head, 0.7, 0.3, 256, 0.5, *TOP_N, 0.7).eval()
        images = detection.image_list.ImageList(tensor(np.zeros((1, 3, 256, 256), np.float32)), [(256, 256)])
        features = OrderedDict((k, tensor(v)) for k, v in levels.items())

        def call(rpn=rpn, images=images, features=features, no_grad=lib["no_grad"]):
            with no_grad():
                rpn(images, features)

        calls.append((call, head))
    time_against(
        "RPN forward (eval, 5 levels 64² .. 4², 64 channels, 16,368 anchors)", calls[0][0], calls[1][0], 10
    )


def parity_main(description: str, compare, timing, default_cases: int) -> None:
    """The detection parity scripts' command line: ``--cases N`` scenes compared, ``--time`` to time one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=default_cases)
    parser.add_argument("--time", action="store_true")
    args = parser.parse_args()
    if args.time:
        os.environ["TINYTORCH_NUM_THREADS"] = "1"  # before TinyTorch's worker pool can start
    compare(args.cases)
    if args.time:
        timing()


def main() -> None:
    parity_main(__doc__.splitlines()[0], compare, timing, 20)


if __name__ == "__main__":
    main()
