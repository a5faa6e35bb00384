"""tt-autograd's recorded reductions at the edges of ``dim``, as tt-tensor's (its
test_reduction_dim_edges.py gives the PyTorch 2.13 facts): ``dim=()`` reduces every dim and the
gradient follows; an empty tensor's extremes over non-empty dims are empty and still on the graph;
``logsumexp`` over a dim of size 0 is ``-inf``; a 0-d tensor takes only dims 0 and -1.

Not course material, so no module number.
"""

from __future__ import annotations

import math

import pytest
import tt_autograd as autograd


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "std", "var", "norm", "nansum"])
def test_an_empty_dim_list_reduces_every_dim_with_its_gradient(op, leaf, check_grad):
    x = leaf((2, 3))
    whole = getattr(x, op)().item()
    assert getattr(x, op)(dim=()).item() == pytest.approx(whole)
    assert getattr(x, op)(dim=[], keepdim=True).shape == (1, 1)
    check_grad(lambda t: getattr(t, op)(dim=()), x)


def test_linalg_vector_norm_and_logsumexp_with_an_empty_dim_list():
    x = autograd.tensor([[3.0, 0.0], [0.0, 4.0]])
    assert autograd.linalg.vector_norm(x, dim=()).item() == 5.0
    with pytest.raises(RuntimeError, match=r"logsumexp: dim=\(\) names no dimension"):
        x.logsumexp(())


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "var", "logsumexp", "prod"])
def test_a_0d_tensor_has_only_dims_0_and_minus_1(op):
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 1"):
        getattr(autograd.tensor(2.0, requires_grad=True), op)(1)


def test_extremes_of_an_empty_tensor_over_non_empty_dims_are_empty_and_recorded():
    x = autograd.zeros(0, 3, requires_grad=True)
    for out in (x.amax(1), x.amin(1, keepdim=True), x.max(1).values, x.min(-1).values):
        assert out.shape[0] == 0 and out.requires_grad
        out.sum().backward()
        assert x.grad.shape == (0, 3)
    assert x.max(1).indices.shape == (0,) and x.argmax(1).shape == (0,)
    with pytest.raises(IndexError, match=r"^amax\(\): Expected reduction dim 0 to have non-zero size"):
        x.amax(0)
    with pytest.raises(RuntimeError, match=r"^max\(\): Expected reduction dim to be specified"):
        x.max()


def test_logsumexp_over_an_empty_dim_is_minus_infinity_and_recorded():
    x = autograd.zeros(0, 3, requires_grad=True)
    out = x.logsumexp(0)
    assert out.tolist() == [-math.inf] * 3
    out.sum().backward()
    assert x.grad.shape == (0, 3)
    z = autograd.zeros(0, 2, dtype=autograd.complex64)
    assert z.logsumexp(0).real.tolist() == [-math.inf] * 2
