"""torchvision's Mask R-CNN against ``tt_vision.models.detection``'s: the same masks and losses?

Three comparisons:

* ``paste_masks_in_image`` on ``--cases × 20`` random sets of masks (1..28 cells a side, padding
  0..2) and boxes (some partly outside the image, some rounded to whole pixels) in images of
  1..120 pixels a side;
* ``maskrcnn_resnet50_fpn(num_classes=5)`` at 128 px (``min_size=128, max_size=192``): torchvision's
  random weights (batch-norm statistics of random images) copied into TinyTorch's (state dict ->
  NumPy -> ``load_state_dict``), the same two images (60..140 px) in evaluation mode: each of our
  detections paired with torchvision's of the same label and nearest score and box (near-equal
  scores may be ranked in another order), the pairs' boxes, scores and pasted masks compared
  (also only where both masks are pasted on the same pixel box: a corner's float error may cross
  an integer); then again with torchvision's backbone features given to both models (a random
  ResNet-50 amplifies the float differences of its input and convolutions to ~3e-5 of its
  features), which leaves the RPN, the RoI heads and the pasting;
* the same models in training mode with sampling made deterministic (every labelled anchor and
  proposal is taken: batch sizes above their counts, positive fractions 1) on targets with masks
  (each box's inscribed ellipse): the five losses and a few weight gradients.

Each figure is the largest ``|ours - theirs|`` over the cases (float32). ``--time`` times one
evaluation-mode forward of ``maskrcnn_resnet50_fpn`` (91 classes, ``min_size=320, max_size=320``,
``box_score_thresh=0`` so that 100 detections get masks) on one 320×320 image, and the pasting of
100 masks (28×28) into a 480×640 image, torch on one thread.

Opt-in: it needs torch and torchvision with working C ops (``nms``, ``roi_align``), e.g.
``/tmp/tvcmp``, and TinyTorch's packages on the path; nothing in the test suite runs it.

Usage:
    PYTHONPATH=... /tmp/tvcmp/bin/python tools/parity/detection_mask.py [--cases 2] [--time]
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from detection import one_thread_each, parity_main, time_against
from detection_frcnn import TRAIN, frameworks, reference_state, scene

SMALL = {"num_classes": 5, "min_size": 128, "max_size": 192}


def paste_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, tuple[int, int], int]:
    """Random masks, boxes (starting at least 10 px left of / above the image), image size, padding."""
    count, cells = (int(v) for v in rng.integers(1, [6, 29]))
    height, width = (int(v) for v in rng.integers(1, 121, size=2))
    masks = rng.uniform(0, 1, (count, 1, cells, cells)).astype(np.float32)
    corner = rng.uniform(-10, [width, height], (count, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(0, 80, (count, 2))], 1).astype(np.float32)
    if rng.uniform() < 0.3:
        boxes = np.round(boxes)
    return masks, boxes, (height, width), int(rng.integers(0, 3))


def compare_paste(cases: int, worst: dict) -> None:
    import torch
    from torchvision.models.detection.roi_heads import paste_masks_in_image as theirs
    from tt_vision.models.detection.paste_masks import paste_masks_in_image as ours

    import tinytorch as tt

    rng = np.random.default_rng(0)
    compared = 0
    for _ in range(cases * 20):
        masks, boxes, shape, padding = paste_inputs(rng)
        # a box wholly left of or above the image makes torchvision's slices wrap around or fail
        if (boxes[:, 2:] < 0).any():
            continue
        ref = theirs(torch.from_numpy(masks), torch.from_numpy(boxes), shape, padding).numpy()
        got = ours(tt.tensor(masks), tt.tensor(boxes), shape, padding).numpy()
        worst["paste_masks_in_image"] = max(
            worst.get("paste_masks_in_image", 0.0), float(np.abs(got - ref).max())
        )
        compared += 1
    print(f"paste_masks_in_image: {compared} random cases")


def with_masks(data: dict) -> dict:
    """Each ground-truth box's inscribed ellipse as its mask ``(G, H, W)`` uint8."""
    for i in range(2):
        height, width = data[f"image{i}"].shape[1:]
        rows, cols = np.mgrid[:height, :width] + 0.5
        x1, y1, x2, y2 = data[f"boxes{i}"].T[:, :, None, None]
        inside = ((cols - (x1 + x2) / 2) / ((x2 - x1) / 2)) ** 2 + (
            (rows - (y1 + y2) / 2) / ((y2 - y1) / 2)
        ) ** 2
        data[f"masks{i}"] = (inside <= 1).astype(np.uint8)
    return data


