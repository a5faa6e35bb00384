"""torchvision's Keypoint R-CNN against ``tt_vision.models.detection``'s: the same keypoints and losses?

Three comparisons, each figure the largest ``|ours - theirs|`` over ``--cases`` seeds (float32):

* ``heatmaps_to_keypoints`` alone on 40 RoIs of random heatmaps (56×56, 17 keypoints) and random
  boxes (4..300 px a side): how many of the 680 argmax pixels differ (PyTorch's bicubic kernel rounds a
  few weights differently, so near-ties may flip), and the keypoints' and scores' largest differences;
* ``keypointrcnn_resnet50_fpn(num_classes=3, num_keypoints=5, min_size=128, max_size=192)`` built in
  torchvision (random weights, batch-norm statistics of random images), its state dict copied into
  TinyTorch's, both fed the same two images (60..140 px): in evaluation mode the detections are
  paired (same label, nearest score and box) and the pairs' boxes, scores, keypoints and keypoint
  scores compared; in training mode (every labelled anchor and proposal sampled, as
  ``detection_frcnn.py``) the five losses and two weight gradients. The RoIs' sizes in pixels are
  rounded up before decoding, so a box that moved by float error (the backbone's and RPN's, ~1e-2 px)
  can decode on another grid and a keypoint target can change cell: these figures are larger;
* the same model's ``roi_heads`` alone on the same random FPN features (4 levels of 32² .. 4²) and
  random proposals (24 per image on a 128×128 image, with the targets above): eval detections paired
  as above, training losses and gradients: the keypoint branch without upstream differences.

``--time`` times one evaluation-mode forward of ``keypointrcnn_resnet50_fpn()`` (2 classes, 17
keypoints) on one 320×320 image with ``min_size=320, max_size=320``, every score kept and the 10
best detections (the keypoint branch runs on each), torch on one thread.

Opt-in: it needs torch and torchvision with working C ops (``nms``, ``roi_align``), e.g.
``/tmp/tvcmp``, and TinyTorch's packages on the path; nothing in the test suite runs it.

Usage:
    PYTHONPATH=... /tmp/tvcmp/bin/python tools/parity/detection_keypoint.py [--cases 2] [--time]
"""

from __future__ import annotations

import numpy as np
from detection import one_thread_each, parity_main, time_against
from detection_frcnn import TRAIN

CONFIG = {"num_classes": 3, "num_keypoints": 5, "min_size": 128, "max_size": 192}
TIMED = {"min_size": 320, "max_size": 320, "box_detections_per_img": 10, "box_score_thresh": 0.0}


def frameworks() -> tuple[dict, dict]:
    import torch
    from torchvision.models import detection as tv_detection
    from torchvision.models.detection import roi_heads as tv_roi_heads
    from tt_vision.models import detection as tt_detection
    from tt_vision.models.detection import roi_keypoints

    import tinytorch as tt

    theirs = {
        "tensor": torch.from_numpy,
        "detection": tv_detection,
        "decode": tv_roi_heads.heatmaps_to_keypoints,
        "no_grad": torch.no_grad,
    }
    ours = {
        "tensor": lambda a: tt.tensor(np.array(a)),
        "detection": tt_detection,
        "decode": roi_keypoints.heatmaps_to_keypoints,
        "no_grad": tt.no_grad,
    }
    return ours, theirs


def scene(rng: np.random.Generator) -> dict:
    """Two images, 2 instances each: boxes, labels and 5 keypoints (some invisible or outside)."""
    data = {}
    for i in range(2):
        h, w = (int(v) for v in rng.integers(60, 140, size=2))
        data[f"image{i}"] = rng.uniform(0, 1, (3, h, w)).astype(np.float32)
        corner = rng.uniform(0, [w / 2, h / 2], size=(2, 2))
        size = rng.uniform(8, [w / 2, h / 2], size=(2, 2))
        data[f"boxes{i}"] = np.concatenate([corner, corner + size], 1).astype(np.float32)
        data[f"labels{i}"] = rng.integers(1, 3, size=2)
        points = corner[:, None] + rng.uniform(-0.2, 1.2, (2, 5, 2)) * size[:, None]
        visibility = rng.integers(0, 3, (2, 5, 1))
        data[f"keypoints{i}"] = np.concatenate([points, visibility], 2).astype(np.float32)
    return data


