"""Four more groups of ``nox -s parity-sweep``: ``torch.linalg``, distributions, optimizers, layers.

* ``linalg``: each ``torch.linalg`` function on a batch of well-conditioned float32, float64 and
  complex128 matrices: results and the gradient of their (absolute) sum. Found, in session 31,
  ``linalg.vander`` missing.
* ``distributions``: 31 distributions' mean, variance, stddev, mode, entropy, log_prob, cdf, icdf
  and support check on a two-element batch, with the gradients to their parameters. Found the
  constraint checks refusing tensors and StudentT's variance gradient NaN where it is infinite.
* ``optimizers``: every optimizer with its options, and every LR scheduler on SGD and Adam, six
  steps of a small least-squares problem: the parameters after.
* ``modules``: 40 layers and losses in settings the programs rarely reach (bidirectional and projected
  LSTMs, grouped and dilated transposed convolutions, padding modes, attention with kdim/vdim and
  bias_kv, bicubic and nearest-exact upsampling, CTC, ...), PyTorch's initial weights loaded into
  TinyTorch's: outputs and gradients to inputs and parameters.

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


def _x(*shape):
    return RNG.standard_normal(shape)


#: module -> (constructor, inputs: arrays, or the names of index inputs built in _inputs)
MODULES = {
    "TransformerEncoderLayer": (
        lambda L: L.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True),
        [_x(2, 5, 8)],
    ),
    "TransformerDecoderLayer": (
        lambda L: L.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True, activation="gelu"),
        [_x(2, 4, 8), _x(2, 5, 8)],
    ),
    "Transformer": (
        lambda L: L.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True),
        [_x(2, 5, 8), _x(2, 4, 8)],
    ),
    "MHA_kdim": (
        lambda L: L.nn.MultiheadAttention(8, 2, kdim=6, vdim=5, batch_first=True),
        [_x(2, 4, 8), _x(2, 3, 6), _x(2, 3, 5)],
    ),
    "MHA_bias_kv": (
        lambda L: L.nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True),
        [_x(4, 2, 8), _x(3, 2, 8), _x(3, 2, 8)],
    ),
    "LSTM_bi2": (
        lambda L: L.nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True),
        [_x(2, 5, 4)],
    ),
    "LSTM_proj": (lambda L: L.nn.LSTM(4, 6, proj_size=3), [_x(5, 2, 4)]),
    "GRU_bi": (lambda L: L.nn.GRU(4, 6, num_layers=2, bidirectional=True), [_x(5, 2, 4)]),
    "RNN_relu": (lambda L: L.nn.RNN(4, 6, nonlinearity="relu", batch_first=True), [_x(2, 5, 4)]),
    "LSTMCell": (lambda L: L.nn.LSTMCell(4, 6), [_x(3, 4)]),
    "Conv3d": (
        lambda L: L.nn.Conv3d(2, 4, 3, stride=2, padding=1, dilation=1, groups=2),
        [_x(1, 2, 5, 6, 7)],
    ),
    "Conv2d_reflect": (
        lambda L: L.nn.Conv2d(2, 4, 3, padding=2, dilation=2, padding_mode="reflect"),
        [_x(1, 2, 7, 7)],
    ),
    "Conv1d_same": (
        lambda L: L.nn.Conv1d(2, 4, 4, padding="same", dilation=2, padding_mode="circular"),
        [_x(2, 2, 9)],
    ),
    "ConvT2d": (
        lambda L: L.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1),
        [_x(1, 4, 4, 5)],
    ),
    "ConvT1d_dil": (lambda L: L.nn.ConvTranspose1d(3, 2, 3, stride=3, dilation=2), [_x(2, 3, 6)]),
    "ConvT3d": (lambda L: L.nn.ConvTranspose3d(2, 2, 2, stride=2), [_x(1, 2, 3, 3, 3)]),
    "Embedding_pad": (lambda L: L.nn.Embedding(10, 4, padding_idx=2), ["idx"]),
    "EmbeddingBag": (lambda L: L.nn.EmbeddingBag(10, 4, mode="max"), ["bag"]),
    "PixelShuffle": (lambda L: L.nn.PixelShuffle(2), [_x(1, 8, 3, 3)]),
    "Fold": (lambda L: L.nn.Fold((4, 5), 2), [_x(1, 12, 12)]),
    "Unfold": (lambda L: L.nn.Unfold(2, dilation=1, padding=1, stride=2), [_x(1, 3, 4, 5)]),
    "GroupNorm": (lambda L: L.nn.GroupNorm(2, 4), [_x(2, 4, 3, 3)]),
    "LocalResponseNorm": (lambda L: L.nn.LocalResponseNorm(3), [_x(2, 5, 4)]),
    "AdaptiveMaxPool2d": (lambda L: L.nn.AdaptiveMaxPool2d((3, 2)), [_x(1, 2, 7, 5)]),
    "Bilinear": (lambda L: L.nn.Bilinear(3, 4, 5), [_x(2, 3), _x(2, 4)]),
    "PReLU": (lambda L: L.nn.PReLU(3), [_x(2, 3, 4)]),
    "Upsample_bicubic": (
        lambda L: L.nn.Upsample(scale_factor=1.7, mode="bicubic", align_corners=False),
        [_x(1, 2, 4, 5)],
    ),
    "Upsample_nearest_exact": (lambda L: L.nn.Upsample(size=(7, 3), mode="nearest-exact"), [_x(1, 2, 4, 5)]),
    "Upsample_trilinear": (
        lambda L: L.nn.Upsample(scale_factor=2, mode="trilinear", align_corners=True),
        [_x(1, 1, 2, 3, 2)],
    ),
    "AvgPool2d_ceil": (
        lambda L: L.nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False),
        [_x(1, 2, 6, 7)],
    ),
    "LPPool2d": (lambda L: L.nn.LPPool2d(2, 2), [np.abs(_x(1, 2, 4, 4))]),
    "MaxPool1d_dil": (lambda L: L.nn.MaxPool1d(3, 2, padding=1, dilation=2, ceil_mode=True), [_x(2, 3, 11)]),
    "CosineEmbeddingLoss": (
        lambda L: L.nn.CosineEmbeddingLoss(margin=0.2),
        [_x(4, 5), _x(4, 5), np.array([1.0, -1.0, 1.0, -1.0])],
    ),
    "TripletMarginLoss": (lambda L: L.nn.TripletMarginLoss(swap=True), [_x(4, 5), _x(4, 5), _x(4, 5)]),
    "MultiMarginLoss": (lambda L: L.nn.MultiMarginLoss(p=2, margin=0.5), [_x(4, 5), "target5"]),
    "MultiLabelSoftMarginLoss": (
        lambda L: L.nn.MultiLabelSoftMarginLoss(),
        [_x(4, 5), (RNG.random((4, 5)) > 0.5).astype(float)],
    ),
    "GaussianNLLLoss": (
        lambda L: L.nn.GaussianNLLLoss(full=True),
        [_x(4, 5), _x(4, 5), np.abs(_x(4, 5)) + 0.1],
    ),
    "CTCLoss": (lambda L: L.nn.CTCLoss(), ["ctc"]),
    "MarginRankingLoss": (lambda L: L.nn.MarginRankingLoss(0.1), [_x(6), _x(6), np.sign(_x(6))]),
    "TripletMarginWithDistanceLoss": (
        lambda L: L.nn.TripletMarginWithDistanceLoss(margin=0.5),
        [_x(4, 5), _x(4, 5), _x(4, 5)],
    ),
    "PoissonNLLLoss": (
        lambda L: L.nn.PoissonNLLLoss(log_input=False, full=True),
        [np.abs(_x(4, 5)) + 0.1, np.abs(_x(4, 5)) * 3],
    ),
}


def _inputs(lib, inputs) -> tuple[list, list]:
    """The call's arguments and, among them, the float leaves to differentiate."""
    named = {
        "idx": [lib.tensor(np.array([[1, 2, 3], [2, 9, 0]]))],
        "bag": [lib.tensor(np.array([1, 2, 4, 5, 4, 3, 2, 9])), lib.tensor(np.array([0, 3, 5]))],
        "target5": [lib.tensor(np.array([1, 0, 4, 2]))],
    }
    arguments, leaves = [], []
    for value in inputs:
        if isinstance(value, str) and value == "ctc":
            log_probs = np.log(np.random.default_rng(1).dirichlet(np.ones(5), size=(6, 2)))
            leaves.append(lib.tensor(log_probs, requires_grad=True))
            targets, lengths = np.array([[1, 2, 2], [3, 1, 4]]), (np.array([6, 5]), np.array([3, 2]))
            arguments += [leaves[-1], lib.tensor(targets), *map(lib.tensor, lengths)]
        elif isinstance(value, str):
            arguments += named[value]
        else:
            leaves.append(lib.tensor(value.copy(), requires_grad=True))
            arguments.append(leaves[-1])
    return arguments, leaves


