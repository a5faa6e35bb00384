"""Higher-order gradients benchmark: what ``create_graph=True`` costs on a WGAN-GP critic step.

``python benchmarks/higher_order.py`` prints, measured in this one run, for a
critic MLP on MNIST-sized inputs (784 → 512 → 512 → 1, LeakyReLU(0.2), a batch
of 128 real and 128 fake rows, Adam):

* the plain critic step: ``mean(critic(fake)) - mean(critic(real))``, backward, update;
* the WGAN-GP step: the same plus the gradient penalty
  ``10 * mean((|d critic(x̂) / d x̂| - 1)^2)`` on random interpolates ``x̂``, whose
  gradient is taken with ``autograd.grad(..., create_graph=True)``
  (:mod:`tt_autograd.higher_order`) and differentiated again by the step's backward;
* a Hessian-vector product of the critic's mean score with respect to its first
  weight matrix (``autograd.functional.hvp``'s double backward), against a gradient;

as the median of ``--steps`` steps, and the ratios. ``--torch`` runs the same in
PyTorch 2.13 (opt-in; ``nox -s bench-torch-higher-order`` installs it) on the same
weights and batches, checks that both give the same penalty and gradients, and
prints TinyTorch / PyTorch.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import tt_autograd
import tt_nn as nn
import tt_optim
import tt_tensor
from timing import median_time  # benchmarks/timing.py
from tt_autograd.gradients import grad

WIDTHS, BATCH, PENALTY_WEIGHT = (784, 512, 512, 1), 128, 10.0


def direction_vector(shape: tuple[int, ...]) -> np.ndarray:
    """The fixed vector ``v`` of the Hessian-vector product (float32, shaped as the first weight)."""
    return np.random.default_rng(1).standard_normal(shape).astype(np.float32)


def batches(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Real and fake rows (float32, MNIST-sized) and the interpolation weights of the penalty."""
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, (BATCH, WIDTHS[0])).astype(np.float32)
    fake = rng.standard_normal((BATCH, WIDTHS[0])).astype(np.float32)
    mix = rng.uniform(0, 1, (BATCH, 1)).astype(np.float32)
    return real, fake, mix


def critic() -> nn.Module:
    tt_tensor.manual_seed(0)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(WIDTHS[:-1], WIDTHS[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(WIDTHS) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


def gradient_penalty(model: nn.Module, real, fake, mix):
    """``mean((|d model(x̂) / d x̂| - 1)^2)`` for ``x̂ = mix * real + (1 - mix) * fake``, recorded."""
    points = tt_autograd.tensor(mix * real + (1 - mix) * fake, requires_grad=True)
    (slopes,) = grad(model(points).sum(), points, create_graph=True)
    return ((slopes * slopes).sum(dim=1).sqrt() - 1.0).pow(2).mean()


def tinytorch_steps(model: nn.Module) -> dict[str, Callable[[], float]]:
    real, fake, mix = batches()
    real_t, fake_t = tt_autograd.tensor(real), tt_autograd.tensor(fake)
    optimizer = tt_optim.Adam(model.parameters(), lr=1e-4, betas=(0.5, 0.9))
    first = model[0].weight
    direction = tt_autograd.tensor(direction_vector(tuple(first.shape)))

    def plain() -> float:
        loss = model(fake_t).mean() - model(real_t).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss)

    def penalised() -> float:
        loss = model(fake_t).mean() - model(real_t).mean()
        loss = loss + PENALTY_WEIGHT * gradient_penalty(model, real, fake, mix)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss)

    def gradient() -> float:
        (g,) = grad(model(real_t).mean(), first)
        return float(g.sum())

    def hessian_vector() -> float:
        (g,) = grad(model(real_t).mean(), first, create_graph=True)
        (hv,) = grad((g * direction).sum(), first)
        return float(hv.sum())

    return {"critic step": plain, "WGAN-GP step": penalised, "gradient": gradient, "HVP": hessian_vector}


def median_ms(function: Callable[[], object], steps: int) -> float:
    return median_time(function, steps) * 1e3


