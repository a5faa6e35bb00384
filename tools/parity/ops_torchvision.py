"""tt_vision.ops' deform_conv2d, FeaturePyramidNetwork and MultiScaleRoIAlign against torchvision's (opt-in).

Needs a Python with torchvision's compiled ops (``torchvision.ops.deform_conv2d`` is a C++ op)
and NumPy, and TinyTorch's packages on ``PYTHONPATH``; run from the repository root::

    PYTHONPATH=$(ls -d $PWD/packages/*/src | paste -sd:) python tools/parity/ops_torchvision.py

* ``deform_conv2d``: 5 geometries (groups, offset groups, stride, padding, dilation, mask or not,
  bias or not), float64 and float32, offsets from N(0, 2²) and the same rounded to whole pixels
  (every sample on the lattice, where the offsets' gradient is one-sided): the largest error of the
  output and of each gradient (over the largest gradient value), seeded by a random output gradient;
  and an input holding NaN and inf at its edges read at whole-pixel offsets: the same NaN and inf.
* ``FeaturePyramidNetwork``: torchvision's state dict loaded into ours (same keys), no extra block,
  ``LastLevelMaxPool``, ``LastLevelP6P7`` reading P5 or C5, with and without batch norm (eval),
  float64: same output names and the largest error.
* ``MultiScaleRoIAlign``: three maps, random boxes of sizes 4 to 150 on two images, three
  ``featmap_names`` choices (one that skips a level) and two canonical settings: the same scales,
  the largest error of the output and of the maps' gradients.

Exit status 1 if an error is above 1e-12 (float64) or 1e-5 (float32), or names, keys or scales differ.
"""

from __future__ import annotations

import sys
from collections import OrderedDict

import numpy as np
import torch
import torchvision.ops as tv_ops
import tt_autograd as autograd
from torchvision.ops import feature_pyramid_network as tv_fpn
from tt_vision import ops
from tt_vision.layers import BatchNorm2d
from tt_vision.ops import feature_pyramid_network as tt_fpn

GEOMETRIES = [  # n, C, H, W, C_out, kernel, stride, padding, dilation, groups, offset groups, mask, bias
    (2, 4, 7, 6, 6, (3, 3), (1, 1), (1, 1), (1, 1), 1, 1, False, True),
    (2, 4, 7, 6, 6, (3, 3), (1, 1), (1, 1), (1, 1), 1, 1, True, True),
    (1, 6, 9, 8, 4, (3, 2), (2, 1), (2, 0), (1, 2), 2, 3, True, False),
    (3, 4, 5, 5, 8, (2, 2), (1, 2), (0, 1), (2, 1), 4, 2, True, True),
    (2, 8, 6, 7, 4, (3, 3), (1, 1), (1, 1), (1, 1), 2, 4, False, True),
]


