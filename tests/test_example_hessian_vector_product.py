"""``examples/hessian_vector_product.py`` runs, and what it shows holds: Newton-CG converges, one
Hessian-vector product agrees three ways, and the gradient penalty holds the critic's slope near 1."""

from __future__ import annotations

import numpy as np
from by_path import ROOT, load_file

import tinytorch as torch


def load_example():
    return load_file("hessian_vector_product_example", ROOT / "examples" / "hessian_vector_product.py")


def test_newton_cg_reaches_the_minimum_and_the_products_agree(capsys):
    example = load_example()
    x, y = example.logistic_problem(samples=120, features=8)
    w = example.newton_cg(x, y, steps=7)
    (g,) = torch.autograd.grad(example.logistic_loss(w, x, y), w)
    assert g.norm().item() < 1e-8  # quadratic convergence: 1.7e-4 after four steps, then squared twice
    example.check_and_time_products(x, y)
    printed = capsys.readouterr().out
    gap = float(printed.split("largest gap ")[1].split()[0])
    assert gap < 1e-12


def test_the_gradient_penalty_holds_the_critics_slope_near_one():
    example = load_example()
    slope = example.gradient_penalty_critic(steps=150)
    assert 0.8 < slope < 1.4
    assert np.isfinite(slope)
