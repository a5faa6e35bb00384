"""Per-sample gradients with ``torch.func.vmap``, as PyTorch's tutorial computes them, against a loop.

A small MLP, then a small CNN (conv2d, pooling), classifies a batch; ``vmap(grad(compute_loss))`` gives
every sample's gradient of its own loss with respect to every parameter, in one vectorised call:
``grad`` inside ``vmap`` differentiates a batched graph whose samples are independent. The reference
is the loop the tutorial starts from: one forward and one backward pass per sample. Both are checked to
agree, and timed.

Run it with ``python examples/per_sample_gradients.py``; it takes a few seconds.
"""

from __future__ import annotations

import time

import tinytorch as torch
import tinytorch.nn.functional as F
from tinytorch.func import functional_call, grad, vmap


def problem(batch: int = 64, features: int = 32, hidden: int = 64, classes: int = 10, seed: int = 0) -> tuple:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(features, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes)
    )
    return model, torch.randn(batch, features), torch.randint(0, classes, (batch,))


def cnn_problem(
    batch: int = 64, side: int = 12, channels: int = 8, classes: int = 10, seed: int = 0
) -> tuple:
    """A small CNN on ``side × side`` one-channel images: conv2d's and pooling's batching rules."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, channels, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(channels, channels, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(channels, classes),
    )
    return model, torch.randn(batch, 1, side, side), torch.randint(0, classes, (batch,))


def vmapped_gradients(model: torch.nn.Module, data: torch.Tensor, targets: torch.Tensor) -> tuple:
    """The tutorial's recipe: ``vmap(grad(compute_loss), in_dims=(None, ..., 0, 0))``."""
    params = {name: p.detach() for name, p in model.named_parameters()}
    names = tuple(params)

    def compute_loss(*args):
        *weights, sample, target = args
        prediction = functional_call(model, dict(zip(names, weights)), (sample.unsqueeze(0),))
        return F.cross_entropy(prediction, target.unsqueeze(0))

    per_sample = vmap(
        grad(compute_loss, argnums=tuple(range(len(names)))), in_dims=(None,) * len(names) + (0, 0)
    )
    return per_sample(*params.values(), data, targets)


def looped_gradients(model: torch.nn.Module, data: torch.Tensor, targets: torch.Tensor) -> tuple:
    """One backward pass per sample, stacked."""
    grads = []
    for i in range(data.shape[0]):
        model.zero_grad()
        F.cross_entropy(model(data[i : i + 1]), targets[i : i + 1]).backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    return tuple(torch.stack([g[k] for g in grads]) for k in range(len(grads[0])))


def largest_gap(first: tuple, second: tuple) -> float:
    return max((a - b).abs().max().item() for a, b in zip(first, second))


def milliseconds(function, *args, repeats: int = 5) -> float:
    """The median wall time of ``repeats`` calls, in ms."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def main() -> None:
    for name, make in (("MLP", problem), ("CNN", cnn_problem)):
        model, data, targets = make()
        gap = largest_gap(vmapped_gradients(model, data, targets), looped_gradients(model, data, targets))
        print(f"{name}: per-sample gradients of {data.shape[0]} samples, "
              f"{sum(p.numel() for p in model.parameters())} parameters: largest gap between vmap and the "
              f"loop {gap:.1e}")  # fmt: skip
        vmapped = milliseconds(vmapped_gradients, model, data, targets)
        looped = milliseconds(looped_gradients, model, data, targets)
        ratio = looped / vmapped
        print(f"{name}: vmap(grad(...)): {vmapped:.1f} ms; a loop of backward passes: {looped:.1f} ms "
              f"({ratio:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
