"""``torch.fft``: values, dtypes, arguments and gradients (first and second) of every transform.

Gradients are checked by ``gradcheck``/``gradgradcheck`` (central differences along the
real and imaginary parts), across ``n``/``s`` that pad and that truncate, every ``norm``
and several ``dim``; one value and one gradient per op are pinned from PyTorch 2.13.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import fft
from tt_autograd.gradcheck import gradcheck, gradgradcheck

X = [1.0, 2.0, -1.0, 0.5, 3.0]
Z = [1 + 1j, 2 - 1j, -0.5j, 3 + 0j]
M = [[1.0, 2.0, 0.0], [-1.0, 0.5, 4.0]]


def real(shape, seed=0):
    rng = np.random.default_rng(seed + len(shape))
    return autograd.tensor(rng.standard_normal(shape), dtype=autograd.float64, requires_grad=True)


def cplx(shape, seed=0):
    rng = np.random.default_rng(seed + 3 * len(shape))
    values = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)


ONE_DIM = [
    (name, n, norm, make)
    for name, make in [
        ("fft", real),
        ("fft", cplx),
        ("ifft", cplx),
        ("rfft", real),
        ("irfft", cplx),
        ("irfft", real),
        ("hfft", cplx),
        ("ihfft", real),
    ]
    for n, norm in [(None, None), (3, "ortho"), (8, "forward"), (6, "backward")]
]


@pytest.mark.parametrize(("name", "n", "norm", "make"), ONE_DIM)
def test_one_dimensional_transforms_differentiate_twice(name, n, norm, make):
    x = make((2, 5))
    for dim in (-1, 0):
        fn = lambda t, dim=dim: getattr(fft, name)(t, n=n, dim=dim, norm=norm)  # noqa: E731
        assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


N_DIM = [
    (name, s, dim, norm, make)
    for name, make in [
        ("fft2", cplx),
        ("ifft2", real),
        ("rfft2", real),
        ("irfft2", cplx),
        ("fftn", real),
        ("ifftn", cplx),
        ("rfftn", real),
        ("irfftn", cplx),
    ]
    for s, dim, norm in [(None, None, None), ((3, 4), None, "ortho"), ((2, 7), (0, -1), "forward")]
]


@pytest.mark.parametrize(("name", "s", "dim", "norm", "make"), N_DIM)
def test_multi_dimensional_transforms_differentiate_twice(name, s, dim, norm, make):
    x = make((2, 3, 4))
    kwargs = {"s": s, "norm": norm} if dim is None else {"s": s, "dim": dim, "norm": norm}
    fn = lambda t: getattr(fft, name)(t, **kwargs)  # noqa: E731
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


@pytest.mark.parametrize(
    ("call", "values"),
    [  # PyTorch 2.13: the first values of each result
        (
            lambda: fft.fft(_x(), n=6, norm="ortho"),
            [2.2453655975512468, 0.20412414523193154 + 0.7071067811865476j],
        ),
        (lambda: fft.ifft(_z(), n=3), [1 - 0.16666666666666666j, 0.14433756729740643 + 1.160683602522959j]),
        (lambda: fft.rfft(_x()), [5.5, 2.949593469062211 + 1.8327343947338632j]),
        (lambda: fft.irfft(_z(), n=5, norm="forward"), [5.0, 4.7259662623825704]),
        (lambda: fft.hfft(_z()), [8.0, -2.598076211353316]),
        (lambda: fft.ihfft(_x()), [1.1, 0.5899186938124421 - 0.36654687894677274j]),
        (lambda: fft.fft2(_m()), [6.5, -3.25 + 1.299038105676658j]),
        (lambda: fft.ifft2(_m(), s=(3, 2)), [0.4166666666666667, -0.41666666666666663]),
        (lambda: fft.rfft2(_m(), norm="ortho"), [2.65361388801511, -1.326806944007555 + 0.5303300858899107j]),
        (lambda: fft.irfft2(fft.rfft2(_m()), s=(2, 3)), [1.0, 2.0]),
        (lambda: fft.fftn(_m(), dim=(0,)), [0.0, 2.5]),
        (lambda: fft.ifftn(_m()), [1.0833333333333333, -0.5416666666666666 - 0.21650635094610965j]),
        (lambda: fft.rfftn(_m(), s=(4,)), [3.0, 1 - 2j]),
        (lambda: fft.irfftn(_z().reshape(2, 2)), [1.5, -1.0]),
        (lambda: fft.fftfreq(5, d=0.5), [0.0, 0.4000000059604645]),
        (lambda: fft.rfftfreq(6), [0.0, 0.1666666716337204]),
    ],
)
def test_values_match_pytorch(call, values):
    out = call().detach().numpy().reshape(-1)
    np.testing.assert_allclose(out[: len(values)], values, rtol=1e-7, atol=1e-12)


def _x():
    return autograd.tensor(X, dtype=autograd.float64)


def _z():
    return autograd.tensor(Z, dtype=autograd.complex128)


def _m():
    return autograd.tensor(M, dtype=autograd.float64)


@pytest.mark.parametrize(
    ("name", "call", "make", "grad"),
    [  # PyTorch 2.13: out = f(t); L = sum(out * [1, 2, ...]) (complex L: L.real + 2 L.imag); t.grad
        ("rfft", lambda t: fft.rfft(t), _x, [6.0, -8.139954573310401, 3.664215082975976]),
        ("irfft", lambda t: fft.irfft(t, n=6), _z, [3.5, -1 + 1.7320508075688772j, -1 + 0.5773502691896257j]),
        ("hfft", lambda t: fft.hfft(t), _z, [21, -6 - 10.392304845413264j, -6 - 3.4641016151377544j]),
        (
            "fft",
            lambda t: fft.fft(t, n=3, norm="ortho"),
            _x,
            [3.4641016151377553, 0.13397459621556132, -1.8660254037844388],
        ),
        ("irfft2", lambda t: fft.irfft2(t), lambda: _z().reshape(2, 2), [2.5, -0.5, -1.0]),
        ("rfft2", lambda t: fft.rfft2(t, s=(3, 4)), _m, [45.0, -36.0, 15.0]),
    ],
)
def test_gradients_match_pytorch(name, call, make, grad):
    t = make().requires_grad_()
    out = call(t)
    loss = (out * autograd.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape))).sum()
    (loss.real + 2 * loss.imag if loss.is_complex() else loss).backward()
    np.testing.assert_allclose(t.grad.numpy().reshape(-1)[:3], grad, rtol=1e-9, atol=1e-12)


def test_dtypes_follow_pytorch():
    assert fft.fft(autograd.ones(3)).dtype == autograd.complex64
    assert fft.fft(autograd.arange(3)).dtype == autograd.complex64  # integers: the default float first
    assert fft.rfft(autograd.ones(4, dtype=autograd.float64)).dtype == autograd.complex128
    assert fft.irfft(autograd.ones(3, dtype=autograd.complex64)).dtype == autograd.float32
    assert fft.ifft2(autograd.ones(2, 2, dtype=autograd.complex128)).dtype == autograd.complex128
    assert fft.fftfreq(4, dtype=autograd.float64).dtype == autograd.float64 and fft.rfftfreq(4).shape == (3,)


def test_shifts_roll_by_half_and_keep_the_graph():
    assert fft.fftshift(autograd.arange(6).reshape(2, 3)).tolist() == [[5, 3, 4], [2, 0, 1]]  # PyTorch
    assert fft.ifftshift(autograd.arange(5)).tolist() == [2, 3, 4, 0, 1]  # PyTorch 2.13
    assert fft.fftshift(autograd.arange(4), dim=0).tolist() == [2, 3, 0, 1]
    for x in (real((5,)), cplx((2, 3))):
        assert gradcheck(lambda t: fft.ifftshift(fft.fftshift(t) * t), [x])
        assert gradgradcheck(lambda t: fft.ifftshift(fft.fftshift(t) * t), [x])
    np.testing.assert_array_equal(fft.ifftshift(fft.fftshift(x)).detach().numpy(), x.detach().numpy())


def test_rfft_and_irfft_invert_each_other():
    x = autograd.tensor(np.random.default_rng(3).standard_normal((3, 7)))
    np.testing.assert_allclose(fft.irfft(fft.rfft(x), n=7).numpy(), x.numpy(), atol=1e-6)
    np.testing.assert_allclose(fft.ifftn(fft.fftn(x)).real.numpy(), x.numpy(), atol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: fft.fft(_x(), norm="bad"), RuntimeError, "Invalid normalization mode"),
        (lambda: fft.rfft(_z()), RuntimeError, "rfft expects a real input tensor"),
        (lambda: fft.fft(_x(), n=0), RuntimeError, "Invalid number of data points"),
        (lambda: fft.irfft(autograd.ones(1)), RuntimeError, "Invalid number of data points"),
        (lambda: fft.fft(autograd.tensor(1.0)), IndexError, "tensor has no dimensions"),
        (lambda: fft.fft2(_x()), IndexError, "fft2: dimension out of range"),
        (
            lambda: fft.fftn(_m(), s=(2, 3), dim=(0,)),
            RuntimeError,
            "dim and shape arguments must have the same",
        ),
        (lambda: fft.fftn(_m(), dim=(0, 0)), RuntimeError, "dims must be unique"),
        (lambda: fft.fft([1.0, 2.0]), TypeError, "fft: argument 'input' must be a Tensor"),
        (lambda: fft.fftfreq(0), RuntimeError, "Invalid number of data points"),
        (lambda: fft.fft(_x(), n="4"), TypeError, "fft: argument 'n' must be an int"),
        (lambda: fft.hfft(_z(), n=-1), RuntimeError, "hfft: Invalid number of data points"),
        (lambda: fft.ihfft([1.0]), TypeError, "ihfft: argument 'input' must be a Tensor"),
        (lambda: fft.fftn(_m(), dim=1.5), TypeError, "fftn: argument 'dim' must be an int or a tuple"),
        (lambda: fft.rfft2(_m(), s=1.5), TypeError, "rfft2: argument 's' must be an int or a tuple"),
        (lambda: fft.fft(_x(), norm=["ortho"]), RuntimeError, "Invalid normalization mode"),
        (lambda: fft.fftfreq(4, d="a"), TypeError, "fftfreq: argument 'd'"),
        (lambda: fft.fftshift(_m(), dim=0.5), TypeError, "fftshift: argument 'dim'"),
    ],
)
def test_bad_arguments_are_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()