def reference_state(seed: int, **config) -> dict:
    """torchvision's random weights as NumPy, with batch-norm statistics of random images."""
    import torch
    from torchvision.models import detection

    torch.manual_seed(seed)
    model = detection.keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None, **config)
    for module in model.modules():  # one batch's statistics (see detection_frcnn.reference_state)
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    images = list(torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(seed)))
    model.backbone.train()(model.transform.eval()(images)[0].tensors)
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def heads_inputs(rng: np.random.Generator) -> dict:
    """Random FPN features of a 2-image batch at 128×128 and 24 random proposals per image."""
    data = {f"level{j}": rng.normal(size=(2, 256, 32 >> j, 32 >> j)).astype(np.float32) for j in range(4)}
    for i in range(2):
        corner = rng.uniform(0, 90, (24, 2))
        data[f"proposals{i}"] = np.concatenate([corner, corner + rng.uniform(8, 60, (24, 2))], 1)
        data[f"proposals{i}"] = np.minimum(data[f"proposals{i}"], 128).astype(np.float32)
    return data


def run(lib, state: dict, data: dict, train: bool, heads_only: bool = False, **config) -> dict:
    """One framework's outputs (NumPy) for the state and images (or, ``heads_only``, the RoI heads'
    features and proposals) given."""
    tensor = lib["tensor"]
    model = lib["detection"].keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None, **config)
    model.load_state_dict({k: tensor(np.array(v)) for k, v in state.items()})
    images = [tensor(data[f"image{i}"]) for i in range(2)]
    if heads_only:  # the RoI heads on given features and proposals, targets in the 128-px frame
        features = {str(j): tensor(data[f"level{j}"]) for j in range(4)}
        proposals = [tensor(data[f"proposals{i}"]) for i in range(2)]
        model = model.roi_heads
        images = (features, proposals, [(128, 128)] * 2)
    out = {}
    if not train:
        model.eval()
        with lib["no_grad"]():
            detections = model(*images) if heads_only else model(images)
        detections = detections[0] if heads_only else detections
        for i, det in enumerate(detections):
            for field in ("boxes", "scores", "labels", "keypoints", "keypoints_scores"):
                out[f"{field}{i}"] = np.asarray(det[field].detach().numpy())
        return out
    targets = [
        {
            "boxes": tensor(data[f"boxes{i}"]),
            "labels": tensor(data[f"labels{i}"].astype(np.int64)),
            "keypoints": tensor(data[f"keypoints{i}"]),
        }
        for i in range(2)
    ]
    losses = model.train()(*images, targets)[1] if heads_only else model.train()(images, targets)
    sum(losses.values()).backward()
    for name, value in losses.items():
        out[name] = np.asarray(value.detach().numpy())
    parameters = dict(model.named_parameters())
    for name in ("keypoint_predictor.kps_score_lowres.weight", "keypoint_head.0.weight"):
        name = name if heads_only else f"roi_heads.{name}"
        out[f"grad {name}"] = np.asarray(parameters[name].grad.numpy())
    return out


def paired_differences(mine: dict, ref: dict, i: int) -> dict[str, float]:
    """Pair image ``i``'s detections (same label, nearest score and box) and give the pairs' largest
    differences per field, and how many of ours found no partner."""
    box_diff = np.abs(mine[f"boxes{i}"][:, None] - ref[f"boxes{i}"][None]).max(axis=2)
    score_diff = np.abs(mine[f"scores{i}"][:, None] - ref[f"scores{i}"][None])
    cost = box_diff + 1e3 * score_diff + 1e9 * (mine[f"labels{i}"][:, None] != ref[f"labels{i}"][None])
    partner = cost.argmin(axis=1)
    paired = np.flatnonzero(cost[np.arange(len(partner)), partner] < 1e6)
    out = {"eval unpaired detections": float(len(partner) - len(set(partner[paired].tolist())))}
    for field in ("boxes", "scores", "keypoints", "keypoints_scores"):
        diff = np.abs(mine[f"{field}{i}"][paired] - ref[f"{field}{i}"][partner[paired]])
        out[f"eval {field} (paired)"] = float(diff.max(initial=0))
    return out


