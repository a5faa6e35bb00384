"""``NonDynamicallyQuantizableLinear``: PyTorch's ``Linear`` subclass that dynamic quantization passes over
(``torch.nn.modules.linear``; ``MultiheadAttention.out_proj`` is one). PyTorch 2.13, checked in a scratch
script: ``repr(NonDynamicallyQuantizableLinear(3, 4))`` is
``NonDynamicallyQuantizableLinear(in_features=3, out_features=4, bias=True)``, its MRO is
(itself, ``Linear``, ``Module``, ``object``) and its signature ``Linear``'s.

Not course material, so no module number.
"""

from __future__ import annotations

import inspect

import numpy as np
import tt_autograd as autograd
from tt_nn import Linear
from tt_nn.linear import NonDynamicallyQuantizableLinear


def test_it_is_a_linear_under_another_name():
    layer = NonDynamicallyQuantizableLinear(3, 4)
    assert type(layer).__mro__[1] is Linear and isinstance(layer, Linear)
    assert repr(layer) == "NonDynamicallyQuantizableLinear(in_features=3, out_features=4, bias=True)"
    assert repr(NonDynamicallyQuantizableLinear(2, 2, bias=False)).endswith("bias=False)")
    assert inspect.signature(NonDynamicallyQuantizableLinear) == inspect.signature(Linear)


def test_same_parameters_keys_and_output_as_linear():
    autograd.manual_seed(3)
    special = NonDynamicallyQuantizableLinear(3, 2)
    autograd.manual_seed(3)
    plain = Linear(3, 2)
    assert list(special.state_dict()) == list(plain.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(special.weight.detach().numpy(), plain.weight.detach().numpy())
    x = autograd.tensor([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(special(x).detach().numpy(), plain(x).detach().numpy())
    np.testing.assert_allclose(  # y = x W^T + b by hand, in NumPy
        special(x).detach().numpy(),
        x.numpy() @ special.weight.detach().numpy().T + special.bias.detach().numpy(),
        rtol=1e-6,
    )