def build(lib, state: dict, **config):
    model = lib["detection"].maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, **config)
    model.load_state_dict({k: lib["tensor"](np.array(v)) for k, v in state.items()})
    return model


def run(lib, state: dict, data: dict, train: bool, features: dict | None = None, **config) -> dict:
    """One framework's outputs (NumPy) for the state and images given; with ``features`` (level ->
    NumPy), the backbone's output replaced by them."""
    tensor = lib["tensor"]
    model = build(lib, state, **config)
    if features is not None:
        fixed = OrderedDict((name, tensor(value)) for name, value in features.items())
        model.backbone.forward = lambda batch: fixed
    images = [tensor(data[f"image{i}"]) for i in range(2)]
    out = {}
    if not train:
        model.eval()
        with lib["no_grad"]():
            detections = model(images)
        for i, det in enumerate(detections):
            for field in ("boxes", "scores", "labels", "masks"):
                out[f"{field}{i}"] = np.asarray(det[field].detach().numpy())
        return out
    targets = [
        {
            "boxes": tensor(data[f"boxes{i}"]),
            "labels": tensor(data[f"labels{i}"].astype(np.int64)),
            "masks": tensor(data[f"masks{i}"]),
        }
        for i in range(2)
    ]
    losses = model.train()(images, targets)
    sum(losses.values()).backward()
    for name, value in losses.items():
        out[name] = np.asarray(value.detach().numpy())
    parameters = dict(model.named_parameters())
    for name in (
        "backbone.body.conv1.weight",
        "roi_heads.box_predictor.cls_score.weight",
        "roi_heads.mask_head.0.0.weight",
        "roi_heads.mask_predictor.mask_fcn_logits.weight",
    ):
        out[f"grad {name}"] = np.asarray(parameters[name].grad.numpy())
    return out


def backbone_features(state: dict, data: dict) -> dict:
    """torchvision's backbone output (level -> NumPy) for the scene's two images, in eval mode."""
    import torch

    model = build(frameworks()[1], state, **SMALL).eval()
    with torch.no_grad():
        batch = model.transform([torch.from_numpy(data[f"image{i}"]) for i in range(2)])[0]
        return {name: value.numpy() for name, value in model.backbone(batch.tensors).items()}


