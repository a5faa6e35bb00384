"""Flag arguments of ``nn.functional`` take a Python bool only, as PyTorch 2.13's argument parser (each
form run on torch 2.13 in a scratch script): ``F.dropout(x, training=np.True_)``, ``training=1``,
``F.batch_norm(..., training=None)``, ... are a ``TypeError`` naming the op and the argument; so is
``Parameter(x, requires_grad=np.True_)``. ``interpolate``'s ``align_corners`` may also be ``None`` (its
default). Before, they were read by their truth. Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F

X = autograd.tensor([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.0]])
T = autograd.tensor([[1.0, 1.0, 3.0, 0.0], [1.0, 0.0, 2.0, 1.0]])

FLAGS = [
    ("dropout", "training", lambda v: F.dropout(X, 0.5, training=v)),
    ("dropout", "training", lambda v: F.dropout(X, 0.5, v)),
    ("alpha_dropout", "training", lambda v: F.alpha_dropout(X, 0.5, training=v)),
    ("feature_alpha_dropout", "training", lambda v: F.feature_alpha_dropout(X[None], 0.5, training=v)),
    ("batch_norm", "training", lambda v: F.batch_norm(X, autograd.zeros(4), autograd.ones(4), training=v)),
    (
        "instance_norm",
        "use_input_stats",
        lambda v: F.instance_norm(X[None], autograd.zeros(2), autograd.ones(2), use_input_stats=v),
    ),
    ("poisson_nll_loss", "log_input", lambda v: F.poisson_nll_loss(X, T, log_input=v)),
    ("poisson_nll_loss", "full", lambda v: F.poisson_nll_loss(X, T, full=v)),
    ("triplet_margin_loss", "swap", lambda v: F.triplet_margin_loss(X, T, X, swap=v)),
    (
        "interpolate",
        "align_corners",
        lambda v: F.interpolate(X[None], size=6, mode="linear", align_corners=v),
    ),
    ("Parameter", "requires_grad", lambda v: nn.Parameter(X, requires_grad=v)),
]


@pytest.mark.parametrize(("op", "name", "call"), FLAGS, ids=[f"{op}-{name}" for op, name, _ in FLAGS])
def test_a_flag_that_is_not_a_python_bool_is_refused(op, name, call):
    junks = [(np.True_, "numpy.bool"), (np.False_, "numpy.bool"), (1, "int")]
    if op != "interpolate":  # (align_corners=None is its default)
        junks.append((None, "NoneType"))
    for junk, kind in junks:
        with pytest.raises(TypeError, match=rf"^{op}: argument '{name}' must be bool, got {kind}"):
            call(junk)
    for flag in (True, False):
        call(flag)


def test_the_flags_still_do_what_they_say():
    assert F.dropout(X, 0.5, training=False).tolist() == X.tolist()
    assert (F.dropout(X, 1.0, training=True).numpy() == 0).all()
    # align_corners=True maps the corners onto each other: 4 -> 7 samples of 1, 2, 3, 4 step by 0.5
    line = F.interpolate(autograd.tensor([[[1.0, 2.0, 3.0, 4.0]]]), size=7, mode="linear", align_corners=True)
    np.testing.assert_allclose(line.numpy()[0, 0], [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])
    assert F.interpolate(X[None], size=8, mode="linear", align_corners=None).shape == (1, 2, 8)
    assert nn.Parameter(X, requires_grad=False).requires_grad is False
    assert nn.Parameter().shape == (0,) and nn.Parameter().requires_grad  # (no data: an empty one)
    # log_input=True: exp(x) - t x; False: x - t log(x + eps)
    one = autograd.tensor([0.0])
    assert F.poisson_nll_loss(one, autograd.tensor([2.0]), log_input=True).item() == pytest.approx(1.0)
