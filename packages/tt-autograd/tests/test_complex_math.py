"""Element-wise math of complex tensors (functions/complex_math.py): values and gradients as PyTorch's.

Every op is checked by ``gradcheck`` and ``gradgradcheck`` (central differences
on the real and imaginary parts, complex128), pow with broadcasting and real
operands; a few values and gradients are pinned from PyTorch 2.13 (commented).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck, gradgradcheck
from tt_autograd.gradients import grad

A = [1 + 2j, -0.5 + 0.25j, 3 - 1j]
UNARY = (
    "log log2 log10 log1p expm1 sqrt rsqrt reciprocal sin cos tan sinh cosh tanh asin acos atan "
    "asinh acosh atanh exp2 sigmoid"
)


def cleaf(shape, seed=0, scale=1.5):
    rng = np.random.default_rng(seed + 5 * len(shape))
    values = rng.uniform(-scale, scale, size=shape) + 1j * rng.uniform(0.2, scale, size=shape)
    return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)


def rleaf(shape, seed=0, low=0.5):
    rng = np.random.default_rng(seed + 3 * len(shape))
    return autograd.tensor(rng.uniform(low, 2, size=shape), dtype=autograd.float64, requires_grad=True)


@pytest.mark.parametrize("op", [*UNARY.split(), "sgn", "square"])
def test_unary_gradients_and_second_derivatives_match_central_differences(op):
    inputs = [cleaf((2, 3))]  # imaginary parts >= 0.2: off the branch cuts of log, sqrt, asin, ...
    assert gradcheck(lambda z: getattr(z, op)(), inputs)
    assert gradgradcheck(lambda z: getattr(z, op)(), inputs)


POW = {
    "complex ** int": (lambda z: z**3, lambda: [cleaf((2, 3))]),
    "complex ** float": (lambda z: z**2.5, lambda: [cleaf((2, 3))]),
    "complex ** complex scalar": (lambda z: z ** (0.5 - 1j), lambda: [cleaf((2, 3))]),
    "complex ** complex (broadcast)": (lambda z, w: z**w, lambda: [cleaf((2, 3)), cleaf((3,), 1, 0.8)]),
    "scalar ** complex": (lambda w: 2.5**w, lambda: [cleaf((2, 3))]),
    "negative scalar ** complex": (lambda w: (-2.5) ** w, lambda: [cleaf((3,))]),
    "real ** complex (broadcast)": (lambda x, w: x**w, lambda: [rleaf((2, 1)), cleaf((3,), 1, 0.8)]),
    "negative real ** complex": (lambda x, w: x**w, lambda: [rleaf((3,), low=-2), cleaf((3,), 1, 0.8)]),
    "complex ** real (broadcast)": (lambda z, x: z**x, lambda: [cleaf((2, 3)), rleaf((3,), 1)]),
    "real ** complex scalar": (lambda x: x ** (1 + 1j), lambda: [rleaf((3,))]),
    "pow and rpow methods": (
        lambda z, w: z.pow(w) * w.__rpow__(z),
        lambda: [cleaf((3,)), cleaf((3,), 1, 0.8)],
    ),
}


@pytest.mark.parametrize("name", list(POW))
def test_pow_gradients_and_second_derivatives_match_central_differences(name):
    fn, make = POW[name]
    assert gradcheck(fn, make())
    assert gradgradcheck(fn, make())


@pytest.mark.parametrize(
    ("op", "value", "grad_first"),
    [  # PyTorch 2.13: out = f(z); L = sum(out * [1, 2, 3]); complex L counts as L.real + 2 L.imag
        ("log", 0.8047189562170503 + 1.1071487177940904j, -0.6000000000000001 + 0.8j),
        ("sqrt", 1.272019649514069 + 0.7861513777574233j, -0.06714534375125135 + 0.7446532731328546j),
        ("asin", 0.42707858639247614 + 1.528570919480998j, 0.7102406199603006 + 0.615988423788623j),
        ("acos", 1.1437177404024204 - 1.528570919480998j, -0.7102406199603006 - 0.615988423788623j),
        ("sigmoid", 1.0214153641721806 + 0.40343870608154253j, -0.7005477518407017 + 0.7024958948452047j),
        ("tan", 0.03381282607989669 + 1.0147936161466335j, 0.10858938403457047 - 0.1259516324284147j),
        ("log1p", 1.039720770839918 + 0.7853981633974483j, -0.25 + 0.75j),
        ("rsqrt", 0.5688644810057831 - 0.3515775842541429j, 0.3112903780033921 - 0.1220725171260704j),
        ("cosh", -0.64214812471552 + 1.0686074213827783j, 2.3171822422027875 - 2.3812317687046276j),
        ("pow", 4.382565059863358 - 1.1243974773611554j, -4.595942070377463 - 2.113350237069942j),
        ("rpow", 0.36691394948660344 + 1.9660554808224875j, 2.9798569963078227 - 0.854115074167028j),
    ],
)
def test_values_and_gradients_match_pytorch(op, value, grad_first):
    z = autograd.tensor(A, dtype=autograd.complex128, requires_grad=True)
    out = z ** (0.5 - 1j) if op == "pow" else 2**z if op == "rpow" else getattr(z, op)()
    loss = (out * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).sum()
    (loss.real + 2 * loss.imag).backward()
    np.testing.assert_allclose(out.detach().numpy()[0], value, rtol=1e-12)
    np.testing.assert_allclose(z.grad.numpy()[0], grad_first, rtol=1e-12)


def test_real_base_to_complex_exponent_gives_the_base_a_real_gradient_as_pytorch():
    x = autograd.tensor([1.5, -2.0], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([0.5 + 1j, -1 + 0.5j], dtype=autograd.complex128, requires_grad=True)
    out = x**b
    (out.real.sum() + 3 * out.imag.sum()).backward()
    assert x.grad.dtype == autograd.float64 and b.grad.dtype == autograd.complex128
    np.testing.assert_allclose(  # PyTorch 2.13 (a negative real base has log|x| + i pi)
        out.detach().numpy(),
        [1.1254413771033778 + 0.48309596014006584j, -0.09775974713080333 - 0.035305968431193754j],
    )
    np.testing.assert_allclose(x.grad.numpy(), [2.7870618666212374, -0.037345507971888264])  # PyTorch 2.13
    np.testing.assert_allclose(  # PyTorch 2.13
        b.grad.numpy(), [1.0439628767510503 + 1.1731030732050582j, -0.951625529678502 + 0.46105876974397375j]
    )


def test_pow_at_a_zero_base_has_pytorchs_zero_gradients_also_recorded():
    for create_graph in (False, True):
        z = autograd.tensor([0j, 2 + 0j, 0j], dtype=autograd.complex128, requires_grad=True)
        b = autograd.tensor([2 + 0j, 0j, 0j], dtype=autograd.complex128, requires_grad=True)
        out = z**b
        grad_z, grad_b = grad(out.real.sum() + out.imag.sum(), [z, b], create_graph=create_graph)
        assert grad_z.tolist() == [0j, 0j, 0j]  # PyTorch 2.13: d/dz is 0 where b == 0 and at 0 ** 2
        np.testing.assert_allclose(grad_b.detach().numpy(), [0, np.log(2) * (1 + 1j), 0])  # PyTorch 2.13
    second = grad((grad_z * grad_z.conj()).real.sum() + (grad_b * grad_b.conj()).real.sum(), [z, b])
    np.testing.assert_allclose(
        [s.numpy()[1] for s in second], [1.3862943611198906, 1.3320986079557178]
    )  # PyTorch


def test_sgn_gradient_is_the_part_orthogonal_to_the_sign_and_zero_at_zero():
    z = autograd.tensor(A, dtype=autograd.complex128, requires_grad=True)
    (z.sgn() * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).sum().real.backward()
    np.testing.assert_allclose(  # PyTorch 2.13
        z.grad.numpy(),
        [0.35777087639996635 - 0.17888543819998315j, 0.7155417527999327 + 1.4310835055998652j]
        + [0.0948683298050514 + 0.2846049894151541j],
        rtol=1e-12,
    )
    zero = autograd.tensor([0j, -3j], dtype=autograd.complex128, requires_grad=True)
    assert zero.sgn().tolist() == [0j, -1j]
    (first,) = grad(zero.sgn().imag.sum(), zero, create_graph=True)
    assert first.tolist()[0] == 0j
    (second,) = grad((first * first.conj()).real.sum(), zero)
    assert second.tolist()[0] == 0j and np.isfinite(second.numpy()).all()


def test_sgn_of_a_real_tensor_is_its_sign_and_sign_refuses_complex_as_pytorch():
    x = autograd.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    assert x.sgn().tolist() == [-1.0, 0.0, 1.0] and autograd.sgn(x).tolist() == [-1.0, 0.0, 1.0]
    with pytest.raises(RuntimeError, match="torch.sign is not intended to support complex numbers"):
        autograd.tensor([1j]).sign()


@pytest.mark.parametrize("op", [*UNARY.split(), "sgn", "square", "exp"])
def test_complex64_stays_complex64_and_matches_complex128(op):
    z = cleaf((4,))
    single = getattr(z.detach().to(autograd.complex64).requires_grad_(), op)()
    double = getattr(z, op)()
    assert single.dtype == autograd.complex64
    np.testing.assert_allclose(single.detach().numpy(), double.detach().numpy(), rtol=2e-5)
    single.abs().sum().backward()
    assert single.grad_fn is not None


def test_real_float32_to_a_complex_scalar_power_is_complex64():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    out = x**1j
    assert out.dtype == autograd.complex64
    out.real.sum().backward()
    assert x.grad.dtype == autograd.float32
    np.testing.assert_allclose(x.grad.numpy(), [0.0, -np.sin(np.log(2.0)) / 2.0], atol=1e-7)


def test_nodes_take_pytorchs_names():
    z = autograd.tensor([1 + 1j], requires_grad=True)
    assert [
        z.sin().grad_fn.name(),
        z.log1p().grad_fn.name(),
        z.sgn().grad_fn.name(),
        (z**z).grad_fn.name(),
    ] == [
        "SinBackward0",
        "Log1PBackward0",
        "SgnBackward0",
        "PowBackward0",
    ]


@pytest.mark.parametrize(
    ("op", "values", "grads"),
    [  # PyTorch 2.13 at -0.5 + 0.25j and -2 - 1j (Re z < 0: acosh's slope is 1 / (sqrt(z-1) sqrt(z+1)))
        ("acosh", [0.28139605624529274 + 2.0724051800703975j, 1.4693517443681852 - 2.6342363503726487j],
         [-0.16127472062565798 + 1.0725361811319973j, -0.40224793209535514 - 0.24860289393928917j]),
        ("asinh", [-0.4926756834207706 + 0.2243284526346675j, -1.528570919480998 - 0.42707858639247614j],
         [0.902886474576047 - 0.0940103091527985j, 0.3884434935075093 + 0.16089856322639565j]),
        ("atanh", [-0.500370000052531 + 0.3143981432077165j, -0.40235947810852507 - 1.3389725222944935j],
         [1.1243243243243244 + 0.34594594594594597j, -0.1 - 0.2j]),
        ("exp2", [0.6965167091827812 + 0.12191994844646645j, 0.19230972534099303 - 0.1597403190784087j],
         [0.48278859318293615 - 0.0845084685196821j, 0.13329894391436678 + 0.11072355179094502j]),
    ],
)  # fmt: skip
def test_inverse_hyperbolic_and_exp2_match_pytorch_left_of_the_imaginary_axis(op, values, grads):
    z = autograd.tensor([-0.5 + 0.25j, -2 - 1j], dtype=autograd.complex128, requires_grad=True)
    out = getattr(z, op)()
    out.real.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), values, rtol=1e-12)
    np.testing.assert_allclose(z.grad.numpy(), grads, rtol=1e-12)
