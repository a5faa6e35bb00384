"""Element-wise functions beyond the exercises: ``log1p`` ... ``atanh``, ``atan2``, ``hypot``, ``logaddexp``,
``xlogy``, ``copysign``, ``fmod``, ``trunc``/``fix``/``frac``, ``lerp``, ``addcmul``, ``addcdiv``, ``logit``,
``nan_to_num``: values against NumPy float64 formulas, gradients against central differences, PyTorch's
values at the edges (checked against torch 2.13 in a scratch script and pinned here), dtypes and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

NAN, INF = float("nan"), float("inf")

# name: (reference formula, input range, its derivative)
UNARY = {
    "log1p": (lambda x: np.log(1 + x), (-0.5, 2.0), lambda x: 1 / (1 + x)),
    "expm1": (lambda x: np.exp(x) - 1, (-2.0, 2.0), np.exp),
    "log2": (lambda x: np.log(x) / np.log(2), (0.2, 3.0), lambda x: 1 / (x * np.log(2))),
    "log10": (lambda x: np.log(x) / np.log(10), (0.2, 3.0), lambda x: 1 / (x * np.log(10))),
    "exp2": (lambda x: 2.0**x, (-2.0, 2.0), lambda x: 2.0**x * np.log(2)),
    "sinh": (lambda x: (np.exp(x) - np.exp(-x)) / 2, (-2.0, 2.0), lambda x: (np.exp(x) + np.exp(-x)) / 2),
    "cosh": (lambda x: (np.exp(x) + np.exp(-x)) / 2, (-2.0, 2.0), lambda x: (np.exp(x) - np.exp(-x)) / 2),
    "tan": (lambda x: np.sin(x) / np.cos(x), (-1.2, 1.2), lambda x: 1 / np.cos(x) ** 2),
    "asin": (np.arcsin, (-0.8, 0.8), lambda x: 1 / np.sqrt(1 - x * x)),
    "acos": (lambda x: np.pi / 2 - np.arcsin(x), (-0.8, 0.8), lambda x: -1 / np.sqrt(1 - x * x)),
    "atan": (np.arctan, (-3.0, 3.0), lambda x: 1 / (1 + x * x)),
    "asinh": (lambda x: np.log(x + np.sqrt(x * x + 1)), (-3.0, 3.0), lambda x: 1 / np.sqrt(x * x + 1)),
    "acosh": (lambda x: np.log(x + np.sqrt(x * x - 1)), (1.2, 4.0), lambda x: 1 / np.sqrt(x * x - 1)),
    "atanh": (lambda x: 0.5 * np.log((1 + x) / (1 - x)), (-0.8, 0.8), lambda x: 1 / (1 - x * x)),
}
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh"}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_values_and_gradients(name, leaf, check_grad, check):
    formula, (low, high), derivative = UNARY[name]
    x = leaf((3, 4), low=low, high=high)
    values = x.detach().numpy()
    check(getattr(x, name)(), formula(values), rtol=1e-12)
    check(getattr(autograd, name)(x), formula(values), rtol=1e-12)
    getattr(x, name)().sum().backward()
    check(x.grad, derivative(values), rtol=1e-10)
    check_grad(getattr(autograd, name), leaf((2, 3), low=low, high=high))
    assert getattr(x, name)().grad_fn.name() == f"{name.capitalize()}Backward0"


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_dtypes(name):
    low = UNARY[name][1][0]
    half = autograd.tensor([low + 0.1], dtype=autograd.float32)
    assert getattr(half, name)().dtype == autograd.float32
    assert getattr(autograd.tensor([2]), name)().dtype == autograd.get_default_dtype()
    plain = getattr(tt_tensor, name)(tt_tensor.tensor([low + 0.1]))  # tt-tensor alone, no gradients
    assert type(plain) is tt_tensor.Tensor


def test_aliases_and_domain_edges():
    x = autograd.tensor([0.25, 0.5], dtype=autograd.float64)
    for alias, name in ALIASES.items():
        assert np.array_equal(
            getattr(x + 1 if name == "acosh" else x, alias)().numpy(),
            getattr(x + 1 if name == "acosh" else x, name)().numpy(),
        )
    assert np.array_equal(autograd.arctanh(x).numpy(), x.atanh().numpy())
    out = autograd.tensor([2.0, -1.0, 1.0]).asin().numpy()
    assert np.isnan(out[0]) and out[1] == -np.pi / 2
    assert autograd.tensor([1.0, -1.0]).atanh().numpy().tolist() == [INF, -INF]
    assert autograd.log1p(autograd.tensor([-1.0])).item() == -INF
    tiny = autograd.tensor([1e-10], dtype=autograd.float64)  # the point of log1p and expm1: no cancellation
    assert tiny.log1p().item() == pytest.approx(1e-10 - 5e-21, rel=1e-15)
    assert tiny.expm1().item() == pytest.approx(1e-10 + 5e-21, rel=1e-15)


# ------------------------------------------------------------------ binary, broadcasting
BINARY = {  # name: (formula, range of a, range of b)
    "atan2": (np.arctan2, (0.2, 2.0), (-2.0, 2.0)),
    "hypot": (lambda a, b: np.sqrt(a * a + b * b), (-2.0, 2.0), (0.3, 2.0)),
    "logaddexp": (lambda a, b: np.log(np.exp(a) + np.exp(b)), (-3.0, 3.0), (-3.0, 3.0)),
    "xlogy": (lambda a, b: a * np.log(b), (-2.0, 2.0), (0.2, 3.0)),
    "fmod": (lambda a, b: a - np.trunc(a / b) * b, (-5.0, 5.0), (0.7, 1.9)),
}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_values_and_gradients_broadcast(name, leaf, check_grad, check):
    formula, (a_low, a_high), (b_low, b_high) = BINARY[name]
    a = leaf((2, 1, 4), low=a_low, high=a_high)
    b = leaf((3, 1), low=b_low, high=b_high)
    expected = formula(a.detach().numpy(), b.detach().numpy())
    check(getattr(a, name)(b), expected, rtol=1e-12)
    check(getattr(autograd, name)(a, b), expected, rtol=1e-12)
    if name == "fmod":  # away from the jumps of trunc(a / b)
        ratio = a.detach().numpy() / b.detach().numpy()
        assert np.min(np.abs(ratio - np.round(ratio))) > 1e-3
    check_grad(getattr(autograd, name), a, b)
    check_grad(lambda x: getattr(x, name)(1.5), leaf((4,), low=a_low, high=a_high))


def test_binary_gradients_have_the_formula_values(check):
    a = autograd.tensor([1.0, -2.0, 0.5], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([2.0, 1.5, 3.0], dtype=autograd.float64, requires_grad=True)
    av, bv = a.detach().numpy(), b.detach().numpy()
    cases = {
        "atan2": (bv / (av**2 + bv**2), -av / (av**2 + bv**2)),
        "hypot": (av / np.hypot(av, bv), bv / np.hypot(av, bv)),
        "logaddexp": (np.exp(av) / (np.exp(av) + np.exp(bv)), np.exp(bv) / (np.exp(av) + np.exp(bv))),
        "xlogy": (np.log(bv), av / bv),
        "fmod": (np.ones(3), -np.trunc(av / bv)),
    }
    for name, (grad_a, grad_b) in cases.items():
        a.grad = b.grad = None
        getattr(a, name)(b).sum().backward()
        check(a.grad, grad_a, rtol=1e-12)
        check(b.grad, grad_b, rtol=1e-12)


@pytest.mark.parametrize("name", [*BINARY, "copysign"])
def test_binary_forms_of_plain_tt_tensor(name):
    """tt-tensor's own methods (overridden by tt-autograd's) give the same values, without a graph."""
    a, b = [[0.5, -1.5, 2.0]], [[1.25], [-0.75]]
    plain = getattr(tt_tensor.tensor(a), name)(tt_tensor.tensor(b))
    recorded = getattr(autograd.tensor(a), name)(autograd.tensor(b))
    assert type(plain) is tt_tensor.Tensor
    np.testing.assert_array_equal(plain.numpy(), recorded.detach().numpy())
    scalar = getattr(tt_tensor, name)(tt_tensor.tensor(a), 2.0)
    np.testing.assert_array_equal(scalar.numpy(), getattr(autograd, name)(autograd.tensor(a), 2.0).numpy())


def test_atan2_quadrants_and_signed_zeros():
    y = autograd.tensor([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 0.0, -0.0])
    x = autograd.tensor([1.0, -1.0, -1.0, 1.0, 0.0, -1.0, -0.0, -1.0])
    expected = [math.pi / 4, 3 * math.pi / 4, -3 * math.pi / 4, -math.pi / 4, 0.0, math.pi, math.pi, -math.pi]
    np.testing.assert_allclose(autograd.atan2(y, x).numpy(), expected, rtol=1e-6)
    assert autograd.arctan2(y, x).tolist() == autograd.atan2(y, x).tolist()


def test_atan2_gradient_at_the_origin_is_zero_as_pytorch():
    # The formula is 0/0 there (it gave NaN); PyTorch 2.13 gives 0 with these signs, in both passes.
    from tt_autograd.gradients import grad

    y = autograd.tensor([0.0, 0.0, -0.0, 1.0, 1.0], dtype=autograd.float64, requires_grad=True)
    x = autograd.tensor([0.0, -0.0, 0.0, 0.0, 2.0], dtype=autograd.float64, requires_grad=True)
    for create_graph in (False, True):
        gy, gx = grad(autograd.atan2(y, x).sum(), (y, x), create_graph=create_graph)
        assert gy.tolist() == [0.0, 0.0, 0.0, 0.0, 0.4] and gx.tolist() == [0.0, 0.0, 0.0, -1.0, -0.2]
        assert [math.copysign(1, v) for v in gy.tolist()] == [1, -1, 1, 1, 1]


def test_xlogy_edges_as_pytorch():
    x = autograd.tensor([0.0, 0.0, 0.0, 2.0, 0.0])
    y = autograd.tensor([0.0, NAN, -1.0, 0.0, INF])
    out = autograd.xlogy(x, y).tolist()
    assert out[0] == 0.0 and math.isnan(out[1]) and out[2] == 0.0 and out[3] == -INF and out[4] == 0.0
    # PyTorch's gradients: d/dx = log(y) but 0 where x == 0 and y <= 0; d/dy = x / y
    x = autograd.tensor([0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 2.0], requires_grad=True)
    y = autograd.tensor([0.0, 2.0, 2.0, 0.0, -1.0, NAN, -1.0], requires_grad=True)
    autograd.xlogy(x, y).sum().backward()
    gx, gy = x.grad.tolist(), y.grad.tolist()
    np.testing.assert_allclose(gx[:4], [0.0, math.log(2), math.log(2), -INF], rtol=1e-6)
    assert gx[4] == 0.0 and math.isnan(gx[5]) and math.isnan(gx[6])
    assert math.isnan(gy[0]) and gy[1:5] == [0.0, 0.5, INF, -0.0] and math.isnan(gy[5])
    x = autograd.tensor([0.0, 0.0], dtype=autograd.float64, requires_grad=True)
    autograd.xlogy(x, autograd.tensor([0.5, 1e-3], dtype=autograd.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.log([0.5, 1e-3]), rtol=1e-12)  # y > 0: log(y) even at x = 0
    assert autograd.xlogy(autograd.tensor([3]), 2).dtype == autograd.get_default_dtype()


def test_fmod_sign_of_the_dividend_and_integers():
    a = autograd.tensor([-3.0, 3.0, -3.0, 3.0, 5.5])
    b = autograd.tensor([2.0, -2.0, -2.0, 2.0, 2.0])
    assert autograd.fmod(a, b).tolist() == [-1.0, 1.0, -1.0, 1.0, 1.5]
    assert (a % b).tolist() == [1.0, -1.0, -1.0, 1.0, 1.5]  # remainder takes the divisor's sign instead
    ints = autograd.fmod(autograd.tensor([-3, 3, 7]), 2)
    assert ints.tolist() == [-1, 1, 1] and ints.dtype == autograd.int64
    with pytest.raises(ZeroDivisionError, match="fmod of integer tensors by a zero"):
        autograd.tensor([3]).fmod(0)
    with pytest.raises(RuntimeError, match="fmod"):
        autograd.tensor([3, 4]).fmod(autograd.tensor([1, 0]))
    a = autograd.tensor([-3.5, 3.5], requires_grad=True)
    b = autograd.tensor([2.0, -2.0], requires_grad=True)
    a.fmod(b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [1.0, 1.0]  # -trunc(-1.75) = 1


def test_copysign_values_and_gradients():
    a = autograd.tensor([1.0, -2.0, 0.0, 3.0], requires_grad=True)
    b = autograd.tensor([-0.0, 1.0, -1.0, 2.0], requires_grad=True)
    out = autograd.copysign(a, b)
    assert out.tolist() == [-1.0, 2.0, 0.0, 3.0] and math.copysign(1, out[2].item()) == -1
    out.sum().backward()
    assert a.grad.tolist() == [-1.0, -1.0, 0.0, 1.0] and b.grad.tolist() == [0.0] * 4
    ints = autograd.copysign(autograd.tensor([1, 2]), autograd.tensor([-1, 1]))
    assert ints.tolist() == [-1.0, 2.0] and ints.dtype == autograd.get_default_dtype()
    x = autograd.tensor([[0.5, -1.5]], dtype=autograd.float64, requires_grad=True)
    assert autograd.gradcheck(lambda t: t.copysign(autograd.tensor([[1.0], [-1.0]])), [x])


def test_binary_dtypes_and_shape_errors():
    f32 = autograd.tensor([1.0, 2.0])
    for name in ["atan2", "hypot", "logaddexp", "xlogy", "copysign", "fmod"]:
        assert getattr(f32, name)(autograd.tensor([1.5, 2.5])).dtype == autograd.float32
        assert getattr(f32, name)(2).dtype == autograd.float32
        mixed = getattr(f32, name)(autograd.tensor([1.5, 2.5], dtype=autograd.float64))
        assert mixed.dtype == autograd.float64
        with pytest.raises(RuntimeError, match=rf"{name}.*\(2,\).*\(3,\)"):
            getattr(f32, name)(autograd.ones(3))
    ints = autograd.tensor([1, 2])
    for name in ["atan2", "xlogy", "copysign"]:
        assert getattr(ints, name)(ints).dtype == autograd.get_default_dtype()
    for name in ["hypot", "logaddexp"]:  # PyTorch 2.13: '"hypot_cpu" not implemented for 'Long''
        with pytest.raises(NotImplementedError, match=f"^{name}: not implemented for int64"):
            getattr(ints, name)(ints)


# ------------------------------------------------------------------ rounding toward zero
def test_trunc_fix_frac(check):
    x = autograd.tensor([-1.5, 2.25, -0.75, 3.0], dtype=autograd.float64, requires_grad=True)
    assert x.trunc().tolist() == [-1.0, 2.0, -0.0, 3.0]
    assert autograd.fix(x).tolist() == x.trunc().tolist()
    assert autograd.frac(x).tolist() == [-0.5, 0.25, -0.75, 0.0]
    (x.frac() + 3 * x.trunc()).sum().backward()
    assert x.grad.tolist() == [1.0] * 4  # frac passes the gradient, trunc passes 0
    assert autograd.trunc(autograd.tensor([1, -2])).dtype == autograd.int64
    with pytest.raises(TypeError, match="frac: expected a floating-point tensor"):
        autograd.tensor([1, 2]).frac()


# ------------------------------------------------------------------ compositions
def test_lerp_scalar_and_tensor_weights(leaf, check_grad, check):
    start, end = autograd.tensor([1.0, 2.0]), autograd.tensor([3.0, 5.0])
    assert autograd.lerp(start, end, 0.75).tolist() == [2.5, 4.25]
    assert start.lerp(end, autograd.tensor([0.25, 1.0])).tolist() == [1.5, 5.0]
    assert start.lerp(end, 1.0).tolist() == [3.0, 5.0] and start.lerp(end, 0).tolist() == [1.0, 2.0]
    a, b, w = leaf((2, 3)), leaf((3,)), leaf((2, 1), low=0.0, high=1.0)
    av, bv, wv = (t.detach().numpy() for t in (a, b, w))
    check(a.lerp(b, w), av + wv * (bv - av), rtol=1e-12)
    check(a.lerp(b, 0.3), av + 0.3 * (bv - av), rtol=1e-12)
    check(a.lerp(b, 0.8), av + 0.8 * (bv - av), rtol=1e-12)
    check_grad(autograd.lerp, a, b, w)
    check_grad(lambda s, e: s.lerp(e, 0.7), a, b)
    check_grad(lambda s, e: s.lerp(e, 0.2), a, b)


def test_addcmul_addcdiv(leaf, check_grad, check):
    x, t1, t2 = leaf((2, 3)), leaf((3,)), leaf((2, 1), low=0.5, high=2.0)
    xv, v1, v2 = (t.detach().numpy() for t in (x, t1, t2))
    check(autograd.addcmul(x, t1, t2), xv + v1 * v2, rtol=1e-12)
    check(x.addcmul(t1, t2, value=-0.5), xv - 0.5 * v1 * v2, rtol=1e-12)
    check(autograd.addcdiv(x, t1, t2, value=2), xv + 2 * v1 / v2, rtol=1e-12)
    check_grad(lambda a, b, c: a.addcmul(b, c, value=0.5), x, t1, t2)
    check_grad(lambda a, b, c: a.addcdiv(b, c, value=3.0), x, t1, t2)
    with pytest.raises(RuntimeError, match="addcdiv: integer division"):
        autograd.tensor([1, 2]).addcdiv(autograd.tensor([1, 2]), autograd.tensor([1, 2]))


def test_logit_values_eps_and_gradients(leaf, check_grad, check):
    assert autograd.logit(autograd.tensor([0.0, 1.0, 0.5])).tolist() == [-INF, INF, 0.0]
    assert math.isnan(autograd.tensor([2.0]).logit().item())
    np.testing.assert_allclose(
        autograd.tensor([0.0, 1.0, 0.5]).logit(eps=0.1).numpy(), [-math.log(9), math.log(9), 0.0], rtol=1e-6
    )
    p = leaf((2, 3), low=0.05, high=0.95)
    pv = p.detach().numpy()
    check(p.logit(), np.log(pv / (1 - pv)), rtol=1e-12)
    check_grad(autograd.logit, p)
    q = autograd.tensor([0.05, 0.1, 0.5, 0.9, 0.95], dtype=autograd.float64, requires_grad=True)
    q.logit(eps=0.1).sum().backward()  # PyTorch: 1 / (p (1 - p)) inside [eps, 1 - eps], ends included
    np.testing.assert_allclose(q.grad.numpy(), [0.0, 1 / 0.09, 4.0, 1 / 0.09, 0.0], rtol=1e-12)
    assert autograd.tensor([0, 1]).logit().dtype == autograd.get_default_dtype()


def test_nan_to_num():
    x = autograd.tensor([NAN, INF, -INF, 1.0], requires_grad=True)
    out = autograd.nan_to_num(x)
    big = float(np.finfo(np.float32).max)
    assert out.tolist() == [0.0, big, -big, 1.0] and out.dtype == autograd.float32
    assert x.nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0).tolist() == [1.0, 2.0, -3.0, 1.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]  # the gradient passes where x is finite
    x64 = autograd.tensor([INF], dtype=autograd.float64)
    assert x64.nan_to_num().item() == float(np.finfo(np.float64).max)
    ints = autograd.tensor([1, 2]).nan_to_num()
    assert ints.tolist() == [1, 2] and ints.dtype == autograd.int64


def test_the_meta_package_has_the_functional_forms():
    import tinytorch as tt

    for name in [
        *UNARY,
        *ALIASES,
        *BINARY,
        "arctan2",
        "copysign",
        "trunc",
        "fix",
        "frac",
        "lerp",
        "addcmul",
        "addcdiv",
        "logit",
        "nan_to_num",
    ]:
        assert callable(getattr(tt, name)), name
        assert hasattr(tt.tensor([0.5]), name), name
