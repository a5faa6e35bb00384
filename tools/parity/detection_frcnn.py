"""torchvision's Faster R-CNN against ``tt_vision.models.detection``'s: the same detections and losses?

For ``--cases`` seeds it builds ``fasterrcnn_mobilenet_v3_large_320_fpn(num_classes=5)`` in
torchvision (random weights, batch-norm statistics of random images), copies its state
dict into TinyTorch's (state dict -> NumPy -> ``load_state_dict``) and feeds both the same two
images (random sizes, 60..140 px). In evaluation mode it pairs the detections (same label, nearest
score and box: near-equal scores may be ranked in another order) and prints how many found no
partner and the pairs' largest differences; in training mode
the four losses and a few weight gradients, with sampling made deterministic (every labelled anchor
and proposal is taken: batch sizes above their counts, positive fractions 1). Each figure is the
largest ``|ours - theirs|`` over the cases (float32). ``--time`` times one evaluation-mode forward
of the default builder (91 classes) on one 320×320 image: both on one thread, the best of 5
each and their ratio.

Opt-in: it needs torch and torchvision with working C ops (``nms``, ``roi_align``), e.g.
``/tmp/tvcmp``, and TinyTorch's packages on the path; nothing in the test suite runs it.

Usage:
    PYTHONPATH=... /tmp/tvcmp/bin/python tools/parity/detection_frcnn.py [--cases 3] [--time]
"""

from __future__ import annotations

import numpy as np
from detection import one_thread_each, parity_main, time_against

TRAIN = {  # every labelled anchor and proposal sampled: no random choice left
    "rpn_batch_size_per_image": 100_000,
    "rpn_positive_fraction": 1.0,
    "box_batch_size_per_image": 100_000,
    "box_positive_fraction": 1.0,
}


def scene(rng: np.random.Generator) -> dict:
    """Two images with 2 boxes and labels each."""
    data = {}
    for i in range(2):
        h, w = (int(v) for v in rng.integers(60, 140, size=2))
        data[f"image{i}"] = rng.uniform(0, 1, (3, h, w)).astype(np.float32)
        corner = rng.uniform(0, [w / 2, h / 2], size=(2, 2))
        size = rng.uniform(8, [w / 2, h / 2], size=(2, 2))
        data[f"boxes{i}"] = np.concatenate([corner, corner + size], 1).astype(np.float32)
        data[f"labels{i}"] = rng.integers(1, 5, size=2)
    return data


def frameworks() -> tuple[dict, dict]:
    import torch
    from torchvision.models import detection as tv_detection
    from tt_vision.models import detection as tt_detection

    import tinytorch as tt

    theirs = {"tensor": torch.from_numpy, "detection": tv_detection, "no_grad": torch.no_grad}
    ours = {"tensor": lambda a: tt.tensor(np.array(a)), "detection": tt_detection, "no_grad": tt.no_grad}
    return ours, theirs


def reference_state(seed: int, builder: str = "fasterrcnn_mobilenet_v3_large_320_fpn", **config) -> dict:
    """torchvision's random weights of ``builder`` as NumPy, with batch-norm statistics of random images."""
    import torch
    from torchvision.models import detection

    torch.manual_seed(seed)
    model = getattr(detection, builder)(weights=None, weights_backbone=None, **config)
    # fresh running statistics (mean 0, variance 1) shrink a random network's features to ~1e-7 in eval
    # mode, every score then ties: set them to one batch's statistics instead
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average: after one batch, that batch's statistics
    images = list(torch.rand(4, 3, 320, 320, generator=torch.Generator().manual_seed(seed)))
    model.backbone.train()(model.transform.eval()(images)[0].tensors)
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return state


def run(lib, state: dict, data: dict, train: bool, **config) -> dict:
    """One framework's outputs (NumPy) for the state and images given."""
    tensor = lib["tensor"]
    model = lib["detection"].fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, **config
    )
    model.load_state_dict({k: tensor(np.array(v)) for k, v in state.items()})
    images = [tensor(data[f"image{i}"]) for i in range(2)]
    out = {}
    if not train:
        model.eval()
        with lib["no_grad"]():
            detections = model(images)
        for i, det in enumerate(detections):
            for field in ("boxes", "scores", "labels"):
                out[f"{field}{i}"] = np.asarray(det[field].detach().numpy())
        return out
    targets = [
        {"boxes": tensor(data[f"boxes{i}"]), "labels": tensor(data[f"labels{i}"].astype(np.int64))}
        for i in range(2)
    ]
    losses = model.train()(images, targets)
    sum(losses.values()).backward()
    for name, value in losses.items():
        out[name] = np.asarray(value.detach().numpy())
    parameters = dict(model.named_parameters())
    for name in (
        "backbone.body.0.0.weight",
        "rpn.head.cls_logits.weight",
        "roi_heads.box_predictor.cls_score.weight",
    ):
        out[f"grad {name}"] = np.asarray(parameters[name].grad.numpy())
    return out