def decode_case(ours: dict, theirs: dict, rng: np.random.Generator) -> dict[str, float]:
    """``heatmaps_to_keypoints`` alone: differing argmax pixels and the agreeing ones' differences."""
    maps = rng.normal(size=(40, 17, 56, 56)).astype(np.float32)
    corner = rng.uniform(0, 200, (40, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(4, 300, (40, 2))], 1).astype(np.float32)
    results = []
    for lib in (ours, theirs):
        xy, scores = lib["decode"](lib["tensor"](maps), lib["tensor"](boxes))
        results.append((np.asarray(xy.numpy()), np.asarray(scores.numpy())))
    (xy, scores), (ref_xy, ref_scores) = results
    same = (xy == ref_xy).all(axis=2)
    return {
        "decode: argmax pixels differing (of 680)": float((~same).sum()),
        "decode: keypoints where the pixel agrees": float(np.abs(xy - ref_xy)[same].max(initial=0)),
        "decode: scores where the pixel agrees": float(np.abs(scores - ref_scores)[same].max(initial=0)),
    }


def compare(cases: int) -> None:
    ours, theirs = frameworks()
    worst: dict[str, float] = {}

    def record(figures: dict[str, float]) -> None:
        for key, value in figures.items():
            worst[key] = max(worst.get(key, 0.0), value)

    for seed in range(cases):
        record(decode_case(ours, theirs, np.random.default_rng(100 + seed)))
        data = scene(np.random.default_rng(seed))
        state = reference_state(seed, **CONFIG)
        mine, ref = run(ours, state, data, False, **CONFIG), run(theirs, state, data, False, **CONFIG)
        for i in range(2):
            print(
                f"seed {seed} image {i}: {len(mine[f'scores{i}'])} detections "
                f"(torchvision {len(ref[f'scores{i}'])})"
            )
            record(paired_differences(mine, ref, i))
        train_config = {**CONFIG, **TRAIN}
        mine = run(ours, state, data, True, **train_config)
        ref = run(theirs, state, data, True, **train_config)
        record({key: float(np.abs(value.astype(np.float64) - ref[key]).max()) for key, value in mine.items()})
        record({f"{key} (scale)": float(np.abs(ref[key]).max()) for key in mine})
        data.update(heads_inputs(np.random.default_rng(50 + seed)))
        mine = run(ours, state, data, False, True, **CONFIG)
        ref = run(theirs, state, data, False, True, **CONFIG)
        for i in range(2):
            record({f"heads {k}": v for k, v in paired_differences(mine, ref, i).items()})
        mine = run(ours, state, data, True, True, **train_config)
        ref = run(theirs, state, data, True, True, **train_config)
        record({f"heads {k}": float(np.abs(v.astype(np.float64) - ref[k]).max()) for k, v in mine.items()})
        record({f"heads {k} (scale)": float(np.abs(ref[k]).max()) for k in mine})
    print(f"{cases} cases")
    for key, diff in worst.items():
        if not key.endswith("(scale)"):
            scale = worst.get(f"{key} (scale)")
            shown = f" (largest |torchvision| {scale:.3g})" if scale is not None else ""
            print(f"  {key:58s} max|ours - torchvision| = {diff:.3g}{shown}")


def timing(repeats: int = 3) -> None:
    one_thread_each()
    ours, theirs = frameworks()
    image = np.random.default_rng(0).uniform(0, 1, (3, 320, 320)).astype(np.float32)
    state = reference_state(0)
    calls, counts = [], []
    for lib in (ours, theirs):
        model = lib["detection"].keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None, **TIMED)
        model.load_state_dict({k: lib["tensor"](np.array(v)) for k, v in state.items()})
        model.eval()
        batch = (lib["tensor"](image),)

        def call(model=model, batch=batch, no_grad=lib["no_grad"]):
            with no_grad():
                return model(list(batch))

        counts.append(len(call()[0]["scores"]))
        calls.append(call)
    label = f"keypointrcnn_resnet50_fpn eval forward, one 320×320 image, {counts[0]} detections"
    time_against(f"{label} ({counts[1]} in torchvision)", *calls, repeats=repeats)


def main() -> None:
    parity_main(__doc__.splitlines()[0], compare, timing, 2)


if __name__ == "__main__":
    main()
