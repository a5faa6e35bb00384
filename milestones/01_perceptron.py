"""Milestone 01 — 1957, Rosenblatt's perceptron: one neuron learns to separate two classes.

Frank Rosenblatt's perceptron computed ``sign(w · x + b)`` and learned with a
simple rule: on every mistake, move the weights towards the example,
``w ← w + η y x`` (labels y = ±1). His convergence theorem (made precise by
Novikoff in 1962) says that if a line separates the two classes with some
margin, the rule makes finitely many mistakes and then classifies every
training point correctly.

Here the rule is written the modern way, as stochastic gradient descent on
the *perceptron criterion* ``max(0, -y · (w · x + b))``: its gradient is
``-y x`` for a misclassified point and 0 otherwise, so one SGD step on one
example with learning rate η is exactly Rosenblatt's update. The neuron is a
``tt.nn.Linear(2, 1)``, the data come from a ``DataLoader``, the update from
``tt.optim.SGD``; only the import line would change to run it on PyTorch.

The script checks its claim: it computes the training accuracy after every
epoch and passes only when every one of the 200 points is classified right.

Run: ``python milestones/01_perceptron.py`` (or ``nox -s milestones -- 01``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import _record  # milestones/_record.py: plotting and the run's record for the docs
import numpy as np

import tinytorch as tt
from tinytorch.utils.data import DataLoader, TensorDataset

FIGURE = "01_perceptron.png"


def separable_points(n: int = 200, margin: float = 0.02, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in [-1, 1]², labelled ±1 by a random line, none closer to it than ``margin``."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal, offset = np.array([np.cos(angle), np.sin(angle)]), rng.uniform(-0.3, 0.3)
    points = np.empty((0, 2))
    while len(points) < n:
        candidates = rng.uniform(-1, 1, size=(4 * n, 2))
        keep = np.abs(candidates @ normal + offset) >= margin
        points = np.concatenate([points, candidates[keep]])[:n]
    labels = np.where(points @ normal + offset > 0, 1.0, -1.0)
    return points.astype(np.float32), labels.astype(np.float32)


class Perceptron(tt.nn.Module):
    """One neuron: a score ``w · x + b``; its sign is the predicted class."""

    def __init__(self) -> None:
        super().__init__()
        self.neuron = tt.nn.Linear(2, 1)

    def forward(self, x):
        return self.neuron(x).squeeze(-1)


def perceptron_criterion(scores, labels):
    """Rosenblatt's rule as a loss: ``max(0, -y · score)``, averaged over the batch."""
    return (-labels * scores).relu().mean()


def accuracy(model, x, y) -> float:
    """The fraction of points on the right side of the line (computed, not assumed)."""
    with tt.no_grad():
        predicted_positive = model(x) > 0
    return (predicted_positive == (y > 0)).float().mean().item()


def train(seed: int = 0, max_epochs: int = 50, verbose: bool = True) -> dict:
    """Run the perceptron; returns the data, the model and the accuracy after each epoch."""
    tt.manual_seed(seed)
    points, labels = separable_points(seed=seed)
    x, y = tt.tensor(points), tt.tensor(labels)
    model = Perceptron()
    optimizer = tt.optim.SGD(model.parameters(), lr=1.0)
    loader = DataLoader(
        TensorDataset(x, y), batch_size=1, shuffle=True, generator=tt.Generator().manual_seed(seed)
    )
    history = [accuracy(model, x, y)]
    if verbose:
        print(f"Perceptron (1957): 1 neuron, {len(x)} linearly separable points, perceptron rule (SGD, lr 1)")
        print(f"epoch  0  accuracy {history[0]:7.1%}  (random weights)")
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = perceptron_criterion(model(xb), yb)
            mistakes += int(loss.item() > 0)
            loss.backward()
            optimizer.step()
        history.append(accuracy(model, x, y))
        if verbose:
            print(f"epoch {epoch:2d}  accuracy {history[-1]:7.1%}  updates made {mistakes:3d}")
        if history[-1] == 1.0:
            break
    return {"points": points, "labels": labels, "model": model, "history": history}


def plot(result: dict, path: Path) -> Path | None:
    """Save the data, the learned line and the accuracy curve; None (with a note) without matplotlib."""
    plt = _record.pyplot()
    if plt is None:
        return None
    points, labels = result["points"], result["labels"]
    weight = result["model"].neuron.weight.detach().numpy()[0]
    bias = float(result["model"].neuron.bias.detach().numpy()[0])
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    for label, colour in ((1.0, "tab:blue"), (-1.0, "tab:orange")):
        chosen = points[labels == label]
        left.scatter(chosen[:, 0], chosen[:, 1], s=12, c=colour, label=f"class {label:+.0f}")
    xs = np.linspace(-1, 1, 2)
    left.plot(xs, -(weight[0] * xs + bias) / weight[1], "k-", label="learned boundary")
    left.set(xlim=(-1, 1), ylim=(-1, 1), title="Perceptron decision boundary", aspect="equal")
    left.legend(loc="best", fontsize=8)
    right.plot(range(len(result["history"])), result["history"], "o-")
    right.set(xlabel="epoch", ylabel="training accuracy", ylim=(0, 1.05), title="Learning")
    right.xaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=50, help="give up after this many epochs")
    parser.add_argument("--no-plot", action="store_true", help="do not save a figure")
    _record.output_arguments(parser)
    args = parser.parse_args(argv)
    args.out = _record.output_folder(args)
    start = time.perf_counter()
    result = train(args.seed, args.epochs)
    final, epochs, points = result["history"][-1], len(result["history"]) - 1, len(result["labels"])
    figures = []
    if not args.no_plot and (saved := plot(result, args.out / FIGURE)) is not None:
        print(f"figure saved to {saved}")
        figures.append(FIGURE)
    passed = final == 1.0
    if passed:
        verdict = (
            f"VERDICT: PASS — the perceptron classifies all {points} points correctly after {epochs} epoch(s)"
        )
    else:
        verdict = f"VERDICT: FAIL — training accuracy is {final:.1%} after {epochs} epoch(s), not 100%"
    metrics = {"training accuracy": final, "epochs": epochs, "points": points}
    _record.write(
        "01",
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