def match(mine: dict, ref: dict, i: int) -> tuple[int, float, float]:
    """Pair image ``i``'s detections: each of ours with torchvision's of the same label and nearest
    score and box (near-equal scores may come in another order). Returns (unpaired, largest box and
    score differences of the pairs)."""
    boxes, scores, labels = mine[f"boxes{i}"], mine[f"scores{i}"], mine[f"labels{i}"]
    ref_boxes, ref_scores, ref_labels = ref[f"boxes{i}"], ref[f"scores{i}"], ref[f"labels{i}"]
    box_diff = np.abs(boxes[:, None] - ref_boxes[None]).max(axis=2)
    score_diff = np.abs(scores[:, None] - ref_scores[None])
    cost = box_diff + 1e3 * score_diff + 1e9 * (labels[:, None] != ref_labels[None])
    pairs = cost.argmin(axis=1)
    paired = cost[np.arange(len(pairs)), pairs] < 1e6
    unpaired = int((~paired).sum()) + len(pairs) - len(set(pairs[paired].tolist()))
    rows = np.flatnonzero(paired)
    return (
        unpaired,
        float(box_diff[rows, pairs[rows]].max(initial=0)),
        float(score_diff[rows, pairs[rows]].max(initial=0)),
    )


def compare(cases: int) -> None:
    ours, theirs = frameworks()
    config = {"num_classes": 5}
    worst: dict[str, float] = {}
    for seed in range(cases):
        data = scene(np.random.default_rng(seed))
        state = reference_state(seed, **config)
        mine, ref = run(ours, state, data, False, **config), run(theirs, state, data, False, **config)
        for i in range(2):
            unpaired, box, score = match(mine, ref, i)
            print(
                f"seed {seed} image {i}: {len(mine[f'scores{i}'])} detections (torchvision "
                f"{len(ref[f'scores{i}'])}), {unpaired} without a partner"
            )
            worst["eval boxes (paired)"] = max(worst.get("eval boxes (paired)", 0.0), box)
            worst["eval scores (paired)"] = max(worst.get("eval scores (paired)", 0.0), score)
        train_config = {**config, **TRAIN}
        mine = run(ours, state, data, True, **train_config)
        ref = run(theirs, state, data, True, **train_config)
        for key, value in mine.items():
            worst[key] = max(worst.get(key, 0.0), float(np.abs(value.astype(np.float64) - ref[key]).max()))
            worst[f"{key} (scale)"] = max(worst.get(f"{key} (scale)", 0.0), float(np.abs(ref[key]).max()))
    print(f"{cases} cases")
    for key, diff in worst.items():
        if not key.endswith("(scale)"):
            scale = worst.get(f"{key} (scale)")
            shown = f" (largest |torchvision| {scale:.3g})" if scale is not None else ""
            print(f"  {key:48s} max|ours - torchvision| = {diff:.3g}{shown}")


def timing(repeats: int = 5) -> None:
    one_thread_each()
    ours, theirs = frameworks()
    image = np.random.default_rng(0).uniform(0, 1, (3, 320, 320)).astype(np.float32)
    state = reference_state(0)
    calls = []
    for lib in (ours, theirs):
        model = lib["detection"].fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None)
        model.load_state_dict({k: lib["tensor"](np.array(v)) for k, v in state.items()})
        model.eval()

        def call(model=model, lib=lib):
            with lib["no_grad"]():
                model([lib["tensor"](image)])

        calls.append(call)
    time_against("fasterrcnn_mobilenet_v3_large_320_fpn eval forward, one 320×320 image", *calls, repeats)


def main() -> None:
    parity_main(__doc__.splitlines()[0], compare, timing, 3)


if __name__ == "__main__":
    main()
