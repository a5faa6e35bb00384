"""``var``, ``std``, ``var_mean``, ``std_mean`` in PyTorch's three forms, on both packages' tensors.

``x.var(dim, correction=c)``, the older ``x.var(dim, unbiased, keepdim)``, and ``x.var(unbiased)``: one
positional bool is ``unbiased`` over every element, as in PyTorch. Before, ``x.var(False)`` read False as
dim 0 and silently gave per-column unbiased variances. Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

VALUES = np.random.default_rng(0).standard_normal((3, 4))


@pytest.fixture(params=["tt_tensor", "tt_autograd"])
def x(request):
    library = tt_tensor if request.param == "tt_tensor" else autograd
    return library.tensor(VALUES, dtype=library.float64)


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda x: x.var(False), VALUES.var()),
        (lambda x: x.var(True), VALUES.var(ddof=1)),
        (lambda x: x.std(False), VALUES.std()),
        (lambda x: x.var(0, False), VALUES.var(0)),
        (lambda x: x.var(1, True, True), VALUES.var(1, ddof=1, keepdims=True)),
        (lambda x: x.std(0, False, True), VALUES.std(0, keepdims=True)),
        (lambda x: x.var(0, unbiased=False), VALUES.var(0)),
        (lambda x: x.std(1, correction=0), VALUES.std(1)),
        (lambda x: x.var(), VALUES.var(ddof=1)),
        (lambda x: x.var((0, 1), correction=2), VALUES.var(ddof=2)),
        (lambda x: tt_tensor.var_mean(x, False)[0], VALUES.var()),
        (lambda x: tt_tensor.std_mean(x, 0, False, True)[0], VALUES.std(0, keepdims=True)),
        (lambda x: tt_tensor.std_mean(x, 1, correction=0)[1], VALUES.mean(1)),
    ],
)
def test_every_form_gives_pytorchs_answer(x, call, expected):
    np.testing.assert_allclose(call(x).numpy(), expected, rtol=1e-12)


def test_the_forms_are_differentiable():
    leaf = autograd.tensor(VALUES, dtype=autograd.float64, requires_grad=True)
    assert autograd.gradcheck(lambda t: t.var(False), (leaf,))
    assert autograd.gradcheck(lambda t: t.std(0, False, True), (leaf,))


def test_contradictory_or_junk_arguments_are_refused(x):
    with pytest.raises(TypeError, match=r"^var: give unbiased or correction, not both"):
        x.var(0, True, correction=1)
    with pytest.raises(TypeError, match=r"^std: argument 'unbiased' must be bool, got str"):
        x.std(0, "abc")
    with pytest.raises(TypeError, match=r"^var: dim must be an int, a tuple of ints or None, got bool True"):
        x.var(True, True)
    with pytest.raises(TypeError, match=r"^var_mean: give unbiased or correction, not both"):
        tt_tensor.var_mean(x, 0, False, correction=0)
