"""tt-autograd's own ``squeeze`` (and ``squeeze_``, which calls it) take their dims one by one, and its
recorded reductions (``sum``, ``mean``, ``amax``, ``amin``, ``var``, ``logsumexp``, ``norm``) refuse a
non-bool ``keepdim``, as tt-tensor's and PyTorch 2.13's do (``x.squeeze(0, 1)`` works there;
``x.sum(0, 1)`` raises "sum(): argument 'keepdim' (position 2) must be bool, not int"). The full set of
forms is in tt-tensor's test_varargs_and_keepdim.py.

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


def test_recorded_squeeze_takes_dims_one_by_one():
    x = autograd.tensor([[[[1.0, 2.0]]]], requires_grad=True)  # (1, 1, 1, 2)
    out = x.squeeze(0, 1)
    assert out.shape == (1, 2) and out.grad_fn is not None
    (out * autograd.tensor([[3.0, 5.0]])).sum().backward()
    assert x.grad.tolist() == [[[[3.0, 5.0]]]]
    assert x.squeeze(0, 2).shape == (1, 2) and x.squeeze().shape == (2,)
    y = autograd.tensor([[[1.0]], [[2.0]]])  # (2, 1, 1)
    assert y.squeeze_(1, 2) is y and y.shape == (2,)


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "logsumexp", "var"])
def test_recorded_reductions_refuse_an_int_keepdim(op):
    x = autograd.ones(2, 3, requires_grad=True)
    with pytest.raises(TypeError, match=f"{op}: argument 'keepdim' must be bool, got int 1"):
        getattr(x, op)(0, keepdim=1)
    assert getattr(x, op)(1, keepdim=True).shape == (2, 1)


def test_recorded_norm_refuses_an_int_keepdim():
    x = autograd.tensor([[3.0, 4.0]], requires_grad=True)
    with pytest.raises(TypeError, match="norm: argument 'keepdim' must be bool, got int 1"):
        x.norm(2, 1, 1)
    x.norm(2, 1, True).sum().backward()
    assert x.grad.flatten().tolist() == pytest.approx([0.6, 0.8])  # x / |x| = (3, 4) / 5
