"""The recorded forms refuse None where PyTorch does, as tt-tensor's (``tt_tensor.checks.NOT_GIVEN``).

tt-autograd's ``max``/``min``/``prod``/``squeeze``/``median``/``nanmedian``/``to_sparse``/``var``
override tt-tensor's, so each needs the same refusal; with the argument left out they still reduce
over every element and still record (a gradient comes back).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

VALUES = np.arange(1.0, 13.0).reshape(3, 4) / 7.0


@pytest.mark.parametrize(
    ("op", "call", "argument"),
    [
        ("max", lambda t: t.max(None), "dim"),
        ("min", lambda t: t.min(dim=None, keepdim=True), "dim"),
        ("prod", lambda t: t.prod(None), "dim"),
        ("prod", lambda t: autograd.prod(t, dim=None), "dim"),
        ("median", lambda t: t.median(None), "dim"),
        ("nanmedian", lambda t: autograd.nanmedian(t, None), "dim"),
        ("squeeze", lambda t: t.squeeze(None), "dim"),
        ("squeeze_", lambda t: t.squeeze_(None), "dim"),
        ("to_sparse", lambda t: t.to_sparse(None), "sparse_dim"),
        ("to_sparse", lambda t: t.to_sparse(sparse_dim=None), "sparse_dim"),
    ],
)
def test_none_is_refused_by_name_where_pytorch_refuses_it(op, call, argument):
    with pytest.raises(TypeError, match=rf"^{op}\(\): argument '{argument}' must be"):
        call(autograd.tensor(VALUES, requires_grad=True).clone())


@pytest.mark.parametrize("op", ["max", "min", "prod", "median", "nanmedian"])
def test_keepdim_true_without_a_dim_is_refused(op):
    with pytest.raises(TypeError, match=rf"^{op}\(\): keepdim=True needs a dim"):
        getattr(autograd.tensor(VALUES, requires_grad=True), op)(keepdim=True)
    for keepdim in (None, 0, "abc"):  # the recorded median over every element is tt-autograd's own
        with pytest.raises(TypeError, match=rf"^{op}: argument 'keepdim' must be bool"):
            getattr(autograd.tensor(VALUES, requires_grad=True), op)(keepdim=keepdim)


def test_var_and_std_refuse_unbiased_none_and_take_correction_none_as_one():
    x = autograd.tensor(VALUES, requires_grad=True)
    for op in ("var", "std"):
        with pytest.raises(TypeError, match=rf"^{op}: argument 'unbiased' must be bool"):
            getattr(x, op)(unbiased=None)
    out = x.var(0, correction=None)
    np.testing.assert_allclose(out.detach().numpy(), VALUES.var(0, ddof=1))
    assert out.grad_fn is not None
    np.testing.assert_allclose(x.var(1, unbiased=False).detach().numpy(), VALUES.var(1))


@pytest.mark.parametrize(
    ("op", "expected", "grad"),
    [
        ("max", VALUES.max(), (VALUES == VALUES.max()).astype(float)),
        ("min", VALUES.min(), (VALUES == VALUES.min()).astype(float)),
        ("prod", VALUES.prod(), VALUES.prod() / VALUES),
        ("median", np.sort(VALUES.ravel())[5], (VALUES == np.sort(VALUES.ravel())[5]).astype(float)),
        ("nanmedian", np.sort(VALUES.ravel())[5], (VALUES == np.sort(VALUES.ravel())[5]).astype(float)),
    ],
)
def test_left_out_the_dim_reduces_every_element_and_records(op, expected, grad):
    x = autograd.tensor(VALUES, requires_grad=True)
    out = getattr(x, op)()
    assert np.isclose(out.item(), expected)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), grad)


def test_squeeze_and_to_sparse_left_out_still_work():
    x = autograd.tensor(VALUES[None], requires_grad=True)
    out = x.squeeze()
    assert out.shape == (3, 4) and out.grad_fn is not None
    sparse = autograd.tensor(np.diag([1.0, 0.0, 2.0])).to_sparse()
    np.testing.assert_array_equal(sparse.to_dense().numpy(), np.diag([1.0, 0.0, 2.0]))


@pytest.mark.parametrize(
    "op, call",
    [
        ("sort", lambda t: t.sort(descending=None)),
        ("sort", lambda t: t.sort(stable="abc")),
        ("aminmax", lambda t: t.aminmax(dim=0, keepdim=None)),
        ("histogram", lambda t: t.histogram(4, density=None)),
    ],
)
def test_the_recorded_forms_refuse_flags_taken_as_none_by_name(op, call):
    with pytest.raises(TypeError, match=rf"^{op}: argument '\w+' must be bool, got"):
        call(autograd.tensor(VALUES, requires_grad=True))


def test_the_recorded_forms_still_take_bool_flags():
    x = autograd.tensor(VALUES, requires_grad=True)
    out = x.sort(1, descending=True, stable=True).values
    np.testing.assert_array_equal(out.detach().numpy(), -np.sort(-VALUES, 1))
    assert x.aminmax(dim=0, keepdim=True).max.shape == (1, 4)
    hist = x.detach().histogram(4, density=True).hist.numpy()
    np.testing.assert_allclose(hist.sum() * (VALUES.max() - VALUES.min()) / 4, 1.0)


def test_max_and_min_of_a_tensor_argument_are_the_elementwise_maximum_and_minimum():
    x, y = autograd.tensor(VALUES), autograd.tensor(VALUES[::-1].copy())
    np.testing.assert_array_equal(x.max(y).numpy(), np.maximum(VALUES, VALUES[::-1]))
    np.testing.assert_array_equal(x.min(y).numpy(), np.minimum(VALUES, VALUES[::-1]))


def test_logsumexp_requires_its_dim_and_norm_refuses_a_junk_p():
    x = autograd.tensor(VALUES, requires_grad=True)
    with pytest.raises(TypeError, match=r"^logsumexp: argument 'dim' must be .*, got None"):
        x.logsumexp(None)
    with pytest.raises(ValueError, match=r"^norm: p='abc' is not a norm; use a number, 'fro' or 'nuc'"):
        x.norm("abc")


def test_norm_0_counts_the_non_zero_elements_with_a_zero_gradient():  # it divided by p = 0 before
    values = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, -3.0]])
    x = autograd.tensor(values, requires_grad=True)
    np.testing.assert_array_equal(x.norm(0, 1).detach().numpy(), (values != 0).sum(1))
    out = x.norm(0.0)
    assert out.item() == 3.0
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(values))


def test_norm_0_twice(check_twice):
    # no element is 0 (sign's jump)
    x = autograd.tensor(VALUES - 0.9, dtype=autograd.float64, requires_grad=True)
    check_twice(lambda t: t.norm(0, 1, True) * t, [x])
