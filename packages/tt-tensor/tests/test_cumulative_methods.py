"""``tt_tensor.Tensor.cumprod`` and ``Tensor.logcumsumexp`` on plain (non-recording) tensors: values
against NumPy float64 references, negative dims. tt-autograd replaces both with fused Functions, so its
tests do not reach these.

Not course material (beyond module 01's exercises), so no module number.
"""

from __future__ import annotations

import numpy as np
import tt_tensor as tt


def test_cumprod_and_logcumsumexp_of_plain_tensors():
    values = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 4.0]])
    x = tt.tensor(values, dtype=tt.float64)
    np.testing.assert_allclose(x.cumprod(1).numpy(), np.cumprod(values, axis=1))
    np.testing.assert_allclose(x.cumprod(-2).numpy(), np.cumprod(values, axis=0))
    np.testing.assert_allclose(x.logcumsumexp(-1).numpy(), np.log(np.cumsum(np.exp(values), axis=1)))
    np.testing.assert_allclose(x.logcumsumexp(0).numpy(), np.log(np.cumsum(np.exp(values), axis=0)))
