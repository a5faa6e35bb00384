"""Three more groups of ``nox -s parity-sweep``: ``torch.linalg``, ``torch.distributions``, ``torch.optim``.

* ``linalg``: each ``torch.linalg`` function on a batch of well-conditioned float32, float64 and
  complex128 matrices: results and the gradient of their (absolute) sum. Found, in session 31,
  ``linalg.vander`` missing.
* ``distributions``: 31 distributions' mean, variance, stddev, mode, entropy, log_prob, cdf, icdf
  and support check on a two-element batch, with the gradients to their parameters. Found the
  constraint checks refusing tensors and StudentT's variance gradient NaN where it is infinite.
* ``optimizers``: every optimizer with its options, and every LR scheduler on SGD and Adam, six
  steps of a small least-squares problem: the parameters after.

A call PyTorch refuses is skipped; one only TinyTorch refuses is a gap; a difference is an error
unless :data:`ACCEPTED` names it with the reason.
"""

from __future__ import annotations

import numpy as np
from sweep_dtypes import compare, listed

RNG = np.random.default_rng(0)
MATRICES = {
    "float64": RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3),
    "complex128": RNG.standard_normal((2, 3, 3)) + 1j * RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3),
}
MATRICES["float32"] = MATRICES["float64"].astype(np.float32)
RIGHT = RNG.standard_normal((2, 3, 2))
ACCEPTED = {
    ("Kumaraswamy.mode", ""): "PyTorch's mode takes log1p(-a): NaN for every a > 1, where the mode exists",
}


def _linalg_calls(lib) -> dict:
    linalg, right = lib.linalg, lib.tensor(RIGHT)
    return {
        "det": linalg.det,
        "slogdet": linalg.slogdet,
        "inv": linalg.inv,
        "solve": lambda a: linalg.solve(a, right.to(a.dtype)),
        "matrix_norm": linalg.matrix_norm,
        "matrix_norm nuc": lambda a: linalg.matrix_norm(a, "nuc"),
        "matrix_norm 2": lambda a: linalg.matrix_norm(a, 2),
        "matrix_norm -inf": lambda a: linalg.matrix_norm(a, float("-inf")),
        "vector_norm 3": lambda a: linalg.vector_norm(a, 3, dim=(-2, -1)),
        "norm": linalg.norm,
        "cond": linalg.cond,
        "matrix_rank": linalg.matrix_rank,
        "pinv": linalg.pinv,
        "matrix_exp": lambda a: linalg.matrix_exp(a * 0.3),
        "matrix_power -2": lambda a: linalg.matrix_power(a, -2),
        "svdvals": linalg.svdvals,
        "eigvalsh": lambda a: linalg.eigvalsh(a @ a.mH),
        "cholesky": lambda a: linalg.cholesky(a @ a.mH),
        "lstsq": lambda a: linalg.lstsq(a, right.to(a.dtype)).solution,
        "multi_dot": lambda a: linalg.multi_dot([a[0], a[1], a[0]]),
        "cross": lambda a: linalg.cross(a, a.flip(-1)),
        "vecdot": lambda a: linalg.vecdot(a, a.flip(-1)),
        "tensorinv": lambda a: linalg.tensorinv(a[0], 1),
        "lu_solve": lambda a: linalg.lu_solve(*linalg.lu_factor(a), right.to(a.dtype)),
        "solve_triangular": lambda a: linalg.solve_triangular(a.triu(), right.to(a.dtype), upper=True),
        "inv_ex": lambda a: linalg.inv_ex(a)[0],
        "solve_ex": lambda a: linalg.solve_ex(a, right.to(a.dtype))[0],
        "diagonal": linalg.diagonal,
        "vander": lambda a: linalg.vander(a[0, 0], N=4),
        "eigvals (sorted moduli)": lambda a: linalg.eigvals(a).abs().sort(-1)[0],
    }


def _with_gradient(lib, function, base):
    """``function``'s results on a leaf made of ``base``, and the leaf's gradient of their summed moduli."""
    leaf = lib.tensor(base.copy(), requires_grad=True)
    out = function(leaf)
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if getattr(o, "requires_grad", False)]
    if not outs:
        return out
    (gradient,) = lib.autograd.grad(sum((o.abs() if o.is_complex() else o).sum() for o in outs), leaf)
    return out, gradient


def sweep_linalg(torch, tiny) -> list[tuple[str, str, str]]:
    """Each ``torch.linalg`` call on float32, float64 and complex128 batches: results and gradients."""
    found: list[tuple[str, str, str]] = []
    for name in _linalg_calls(torch):
        for kind, base in MATRICES.items():

            def make(lib, name=name, base=base):
                return _with_gradient(lib, _linalg_calls(lib)[name], base)

            compare(torch, tiny, name, kind, make, 1e-4 if kind == "float32" else 1e-8, found)
    return found


def _p(*values):
    return np.array(values, dtype=np.float64)


