"""Gradients through complex tensors, PyTorch's convention: a complex leaf gets dL/dx + i dL/dy.

Every rule is checked by ``gradcheck`` and ``gradgradcheck``, which perturb the
real and the imaginary part of each complex input by central differences
(broadcasting included), and one value per op is pinned from PyTorch 2.13
(commented as such). Functions with no complex rule refuse complex tensors by name.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tt_autograd.gradients import grad

A = [1 + 2j, -0.5 + 0.25j, 3 - 1j]
B = [0.5 - 1j, 2 + 0.5j, -1 + 1j]


def cleaf(shape, seed=0):
    rng = np.random.default_rng(seed + 7 * len(shape))
    values = rng.uniform(-2, 2, size=shape) + 1j * rng.uniform(-2, 2, size=shape)
    return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)


def rleaf(shape, seed=0, low=-2.0):
    rng = np.random.default_rng(seed + 11 * len(shape))
    return autograd.tensor(rng.uniform(low, 2, size=shape), dtype=autograd.float64, requires_grad=True)


def given(values, dtype=autograd.complex128):
    return autograd.tensor(values, dtype=dtype, requires_grad=True)


CASES = {
    "mul (broadcast)": (lambda a, b: a * b, lambda: (cleaf((2, 3)), cleaf((3,), 1))),
    "div (broadcast)": (lambda a, b: a / b, lambda: (cleaf((2, 3)), cleaf((2, 1), 1))),
    "add, sub, neg": (lambda a, b: -(a + b) - b * 2, lambda: (cleaf((2, 3)), cleaf((3,), 1))),
    "matmul (batched)": (lambda a, b: a @ b, lambda: (cleaf((2, 2, 3)), cleaf((3, 2), 1))),
    "matmul (vector)": (lambda a, b: a @ b, lambda: (cleaf((3,)), cleaf((3, 2), 1))),
    "exp": (lambda a: a.exp(), lambda: (cleaf((2, 3)),)),
    "abs": (lambda a: a.abs(), lambda: (cleaf((2, 3)),)),
    "angle": (lambda a: a.angle(), lambda: (cleaf((2, 3)),)),
    "real": (lambda a: a.real * a.real, lambda: (cleaf((2, 3)),)),
    "imag": (lambda a: a.imag * a.imag, lambda: (cleaf((2, 3)),)),
    "conj": (lambda a: a.conj() * a.conj(), lambda: (cleaf((2, 3)),)),
    "sum, mean": (lambda a: a.sum(0) * a.mean(1, keepdim=True), lambda: (cleaf((2, 3)),)),
    "view_as_real": (lambda a: autograd.view_as_real(a * a), lambda: (cleaf((2, 3)),)),
    "view_as_complex": (lambda x: autograd.view_as_complex(x * x), lambda: (rleaf((3, 2)),)),
    "complex (broadcast)": (lambda x, y: autograd.complex(x, y) * autograd.complex(y, x), None),
    "polar (broadcast)": (
        lambda r, t: autograd.polar(r, t),
        lambda: (rleaf((2, 3), low=0.5), rleaf((3,), 1)),
    ),
    "real times complex": (lambda x, a: x * a, lambda: (rleaf((2, 3)), cleaf((3,), 1))),
    "complex over real": (lambda a, x: a / x, lambda: (cleaf((3,)), rleaf((2, 3), 1, low=0.5))),
    "shape and indexing": (
        lambda a: a[0, 1:].reshape(2, 1).transpose(0, 1).flatten().unsqueeze(0) * a[1:, :2].view(2),
        lambda: (cleaf((2, 3)),),
    ),
    "to complex": (lambda x: x.to(autograd.complex128) * (1 + 2j) * x.to(autograd.complex128), None),
    "to real": (lambda a: a.to(autograd.float64) * a.abs(), lambda: (cleaf((3,)),)),
}


def _inputs(name):
    fn, make = CASES[name]
    if make is not None:
        return fn, make()
    if name == "to complex":
        return fn, (rleaf((3,)),)
    return fn, (rleaf((2, 3)), rleaf((3,), 1))


@pytest.mark.filterwarnings("ignore:Casting complex values to real")  # ("to real": PyTorch warns too)
@pytest.mark.parametrize("name", list(CASES))
def test_gradients_and_second_derivatives_match_central_differences(name):
    fn, inputs = _inputs(name)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_gradcheck_catches_a_gradient_missing_its_conjugate():
    class Wrong(autograd.Function):
        complex_gradient = "own"

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):  # grad * f'(z) instead of grad * conj(f'(z))
            (a,) = ctx.saved_tensors
            return (grad * 2 * a,)

    with pytest.raises(GradcheckError, match="wrong gradient"):
        gradcheck(Wrong.apply, [cleaf((3,))])


def _backward_through_abs(out):
    out.abs().sum().backward()


@pytest.mark.parametrize(
    ("op", "grad_a", "grad_b"),
    [  # PyTorch 2.13: z = f(a, b); z.abs().sum().backward(); a.grad, b.grad
        (
            "mul",
            [0.5 + 1j, -1.8439088914585775 + 0.9219544457292888j],
            [1 - 2j, 0.5423261445466404 + 0.1355815361366601j],
        ),
        (
            "div",
            [0.4 + 0.8j, -0.4338609156373123 + 0.21693045781865616j],
            [-0.8 + 1.6j, -0.12760615165803302 - 0.03190153791450825j],
        ),
        ("matmul", [-1.062106130612269 + 0.3491855771875953j], [1.8332242802348753 + 1.2803471163545161j]),
    ],
)
def test_binary_gradients_match_pytorch(op, grad_a, grad_b):
    a, b = given(A), given(B)
    _backward_through_abs({"mul": a * b, "div": a / b, "matmul": a @ b}[op])
    np.testing.assert_allclose(a.grad.numpy()[: len(grad_a)], grad_a, rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy()[: len(grad_b)], grad_b, rtol=1e-12)


@pytest.mark.parametrize(
    ("op", "value", "grad"),
    [  # PyTorch 2.13: out = f(z); L = sum(out * [1, 2, 3]); complex L counts as L.real + 2 L.imag
        ("exp", -1.1312043837568135 + 2.4717266720048188j, 3.8122489602528242 - 4.734135439518446j),
        ("abs", 2.23606797749979, 0.4472135954999579 + 0.8944271909999159j),
        ("angle", 1.1071487177940904, -0.3999999999999999 + 0.19999999999999996j),
        ("real", 1.0, 1 + 0j),
        ("imag", 2.0, 1j),
        ("conj", 1 - 2j, 1 - 2j),
        ("mean", 1.1666666666666665 + 0.41666666666666663j, 0.3333333333333333 + 0.6666666666666666j),
    ],
)
def test_unary_values_and_gradients_match_pytorch(op, value, grad):
    z = given(A)
    out = {"exp": z.exp, "abs": z.abs, "angle": z.angle, "conj": z.conj, "mean": z.mean}.get(op)
    out = out() if out is not None else getattr(z, op)
    weights = autograd.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape))
    loss = (out * weights).sum()
    loss = loss.real + 2 * loss.imag if loss.is_complex() else loss
    loss.backward()
    np.testing.assert_allclose(out.detach().numpy().reshape(-1)[0], value, rtol=1e-12)
    np.testing.assert_allclose(z.grad.numpy()[0], grad, rtol=1e-12)


def test_complex_polar_and_views_match_pytorch():
    x, y = given([1.0, -2.0], autograd.float64), given([0.5, 3.0], autograd.float64)
    c = autograd.complex(x, y)
    ((c * (1 - 2j)).real.sum() + (c * c).imag.sum()).backward()
    assert x.grad.tolist() == [2.0, 7.0] and y.grad.tolist() == [4.0, -2.0]  # PyTorch 2.13
    r, t = given([1.0, 2.0], autograd.float64), given([0.5, -3.0], autograd.float64)
    p = autograd.polar(r, t)
    ((p * (1 - 2j)).real.sum() + (p * p).imag.sum()).backward()
    np.testing.assert_allclose(p.detach().numpy()[1], -1.9799849932008908 - 0.2822400161197344j)  # PyTorch
    np.testing.assert_allclose(r.grad.numpy(), [3.519375608714572, -0.15457051992447648])  # PyTorch 2.13
    np.testing.assert_allclose(t.grad.numpy(), [2.356344196912822, 4.00363232292088])  # PyTorch 2.13
    v = given([[1.0, 2.0], [3.0, -1.0]], autograd.float64)
    (autograd.view_as_complex(v) * autograd.view_as_complex(v)).imag.sum().backward()
    assert v.grad.tolist() == [[4.0, 2.0], [-2.0, 6.0]]  # PyTorch 2.13


def test_a_real_input_gets_the_real_part_of_its_gradient():
    x, z = given([1.0, -2.0], autograd.float64), given(A[:2])
    (x * z).abs().sum().backward()
    assert x.grad.dtype == autograd.float64
    np.testing.assert_allclose(x.grad.numpy(), [2.23606797749979, -0.5590169943749475])  # PyTorch 2.13
    np.testing.assert_allclose(z.grad.numpy()[1], -1.7888543819998317 + 0.8944271909999159j)  # PyTorch
    z = given(A)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (z.to(autograd.float64) * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).sum().backward()
    assert z.grad.tolist() == [1 + 0j, 2 + 0j, 3 + 0j]  # PyTorch 2.13


def test_abs_and_angle_have_a_zero_gradient_at_zero_as_pytorch():
    for op in ("abs", "angle"):
        z = autograd.tensor([0j, 1 + 1j], dtype=autograd.complex128, requires_grad=True)
        first = grad(getattr(z, op)().sum(), z, create_graph=True)[0]
        expected = (
            [0, 0.7071067811865476 + 0.7071067811865476j] if op == "abs" else [0, -0.5 + 0.5j]
        )  # PyTorch
        np.testing.assert_allclose(first.detach().numpy(), expected)
        second = grad((first * first.conj()).real.sum(), z)[0]
        assert np.isfinite(second.numpy()).all() and second.numpy()[0] == 0
        plain = autograd.tensor([0j, 1 + 1j], dtype=autograd.complex128, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            getattr(plain, op)().sum().backward()
        np.testing.assert_allclose(plain.grad.numpy(), expected)


def test_angle_of_a_real_tensor_has_a_zero_gradient():
    x = autograd.tensor([-1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    assert x.angle().tolist() == [np.pi, 0.0]
    first = grad((x.angle() * x).sum(), x, create_graph=True)[0]
    assert first.tolist() == [np.pi, 0.0]  # angle's own gradient is 0 (PyTorch 2.13)
    assert grad(first.sum(), x)[0].tolist() == [0.0, 0.0]


def test_casts_between_complex_dtypes_keep_the_complex_gradient():
    z = given(A)
    (z.to(autograd.complex64) * (1 + 2j)).real.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [1 - 2j] * 3)
    assert gradgradcheck(lambda v: v.to(autograd.complex128) * v, [cleaf((2,))])


def test_casting_complex_to_real_warns_once_as_pytorch_and_backward_is_quiet():
    z = given(A)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        real = z.to(autograd.float64)
    assert [(w.category, str(w.message)) for w in caught] == [
        (UserWarning, "Casting complex values to real discards the imaginary part")
    ]
    x = given([1.0, 2.0], autograd.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        real.sum().backward()
        (x.to(autograd.complex128) * (1 + 2j)).abs().sum().backward()
    assert z.grad.tolist() == [1 + 0j] * 3


def test_a_float32_model_with_complex_weights_keeps_complex64_gradients():
    z = autograd.tensor([1 + 1j, 2 - 1j], requires_grad=True)
    x = autograd.tensor([0.5, 2.0], requires_grad=True)
    (z * x).abs().sum().backward()
    assert z.grad.dtype == autograd.complex64 and x.grad.dtype == autograd.float32


def test_functions_without_a_complex_rule_refuse_complex_tensors_by_name():
    z = autograd.tensor([1 + 1j, 2 - 1j])
    for call, name in [
        (z.relu, "ReLU"),
        (lambda: z.atan2(z), "Atan2"),
        (lambda: z.hypot(z), "Hypot"),
        (z.floor, "Step"),
    ]:
        with pytest.raises(TypeError, match=f"{name}: complex tensors are not supported"):
            call()
    with pytest.raises(TypeError, match="Maximum: complex tensors"):
        autograd.tensor([1 + 1j], requires_grad=True).maximum(z)


def test_backward_of_a_complex_output_needs_a_gradient():
    z = autograd.tensor([1 + 1j], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for real one-element outputs"):
        (z * z).sum().backward()
    (z * z).sum().backward(gradient=autograd.tensor(1 + 0j))
    assert z.grad.tolist() == [2 - 2j]  # grad * conj(2z)


def test_complex_tensors_can_require_grad_and_integers_still_cannot():
    assert autograd.tensor([1j], requires_grad=True).requires_grad
    with pytest.raises(
        RuntimeError, match="only floating-point tensors can require gradients \\(and complex ones\\)"
    ):
        autograd.tensor([1], requires_grad=True)


def test_index_assignment_of_complex_values_is_recorded():
    w = autograd.tensor([1 + 0j, 1 + 0j], requires_grad=True)
    out = autograd.zeros(3, dtype=autograd.complex64)
    out[:2] = w * (2 + 1j)
    assert out.requires_grad and repr(out.grad_fn) == "<PutBackward0>"
    out.abs().sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [5**0.5, 5**0.5], rtol=1e-6)  # conj(2 + i) (2 + i) / |2 + i|
    assert gradcheck(_placed, [cleaf((2,))]) and gradgradcheck(_placed, [cleaf((2,))])
    with pytest.raises(RuntimeError, match="complex64 can't be cast to the desired output type float32"):
        autograd.zeros(2).add_(autograd.tensor([1j, 1j]))


def _placed(values):
    out = autograd.zeros(3, dtype=autograd.complex128)
    out[1:] = values * values
    return out


def test_real_parts_are_views_and_grads_recorded_nodes_are_named():
    z = autograd.tensor([1 + 2j, 3 - 4j])
    z.real[0] = 5.0
    assert z.tolist() == [5 + 2j, 3 - 4j]
    w = autograd.tensor([1 + 2j], requires_grad=True)
    assert repr((w * w).grad_fn) == "<MulBackward0>" and repr(w.abs().grad_fn) == "<ComplexAbsBackward0>"


def test_conjugate_transposes_conjugate_complex_matrices():
    m = autograd.tensor([[1 + 2j, 3j], [2, -1 - 1j]])
    expected = [[1 - 2j, 2 + 0j], [-3j, -1 + 1j]]
    assert m.mH.tolist() == expected and m.H.tolist() == expected and m.adjoint().tolist() == expected
    r = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert r.mH.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert gradgradcheck(lambda a: a @ a.mH, [cleaf((2, 3))])


def test_a_function_without_a_complex_rule_cannot_make_a_complex_result():
    class RealToComplex(autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1j

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    with pytest.raises(TypeError, match="RealToComplex: complex tensors are not supported"):
        RealToComplex.apply(autograd.tensor([1.0], requires_grad=True))


def test_a_recorded_gradient_of_a_real_input_is_real():
    x, a = rleaf((3,)), cleaf((3,), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (first,) = grad((x * a).abs().sum(), x, create_graph=True)
        (second,) = grad(first.sum(), a)
    assert first.dtype == autograd.float64 and second.dtype == autograd.complex128
    np.testing.assert_allclose(
        first.detach().numpy(), np.sign(x.detach().numpy()) * np.abs(a.detach().numpy())
    )


def test_recorded_gradients_of_casts_keep_their_parts():
    z = given(A)
    (first,) = grad((z.to(autograd.complex64) * (1 + 2j)).real.sum(), z, create_graph=True)
    np.testing.assert_allclose(first.detach().numpy(), [1 - 2j] * 3, rtol=1e-6)
    x = given([1.0, -2.0], autograd.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (first,) = grad((x.to(autograd.complex128) * (1 + 2j)).abs().sum(), x, create_graph=True)
    assert first.dtype == autograd.float64
    np.testing.assert_allclose(first.detach().numpy(), [5**0.5, -(5**0.5)])
