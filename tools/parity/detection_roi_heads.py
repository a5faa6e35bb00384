"""torchvision's ``RoIHeads`` and Fast R-CNN box heads against ``tt_vision.models.detection``'s.

For ``--cases`` random scenes (seeded) it builds, in both frameworks with the same inputs and
weights, a ``RoIHeads`` on a two-level ``MultiScaleRoIAlign`` (7×7, sampling ratio 2) with either
a ``TwoMLPHead`` (even cases) or a ``FastRCNNConvFCHead`` with batch norm (odd cases) and a
``FastRCNNPredictor`` (5 classes), and a mask branch (a 14×14 pool, one 3×3 convolution + ReLU,
a 1×1 convolution to 5 mask logits), fed random features and fixed proposals (two images). In
evaluation mode it compares the detections (boxes, scores, labels, masks; where both kept the
same number, whose count is printed); in training mode, with sampling made deterministic
(``batch_size_per_image`` above the number of proposals + ground truths, ``positive_fraction``
1: every labelled RoI is taken), the three losses and every weight gradient of the heads.
Each figure is the largest ``|ours - theirs|`` over the cases (float32). ``--time`` also times
one evaluation-mode forward on 1,000 proposals of one 320-px image (FPN-like levels of 256
channels at strides 4..32, ``TwoMLPHead(256·7·7, 1024)``, 91 classes: Faster R-CNN's second
stage): both on one thread, the best of 5 each and their ratio.

Opt-in: it needs torch and torchvision with working C ops (``roi_align``, ``nms``), e.g.
``/tmp/tvcmp``, and TinyTorch's packages on the path; nothing in the test suite runs it.

Usage:
    PYTHONPATH=... /tmp/tvcmp/bin/python tools/parity/detection_roi_heads.py [--cases 20] [--time]
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from detection import frameworks as rpn_frameworks
from detection import largest_differences, one_thread_each, parity_main, time_against

CHANNELS, CLASSES, HIDDEN = 8, 5, 32
SHAPES = [(128, 160), (120, 150)]


def random_boxes(rng: np.random.Generator, count: int, height: int, width: int) -> np.ndarray:
    corner = rng.uniform(0, [width * 0.8, height * 0.8], size=(count, 2))
    sides = rng.uniform(6, [width / 2, height / 2], size=(count, 2))
    return np.concatenate([corner, corner + sides], 1).astype(np.float32)


def scene(rng: np.random.Generator) -> dict:
    """Features, proposals, targets and the heads' weights of one case."""
    data = {
        f"feature{i}": rng.normal(0, 1, (2, CHANNELS, 32 >> i, 40 >> i)).astype(np.float32) for i in (0, 1)
    }
    for i, (h, w) in enumerate(SHAPES):
        data[f"proposals{i}"] = random_boxes(rng, 30 - 8 * i, h, w)
        gt = rng.integers(1, 4)
        # ground truths near some proposals, so that some RoIs are positive
        data[f"gt{i}"] = data[f"proposals{i}"][:gt] + rng.normal(0, 2, (gt, 4)).astype(np.float32)
        data[f"labels{i}"] = rng.integers(1, CLASSES, gt)
        # each ground truth's mask: its box with a random quarter of the pixels flipped
        rows, cols = np.mgrid[:h, :w]
        x1, y1, x2, y2 = data[f"gt{i}"].T[:, :, None, None]
        inside = (cols >= x1) & (cols < x2) & (rows >= y1) & (rows < y2)
        data[f"masks{i}"] = (inside ^ (rng.uniform(size=inside.shape) < 0.25)).astype(np.uint8)
    data["weights"] = {
        "cls": rng.normal(0, 0.3, (CLASSES, HIDDEN)).astype(np.float32),
        "bbox": rng.normal(0, 0.1, (4 * CLASSES, HIDDEN)).astype(np.float32),
    }
    return data


def build(lib, conv_head: bool, train: bool):
    """A ``RoIHeads`` of one framework; the weights are set afterwards from torchvision's."""
    detection = lib["detection"]
    pool = lib["ops"].MultiScaleRoIAlign(["0", "1"], 7, 2)
    if conv_head:
        head = detection.box_heads_module.FastRCNNConvFCHead((CHANNELS, 7, 7), [16, 16], [HIDDEN], lib["bn"])
    else:
        head = detection.box_heads_module.TwoMLPHead(CHANNELS * 49, HIDDEN)
    predictor = detection.box_heads_module.FastRCNNPredictor(HIDDEN, CLASSES)
    batch = 1000 if train else 512
    fraction = 1.0 if train else 0.25
    nn = lib["nn"]
    mask_head = nn.Sequential(lib["conv"](CHANNELS, CHANNELS, 3, padding=1), nn.ReLU())
    heads = detection.roi_heads.RoIHeads(
        pool,
        head,
        predictor,
        0.5,
        0.5,
        batch,
        fraction,
        None,
        0.05,
        0.5,
        100,
        mask_roi_pool=lib["ops"].MultiScaleRoIAlign(["0", "1"], 14, 2),
        mask_head=mask_head,
        mask_predictor=lib["conv"](CHANNELS, CLASSES, 1),
    )
    return heads.train() if train else heads.eval()


