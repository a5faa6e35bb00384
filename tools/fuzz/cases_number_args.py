"""Dropout, the activations and the norms given junk numbers: ``F.dropout(x, p=None)``, ``LeakyReLU("a")``.

The parameters are found, not listed: each number parameter (annotated ``float``)
of each function of ``tinytorch.nn.functional`` and each layer of ``tinytorch.nn``
defined in tt-nn's activation and dropout modules gets a case for each junk value
below: None, a string, a tensor of two elements. A layer is built with the junk and
then called, since some check at the first forward. A probability ``p`` also gets
1.5, -0.1 and NaN, and ``rrelu``'s bounds NaN and inf (slopes of NaN otherwise).
A clear error names the function, its base name (``elu_`` -> ``elu``), or the layer
(or the function it calls, ``RReLU`` -> ``rrelu``).

The norms' ``eps`` and ``momentum``, ``normalize``'s ``eps``, ``local_response_norm``'s
constants, the triplet loss's margin and the recurrent and attention layers' ``dropout``
take other arguments first, so they are listed (``LISTED``) rather than found.
"""

from __future__ import annotations

import inspect

import tinytorch as tt
from tinytorch import nn
from tinytorch.nn import functional as F

from .cases_api import Case
from .cases_layers import _snake

GROUP = "number arguments (dropout, activations, norms)"

#: The tt-nn modules whose functions and layers are covered.
MODULES = ("activations", "activations_extra", "activations_inplace", "activations_piecewise", "dropout")
MODULES += ("dropout_extra",)

JUNK = {"None": lambda: None, "str": lambda: "abc", "2-element tensor": lambda: tt.tensor([0.1, 0.2])}

#: Values of a right type but out of range, by parameter name.
OUT_OF_RANGE = {"p": (1.5, -0.1, float("nan")), "lower": (float("nan"),), "upper": (float("inf"),)}

#: ``(function, parameter)`` left out, with the reason.
NOT_CHECKED = {("gumbel_softmax", "eps"): "deprecated and unused: PyTorch takes any value (with a warning)"}

#: Inputs of the right rank for the channel-wise dropouts (any other function takes the default).
SHAPES = {"dropout1d": (2, 3, 4), "dropout3d": (2, 3, 4, 5, 6)}


def _number_parameters(function: object) -> list[str]:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.annotation in ("float", float)]


def _covered(value: object, prefix: str) -> bool:
    return getattr(value, "__module__", "").removeprefix(prefix) in MODULES


def _values(parameter: str) -> dict[str, object]:
    made = dict(JUNK)
    made.update({repr(value): (lambda v=value: v) for value in OUT_OF_RANGE.get(parameter, ())})
    return made


def function_cases() -> list[Case]:
    cases = []
    for name in sorted(dir(F)):
        function = getattr(F, name)
        if (
            name.startswith("_")
            or not inspect.isfunction(function)
            or not _covered(function, "tt_nn.functional.")
        ):
            continue
        shape = SHAPES.get(name, (2, 3, 4, 5))
        training = {"training": True} if "training" in inspect.signature(function).parameters else {}
        for parameter in _number_parameters(function):
            if (name, parameter) in NOT_CHECKED:
                continue
            for label, make in _values(parameter).items():

                def run(f=function, s=shape, k=parameter, m=make, t=training):
                    return f(tt.randn(*s), **{k: m()}, **t)

                names = (name, name.rstrip("_"))
                cases.append(Case(GROUP, f"F.{name}({parameter}={label})", run, names))
    return cases


def layer_cases() -> list[Case]:
    cases = []
    for name in sorted(dir(nn)):
        cls = getattr(nn, name)
        if not inspect.isclass(cls) or not issubclass(cls, nn.Module) or not _covered(cls, "tt_nn."):
            continue
        shape = SHAPES.get(name.lower(), (2, 3, 4, 5))
        required = {"Threshold": {"threshold": 0.1, "value": 0.0}}.get(name, {})
        for parameter in _number_parameters(cls.__init__):
            for label, make in _values(parameter).items():

                def run(c=cls, s=shape, k=parameter, m=make, r=required):
                    return c(**{**r, k: m()}).train()(tt.randn(*s))

                names = (name, _snake(name), name.lower())  # the layer, or the function it calls
                cases.append(Case(GROUP, f"nn.{name}({parameter}={label})", run, names))
    return cases


def _x() -> object:
    return tt.randn(2, 4, 5)


#: ``(label, names a clear error may give, call with the value)``.
LISTED = [
    ("F.layer_norm(eps)", ("layer_norm",), lambda v: F.layer_norm(_x(), (5,), eps=v)),
    ("F.group_norm(eps)", ("group_norm",), lambda v: F.group_norm(_x(), 2, eps=v)),
    ("F.batch_norm(eps)", ("batch_norm",), lambda v: F.batch_norm(_x(), tt.zeros(4), tt.ones(4), eps=v)),
    (
        "F.batch_norm(momentum)",
        ("batch_norm",),
        lambda v: F.batch_norm(_x(), None, None, training=True, momentum=v),
    ),
    ("F.instance_norm(eps)", ("instance_norm",), lambda v: F.instance_norm(_x(), eps=v)),
    ("F.normalize(eps)", ("normalize",), lambda v: F.normalize(_x(), eps=v)),
    ("F.local_response_norm(alpha)", ("local_response_norm",), lambda v: F.local_response_norm(_x(), 2, v)),
    (
        "F.local_response_norm(beta)",
        ("local_response_norm",),
        lambda v: F.local_response_norm(_x(), 2, beta=v),
    ),
    ("F.local_response_norm(k)", ("local_response_norm",), lambda v: F.local_response_norm(_x(), 2, k=v)),
    (
        "F.triplet_margin_loss(margin)",
        ("triplet_margin_loss",),
        lambda v: F.triplet_margin_loss(_x(), _x(), _x(), v),
    ),
    ("nn.LayerNorm(eps)", ("LayerNorm", "layer_norm"), lambda v: nn.LayerNorm(5, eps=v)(_x())),
    ("nn.BatchNorm1d(eps)", ("BatchNorm1d", "batch_norm"), lambda v: nn.BatchNorm1d(4, eps=v)(_x())),
    ("nn.GroupNorm(eps)", ("GroupNorm", "group_norm"), lambda v: nn.GroupNorm(2, 4, eps=v)(_x())),
    (
        "nn.InstanceNorm1d(eps)",
        ("InstanceNorm1d", "instance_norm"),
        lambda v: nn.InstanceNorm1d(4, eps=v)(_x()),
    ),
    ("nn.TripletMarginLoss(margin)", ("TripletMarginLoss",), lambda v: nn.TripletMarginLoss(margin=v)),
    ("nn.LSTM(dropout)", ("LSTM",), lambda v: nn.LSTM(5, 3, 2, dropout=v)),
    (
        "nn.MultiheadAttention(dropout)",
        ("MultiheadAttention",),
        lambda v: nn.MultiheadAttention(4, 2, dropout=v),
    ),
    (
        "nn.TransformerEncoderLayer(dropout)",  # named by the attention it builds
        ("TransformerEncoderLayer", "MultiheadAttention"),
        lambda v: nn.TransformerEncoderLayer(4, 2, 8, dropout=v),
    ),
]


def listed_cases() -> list[Case]:
    return [
        Case(GROUP, f"{label[:-1]}={junk_name})", lambda c=call, m=make: c(m()), names)
        for label, names, call in LISTED
        for junk_name, make in JUNK.items()
    ]


def all_cases() -> list[Case]:
    return function_cases() + layer_cases() + listed_cases()
