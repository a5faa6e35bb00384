"""torchvision's models against ``tt_vision.models``: the same weights, the same numbers?

For each architecture (default: all the builders ``tt_vision.models.list_models()`` has) it
builds torchvision's model, gives its batch norms and biases random values (so evaluation
mode is not the identity there), copies the whole state dict into TinyTorch's model by key
(``load_state_dict(strict=True)``: the keys and shapes must be torchvision's), and compares

* the evaluation-mode logits of one batch,
* one training-mode step: the cross-entropy loss, every parameter's gradient and the batch
  norms' running statistics afterwards, in float64 by default (``--step-dtype``): in float32 a
  deep network's training-mode gradients are ill-conditioned (batch norm over a 2×2 map of
  4 images): torch's own float32 and float64 gradients of resnet101 differ by 0.31 (measured at
  the defaults, worst parameter), so two float32 runs compared would say nothing about TinyTorch.

Dropout and stochastic depth are set to 0 where the model has them (the two frameworks draw
different masks). The segmentation models (``tt_vision.models.segmentation``, run when named or by
default) are built with their auxiliary head where they have one; their logits are every pixel's
of ``"out"`` and ``"aux"``, their loss the pixels' cross-entropy of ``"out"`` plus 0.5 × that of
``"aux"`` (torchvision's references' weight), against random labels per pixel.
Each figure is ``max|ours - theirs| / max|theirs|`` over the array (for a gradient, at least
``GRADIENT_FLOOR`` of the model's largest one); the worst gradient and buffer are named.
Opt-in: it needs torch and torchvision (in a Python whose torchvision imports) and
TinyTorch's packages on the path; nothing in the test suite runs it.

``--embeddings`` compares ``vision_transformer.interpolate_embeddings`` instead: random
float64 position embeddings resized by both (bicubic and bilinear, grids shrunk and grown),
and the keys left by ``reset_heads``.

Usage:
    python tools/parity/models.py [--size 64] [--batch 4] [--rtol 1e-4] [name ...]
    python tools/parity/models.py --embeddings
"""

from __future__ import annotations

import argparse
import collections
import sys
import time

import numpy as np

TAKES_DROPOUT = (
    "vgg",
    "alexnet",
    "squeezenet",
    "mobilenet",
    "efficientnet",
    "mnasnet",
    "googlenet",
    "incep",
    "vit_",
)
#: Models whose residual branches are dropped at random in training: set to 0 as dropout is.
TAKES_STOCHASTIC_DEPTH = ("efficientnet",)
#: Extra keyword arguments: no dropout anywhere, and the explicit initialisation (GoogLeNet and
#: Inception v3 warn on ``init_weights=None``).
EXTRA_KWARGS = {
    "densenet": {"drop_rate": 0.0},
    "googlenet": {"dropout_aux": 0.0, "init_weights": True},
    "inception": {"init_weights": True},
}
#: Inception v3 needs 75×75 input, and 299×299 for its auxiliary head in training mode: below that
#: the model is built with ``aux_logits=False``.
MIN_SIZE = {"inception_v3": 75}
AUX_MIN_SIZE = {"inception_v3": 299}
#: The weight of the auxiliary classifiers' losses in the training step (torchvision's references' 0.4).
AUX_WEIGHT = 0.4
#: Models whose image size is an argument (the position embedding's length): given ``--size``.
TAKES_IMAGE_SIZE = ("vit_",)
#: A gradient is judged against at least this fraction of the model's largest gradient: the bias of a
#: norm that feeds another batch norm has gradient 0 in exact arithmetic (the next norm subtracts the
#: mean), ~1e-9 of rounding in both frameworks, whose ratio says nothing.
GRADIENT_FLOOR = 1e-6
#: The segmentation builders (their output is a dict of per-pixel logits), and those with an auxiliary head.
SEGMENTATION = ("fcn_", "deeplabv3_", "lraspp_")
TAKES_AUX_LOSS = ("fcn_", "deeplabv3_")
#: The weight of a segmentation model's auxiliary loss (torchvision's references' ``aux_loss`` weight).
SEGMENTATION_AUX_WEIGHT = 0.5


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    if ours.shape != theirs.shape:
        return float("inf")
    scale = float(np.max(np.abs(theirs))) if theirs.size else 0.0
    return float(np.max(np.abs(ours - theirs))) / max(scale, 1e-12) if theirs.size else 0.0