def _module_run(lib, name, state=None):
    """Outputs of the module (float64, PyTorch's weights loaded) and the gradients of a random weighting
    of them to its inputs and parameters (by sorted name), then the parameter names."""
    make, inputs = MODULES[name]
    lib.manual_seed(0)
    module = make(lib).double()
    if state is not None:
        module.load_state_dict({key: lib.tensor(value) for key, value in state.items()})
    arguments, leaves = _inputs(lib, inputs)
    out = module(*arguments)
    flat = []
    for part in out if isinstance(out, tuple) else (out,):
        flat += [p for p in (part if isinstance(part, tuple) else (part,)) if p is not None]
    weights = np.random.default_rng(7)
    total = sum((o * lib.tensor(weights.standard_normal(tuple(o.shape)))).sum() for o in flat)
    names, parameters = zip(*sorted(module.named_parameters())) if list(module.parameters()) else ((), ())
    gradients = lib.autograd.grad(total, leaves + list(parameters), allow_unused=True)
    zeros = [g if g is not None else lib.zeros_like(t) for g, t in zip(gradients, leaves + list(parameters))]
    return (*flat, *zeros, " ".join(names))


def sweep_modules(torch, tiny) -> list[tuple[str, str, str]]:
    """40 layers and losses in uncommon settings, with PyTorch's initial weights loaded into TinyTorch's."""
    found: list[tuple[str, str, str]] = []
    for name in MODULES:
        try:
            torch.manual_seed(0)
            state = {k: v.detach().numpy() for k, v in MODULES[name][0](torch).double().state_dict().items()}
        except Exception:  # noqa: BLE001  (PyTorch refuses: skipped)
            continue

        def make(lib, name=name, state=state):
            return _module_run(lib, name, state if lib is tiny else None)

        compare(torch, tiny, name, "float64", make, 1e-6, found)
    return found


SWEEPS = {
    "linalg": sweep_linalg,
    "distributions": sweep_distributions,
    "optimizers": sweep_optimizers,
    "modules": sweep_modules,
}


def accepted(name: str, case: str) -> bool:
    return listed(ACCEPTED, name, case)
