"""Milestone 02 — 1969, XOR: one layer cannot learn it, two layers can.

In *Perceptrons* (1969) Minsky and Papert proved what a single-layer
perceptron cannot compute; the smallest example is XOR. Its four points,
(0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0, put each class on a diagonal of the
square, and no straight line has both 1s on one side and both 0s on the
other: any line gets at most 3 of the 4 right, 75%. A hidden layer bends
the boundary, and a two-layer network gets all four.

The script shows both, with the same data, loss (``BCEWithLogitsLoss``),
optimizer (``Adam``) and number of steps; only the architecture differs:

1. the single layer ``Linear(2, 1)`` — its best training accuracy over the
   whole run must stay at or below 75%;
2. a multilayer perceptron ``Linear(2, 8) → Tanh → Linear(8, 1)`` — it must
   reach 100%.

It also checks the geometry directly: out of 100,000 random lines, the best
gets exactly 3 of the 4 points right.

Run: ``python milestones/02_xor.py`` (or ``nox -s milestones -- 02``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import _record  # milestones/_record.py: plotting and the run's record for the docs
import numpy as np

import tinytorch as tt

FIGURE = "02_xor.png"
XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_TARGETS = np.array([0, 1, 1, 0], dtype=np.float32)


def single_layer() -> tt.nn.Module:
    """The perceptron of 1957: one neuron, a straight-line boundary."""
    return tt.nn.Linear(2, 1)


def two_layers(hidden: int = 8) -> tt.nn.Module:
    """A hidden layer of ``hidden`` tanh units, then the output neuron."""
    return tt.nn.Sequential(tt.nn.Linear(2, hidden), tt.nn.Tanh(), tt.nn.Linear(hidden, 1))


def accuracy(model, x, y) -> float:
    """The fraction of the four points classified right: a logit above 0 means class 1."""
    with tt.no_grad():
        predicted = model(x).squeeze(-1) > 0
    return (predicted == (y > 0.5)).float().mean().item()


def train(model, name: str, steps: int = 400, lr: float = 0.1, verbose: bool = True) -> dict:
    """Full-batch training on the four XOR points; records loss and accuracy after every step."""
    x, y = tt.tensor(XOR_INPUTS), tt.tensor(XOR_TARGETS)
    loss_fn = tt.nn.BCEWithLogitsLoss()
    optimizer = tt.optim.Adam(model.parameters(), lr=lr)
    losses, accuracies = [], []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = loss_fn(model(x).squeeze(-1), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        accuracies.append(accuracy(model, x, y))
        if verbose and (step == 1 or step % 100 == 0):
            print(f"  {name}  step {step:3d}  loss {losses[-1]:.4f}  accuracy {accuracies[-1]:6.1%}")
    return {"model": model, "losses": losses, "accuracies": accuracies}


def best_line_accuracy(lines: int = 100_000, seed: int = 0) -> float:
    """The best accuracy of ``lines`` random lines ``w · x + b > 0`` on XOR (the geometric check)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((lines, 2))
    b = rng.uniform(-2, 2, lines)
    predicted = (XOR_INPUTS @ w.T + b) > 0
    return float(np.max(np.mean(predicted == (XOR_TARGETS[:, None] > 0.5), axis=0)))


def run(seed: int = 0, steps: int = 400, verbose: bool = True) -> dict:
    """Both experiments; returns the results and the accuracies the verdict rests on."""
    tt.manual_seed(seed)
    if verbose:
        print("XOR (1969): four points; Adam, BCEWithLogitsLoss, full batch, the same for both models")
        print("1. single layer: Linear(2, 1)")
    single = train(single_layer(), "single layer", steps, verbose=verbose)
    if verbose:
        print("2. two layers: Linear(2, 8) -> Tanh -> Linear(8, 1)")
    mlp = train(two_layers(), "two layers  ", steps, verbose=verbose)
    return {
        "single": single,
        "mlp": mlp,
        "single_layer_best_accuracy": max(single["accuracies"]),
        "mlp_final_accuracy": mlp["accuracies"][-1],
        "best_random_line_accuracy": best_line_accuracy(seed=seed),
    }


def plot(result: dict, path: Path) -> Path | None:
    """Save both decision regions and the loss curves; None (with a note) without matplotlib."""
    plt = _record.pyplot()
    if plt is None:
        return None
    grid = np.linspace(-0.5, 1.5, 201, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    cells = tt.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))
    figure, axes = plt.subplots(1, 3, figsize=(14, 4.5))
    for axis, key, title in ((axes[0], "single", "Single layer"), (axes[1], "mlp", "Two layers")):
        with tt.no_grad():
            regions = (result[key]["model"](cells).squeeze(-1) > 0).numpy().reshape(gx.shape)
        axis.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5], colors=["#fdd9b5", "#b5d3fd"])
        for target, colour in ((0.0, "tab:orange"), (1.0, "tab:blue")):
            chosen = XOR_INPUTS[XOR_TARGETS == target]
            axis.scatter(
                chosen[:, 0], chosen[:, 1], s=120, c=colour, edgecolors="k", label=f"XOR = {target:.0f}"
            )
        final, best = result[key]["accuracies"][-1], max(result[key]["accuracies"])
        axis.set(
            title=f"{title}: accuracy {final:.0%} (best {best:.0%})", aspect="equal", xlabel="x1", ylabel="x2"
        )
        axis.legend(loc="center", fontsize=8)
    axes[2].plot(result["single"]["losses"], label="single layer")
    axes[2].plot(result["mlp"]["losses"], label="two layers")
    axes[2].set(xlabel="step", ylabel="BCE loss", title="Loss", yscale="log")
    axes[2].legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=400, help="training steps for each model")
    parser.add_argument("--no-plot", action="store_true", help="do not save a figure")
    _record.output_arguments(parser)
    args = parser.parse_args(argv)
    args.out = _record.output_folder(args)
    start = time.perf_counter()
    result = run(args.seed, args.steps)
    single, mlp = result["single_layer_best_accuracy"], result["mlp_final_accuracy"]
    lines = result["best_random_line_accuracy"]
    print(f"single layer: best training accuracy over {args.steps} steps {single:.0%} (a line can reach 75%)")
    print(f"two layers: final training accuracy {mlp:.0%}")
    print(f"geometry: the best of 100,000 random lines classifies {lines:.0%} of the XOR points")
    figures = []
    if not args.no_plot and (saved := plot(result, args.out / FIGURE)) is not None:
        print(f"figure saved to {saved}")
        figures.append(FIGURE)
    passed = single <= 0.75 and lines <= 0.75 and mlp == 1.0
    if passed:
        verdict = f"VERDICT: PASS — one layer stays at {single:.0%} on XOR; two layers reach {mlp:.0%}"
    else:
        problems = []
        if single > 0.75 or lines > 0.75:
            problems.append(f"a single layer beat 75% ({max(single, lines):.0%}), which no line can do")
        if mlp < 1.0:
            problems.append(f"the two-layer network reached only {mlp:.0%}")
        verdict = "VERDICT: FAIL — " + "; ".join(problems)
    metrics = {
        "single layer, best training accuracy": single,
        "two layers, final training accuracy": mlp,
        "best of 100,000 random lines": lines,
        "training steps per model": args.steps,
    }
    _record.write(
        "02",
        verdict=verdict,
        passed=passed,
        metrics=metrics,
        figures=figures,
        out_dir=args.out,
        wall_time_s=time.perf_counter() - start,
    )
    print(verdict)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