def randomised_state(model, seed: int) -> dict[str, np.ndarray]:
    """torchvision's initial state with batch-norm statistics, scales, every bias and every weight that
    starts at zero drawn at random."""
    rng = np.random.default_rng(seed)
    state = {}
    for key, value in model.state_dict().items():
        array = value.detach().numpy().copy()
        if key.endswith("running_var"):
            array = rng.uniform(0.5, 1.5, array.shape)
        elif key.endswith("running_mean") or key.endswith("bias"):
            array = rng.normal(0.0, 0.1, array.shape)
        elif key.endswith("weight") and array.ndim == 1:  # a norm's scale
            array = rng.uniform(0.5, 1.5, array.shape)
        elif array.ndim > 1 and not np.any(array):  # zero-initialised: ViT's head and class token
            array = rng.normal(0.0, 0.02, array.shape)
        integer = np.issubdtype(array.dtype, np.integer)  # counts and indices (Swin's relative positions)
        state[key] = array if integer else array.astype(np.float32)
    return state


def logits_array(outputs) -> np.ndarray:
    """A model's output as one array: a segmentation model's ``"out"`` and ``"aux"`` maps side by side."""
    if isinstance(outputs, dict):
        return np.concatenate([value.numpy() for value in outputs.values()], axis=1)
    return outputs.numpy()


def training_loss(outputs, labels, functional):
    """Cross-entropy of the logits plus ``AUX_WEIGHT`` times each auxiliary head's (GoogLeNet, Inception);
    for a segmentation model, of the ``"out"`` map plus ``SEGMENTATION_AUX_WEIGHT`` times the ``"aux"``
    map's."""
    if isinstance(outputs, dict):
        loss = functional.cross_entropy(outputs["out"], labels)
        if "aux" in outputs:
            loss = loss + SEGMENTATION_AUX_WEIGHT * functional.cross_entropy(outputs["aux"], labels)
        return loss
    if not isinstance(outputs, tuple):
        return functional.cross_entropy(outputs, labels)
    logits, *aux = outputs
    loss = functional.cross_entropy(logits, labels)
    for extra in aux:
        loss = loss + AUX_WEIGHT * functional.cross_entropy(extra, labels)
    return loss


def compare(name: str, size: int, batch: int, step_dtype: str = "float64") -> dict:
    import torch
    import torchvision
    import tt_autograd
    import tt_nn
    from tt_vision import models

    kwargs = {"num_classes": 10}
    if name.startswith(TAKES_DROPOUT):
        kwargs["dropout"] = 0.0
    if name.startswith(TAKES_STOCHASTIC_DEPTH):
        kwargs["stochastic_depth_prob"] = 0.0
    for prefix, extra in EXTRA_KWARGS.items():
        if name.startswith(prefix):
            kwargs.update(extra)
    size = max(size, MIN_SIZE.get(name, 0))
    if size < AUX_MIN_SIZE.get(name, 0):
        kwargs["aux_logits"] = False
    if name.startswith(TAKES_IMAGE_SIZE):
        kwargs["image_size"] = size
    if name.startswith(TAKES_AUX_LOSS):
        kwargs["aux_loss"] = True
    if name.startswith(SEGMENTATION):
        kwargs["weights_backbone"] = None  # torchvision's default downloads ImageNet weights
    torch.manual_seed(0)
    theirs = torchvision.models.get_model(name, **kwargs)
    state = randomised_state(theirs, seed=1)
    their_state = collections.OrderedDict((k, torch.from_numpy(v)) for k, v in state.items())
    their_state._metadata = theirs.state_dict()._metadata  # MNASNet reads its version from it
    theirs.load_state_dict(their_state, strict=True)
    ours = models.get_model(name, **kwargs)
    ours.load_state_dict({k: tt_autograd.from_numpy(v) for k, v in state.items()}, strict=True)
    for model in (theirs, ours):  # stochastic depth off (ConvNeXt, Swin): the two draw different coins
        for module in model.modules():
            if type(module).__name__ == "StochasticDepth" or (
                name.startswith(SEGMENTATION) and type(module).__name__ == "Dropout"
            ):  # the segmentation heads' dropout is fixed (0.1, 0.5), not an argument
                module.p = 0.0

    rng = np.random.default_rng(2)
    x = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
    labels = rng.integers(0, 10, (batch, size, size) if name.startswith(SEGMENTATION) else batch)
    result = {"name": name, "size": size}

    theirs.eval(), ours.eval()
    with torch.no_grad():
        logits_theirs = logits_array(theirs(torch.from_numpy(x)))
    with tt_autograd.no_grad():
        logits_ours = logits_array(ours(tt_autograd.from_numpy(x)))
    result["eval logits"] = relative_difference(logits_ours, logits_theirs)

    if step_dtype == "float64":
        theirs.double(), ours.double()
    x = x.astype(step_dtype)
    theirs.train(), ours.train()
    loss_theirs = training_loss(theirs(torch.from_numpy(x)), torch.from_numpy(labels), torch.nn.functional)
    loss_theirs.backward()
    loss_ours = training_loss(
        ours(tt_autograd.from_numpy(x)), tt_autograd.from_numpy(labels), tt_nn.functional
    )
    loss_ours.backward()
    result["train loss"] = relative_difference(np.asarray(loss_ours.item()), np.asarray(loss_theirs.item()))

    their_grads = {key: param.grad.numpy() for key, param in theirs.named_parameters()}
    floor = GRADIENT_FLOOR * max(float(np.max(np.abs(g))) for g in their_grads.values())
    worst, worst_name = 0.0, ""
    for key, param in ours.named_parameters():
        if param.grad is None:
            worst, worst_name = float("inf"), f"{key} (no gradient)"
            break
        theirs_grad = their_grads[key]
        scale = max(float(np.max(np.abs(theirs_grad))), floor)
        diff = float(np.max(np.abs(param.grad.numpy() - theirs_grad))) / scale
        if diff > worst:
            worst, worst_name = diff, key
    result["gradients"], result["worst gradient"] = worst, worst_name

    their_buffers = dict(theirs.named_buffers())
    worst, worst_name = 0.0, ""
    for key, buffer in ours.named_buffers():
        diff = relative_difference(
            buffer.numpy().astype(np.float64), their_buffers[key].numpy().astype(np.float64)
        )
        if diff > worst:
            worst, worst_name = diff, key
    result["running stats"], result["worst buffer"] = worst, worst_name
    return result


