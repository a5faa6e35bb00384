"""Second-order gradients at work: Newton's method from Hessian-vector products, and a gradient penalty.

1. **Newton-CG on a logistic regression.** Each Newton step solves ``H p = -g``
   by conjugate gradients, which needs only products ``H v``: the gradient is
   computed once with ``create_graph=True``, and each product is one more
   backward pass through it, ``grad((g * v).sum(), w)``; the ``d x d`` Hessian
   is never built. One product is checked against
   ``torch.autograd.functional.hvp`` and against the full Hessian, and the
   three costs are timed.
2. **A gradient penalty (WGAN-GP).** A critic is trained to score real points
   above generated ones while the norm of its gradient with respect to its
   *input* is pushed towards 1; the penalty's own gradient with respect to the
   critic's weights runs through the recorded backward.

Run it with ``python examples/hessian_vector_product.py``; it takes a few seconds.
Only tensors and autograd are used (plain weight tensors rather than ``nn``
layers), so every operation has a differentiable backward.
"""

from __future__ import annotations

import time

import numpy as np

import tinytorch as torch
from tinytorch.autograd import grad
from tinytorch.autograd.functional import hessian, hvp


def logistic_problem(samples: int = 400, features: int = 60, seed: int = 0) -> tuple:
    """Labels in {-1, +1} from a noisy linear rule."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, features))
    truth = rng.standard_normal(features)
    y = np.sign(x @ truth + 0.5 * rng.standard_normal(samples))
    return torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)


def logistic_loss(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor, l2: float = 1e-2) -> torch.Tensor:
    """Mean of ``log(1 + exp(-y x.w))`` plus ``l2/2 |w|^2``."""
    return (1.0 + (-y * (x @ w)).exp()).log().mean() + 0.5 * l2 * (w * w).sum()


def hessian_times(g: torch.Tensor, w: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``H v`` from the recorded gradient ``g`` of the loss at ``w``: one more backward pass, through g."""
    return grad((g * v).sum(), w, retain_graph=True)[0]  # d(g . v)/dw = H v


def newton_cg(x: torch.Tensor, y: torch.Tensor, steps: int = 5, cg_iterations: int = 20) -> torch.Tensor:
    """Newton's method, each step's system solved by conjugate gradients on Hessian-vector products."""
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    for step in range(steps):
        loss = logistic_loss(w, x, y)
        (g,) = grad(loss, w, create_graph=True)  # recorded: g can be differentiated again
        p, r = torch.zeros_like(w), -g.detach()  # constants: the solver's arithmetic records nothing
        d, rr = r.clone(), (r * r).sum()
        for _ in range(cg_iterations):
            hd = hessian_times(g, w, d)
            alpha = rr / (d * hd).sum()
            p, r = p + alpha * d, r - alpha * hd
            rr_next = (r * r).sum()
            if rr_next.item() < 1e-20:
                break
            d, rr = r + (rr_next / rr) * d, rr_next
        w = (w.detach() + p).requires_grad_()
        print(f"  Newton step {step + 1}: loss {loss.item():.6f}, |gradient| {g.detach().norm().item():.2e}")
    return w


def check_and_time_products(x: torch.Tensor, y: torch.Tensor) -> None:
    """One H v three ways (they must agree), and what a gradient, a product and the Hessian cost."""
    w = torch.tensor(np.random.default_rng(1).standard_normal(x.shape[1]) * 0.1, dtype=torch.float64)
    v = torch.tensor(np.random.default_rng(2).standard_normal(x.shape[1]), dtype=torch.float64)

    def loss(w: torch.Tensor) -> torch.Tensor:
        return logistic_loss(w, x, y)

    leaf = w.clone().requires_grad_()
    (g,) = grad(loss(leaf), leaf, create_graph=True)
    twice = grad((g * v).sum(), leaf)[0]
    _, functional = hvp(loss, w, v)
    full = hessian(loss, w) @ v
    gap = max((twice - functional).abs().max().item(), (twice - full).abs().max().item())
    print(
        f"  H v by grad of (g . v), by autograd.functional.hvp and by hessian(...) @ v: largest gap {gap:.1e}"
    )

    def best_of(function: object, repeats: int = 3) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return min(times) * 1e3

    def gradient() -> None:
        leaf = w.clone().requires_grad_()
        grad(loss(leaf), leaf)

    gradient_ms = best_of(gradient)
    product_ms = best_of(lambda: hvp(loss, w, v))
    hessian_ms = best_of(lambda: hessian(loss, w), repeats=1)
    print(
        f"  one gradient {gradient_ms:.2f} ms; one Hessian-vector product {product_ms:.2f} ms "
        f"({product_ms / gradient_ms:.1f}x); the full {x.shape[1]}x{x.shape[1]} Hessian {hessian_ms:.0f} ms "
        f"({hessian_ms / gradient_ms:.0f}x)"
    )


def gradient_penalty_critic(steps: int = 300, batch: int = 64, penalty: float = 10.0, seed: int = 0) -> float:
    """Train a critic between two Gaussians with WGAN-GP's penalty; return its final mean gradient norm."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    w1 = (torch.randn(2, 32, dtype=torch.float64) * 0.5).requires_grad_()
    b1 = torch.zeros(32, dtype=torch.float64, requires_grad=True)
    w2 = (torch.randn(32, 1, dtype=torch.float64) * 0.2).requires_grad_()
    optimizer = torch.optim.Adam([w1, b1, w2], lr=1e-2, betas=(0.5, 0.9))

    def critic(points: torch.Tensor) -> torch.Tensor:
        return ((points @ w1 + b1).tanh() @ w2).reshape(-1)

    norms = None
    for step in range(steps):
        real = torch.tensor(rng.normal([2.0, 0.0], 0.3, (batch, 2)), dtype=torch.float64)
        fake = torch.tensor(rng.normal([-1.0, 1.0], 0.6, (batch, 2)), dtype=torch.float64)
        mix = torch.tensor(rng.uniform(size=(batch, 1)), dtype=torch.float64)
        between = (mix * real + (1.0 - mix) * fake).requires_grad_()
        (slope,) = grad(critic(between).sum(), between, create_graph=True)  # d critic / d input, recorded
        norms = ((slope * slope).sum(dim=1) + 1e-12).sqrt()
        loss = critic(fake).mean() - critic(real).mean() + penalty * ((norms - 1.0) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()  # through the critic and through the recorded gradient
        optimizer.step()
        if step % 100 == 0 or step == steps - 1:
            print(
                f"  step {step:3d}: critic loss {loss.item():+.3f}, "
                f"gradient norm between the two sets {norms.mean().item():.3f}"
            )
    return float(norms.mean().item())


def main() -> None:
    start = time.perf_counter()
    x, y = logistic_problem()
    print(f"Newton-CG, logistic regression: {x.shape[0]} samples, {x.shape[1]} weights")
    newton_cg(x, y)
    check_and_time_products(x, y)
    print("WGAN-GP critic between two Gaussians, penalty weight 10")
    gradient_penalty_critic()
    print(f"done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
