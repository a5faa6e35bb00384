"""Forward-mode AD through conv2d: its own jvp (bilinear: ``conv(tx, w) + conv(x, tw) + tb``).

Each case against the double-vjp rule (a tangent that requires grad takes it; in the own run
``graph_backward`` is made to fail, so the own rule is the one used) and float64 central
differences. The 3×3 'same' case of 16 channels takes forward's Winograd path, the 128×128
output of 3 input channels its thin-input path.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_vision import functional as F
from tt_vision._conv import Conv2dFunction

RNG = np.random.default_rng(909)

CASES = {  # name: (options, x shape, weight shape, which of (x, weight, bias) are dual)
    "all": ({}, (2, 3, 5, 5), (4, 3, 3, 3), (True, True, True)),
    "input": ({"stride": 2, "padding": 1}, (2, 3, 6, 5), (4, 3, 3, 3), (True, False, False)),
    "weight": ({"dilation": 2}, (1, 2, 7, 7), (3, 2, 2, 2), (False, True, False)),
    "bias": ({}, (1, 2, 4, 4), (3, 2, 3, 3), (False, False, True)),
    "groups": ({"groups": 2, "padding": 1}, (2, 4, 5, 5), (6, 2, 3, 3), (True, True, False)),
    "winograd": ({"padding": 1}, (1, 16, 6, 6), (16, 16, 3, 3), (True, True, True)),
    "thin": ({}, (1, 3, 130, 130), (2, 3, 3, 3), (True, True, False)),  # forward's thin-input path
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_conv2d_jvp_matches_the_generic_rule_and_central_differences(name, monkeypatch):
    options, x_shape, w_shape, dual = CASES[name]
    shapes = (x_shape, w_shape, (w_shape[0],))
    primals = [autograd.tensor(RNG.uniform(-1, 1, s), dtype=autograd.float64) for s in shapes]
    tangents = [
        autograd.tensor(RNG.uniform(-1, 1, s) if d else np.zeros(s), dtype=autograd.float64)
        for s, d in zip(shapes, dual)
    ]

    def f(x, w, b):
        return F.conv2d(x, w, b, **options)

    def tangent_of(differentiable):
        with fwAD.dual_level():
            inputs = [
                fwAD.make_dual(p, t.detach().requires_grad_(differentiable)) if d else p
                for p, t, d in zip(primals, tangents, dual)
            ]
            return fwAD.unpack_dual(f(*inputs)).tangent

    monkeypatch.setattr(Conv2dFunction, "jvp", None)  # the generic rule: the double vjp
    monkeypatch.setattr(Conv2dFunction, "graph_jvp", None)
    generic = tangent_of(True).detach()
    monkeypatch.undo()
    monkeypatch.setattr(Conv2dFunction, "graph_backward", staticmethod(lambda ctx, g: pytest.fail("generic")))
    own = tangent_of(False)
    monkeypatch.undo()
    assert own.dtype == autograd.float64 and own.shape == generic.shape and not own.requires_grad
    np.testing.assert_allclose(own.numpy(), generic.numpy(), rtol=1e-10, atol=1e-12)
    h = 1e-6
    up = f(*[p + h * t for p, t in zip(primals, tangents)]).numpy()
    down = f(*[p - h * t for p, t in zip(primals, tangents)]).numpy()
    np.testing.assert_allclose(own.numpy(), (up - down) / (2 * h), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["all", "input", "groups"])
def test_conv2d_graph_jvp_is_differentiable_in_one_recorded_pass(name, monkeypatch):
    """Every primal and tangent requires grad: the tangent from conv2d's graph_jvp and its gradients
    equal the double vjp's, and no double-vjp pass runs."""
    from tt_autograd import gradients

    grad = gradients.grad
    options, x_shape, w_shape, dual = CASES[name]
    shapes = (x_shape, w_shape, (w_shape[0],))
    values = [RNG.uniform(-1, 1, s) for s in shapes]
    tangent_values = [RNG.uniform(-1, 1, s) for s in shapes]

    def tangent_and_gradients():
        primals = [autograd.tensor(v, requires_grad=True) for v in values]
        tangents = [autograd.tensor(v, requires_grad=True) for v in tangent_values]
        with fwAD.dual_level():
            inputs = [fwAD.make_dual(p, t) if d else p for p, t, d in zip(primals, tangents, dual)]
            out = fwAD.unpack_dual(F.conv2d(*inputs, **options)).tangent
        weights = autograd.tensor(np.cos(np.arange(out.numel())).reshape(out.shape))
        wanted = primals + [t for t, d in zip(tangents, dual) if d]
        return (out.detach(), *grad((out * weights).sum(), wanted, allow_unused=True))

    monkeypatch.setattr(Conv2dFunction, "jvp", None)
    monkeypatch.setattr(Conv2dFunction, "graph_jvp", None)
    expected = tangent_and_gradients()  # the double vjp
    monkeypatch.undo()
    monkeypatch.setattr(gradients, "grad", lambda *a, **k: pytest.fail("a double-vjp pass"))
    found = tangent_and_gradients()
    for a, b in zip(found, expected):
        if b is None:
            assert a is None or not a.numpy().any()
            continue
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