def torch_steps(model: nn.Module) -> dict[str, Callable[[], float]]:
    """The same four computations in PyTorch, on the same weights and batches (opt-in)."""
    import torch

    torch.set_num_threads(2)
    layers = []
    for layer in model:
        if isinstance(layer, nn.Linear):
            twin = torch.nn.Linear(layer.in_features, layer.out_features)
            with torch.no_grad():
                twin.weight.copy_(torch.from_numpy(layer.weight.detach().numpy().copy()))
                twin.bias.copy_(torch.from_numpy(layer.bias.detach().numpy().copy()))
            layers.append(twin)
        else:
            layers.append(torch.nn.LeakyReLU(0.2))
    twin_model = torch.nn.Sequential(*layers)
    real, fake, mix = (torch.from_numpy(a) for a in batches())
    optimizer = torch.optim.Adam(twin_model.parameters(), lr=1e-4, betas=(0.5, 0.9))
    first = twin_model[0].weight
    direction = torch.from_numpy(direction_vector(tuple(first.shape)))

    def penalty() -> torch.Tensor:
        points = (mix * real + (1 - mix) * fake).requires_grad_(True)
        (slopes,) = torch.autograd.grad(twin_model(points).sum(), points, create_graph=True)
        return ((slopes * slopes).sum(dim=1).sqrt() - 1.0).pow(2).mean()

    def plain() -> float:
        loss = twin_model(fake).mean() - twin_model(real).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def penalised() -> float:
        loss = twin_model(fake).mean() - twin_model(real).mean() + PENALTY_WEIGHT * penalty()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def gradient() -> float:
        (g,) = torch.autograd.grad(twin_model(real).mean(), first)
        return float(g.sum())

    def hessian_vector() -> float:
        (g,) = torch.autograd.grad(twin_model(real).mean(), first, create_graph=True)
        (hv,) = torch.autograd.grad((g * direction).sum(), first)
        return float(hv.sum())

    def penalty_and_slope() -> tuple[float, np.ndarray]:
        value = penalty()
        (slope,) = torch.autograd.grad(value, first)
        return float(value.detach()), slope.numpy()

    steps = {"critic step": plain, "WGAN-GP step": penalised, "gradient": gradient, "HVP": hessian_vector}
    steps["penalty"] = penalty_and_slope
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10, help="timed steps per measurement (median)")
    parser.add_argument("--torch", action="store_true", help="also time PyTorch 2.13 (opt-in yardstick)")
    args = parser.parse_args(argv)
    from tt_tensor.threads import set_num_threads

    set_num_threads(2)
    print(
        f"higher-order gradients: a WGAN-GP critic {' -> '.join(map(str, WIDTHS))}, batch {BATCH} real + "
        f"{BATCH} fake, float32, 2 BLAS threads; median of {args.steps} steps"
    )
    model = critic()
    real, fake, mix = batches()
    if args.torch:
        twin = torch_steps(model)  # built before TinyTorch's steps update the weights
        penalty = gradient_penalty(model, real, fake, mix)
        (slope,) = grad(penalty, model[0].weight)
        theirs_penalty, theirs_slope = twin.pop("penalty")()
        difference = np.abs(slope.numpy() - theirs_slope).max() / np.abs(theirs_slope).max()
        print(
            f"  the same penalty: TinyTorch {float(penalty):.7f}, PyTorch {theirs_penalty:.7f}; its gradient "
            f"with respect to the first weight matrix differs by {difference:.1e} of its largest entry"
        )
    steps = tinytorch_steps(model)
    ours = {name: median_ms(step, args.steps) for name, step in steps.items()}
    theirs = {name: median_ms(twin[name], args.steps) for name in ours} if args.torch else {}
    for name, ms in ours.items():
        line = f"  {name:14s} {ms:8.1f} ms"
        if theirs:
            line += f"   PyTorch {theirs[name]:8.1f} ms   TinyTorch / PyTorch {ms / theirs[name]:5.2f}x"
        print(line)
    ratios = (("the penalty's cost: WGAN-GP step / critic step", "WGAN-GP step", "critic step"),
              ("HVP / gradient", "HVP", "gradient"))  # fmt: skip
    for label, top, bottom in ratios:
        line = f"  {label} = {ours[top] / ours[bottom]:.2f}x"
        print(line + (f" (PyTorch {theirs[top] / theirs[bottom]:.2f}x)" if theirs else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