def run(lib, data: dict, state: dict, conv_head: bool) -> dict:
    """Every compared output of one framework, as NumPy arrays."""
    tensor, to_numpy = lib["tensor"], lib["numpy"]
    features = OrderedDict((str(i), tensor(data[f"feature{i}"])) for i in (0, 1))
    proposals = [tensor(data[f"proposals{i}"]) for i in (0, 1)]
    targets = [
        {
            "boxes": tensor(data[f"gt{i}"]),
            "labels": lib["long"](data[f"labels{i}"]),
            "masks": tensor(data[f"masks{i}"]),
        }
        for i in (0, 1)
    ]
    out = {}
    heads = build(lib, conv_head, False)
    heads.load_state_dict({k: tensor(v) for k, v in state.items()})
    with lib["no_grad"]():
        detections, _ = heads(features, proposals, SHAPES)
    for key in ("boxes", "scores", "labels", "masks"):
        out[f"eval {key}"] = [to_numpy(d[key]) for d in detections]
    heads = build(lib, conv_head, True)
    heads.load_state_dict({k: tensor(v) for k, v in state.items()})
    _, losses = heads(features, proposals, SHAPES, targets)
    (losses["loss_classifier"] + losses["loss_box_reg"] + losses["loss_mask"]).backward()
    for key in ("loss_classifier", "loss_box_reg", "loss_mask"):
        out[key] = to_numpy(losses[key])
    for name, parameter in heads.named_parameters():
        if name.endswith("weight"):
            out[f"grad {name}"] = to_numpy(parameter.grad)
    return out


def frameworks() -> tuple[dict, dict]:
    """``detection.py``'s two framework tables, with the pieces this comparison needs besides."""
    import torch
    import torchvision.ops as tv_ops
    from torchvision.models.detection import faster_rcnn, roi_heads  # noqa: F401
    from tt_vision import layers as tt_layers
    from tt_vision import ops as tt_ops
    from tt_vision.models.detection import box_heads, roi_heads  # noqa: F401, F811

    import tinytorch as tt

    ours, theirs = rpn_frameworks()
    theirs["detection"].box_heads_module = theirs["detection"].faster_rcnn
    ours["detection"].box_heads_module = ours["detection"].box_heads
    theirs.update(
        long=lambda a: torch.from_numpy(np.array(a, dtype=np.int64)),
        ops=tv_ops,
        bn=torch.nn.BatchNorm2d,
        nn=torch.nn,
        conv=torch.nn.Conv2d,
    )
    ours.update(
        long=lambda a: tt.tensor(np.array(a, dtype=np.int64)),
        ops=tt_ops,
        bn=tt_layers.BatchNorm2d,
        nn=tt.nn,
        conv=tt_layers.Conv2d,
    )
    return ours, theirs


def torchvision_state(theirs: dict, data: dict, conv_head: bool, seed: int) -> dict:
    """torchvision's freshly initialised weights (seeded), with the predictor's set from the scene."""
    import torch

    torch.manual_seed(seed)
    state = {k: v.detach().numpy().copy() for k, v in build(theirs, conv_head, False).state_dict().items()}
    state["box_predictor.cls_score.weight"] = data["weights"]["cls"]
    state["box_predictor.bbox_pred.weight"] = data["weights"]["bbox"]
    for key in state:
        if key.endswith("running_var"):
            state[key] = np.random.default_rng(seed).uniform(0.5, 2, state[key].shape).astype(np.float32)
    return state


def compare(cases: int) -> None:
    ours, theirs = frameworks()
    worst: dict[str, float] = {}
    same_counts = 0
    for seed in range(cases):
        data = scene(np.random.default_rng(seed))
        conv_head = bool(seed % 2)
        state = torchvision_state(theirs, data, conv_head, seed)
        mine, ref = run(ours, data, state, conv_head), run(theirs, data, state, conv_head)
        same = all(a.shape == b.shape for a, b in zip(mine["eval boxes"], ref["eval boxes"]))
        same_counts += same
        if conv_head:  # the two heads' gradients are listed apart
            mine, ref = (
                {("conv head " if k.startswith("grad box_head") else "") + k: v for k, v in d.items()}
                for d in (mine, ref)
            )
        largest_differences(worst, mine, ref, same)
    print(f"{cases} cases; eval detections: same count in {same_counts} of {cases}")
    for key, diff in worst.items():
        print(f"  {key:40s} max|ours - torchvision| = {diff:.3g}")


def timing() -> None:
    one_thread_each()
    ours, theirs = frameworks()
    rng = np.random.default_rng(0)
    levels = OrderedDict(
        (str(i), rng.normal(size=(1, 256, 80 >> i, 80 >> i)).astype(np.float32)) for i in range(4)
    )
    proposals = random_boxes(rng, 1000, 320, 320)
    weights = {}
    calls = {}
    for name, lib in (("torchvision", theirs), ("tinytorch", ours)):
        detection, tensor = lib["detection"], lib["tensor"]
        pool = lib["ops"].MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2)
        head = detection.box_heads_module.TwoMLPHead(256 * 49, 1024)
        predictor = detection.box_heads_module.FastRCNNPredictor(1024, 91)
        heads = detection.roi_heads.RoIHeads(
            pool, head, predictor, 0.5, 0.5, 512, 0.25, None, 0.05, 0.5, 100
        ).eval()
        if not weights:
            weights = {k: v.detach().numpy().copy() for k, v in heads.state_dict().items()}
        heads.load_state_dict({k: tensor(v) for k, v in weights.items()})
        inputs = (OrderedDict((k, tensor(v)) for k, v in levels.items()), [tensor(proposals)], [(320, 320)])

        def call(heads=heads, inputs=inputs, no_grad=lib["no_grad"]):
            with no_grad():
                heads(*inputs)

        calls[name] = call
    time_against(
        "RoIHeads forward (eval, 1,000 proposals, 320-px image, 91 classes)",
        calls["tinytorch"],
        calls["torchvision"],
    )


def main() -> None:
    parity_main(__doc__.splitlines()[0], compare, timing, 20)


if __name__ == "__main__":
    main()