def compare_embeddings(rtol: float) -> int:
    """torchvision's and TinyTorch's ``interpolate_embeddings`` on random ViT position embeddings."""
    import torch
    import tt_autograd
    from torchvision.models.vision_transformer import interpolate_embeddings as theirs
    from tt_vision.models.vision_transformer import interpolate_embeddings as ours

    rng, failed = np.random.default_rng(0), 0
    for mode in ("bicubic", "bilinear"):
        for side, new, width in ((2, 3, 4), (14, 16, 8), (16, 14, 8), (7, 24, 3), (24, 7, 3)):
            values = rng.standard_normal((1, 1 + side * side, width))
            keys = ("encoder.pos_embedding", "heads.head.weight", "heads.head.bias", "encoder.ln.weight")
            mine = collections.OrderedDict((k, tt_autograd.tensor(values)) for k in keys)
            torch_state = collections.OrderedDict((k, torch.from_numpy(values.copy())) for k in keys)
            a = ours(new * 16, 16, mine, mode, reset_heads=True)
            b = theirs(new * 16, 16, torch_state, mode, reset_heads=True)
            figure = relative_difference(
                a["encoder.pos_embedding"].numpy(), b["encoder.pos_embedding"].numpy()
            )
            passed = figure <= rtol and list(a) == list(b)
            failed += not passed
            print(f"{'ok  ' if passed else 'FAIL'} {mode:8s} {side:2d}x{side:<2d} -> {new:2d}x{new:<2d} "
                  f"D={width}: {figure:.1e}, keys {list(a)}", flush=True)  # fmt: skip
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        type=int,
        default=64,
        help="image side (default 64; AlexNet needs >= 63; inception_v3 is run at >= 75, without its "
        "auxiliary head below 299)",
    )
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument(
        "--step-dtype", choices=("float64", "float32"), default="float64", help="the training step's dtype"
    )
    parser.add_argument("names", nargs="*", help="builders (default: every one tt_vision.models has)")
    parser.add_argument("--embeddings", action="store_true", help="compare interpolate_embeddings instead")
    args = parser.parse_args(argv)
    if args.embeddings:
        return compare_embeddings(args.rtol)

    import torch
    from tt_vision import models

    torch.set_num_threads(1)
    failed = 0
    for name in args.names or models.list_models():
        start = time.perf_counter()
        r = compare(name, args.size, args.batch, args.step_dtype)
        figures = [r["eval logits"], r["train loss"], r["gradients"], r["running stats"]]
        passed = max(figures) <= args.rtol
        failed += not passed
        print(
            f"{'ok  ' if passed else 'FAIL'} {name:18s} eval {figures[0]:.1e}  loss {figures[1]:.1e}  "
            f"grads {figures[2]:.1e} ({r['worst gradient']})  running stats {figures[3]:.1e}  {r['size']}px  "
            f"[{time.perf_counter() - start:.0f} s]",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