#: distribution -> (parameters, a value in its support)
DISTRIBUTIONS = {
    "Normal": ((_p(0.3, -1.0), _p(1.5, 0.4)), _p(0.1, 0.7)),
    "LogNormal": ((_p(0.3, -1.0), _p(0.5, 0.4)), _p(0.8, 2.0)),
    "HalfNormal": ((_p(1.5, 0.4),), _p(0.2, 1.1)),
    "Laplace": ((_p(0.3, -1.0), _p(1.5, 0.4)), _p(0.1, 0.7)),
    "Cauchy": ((_p(0.3, -1.0), _p(1.5, 0.4)), _p(0.1, 0.7)),
    "HalfCauchy": ((_p(1.5, 0.4),), _p(0.2, 1.1)),
    "Gumbel": ((_p(0.3, -1.0), _p(1.5, 0.4)), _p(0.1, 0.7)),
    "Exponential": ((_p(1.5, 0.4),), _p(0.2, 1.1)),
    "Gamma": ((_p(2.0, 0.7), _p(1.5, 0.4)), _p(0.2, 1.1)),
    "Beta": ((_p(2.0, 0.7), _p(1.5, 0.4)), _p(0.2, 0.6)),
    "Chi2": ((_p(2.0, 3.5),), _p(0.2, 1.1)),
    "StudentT": ((_p(2.0, 5.5), _p(0.1, 0.2), _p(1.0, 2.0)), _p(0.2, -1.1)),
    "Uniform": ((_p(0.0, -1.0), _p(1.0, 2.0)), _p(0.2, 1.1)),
    "Pareto": ((_p(1.0, 0.5), _p(2.0, 3.0)), _p(1.2, 1.1)),
    "Weibull": ((_p(1.0, 0.5), _p(2.0, 3.0)), _p(1.2, 0.1)),
    "Kumaraswamy": ((_p(2.0, 0.7), _p(1.5, 0.4)), _p(0.2, 0.6)),
    "InverseGamma": ((_p(2.0, 0.7), _p(1.5, 0.4)), _p(0.2, 1.1)),
    "FisherSnedecor": ((_p(2.0, 5.0), _p(3.0, 7.0)), _p(0.5, 1.5)),
    "VonMises": ((_p(0.3, -1.0), _p(1.5, 0.4)), _p(0.1, 0.7)),
    "Bernoulli": ((_p(0.3, 0.8),), _p(0.0, 1.0)),
    "Geometric": ((_p(0.3, 0.8),), _p(0.0, 3.0)),
    "Poisson": ((_p(1.3, 4.0),), _p(0.0, 3.0)),
    "Binomial": ((_p(5.0, 10.0), _p(0.3, 0.8)), _p(2.0, 3.0)),
    "NegativeBinomial": ((_p(5.0, 10.0), _p(0.3, 0.8)), _p(2.0, 3.0)),
    "ContinuousBernoulli": ((_p(0.3, 0.8),), _p(0.1, 0.6)),
    "GeneralizedPareto": ((_p(0.3, -1.0), _p(1.5, 0.4), _p(0.1, 0.2)), _p(0.2, 0.5)),
    "Categorical": ((_p(0.2, 0.5, 0.3),), np.array(1.0)),
    "OneHotCategorical": ((_p(0.2, 0.5, 0.3),), _p(0, 1, 0)),
    "Dirichlet": ((_p(2.0, 0.7, 1.5),), _p(0.2, 0.5, 0.3)),
    "Multinomial": ((5, _p(0.2, 0.5, 0.3)), _p(1.0, 3.0, 1.0)),
    "LogisticNormal": ((_p(0.3, -1.0), _p(1.5, 0.4)), _p(0.2, 0.5, 0.3)),
}
PROPERTIES = ("mean", "variance", "stddev", "mode", "entropy", "log_prob", "cdf", "icdf", "support")


def _property(lib, name, prop):
    parameters, value = DISTRIBUTIONS[name]
    leaves = [
        lib.tensor(p.copy(), requires_grad=True) if isinstance(p, np.ndarray) else p for p in parameters
    ]
    distribution = getattr(lib.distributions, name)(*leaves, validate_args=False)
    calls = {
        "entropy": lambda: distribution.entropy(),
        "log_prob": lambda: distribution.log_prob(lib.tensor(value)),
        "cdf": lambda: distribution.cdf(lib.tensor(value)),
        "icdf": lambda: distribution.icdf(lib.tensor(np.full(value.shape, 0.3))),
        "support": lambda: distribution.support.check(lib.tensor(value)),
    }
    result = calls[prop]() if prop in calls else getattr(distribution, prop)
    tensors = [leaf for leaf in leaves if hasattr(leaf, "requires_grad")]
    if not getattr(result, "requires_grad", False):
        return result
    gradients = lib.autograd.grad(result.sum(), tensors, allow_unused=True)
    return (result, *[g if g is not None else lib.zeros_like(t) for g, t in zip(gradients, tensors)])


