"""``x.view(dtype)`` on a tensor that requires grad: reading bits records no gradient (PyTorch's).

Beyond the course: no module number. tt-tensor's test_view_dtype.py checks the values.
"""

from __future__ import annotations

import tt_autograd as autograd


def test_no_gradient_flows_through_the_bits():
    x = autograd.tensor([1.0, -2.0], requires_grad=True)
    for dtype in (autograd.int32, autograd.float32, autograd.float16):  # PyTorch records none, same dtype too
        y = x.view(dtype)
        assert y.requires_grad is False and y.grad_fn is None
    assert x.view(2, 1).requires_grad and x.view(2).requires_grad  # a shape view still records
