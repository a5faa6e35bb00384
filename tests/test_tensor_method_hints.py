"""Every call that a missing tensor method's error suggests runs in ``tinytorch`` as written.

``tt_tensor.method_hints.FUNCTION_ONLY`` names, for ``x.erf()`` and its like, the function
to call instead (``torch.erf(x)``); a hint that named a function TinyTorch lacks would send the
user from one error to another.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_tensor.method_hints import FUNCTION_ONLY

import tinytorch as torch

ARGUMENTS = {"n": 1, "p": 1, "lambd": 0.5}


@pytest.mark.parametrize("name", sorted(FUNCTION_ONLY))
def test_suggested_call_runs(name):
    x = torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64)  # in every function's domain (erfinv: |x| < 1)
    call = FUNCTION_ONLY[name]
    namespace = {
        "torch": torch,
        "x": x,
        "other": x,
        "weight": torch.ones(1, dtype=torch.float64),
        **ARGUMENTS,
    }
    result = eval(call, namespace)  # noqa: S307  (our own table)
    assert tuple(result.shape) == (3,)
    assert np.all(np.isfinite(result.numpy()))
    with pytest.raises(AttributeError, match=name):
        getattr(x, name)
