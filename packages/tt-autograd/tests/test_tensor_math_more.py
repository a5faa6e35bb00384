"""More of PyTorch's Tensor math (``_math_more_methods.py``): ``float_power``, ``ldexp``, ``fmax``/``fmin``,
``logaddexp2``, ``nextafter``, ``frexp``, ``deg2rad``/``rad2deg``, ``cov``, ``corrcoef``, ``aminmax``,
``vdot``, ``addmv``, ``addr``, ``addbmm`` and the in-place products, ``histogram``: values against NumPy,
PyTorch 2.13's dtypes and edge values (checked in a scratch script and pinned here), gradients by central
differences (``gradcheck``, ``gradgradcheck``), in-place rules and errors.

Not course material, so no module number. Bitwise ops and random fills: ``test_tensor_bits_random.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

NAN = float("nan")


def t(values, dtype=None, requires_grad=False):
    return autograd.tensor(values, dtype=dtype, requires_grad=requires_grad)


# ---------------------------------------------------------------- element-wise
def test_float_power_is_float64_whatever_the_dtypes(check):
    ints = t([1, 2, 3])
    check(ints.float_power(2), np.array([1.0, 4.0, 9.0]))
    assert ints.float_power(2).dtype == autograd.float64
    assert autograd.float_power(2, t([1.0, 2.0])).dtype == autograd.float64
    check(autograd.float_power(2, t([1.0, 3.0])), np.array([2.0, 8.0]))
    check(t([4.0, 9.0]).float_power(t([0.5])), np.array([2.0, 3.0]))


def test_float_power_in_place_needs_a_float64_base():
    base = t([2.0, 3.0], dtype=autograd.float64)
    assert base.float_power_(2) is base
    np.testing.assert_array_equal(base.numpy(), [4.0, 9.0])
    for dtype in (autograd.float32, autograd.int64):
        with pytest.raises(RuntimeError, match="float_power_: the base given to float_power_ has dtype"):
            t([2, 3], dtype=dtype).float_power_(2)


def test_ldexp_values_and_dtypes(check):
    check(t([1, 2, 3]).ldexp(t([1, 2, 3])), np.array([2.0, 8.0, 24.0]))
    assert t([1, 2]).ldexp(t([1])).dtype == autograd.float32  # PyTorch: the default float dtype
    assert t([1.0], dtype=autograd.float16).ldexp(t([1])).dtype == autograd.float16
    check(autograd.ldexp(t([1.0, 2.0]), t([1.5])), np.array([2.0, 4.0]) * 2**0.5)
    with pytest.raises(RuntimeError, match="ldexp_: result type float32 can't be cast to the desired output"):
        t([1, 2]).ldexp_(t([1]))
    with pytest.raises(TypeError, match="ldexp: argument 'other' must be a Tensor"):
        t([1.0]).ldexp(2)


def test_fmax_fmin_ignore_one_nan():
    a, b = t([1.0, NAN, 3.0, NAN]), t([2.0, 1.0, NAN, NAN])
    np.testing.assert_array_equal(a.fmax(b).numpy(), [2.0, 1.0, 3.0, NAN])
    np.testing.assert_array_equal(autograd.fmin(a, b).numpy(), [1.0, 1.0, 3.0, NAN])
    assert t([1, 5]).fmax(t([2.0, 1.0])).dtype == autograd.float32
    np.testing.assert_array_equal(t([1, 5]).fmin(t([2, 1])).numpy(), [1, 1])
    with pytest.raises(TypeError, match="fmax: argument 'other'"):
        a.fmax(2)


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_gradient_goes_to_the_chosen_one(name):
    # PyTorch: ties go to self, a NaN other sends the gradient to self, a NaN self sends it to other
    a = t([1.0, 2.0, NAN, 4.0], requires_grad=True)
    b = t([1.0, NAN, 3.0, 4.5 if name == "fmax" else 3.5], requires_grad=True)
    getattr(a, name)(b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.0, 1.0, 1.0])


def test_logaddexp2_values_and_float_only(check):
    a, b = np.array([1.0, -100.0, 1000.0]), np.array([1.0, 3.0, 999.0])
    expected = np.logaddexp2(a, b)
    check(t(a).logaddexp2(t(b)), expected, rtol=1e-12)
    with pytest.raises(TypeError, match="logaddexp2: not implemented for int64"):
        t([1, 2]).logaddexp2(t([1, 2]))
    half = t([1.0, 3.0]).half().logaddexp2(t([2, 3]))  # an integer beside a float takes its dtype
    assert half.dtype == autograd.float16
    np.testing.assert_allclose(half.float().numpy(), np.logaddexp2([1.0, 3.0], [2.0, 3.0]), rtol=1e-3)


def test_nextafter_steps_one_ulp_without_gradient():
    a = t([1.0, 2.0], requires_grad=True)
    out = a.nextafter(t([0.0, 3.0]))
    assert out.dtype == autograd.float32 and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), np.nextafter(np.float32([1, 2]), np.float32([0, 3])))
    assert autograd.nextafter(t([1.0]), t([0.0], dtype=autograd.float64)).dtype == autograd.float64
    b = t([1.0, 2.0])
    assert b.nextafter_(t([2.0])) is b and b.numpy()[0] > 1.0
    assert t([1.0]).nextafter(t([2])).item() == np.nextafter(np.float32(1), np.float32(2))  # int: promoted
    with pytest.raises(TypeError, match="nextafter: not implemented for int64"):
        t([1, 2]).nextafter(t([0, 3]))
    with pytest.raises(RuntimeError, match="nextafter: shapes \\(2,\\) and \\(3,\\) cannot be broadcast"):
        t([1.0, 2.0]).nextafter(t([0.0, 1.0, 2.0]))


def test_frexp_mantissa_and_exponent():
    values = t([8.0, 0.0, -3.5, float("inf"), NAN])
    mantissa, exponent = autograd.frexp(values)
    assert values.frexp().mantissa.dtype == autograd.float32 and exponent.dtype == autograd.int32
    np.testing.assert_array_equal(mantissa.numpy(), [0.5, 0.0, -0.875, float("inf"), NAN])
    np.testing.assert_array_equal(exponent.numpy(), [4, 0, 2, 0, 0])
    with pytest.raises(TypeError, match="frexp: only supports floating-point dtypes"):
        t([1, 2]).frexp()


def test_frexp_mantissa_gradient_is_two_to_the_minus_exponent_as_pytorch():
    x = autograd.tensor([8.0, 0.3, -3.5, 1e-300], dtype=autograd.float64, requires_grad=True)
    x.frexp().mantissa.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2.0 ** -np.frexp(x.detach().numpy())[1])
    # subnormal inputs: 2 ** -exponent alone would overflow; the mantissa is still exact
    tiny = np.array([1e-310, 5e-324, -2.5e-320])
    np.testing.assert_array_equal(autograd.tensor(tiny).frexp().mantissa.numpy(), np.frexp(tiny)[0])


def test_deg2rad_rad2deg(check):
    check(t([180, 90]).deg2rad(), np.array([np.pi, np.pi / 2]), rtol=1e-6)
    assert t([180]).deg2rad().dtype == autograd.float32
    check(autograd.rad2deg(t([np.pi], dtype=autograd.float64)), np.array([180.0]), rtol=1e-14)
    x = t([90.0])
    assert x.deg2rad_() is x and abs(x.item() - np.pi / 2) < 1e-6
    assert x.rad2deg_() is x and abs(x.item() - 90.0) < 1e-4
    with pytest.raises(RuntimeError, match="deg2rad_: result type float32 can't be cast"):
        t([1, 2]).deg2rad_()


def test_elementwise_gradients(leaf, check_twice):
    a, b = leaf((2, 3), low=0.5, high=2.0), leaf((3,), low=-1.0, high=1.0)
    check_twice(lambda x, y: x.float_power(y), [a, b])
    check_twice(lambda x, y: autograd.ldexp(x, y), [a, b])
    check_twice(lambda x, y: x.logaddexp2(y), [a, b])
    check_twice(lambda x, y: x.fmax(y), [a, b])
    check_twice(lambda x, y: x.fmin(y), [a, b])
    check_twice(lambda x: x.deg2rad() + x.rad2deg(), [a])


# ---------------------------------------------------------------- statistics
def test_cov_against_numpy(rng, check):
    x = rng.standard_normal((3, 6))
    fw, aw = np.array([1, 2, 1, 3, 1, 2]), rng.uniform(0.2, 2.0, 6)
    check(t(x).cov(), np.cov(x), rtol=1e-12)
    check(autograd.cov(t(x), correction=0), np.cov(x, ddof=0), rtol=1e-12)
    check(t(x).cov(fweights=t(fw)), np.cov(x, fweights=fw), rtol=1e-12)
    check(t(x).cov(fweights=t(fw), aweights=t(aw)), np.cov(x, fweights=fw, aweights=aw), rtol=1e-12)
    check(t(x).cov(aweights=t(aw), correction=2), np.cov(x, aweights=aw, ddof=2), rtol=1e-12)
    check(t(x[0]).cov(), np.cov(x[0]), rtol=1e-12)  # a vector: a 0-d variance
    assert t([[1, 2, 4], [0, 3, 3]]).cov().dtype == autograd.float32


def test_cov_takes_zero_weights(check):
    x = np.array([[1.0, 2.0, 4.0]])
    check(t(x).cov(fweights=t([1, 0, 2])), np.array(3.0))  # PyTorch 2.13's
    check(t(x).cov(aweights=t([1.0, 0.0, 2.0])), np.cov(x, aweights=[1.0, 0.0, 2.0]), rtol=1e-6)


def test_cov_dtype_and_small_positive_norms(check):
    # PyTorch 2.13: float64 weights make a float64 result; a norm of 0.75 is kept
    assert (
        t([[1.0, 2.0, 4.0]]).cov(aweights=t([1.0, 2.0, 1.0], dtype=autograd.float64)).dtype
        == autograd.float64
    )
    check(t([1.0, 2.0], dtype=autograd.float64).cov(aweights=t([0.75, 0.75], dtype=autograd.float64)), 0.5)


def test_cov_with_no_degrees_of_freedom_is_inf_or_nan():
    with pytest.warns(UserWarning, match="cov\\(\\): degrees of freedom is <= 0") as record:
        assert np.isnan(t([1.0]).cov().item())  # 0 / 0
    assert record[0].filename == __file__  # the warning names the caller's line
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert t([1.0, 2.0]).cov(correction=3).item() == float("inf")  # a negative norm counts as 0
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert t([1.0, 2.0]).cov(correction=2).item() == float("inf")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fweights": [1.0, 2.0, 1.0]}, "expected fweights to have integral dtype"),
        ({"fweights": [1, -2, 1]}, "fweights cannot be negative"),
        ({"fweights": [1, 2]}, "same numel as there are observations in the input but got 2 != 3"),
        ({"fweights": [[1, 2, 1]]}, "expected fweights to have one or fewer dimensions"),
        ({"aweights": [1, 2, 1]}, "expected aweights to have floating point dtype"),
        ({"aweights": [1.0, -2.0, 1.0]}, "aweights cannot be negative"),
    ],
)
def test_cov_weight_errors(kwargs, message):
    with pytest.raises(RuntimeError, match=message):
        t([[1.0, 2.0, 4.0]]).cov(**{key: t(value) for key, value in kwargs.items()})


def test_cov_refuses_three_dimensions():
    with pytest.raises(RuntimeError, match="cov\\(\\): expected input to have two or fewer dimensions"):
        autograd.ones(2, 2, 2).cov()


def test_corrcoef(rng, check):
    x = rng.standard_normal((3, 5))
    check(t(x).corrcoef(), np.corrcoef(x), rtol=1e-12)
    assert t([1.0, 2.0, 4.0]).corrcoef().item() == 1.0
    constant = autograd.corrcoef(t([[1.0, 2.0, 4.0], [1.0, 1.0, 1.0]])).numpy()
    assert np.isnan(constant[1]).all() and constant[0, 0] == 1.0


def test_statistics_gradients(leaf, check_twice):
    x, w = leaf((2, 5)), leaf((5,), low=0.5, high=2.0)
    fw = t([1, 2, 1, 3, 1])
    check_twice(lambda a: a.cov(), [x])
    check_twice(lambda a, b: a.cov(fweights=fw, aweights=b), [x, w])
    check_twice(lambda a: a.corrcoef(), [leaf((3, 6))])
    check_twice(lambda a: a.cov(), [leaf((6,))])


def test_aminmax_values_and_named_fields():
    x = t([[1.0, 5.0, 0.0], [2.0, 7.0, 0.0]])
    result = x.aminmax()
    assert (result.min.item(), result.max.item()) == (0.0, 7.0)
    low, high = autograd.aminmax(x, dim=-1, keepdim=True)
    np.testing.assert_array_equal(low.numpy(), [[0.0], [0.0]])
    np.testing.assert_array_equal(high.numpy(), [[5.0], [7.0]])
    assert x.aminmax(keepdim=True).min.shape == (1, 1)
    assert t(3.0).aminmax(dim=0).max.item() == 3.0
    assert autograd.ones(2, 0).aminmax(dim=0).min.shape == (0,)
    with pytest.raises(RuntimeError, match="aminmax\\(\\): cannot compute aminmax over an empty dimension"):
        autograd.ones(0).aminmax()
    with pytest.raises(IndexError, match="aminmax: Expected reduction dim 1 to have non-zero size"):
        autograd.ones(2, 0).aminmax(dim=-1)
    with pytest.raises(IndexError, match="aminmax: dimension out of range"):
        autograd.ones(2, 3).aminmax(dim=5)


def test_aminmax_gradient_spreads_over_ties():
    # PyTorch 2.13: min + 2 * max over [[1, 5, 5], [2, 0, 0]]
    y = t([[1.0, 5.0, 5.0], [2.0, 0.0, 0.0]], requires_grad=True)
    low, high = y.aminmax()
    (low + high * 2).backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0.0, 1.0, 1.0], [0.0, 0.5, 0.5]])


def test_aminmax_gradients(leaf, check_twice):
    x = leaf((3, 4))
    check_twice(lambda a: a.aminmax(dim=1).min * 2 + a.aminmax(dim=1).max, [x])
    check_twice(lambda a: a.aminmax().max - a.aminmax().min, [x])


# ---------------------------------------------------------------- products
def test_vdot(check):
    check(t([1.0, 2.0]).vdot(t([3.0, 4.0])), np.array(11.0))
    assert autograd.vdot(t([1, 2]), t([3, 4])).item() == 11
    with pytest.raises(RuntimeError, match="vdot: expected both vectors to have same dtype"):
        t([1.0, 2.0]).vdot(t([3, 4]))
    with pytest.raises(RuntimeError, match="vdot: 1D tensors expected, but got 2D and 1D tensors"):
        autograd.ones(2, 2).vdot(t([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="vdot: inconsistent tensor size"):
        t([1.0, 2.0]).vdot(t([1.0, 2.0, 3.0]))


def test_addmv_addr_addbmm_against_numpy(rng, check):
    m, v, u = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal(2)
    check(t(u).addmv(t(m), t(v), beta=0.5, alpha=2.0), 0.5 * u + 2.0 * m @ v, rtol=1e-12)
    check(autograd.addmv(t([1.0]), t(m), t(v)), 1.0 + m @ v, rtol=1e-12)  # self broadcasts
    base = rng.standard_normal((2, 3))
    check(t(base).addr(t(u), t(v), beta=2.0, alpha=3.0), 2 * base + 3 * np.outer(u, v), rtol=1e-12)
    b1, b2, c = rng.standard_normal((4, 2, 5)), rng.standard_normal((4, 5, 3)), rng.standard_normal((2, 3))
    check(autograd.addbmm(t(c), t(b1), t(b2), alpha=0.5), c + 0.5 * (b1 @ b2).sum(0), rtol=1e-12)


def test_beta_zero_ignores_nan_in_input():
    out = t([NAN, NAN]).addmv(autograd.ones(2, 3), autograd.ones(3), beta=0)
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.0])
    out = autograd.full((2, 3), float("inf")).addr(t([1.0, 2.0]), t([1.0, 1.0, 1.0]), beta=0)
    np.testing.assert_array_equal(out.numpy(), [[1.0] * 3, [2.0] * 3])


def test_integer_and_bool_products():
    with pytest.raises(RuntimeError, match="addr: For integral input tensors, argument beta must not be"):
        t([[1], [2]]).addr(t([1, 2]), t([1, 2]), beta=0.5)
    out = autograd.ones(2, 3, dtype=autograd.bool).addr(t([True, False]), t([True, True, True]), beta=0)
    np.testing.assert_array_equal(out.numpy(), [[True] * 3, [False] * 3])
    # PyTorch 2.13: bools are logical, alpha=0 keeps self; a float product takes a float beta
    out = t([[True], [False]]).addr(t([True, False]), t([True, True]), alpha=0)
    assert out.dtype == autograd.bool
    np.testing.assert_array_equal(out.numpy(), [[True, True], [False, False]])
    out = autograd.ones(2, 3, dtype=autograd.int64).addr(t([1.0, 2.0]), t([1.0, 2.0, 3.0]), beta=0.5)
    np.testing.assert_array_equal(out.numpy(), [[1.5, 2.5, 3.5], [2.5, 4.5, 6.5]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: autograd.ones(2).addmv(autograd.ones(2, 3), autograd.ones(2)), "addmv: size mismatch"),
        (lambda: autograd.ones(2).addmv(autograd.ones(3), autograd.ones(3)), "Expected 2-D argument mat"),
        (lambda: autograd.ones(2, 3).addr(autograd.ones(2, 1), autograd.ones(3)), "1-D argument vec1"),
        (
            lambda: autograd.ones(2, 4).addbmm(autograd.ones(3, 2, 5), autograd.ones(2, 5, 4)),
            "batch1 and batch2 must have same number of batches, got 3 and 2",
        ),
        (lambda: autograd.ones(3, 2).addmv(autograd.ones(2, 3), autograd.ones(3)), "does not broadcast"),
    ],
)
def test_product_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_product_gradients(leaf, check_twice):
    check_twice(lambda s, m, v: s.addmv(m, v, beta=0.5, alpha=2.0), [leaf((1,)), leaf((2, 3)), leaf((3,))])
    check_twice(lambda s, a, b: s.addr(a, b, beta=2.0, alpha=-1.0), [leaf((3,)), leaf((2,)), leaf((3,))])
    check_twice(lambda s, a, b: s.addbmm(a, b, alpha=0.5), [leaf((2, 1)), leaf((3, 2, 4)), leaf((3, 4, 2))])
    check_twice(lambda a, b: a.vdot(b), [leaf((4,)), leaf((4,))])
    check_twice(lambda s, a, b: s.addmv(a, b, beta=0), [leaf((2,)), leaf((2, 3)), leaf((3,))])


# ---------------------------------------------------------------- in-place products
IN_PLACE = {
    "addmm_": ((2, 3), (2, 4), (4, 3)),
    "baddbmm_": ((2, 2, 3), (2, 2, 4), (2, 4, 3)),
    "addmv_": ((2,), (2, 3), (3,)),
    "addr_": ((2, 3), (2,), (3,)),
    "addbmm_": ((2, 3), (5, 2, 4), (5, 4, 3)),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_products(name, rng):
    shapes = IN_PLACE[name]
    arrays = [rng.standard_normal(shape) for shape in shapes]
    target = t(arrays[0])
    version = target._version
    expected = getattr(t(arrays[0]), name[:-1])(t(arrays[1]), t(arrays[2]), beta=0.5, alpha=2.0).numpy()
    assert getattr(target, name)(t(arrays[1]), t(arrays[2]), beta=0.5, alpha=2.0) is target
    np.testing.assert_allclose(target.numpy(), expected, rtol=1e-12)
    assert target._version > version
    with pytest.raises(RuntimeError, match=f"{name}: in-place operation on a leaf tensor that requires grad"):
        getattr(t(arrays[0], requires_grad=True), name)(t(arrays[1]), t(arrays[2]))
    small = t(np.ones((1,) * len(shapes[0])))
    message = rf"{name}: output with shape \[1(, 1)*\] .* can't be written back into self .* {name[:-1]}\(\)"
    with pytest.raises(RuntimeError, match=message):
        getattr(small, name)(t(arrays[1]), t(arrays[2]))


def test_in_place_product_on_a_graph_is_recorded(leaf, check_grad):
    def fn(s, m, v):
        out = s * 1.0
        out.addmv_(m, v, beta=3.0)
        return out

    check_grad(fn, leaf((2,)), leaf((2, 3)), leaf((3,)))
    out = leaf((2,)) * 1.0
    assert out.addmv_(leaf((2, 3)), leaf((3,))).grad_fn is not None


def test_in_place_product_refuses_float_into_int():
    with pytest.raises(RuntimeError, match="addmm_: result type float32 can't be cast to the desired output"):
        autograd.ones(2, 3, dtype=autograd.int64).addmm_(autograd.ones(2, 2), autograd.ones(2, 3))


# ---------------------------------------------------------------- histogram
def test_histogram_against_numpy(rng):
    x = rng.standard_normal(500)
    hist, edges = t(x).histogram(7)
    expected_hist, expected_edges = np.histogram(x, bins=7)
    np.testing.assert_array_equal(hist.numpy(), expected_hist)
    np.testing.assert_allclose(edges.numpy(), expected_edges, rtol=1e-12)
    w = rng.uniform(size=500)
    hist = autograd.histogram(t(x), 5, range=(-1.0, 1.0), weight=t(w), density=True).hist
    expected = np.histogram(x, bins=5, range=(-1, 1), weights=w, density=True)[0]
    np.testing.assert_allclose(hist.numpy(), expected, rtol=1e-12)


def test_histogram_pinned_pytorch_values_at_the_edges():
    one = t([1.0, 2.0, 3.0]).histogram(1)
    np.testing.assert_array_equal(one.hist.numpy(), [3.0])
    np.testing.assert_array_equal(one.bin_edges.numpy(), [1.0, 3.0])
    point = t([1.0, 2.0, 3.0]).histogram(2, range=(1.0, 1.0))  # an empty range is widened by 0.5
    np.testing.assert_array_equal(point.hist.numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(point.bin_edges.numpy(), [0.5, 1.0, 1.5])
    weighted = t([[1.0, 2.0], [3.0, 3.0]]).histogram(2, weight=t([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(weighted.hist.numpy(), [1.0, 9.0])


def test_histogram_edges_given_as_a_tensor():
    # PyTorch 2.13's counts: two edges make one bin; a repeated edge makes an empty bin
    np.testing.assert_array_equal(t([0.5, 1.0, 1.5]).histogram(t([0.0, 1.0])).hist.numpy(), [2.0])
    repeated = t([0.5, 1.0, 1.5, 2.0]).histogram(t([0.0, 1.0, 1.0, 2.0]))
    np.testing.assert_array_equal(repeated.hist.numpy(), [1.0, 0.0, 3.0])


def test_histogram_pinned_pytorch_values():
    result = t([1.0, 2.0, 1.0]).histogram(4, range=(0.0, 3.0), weight=t([1.0, 2.0, 4.0]))
    np.testing.assert_array_equal(result.hist.numpy(), [0.0, 5.0, 2.0, 0.0])
    np.testing.assert_array_equal(result.bin_edges.numpy(), [0.0, 0.75, 1.5, 2.25, 3.0])
    result = t([1.0, 1.0]).histogram(2)  # equal min and max: widened by 0.5
    np.testing.assert_array_equal(result.hist.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(result.bin_edges.numpy(), [0.5, 1.0, 1.5])
    result = t([]).histogram(2)
    np.testing.assert_array_equal(result.bin_edges.numpy(), [0.0, 0.5, 1.0])
    result = t([1.0, 2.0, 3.0]).histogram(t([0.0, 1.5, 3.0]), density=True)
    np.testing.assert_allclose(result.hist.numpy(), [2 / 9, 4 / 9], rtol=1e-6)
    result = t([0.0, 1.0, 2.0, 3.0]).histogram(3, range=(1.0, 2.0))
    np.testing.assert_array_equal(result.hist.numpy(), [1.0, 0.0, 1.0])
    assert result.hist.dtype == autograd.float32 and not result.hist.requires_grad


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: t([1, 2]).histogram(2), TypeError, "histogram: not implemented for int64"),
        (lambda: t([1.0, NAN]).histogram(2), RuntimeError, "range of \\[nan, nan\\] is not finite"),
        (lambda: t([1.0]).histogram(2, range=(3.0, 1.0)), RuntimeError, "min should not exceed max"),
        (lambda: t([1.0]).histogram(0), RuntimeError, "histogram: bins must be > 0, but got 0"),
        (lambda: t([1.0]).histogram(t([0.0, 1.0], dtype=autograd.float64)), RuntimeError, "same dtype"),
        (lambda: t([1.0]).histogram(2, weight=t([1.0, 2.0])), RuntimeError, "must have the input's shape"),
        (lambda: t([1.0, float("inf")]).histogram(2), RuntimeError, "range of \\[1, inf\\] is not finite"),
        (lambda: t([1.0]).histogram(t([0.0, 1.0]), range=(0.0, 1.0)), TypeError, "range= goes with a number"),
        (lambda: t([1.0]).histogram(t([0.0])), RuntimeError, "a 1-D tensor of at least 2 edges"),
        (lambda: t([1.0]).histogram(t([[0.0, 1.0]])), RuntimeError, "a 1-D tensor of at least 2 edges"),
        # PyTorch counts with edges that do not increase; TinyTorch refuses them
        (
            lambda: t([1.0]).histogram(t([0.0, 1.5, 1.0])),
            RuntimeError,
            "histogram: bin edges must not decrease",
        ),
    ],
)
def test_histogram_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_function_forms_check_their_input():
    with pytest.raises(TypeError, match="cov: argument 'input' must be a Tensor"):
        autograd.cov([1.0, 2.0])


@pytest.mark.parametrize("name", ["logaddexp2", "nextafter", "vdot", "fmin", "ldexp"])
def test_other_must_be_a_tensor(name):
    with pytest.raises(TypeError, match=f"{name}: argument 'other' must be a Tensor"):
        getattr(t([1.0]), name)(1.0)


def test_float_power_gradient_keeps_the_exponent_dtype():
    base, exponent = t([2.0, 3.0], requires_grad=True), t([1.0, 2.0], requires_grad=True)
    base.float_power(exponent).sum().backward()
    assert base.grad.dtype == exponent.grad.dtype == autograd.float32


def test_in_place_product_moves_retain_grad(leaf):
    s, m, v = leaf((2,)), leaf((2, 3)), leaf((3,))
    out = s * 1.0
    out.retain_grad()
    out.addmv_(m, v, beta=3.0)
    (out * 2).sum().backward()
    np.testing.assert_array_equal(out.grad.numpy(), [2.0, 2.0])  # the new version's, not the old one's 6


def test_a_zero_dim_operand_does_not_widen():
    # PyTorch 2.13: float32 (n,) with a float64 0-d tensor stays float32; an int tensor meets a float one
    f, d = t([1.0, 2.0]), t(3.0, dtype=autograd.float64)
    for name in ("fmax", "fmin", "ldexp", "nextafter", "logaddexp2"):
        assert getattr(f, name)(d).dtype == autograd.float32, name
    assert t([1, 2]).fmax(d).dtype == autograd.float64


def test_addr_of_an_integer_self_and_bool_vectors():
    out = autograd.ones(2, 2, dtype=autograd.int64).addr(t([True, False]), t([True, True]))
    assert out.dtype == autograd.int64
    np.testing.assert_array_equal(out.numpy(), [[2, 2], [1, 1]])  # PyTorch 2.13's


def test_function_forms_are_named_and_call_the_methods(check):
    for name in ("cov", "fmax", "ldexp", "histogram", "bitwise_and", "bitwise_left_shift"):
        function = getattr(autograd, name)
        assert function.__name__ == name and f"torch.{name}" in function.__doc__
    check(autograd.float_power(t([2, 3]), 2), np.array([4.0, 9.0]))
    np.testing.assert_array_equal(autograd.bitwise_or(3, t([4])).numpy(), [7])
    np.testing.assert_array_equal(autograd.bitwise_left_shift(3, t([1, 2])).numpy(), [6, 12])
    np.testing.assert_array_equal(autograd.bitwise_right_shift(t([8]), 2).numpy(), [2])
    with pytest.raises(TypeError, match="bitwise_xor: argument 'input' must be a Tensor"):
        autograd.bitwise_xor(1, 2)
