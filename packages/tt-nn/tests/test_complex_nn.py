"""Complex tensors through tt-nn: ``linear``, ``pad`` (every mode), ``sinc``; the special functions refuse.

Values against NumPy, gradients by ``gradcheck``/``gradgradcheck`` in complex128.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional as F
from tt_autograd.gradcheck import gradcheck, gradgradcheck
from tt_nn import special


def cleaf(shape, seed=0):
    rng = np.random.default_rng(seed + 13 * len(shape))
    values = rng.uniform(-1.5, 1.5, size=shape) + 1j * rng.uniform(-1.5, 1.5, size=shape)
    return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)


def test_linear_of_complex_inputs_weights_and_bias():
    x, w, b = cleaf((2, 3, 4)), cleaf((5, 4), 1), cleaf((5,), 2)
    expected = x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy()
    np.testing.assert_allclose(F.linear(x, w, b).detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda *ts: F.linear(*ts), [x, w, b])
    assert gradgradcheck(lambda *ts: F.linear(*ts), [x, w, b])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_of_complex(mode):
    x = cleaf((1, 2, 5))
    numpy_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    expected = np.pad(x.detach().numpy(), ((0, 0), (0, 0), (2, 1)), mode=numpy_mode)
    np.testing.assert_allclose(F.pad(x, (2, 1), mode=mode).detach().numpy(), expected, rtol=1e-15)
    assert gradcheck(lambda t: F.pad(t, (2, 1), mode=mode), [x])
    assert gradgradcheck(lambda t: F.pad(t, (2, 1), mode=mode), [x])


def test_sinc_of_complex_is_sin_pi_z_over_pi_z_and_one_at_zero():
    z = cleaf((2, 3))
    a = z.detach().numpy()
    np.testing.assert_allclose(special.sinc(z).detach().numpy(), np.sin(np.pi * a) / (np.pi * a), rtol=1e-12)
    assert special.sinc(autograd.tensor([0j, 0.5 + 0j])).tolist() == [1 + 0j, pytest.approx(2 / np.pi)]
    assert gradcheck(special.sinc, [z])
    assert gradgradcheck(special.sinc, [z])


@pytest.mark.parametrize(
    "name", ["erf", "erfc", "erfinv", "digamma", "lgamma", "i0", "ndtr", "log_ndtr", "entr"]
)
def test_special_functions_refuse_complex_as_pytorch(name):
    with pytest.raises(RuntimeError, match=f"{name}: not implemented for complex tensors"):
        getattr(special, name)(cleaf((3,)))
