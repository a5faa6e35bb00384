"""Optional arguments that PyTorch refuses as None: ``NOT_GIVEN`` tells an argument left out from None.

``t.max(None)``, ``t.prod(dim=None)``, ``t.median(None)``, ``t.squeeze(None)`` are TypeErrors in
PyTorch 2.13 (checked in a scratch script), while ``t.sum(None)`` and ``t.var(dim=None)`` reduce over
every element; ``keepdim=True`` without a dim is refused too, and ``var(unbiased=None)``.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor.checks import NOT_GIVEN, check_optional, optional_dim, variance_args

VALUES = np.arange(1.0, 13.0).reshape(3, 4) / 7.0


def test_check_optional_is_none_when_left_out_the_value_when_given_and_refuses_none():
    assert check_optional("op", "dim", NOT_GIVEN) is None
    assert check_optional("op", "dim", 0) == 0
    assert check_optional("op", "dim", (0, 1)) == (0, 1)
    with pytest.raises(TypeError, match=r"^op\(\): argument 'dim' must be int, not NoneType"):
        check_optional("op", "dim", None)
    with pytest.raises(TypeError, match=r"^op\(\): argument 'size' must be a shape, not NoneType"):
        check_optional("op", "size", None, "a shape")
    assert repr(NOT_GIVEN) == "NOT_GIVEN"


def test_optional_dim_refuses_keepdim_true_without_a_dim_only():
    assert optional_dim("op", NOT_GIVEN, False) is None
    assert optional_dim("op", 1, True) == 1
    assert optional_dim("op", 0, False) == 0
    with pytest.raises(TypeError, match=r"^op\(\): keepdim=True needs a dim"):
        optional_dim("op", NOT_GIVEN, True)
    with pytest.raises(TypeError, match=r"^op\(\): argument 'dim' must be int"):
        optional_dim("op", None, False)
    for junk in (None, 1, "abc"):
        with pytest.raises(TypeError, match=r"^op: argument 'keepdim' must be bool"):
            optional_dim("op", 0, junk)
        with pytest.raises(TypeError, match=r"^op: argument 'keepdim' must be bool"):
            optional_dim("op", NOT_GIVEN, junk)


def test_variance_args_read_unbiased_or_correction_and_none_as_the_default_one():
    assert variance_args("var", 0, NOT_GIVEN, 1) == (0, 1)
    assert variance_args("var", 0, NOT_GIVEN, 0) == (0, 0)
    assert variance_args("var", None, NOT_GIVEN, None) == (None, 1)
    assert variance_args("var", 1, False, None) == (1, 0)
    assert variance_args("var", False, NOT_GIVEN, None) == (None, 0)  # x.var(False): unbiased, every element
    with pytest.raises(TypeError, match=r"^var: argument 'unbiased' must be bool, got NoneType"):
        variance_args("var", 0, None, None)
    with pytest.raises(TypeError, match=r"^var: give unbiased or correction, not both"):
        variance_args("var", 0, True, 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.max(None),
        lambda t: t.min(dim=None),
        lambda t: t.median(None),
        lambda t: t.nanmedian(dim=None, keepdim=True),
        lambda t: t.prod(None),
        lambda t: t.prod(dim=None, keepdim=False),
        lambda t: t.squeeze(None),
        lambda t: tt.max(t, None),
        lambda t: tt.prod(t, dim=None),
        lambda t: tt.squeeze(t, None),
    ],
)
def test_none_as_dim_is_refused_by_name_where_pytorch_refuses_it(call):
    with pytest.raises(TypeError, match=r"^(max|min|median|nanmedian|prod|squeeze)\(\): argument 'dim' must"):
        call(tt.tensor(VALUES))


@pytest.mark.parametrize("op", ["max", "min", "prod", "median", "nanmedian"])
def test_keepdim_true_without_a_dim_is_refused(op):
    with pytest.raises(TypeError, match=rf"^{op}\(\): keepdim=True needs a dim"):
        getattr(tt.tensor(VALUES), op)(keepdim=True)
    for dim in (0, NOT_GIVEN):
        with pytest.raises(TypeError, match=rf"^{op}: argument 'keepdim' must be bool, got NoneType"):
            getattr(tt.tensor(VALUES), op)(dim, None)


def test_norm_takes_p_none_as_the_2_norm_and_dist_refuses_none():
    t = tt.tensor(VALUES)
    assert np.isclose(t.norm(None).item(), np.sqrt((VALUES**2).sum()))
    np.testing.assert_allclose(t.norm(None, 1).numpy(), np.sqrt((VALUES**2).sum(1)), rtol=1e-6)
    with pytest.raises(TypeError, match=r"^dist: argument 'other' must be .*, got NoneType"):
        t.dist(None)


def test_left_out_the_dim_still_means_every_element_and_a_dim_still_works():
    t = tt.tensor(VALUES)
    assert t.max().item() == VALUES.max() and t.min(keepdim=False).item() == VALUES.min()
    assert np.isclose(t.prod().item(), VALUES.prod())
    assert t.median().item() == np.sort(VALUES.ravel())[5]  # the lower middle of 12
    assert t.nanmedian().item() == np.sort(VALUES.ravel())[5]
    np.testing.assert_allclose(t.prod(1, True).numpy(), VALUES.prod(1, keepdims=True))
    np.testing.assert_array_equal(t.max(0).values.numpy(), VALUES.max(0))
    np.testing.assert_array_equal(t.median(1, keepdim=True).values.numpy(), VALUES[:, [1]])
    assert tt.tensor(VALUES[None]).squeeze().shape == (3, 4)
    assert tt.tensor(VALUES[None]).squeeze(0).shape == (3, 4)


def test_logsumexp_requires_its_dim():  # PyTorch has no logsumexp over every element without a dim
    with pytest.raises(TypeError, match=r"^logsumexp: argument 'dim' must be .*, got None"):
        tt.tensor(VALUES).logsumexp(None)


def test_none_is_still_every_element_where_pytorch_takes_it():
    t = tt.tensor(VALUES)
    assert np.isclose(t.sum(None).item(), VALUES.sum())
    assert np.isclose(t.var(dim=None).item(), VALUES.var(ddof=1))
    assert np.isclose(t.std(None).item(), VALUES.std(ddof=1))
    assert t.amax(None).item() == VALUES.max()


def test_var_and_std_refuse_unbiased_none_and_take_correction_none_as_one():
    t = tt.tensor(VALUES)
    for op in ("var", "std"):
        with pytest.raises(TypeError, match=rf"^{op}: argument 'unbiased' must be bool"):
            getattr(t, op)(unbiased=None)
        with pytest.raises(TypeError, match=rf"^{op}: argument 'unbiased' must be bool"):
            getattr(t, op)(0, unbiased="abc")
    assert np.isclose(t.var(correction=None).item(), VALUES.var(ddof=1))
    np.testing.assert_allclose(t.std(0, correction=None).numpy(), VALUES.std(0, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(t.var(1, unbiased=False).numpy(), VALUES.var(1), rtol=1e-6)
    with pytest.raises(TypeError, match=r"^var: give unbiased or correction, not both"):
        t.var(1, correction=0, unbiased=True)  # PyTorch has no form that takes both


@pytest.mark.parametrize(
    "op, call",
    [
        ("argmax", lambda t: t.argmax(0, None)),
        ("argmin", lambda t: t.argmin(keepdim="abc")),
        ("mode", lambda t: t.mode(0, None)),
        ("kthvalue", lambda t: t.kthvalue(1, 0, 1)),
        ("median", lambda t: t.median(1, None)),
        ("sort", lambda t: t.sort(descending=None)),
        ("sort", lambda t: t.sort(0, False, "abc")),
        ("argsort", lambda t: t.argsort(descending=None)),
        ("argsort", lambda t: t.argsort(stable=None)),
        ("nonzero", lambda t: t.nonzero(as_tuple=None)),
    ],
)
def test_flags_taken_as_none_are_refused_by_name_as_pytorch(op, call):
    with pytest.raises(TypeError, match=rf"^{op}: argument '\w+' must be bool, got"):
        call(tt.tensor(VALUES))


def test_the_flags_still_work_when_given_as_bools():
    t = tt.tensor(VALUES)
    assert t.argmax(0, True).shape == (1, 4) and t.argmin(keepdim=True).shape == (1, 1)
    assert t.mode(0, True).values.shape == (1, 4) and t.kthvalue(1, 0, True).values.shape == (1, 4)
    np.testing.assert_array_equal(t.sort(1, True, True).values.numpy(), -np.sort(-VALUES, 1))
    np.testing.assert_array_equal(t.argsort(1, descending=True).numpy(), np.argsort(-VALUES, 1))
    assert len(tt.tensor([0.0, 2.0, 3.0]).nonzero(as_tuple=True)) == 1