def pair_detections(mine: dict, ref: dict, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Image ``i``'s detections paired: (our rows, torchvision's rows) with the same label and the
    nearest score and box; a row of ours without a same-label partner is left out."""
    labels, ref_labels = mine[f"labels{i}"], ref[f"labels{i}"]
    box_diff = np.abs(mine[f"boxes{i}"][:, None] - ref[f"boxes{i}"][None]).max(axis=2)
    cost = box_diff + 1e3 * np.abs(mine[f"scores{i}"][:, None] - ref[f"scores{i}"][None])
    cost = cost + 1e9 * (labels[:, None] != ref_labels[None])
    partners = cost.argmin(axis=1) if cost.size else np.zeros(len(labels), np.int64)
    rows = np.flatnonzero(cost[np.arange(len(partners)), partners] < 1e6) if cost.size else partners[:0]
    return rows, partners[rows]


def pixel_boxes(boxes: np.ndarray) -> np.ndarray:
    """The integer boxes a 28×28 mask (padding 1) is pasted on: grown by 30/28, truncated (ours)."""
    from tt_vision.models.detection.paste_masks import expand_boxes

    import tinytorch as tt

    return np.trunc(expand_boxes(tt.tensor(boxes.reshape(-1, 4)), 30 / 28).numpy()).astype(np.int64)


def raise_to(worst: dict, key: str, value: float) -> None:
    worst[key] = max(worst.get(key, 0.0), value)


def compare(cases: int) -> None:
    worst: dict[str, float] = {}
    compare_paste(cases, worst)
    ours, theirs = frameworks()
    moved = [0, 0]  # pairs whose pasted masks sit on different pixel boxes, pairs
    for seed in range(cases):
        data = with_masks(scene(np.random.default_rng(seed)))
        state = reference_state(seed, "maskrcnn_resnet50_fpn", **SMALL)
        mine, ref = run(ours, state, data, False, **SMALL), run(theirs, state, data, False, **SMALL)
        for i in range(2):
            rows, partners = pair_detections(mine, ref, i)
            print(
                f"seed {seed} image {i}: {len(mine[f'scores{i}'])} detections (torchvision "
                f"{len(ref[f'scores{i}'])}), {len(mine[f'scores{i}']) - len(set(partners.tolist()))} "
                "without a partner"
            )
            for field in ("boxes", "scores", "masks"):
                diff = np.abs(mine[f"{field}{i}"][rows] - ref[f"{field}{i}"][partners])
                raise_to(worst, f"eval {field} (paired)", float(diff.max(initial=0)))
            # a pasted mask moves by a pixel when a box corner's float error crosses an integer
            same = (pixel_boxes(mine[f"boxes{i}"][rows]) == pixel_boxes(ref[f"boxes{i}"][partners])).all(1)
            diff = np.abs(mine[f"masks{i}"][rows[same]] - ref[f"masks{i}"][partners[same]])
            raise_to(worst, "eval masks (paired, same pixel boxes)", float(diff.max(initial=0)))
            moved[0] += int((~same).sum())
            moved[1] += len(same)
        # the same again with torchvision's backbone features in both models: the heads, the RPN and
        # the pasting alone
        features = backbone_features(state, data)
        mine = run(ours, state, data, False, features, **SMALL)
        ref = run(theirs, state, data, False, features, **SMALL)
        for i in range(2):
            rows, partners = pair_detections(mine, ref, i)
            for field in ("boxes", "scores", "masks"):
                diff = np.abs(mine[f"{field}{i}"][rows] - ref[f"{field}{i}"][partners])
                raise_to(worst, f"eval {field} (same features, paired)", float(diff.max(initial=0)))
        train_config = {**SMALL, **TRAIN}
        mine = run(ours, state, data, True, **train_config)
        ref = run(theirs, state, data, True, **train_config)
        for key, value in mine.items():
            raise_to(worst, key, float(np.abs(value.astype(np.float64) - ref[key]).max()))
            raise_to(worst, f"{key} (scale)", float(np.abs(ref[key]).max()))
    print(f"{cases} cases; {moved[0]} of {moved[1]} paired masks pasted on pixel boxes one pixel apart")
    for key, diff in worst.items():
        if not key.endswith("(scale)"):
            scale = worst.get(f"{key} (scale)")
            shown = f" (largest |torchvision| {scale:.3g})" if scale is not None else ""
            print(f"  {key:52s} max|ours - torchvision| = {diff:.3g}{shown}")


def timing(repeats: int = 3) -> None:
    one_thread_each()
    ours, theirs = frameworks()
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (3, 320, 320)).astype(np.float32)
    masks = rng.uniform(0, 1, (100, 1, 28, 28)).astype(np.float32)
    corner = rng.uniform(0, [540, 380], (100, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(10, 100, (100, 2))], 1).astype(np.float32)
    config = {"min_size": 320, "max_size": 320, "box_score_thresh": 0.0}
    state = reference_state(0, "maskrcnn_resnet50_fpn")
    forwards, pastes, counts = [], [], []
    for lib in (ours, theirs):
        model, tensor = build(lib, state, **config).eval(), lib["tensor"]
        batch, inputs = (tensor(image),), (tensor(masks), tensor(boxes), (480, 640))

        def forward(model=model, batch=batch, no_grad=lib["no_grad"]):
            with no_grad():
                return model(list(batch))

        def paste(paste=lib["detection"].roi_heads.paste_masks_in_image, inputs=inputs):
            return paste(*inputs)

        counts.append(len(forward()[0]["masks"]))
        forwards.append(forward)
        pastes.append(paste)
    time_against(
        f"maskrcnn_resnet50_fpn eval forward, one 320×320 image, {counts[0]} masks", *forwards, repeats
    )
    time_against("paste_masks_in_image, 100 masks 28×28 into 480×640", *pastes, repeats=10)


def main() -> None:
    parity_main(__doc__.splitlines()[0], compare, timing, 2)


if __name__ == "__main__":
    main()