def sweep_distributions(torch, tiny) -> list[tuple[str, str, str]]:
    """Each distribution's properties and their gradients to its parameters."""
    found: list[tuple[str, str, str]] = []
    for name in DISTRIBUTIONS:
        for prop in PROPERTIES:

            def make(lib, name=name, prop=prop):
                return _property(lib, name, prop)

            compare(torch, tiny, f"{name}.{prop}", "batch of 2", make, 1e-6, found)
    return found


OPTIMIZERS = {
    "SGD": [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
        {"lr": 0.1, "weight_decay": 0.1, "maximize": True},
    ],
    "Adam": [
        {"lr": 0.01},
        {"lr": 0.01, "amsgrad": True},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "betas": (0.5, 0.6), "eps": 1e-3},
    ],
    "AdamW": [{"lr": 0.01}, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.5}],
    "Adamax": [{"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.1}],
    "NAdam": [{"lr": 0.01}, {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.1}],
    "RAdam": [{"lr": 0.01}, {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.1}],
    "Adagrad": [
        {"lr": 0.1},
        {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1},
    ],
    "Adadelta": [{"lr": 1.0}, {"lr": 1.0, "rho": 0.5, "weight_decay": 0.1}],
    "RMSprop": [{"lr": 0.01}, {"lr": 0.01, "momentum": 0.9, "centered": True}, {"lr": 0.01, "alpha": 0.5}],
    "Rprop": [{"lr": 0.01}, {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-4, 1)}],
    "ASGD": [{"lr": 0.01}, {"lr": 0.01, "t0": 2, "lambd": 0.1}],
    "Adafactor": [{"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.1}],
    "LBFGS": [{"lr": 1}, {"lr": 1, "line_search_fn": "strong_wolfe", "history_size": 3}],
}
SCHEDULERS = {
    "StepLR": lambda s, o: s.StepLR(o, 2, 0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, [1, 3], 0.3),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, 0.7),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, 4, 0.001),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, 2, 2),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, 0.1, total_steps=6),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, 4, 2.0),
    "LinearLR": lambda s, o: s.LinearLR(o, 0.1, 1.0, 3),
    "ConstantLR": lambda s, o: s.ConstantLR(o, 0.5, 3),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda epoch: 0.9**epoch),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda epoch: 0.9),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, 0.1, 1.0, 2), s.ExponentialLR(o, 0.9)], [2]
    ),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler([s.ExponentialLR(o, 0.9), s.StepLR(o, 2, 0.5)]),
    "CyclicLR": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=2),
}
PROBLEM = (
    RNG.standard_normal((3, 4)),
    RNG.standard_normal(4),
    RNG.standard_normal((5, 3)),
    RNG.standard_normal((5, 4)),
)


def _train(lib, name, options, scheduler=None, steps=6):
    weight0, bias0, inputs, targets = PROBLEM
    weight, bias = lib.nn.Parameter(lib.tensor(weight0.copy())), lib.nn.Parameter(lib.tensor(bias0.copy()))
    optimizer = getattr(lib.optim, name)([weight, bias], **options)
    schedule = scheduler(lib.optim.lr_scheduler, optimizer) if scheduler else None

    def closure():
        optimizer.zero_grad()
        loss = (
            (lib.tensor(inputs) @ weight + bias - lib.tensor(targets)) ** 2
        ).mean() + weight.abs().sum() * 0.01
        loss.backward()
        return loss

    for _ in range(steps):
        closure()
        optimizer.step(closure) if name == "LBFGS" else optimizer.step()
        if schedule:
            schedule.step()
    return lib.cat([weight.detach().reshape(-1), bias.detach()])


def sweep_optimizers(torch, tiny) -> list[tuple[str, str, str]]:
    """Parameters after six steps, per optimizer option set and per scheduler (on SGD and Adam)."""
    found: list[tuple[str, str, str]] = []
    for name, option_sets in OPTIMIZERS.items():
        for options in option_sets:
            compare(
                torch, tiny, name, str(options), lambda lib, n=name, o=options: _train(lib, n, o), 1e-6, found
            )
    for scheduler_name, scheduler in SCHEDULERS.items():
        for name, options in (("SGD", {"lr": 0.05, "momentum": 0.9}), ("Adam", {"lr": 0.05})):
            if scheduler_name == "CyclicLR" and name == "Adam":
                continue  # (CyclicLR cycles momentum, which Adam has not)

            def make(lib, name=name, options=options, scheduler=scheduler):
                return _train(lib, name, options, scheduler)

            compare(torch, tiny, scheduler_name, name, make, 1e-6, found)
    return found


SWEEPS = {"linalg": sweep_linalg, "distributions": sweep_distributions, "optimizers": sweep_optimizers}


def accepted(name: str, case: str) -> bool:
    return listed(ACCEPTED, name, case)