def deform_errors(rng, dtype, rounded: bool) -> dict:
    """The largest error of the output and of each gradient over the geometries, one dtype."""
    worst: dict = {}
    for n, c, h, w, c_out, (kh, kw), s, p, d, groups, og, with_mask, with_bias in GEOMETRIES:
        ho = (h + 2 * p[0] - d[0] * (kh - 1) - 1) // s[0] + 1
        wo = (w + 2 * p[1] - d[1] * (kw - 1) - 1) // s[1] + 1
        offset = rng.normal(size=(n, 2 * og * kh * kw, ho, wo)) * 2
        arrays = [
            rng.normal(size=(n, c, h, w)),
            np.round(offset) if rounded else offset,
            rng.normal(size=(c_out, c // groups, kh, kw)),
            rng.normal(size=c_out) if with_bias else None,
            rng.uniform(size=(n, og * kh * kw, ho, wo)) if with_mask else None,
        ]
        arrays = [None if a is None else a.astype(dtype) for a in arrays]
        seed = rng.normal(size=(n, c_out, ho, wo)).astype(dtype)
        theirs = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
        ours = [None if a is None else autograd.tensor(a, requires_grad=True) for a in arrays]
        out_t = tv_ops.deform_conv2d(*theirs[:4], stride=s, padding=p, dilation=d, mask=theirs[4])
        out_t.backward(torch.tensor(seed))
        out_o = ops.deform_conv2d(*ours[:4], s, p, d, mask=ours[4])
        out_o.backward(autograd.tensor(seed))
        errors = {"output": np.abs(out_o.detach().numpy() - out_t.detach().numpy()).max()}
        for name, t, o in zip(("input", "offset", "weight", "bias", "mask"), theirs, ours):
            if t is not None:
                expected = t.grad.numpy()
                errors[name] = np.abs(o.grad.numpy() - expected).max() / max(1.0, np.abs(expected).max())
        for name, value in errors.items():
            worst[name] = max(worst.get(name, 0.0), float(value))
    return worst


def deform_nonfinite(rng) -> dict:
    """Whether ours gives torchvision's output and gradients, NaN and inf where it has them (float64), for
    an input whose row 0 holds NaN (channel 0) and column 0 inf (channel 1), read at whole-pixel offsets
    (many samples exactly at ``y = -1`` or ``x = -1``, where torchvision reads nothing)."""
    n, c, h, w, c_out = 2, 3, 6, 7, 4
    x = rng.normal(size=(n, c, h, w))
    x[:, 0, 0, :], x[:, 1, :, 0] = np.nan, np.inf
    arrays = [
        x,
        np.round(rng.normal(size=(n, 18, h, w)) * 2),
        rng.normal(size=(c_out, c, 3, 3)),
        rng.normal(size=c_out),
        rng.uniform(size=(n, 9, h, w)),
    ]
    seed = rng.normal(size=(n, c_out, h, w))
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    out_t = tv_ops.deform_conv2d(*theirs[:4], padding=(1, 1), mask=theirs[4])
    out_t.backward(torch.tensor(seed))
    with np.errstate(invalid="ignore"):
        out_o = ops.deform_conv2d(*ours[:4], padding=1, mask=ours[4])
        out_o.backward(autograd.tensor(seed))
    pairs = {"output": (out_o.detach().numpy(), out_t.detach().numpy())}
    for name, t, o in zip(("input", "offset", "weight", "bias", "mask"), theirs, ours):
        pairs[name] = (o.grad.numpy(), t.grad.numpy())
    return {k: bool(np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)) for k, (a, b) in pairs.items()}


def fpn_errors(rng) -> list:
    """(setting, same names and keys, largest error) per extra block and norm, float64."""
    rows = []
    channels, sizes = [3, 5, 7], [13, 7, 3]
    for extra in (None, "pool", "p6p7 (P5)", "p6p7 (C5)"):
        for norm in (False, True):
            blocks = {
                None: (None, None),
                "pool": (tv_fpn.LastLevelMaxPool(), tt_fpn.LastLevelMaxPool()),
                "p6p7 (P5)": (tv_fpn.LastLevelP6P7(4, 4), tt_fpn.LastLevelP6P7(4, 4)),
                "p6p7 (C5)": (tv_fpn.LastLevelP6P7(7, 4), tt_fpn.LastLevelP6P7(7, 4)),
            }[extra]
            theirs = tv_ops.FeaturePyramidNetwork(
                channels, 4, blocks[0], torch.nn.BatchNorm2d if norm else None
            )
            ours = ops.FeaturePyramidNetwork(channels, 4, blocks[1], BatchNorm2d if norm else None)
            theirs, ours = theirs.double().eval(), ours.double().eval()
            state = {k: autograd.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
            same = sorted(state) == sorted(ours.state_dict())
            ours.load_state_dict(state)
            maps = [rng.normal(size=(2, c, s, s + 1)) for c, s in zip(channels, sizes)]
            out_t = theirs(OrderedDict((f"c{i}", torch.tensor(a)) for i, a in enumerate(maps)))
            out_o = ours(OrderedDict((f"c{i}", autograd.tensor(a)) for i, a in enumerate(maps)))
            same = same and list(out_t) == list(out_o)
            error = max(np.abs(out_t[k].detach().numpy() - out_o[k].detach().numpy()).max() for k in out_t)
            rows.append((f"{extra or 'no extra block'}{', batch norm' if norm else ''}", same, float(error)))
    return rows


def pooler_errors(rng) -> list:
    """(setting, same scales, output error, gradient error) per featmap_names and canonical setting."""
    maps = {
        name: rng.normal(size=(2, 3, 32 // 2**i, 40 // 2**i)) for i, name in enumerate(("p2", "p3", "p4"))
    }
    maps["unused"] = rng.normal(size=(2, 3, 4, 5))
    boxes = []
    for count in (7, 5):
        corner = rng.uniform(0, 120, size=(count, 2))
        boxes.append(
            np.concatenate([corner, corner + np.exp(rng.uniform(np.log(4), np.log(150), (count, 2)))], 1)
        )
    boxes[1] = np.concatenate([boxes[1], [[0.0, 0.0, 8, 8], [0, 0, 60, 60], [0, 0, 150, 150]]])  # every level
    shapes = [(128, 160), (120, 150)]
    rows = []
    for names in (["p2", "p3", "p4"], ["p3"], ["p2", "p4"]):
        for scale, level in ((224, 4), (56, 3)):
            theirs = tv_ops.MultiScaleRoIAlign(names, (3, 2), 2, canonical_scale=scale, canonical_level=level)
            ours = ops.MultiScaleRoIAlign(names, (3, 2), 2, canonical_scale=scale, canonical_level=level)
            maps_t = {k: torch.tensor(v, requires_grad=True) for k, v in maps.items()}
            maps_o = {k: autograd.tensor(v, requires_grad=True) for k, v in maps.items()}
            out_t = theirs(maps_t, [torch.tensor(b) for b in boxes], shapes)
            out_o = ours(maps_o, [autograd.tensor(b) for b in boxes], shapes)
            seed = rng.normal(size=tuple(out_t.shape))
            out_t.backward(torch.tensor(seed))
            out_o.backward(autograd.tensor(seed))
            error = np.abs(out_t.detach().numpy() - out_o.detach().numpy()).max()
            grad_error = max(np.abs(maps_t[k].grad.numpy() - maps_o[k].grad.numpy()).max() for k in names)
            rows.append(
                (f"{names}, {scale}/{level}", theirs.scales == ours.scales, float(error), float(grad_error))
            )
    return rows


def main() -> int:
    rng = np.random.default_rng(0)
    failed = False
    print("deform_conv2d: largest error of the output, and of each gradient over its largest value")
    for dtype, limit in ((np.float64, 1e-12), (np.float32, 1e-5)):
        for rounded in (False, True):
            worst = deform_errors(rng, dtype, rounded)
            failed |= max(worst.values()) > limit
            offsets = "whole-pixel offsets" if rounded else "offsets N(0, 4)"
            print(
                f"  {np.dtype(dtype).name}, {offsets}: " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
            )
    same = deform_nonfinite(rng)
    failed |= not all(same.values())
    print("  float64, NaN in row 0, inf in column 0, whole-pixel offsets: the same (NaN, inf included): "
          + ", ".join(f"{k} {v}" for k, v in same.items()))  # fmt: skip
    print(
        "FeaturePyramidNetwork (float64, torchvision's state dict loaded): same names and keys, largest error"
    )
    for setting, same, error in fpn_errors(rng):
        failed |= not same or error > 1e-12
        print(f"  {setting:28s} {same} {error:.1e}")
    print("MultiScaleRoIAlign (float64): same scales, largest error of the output and of the maps' gradients")
    for setting, same, error, grad_error in pooler_errors(rng):
        failed |= not same or max(error, grad_error) > 1e-12
        print(f"  {setting:28s} {same} {error:.1e} {grad_error:.1e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
