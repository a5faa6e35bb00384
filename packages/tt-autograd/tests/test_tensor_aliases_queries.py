"""PyTorch's ``Tensor`` aliases (``multiply``, ``divide(rounding_mode=)``, ``greater``, ``ravel``,
``swapdims``, ``adjoint``/``mH``/``H``, ...) with their ``torch.<name>`` forms, and the queries of a real
CPU tensor (``nbytes``, ``is_signed``, ``is_nonzero``, ``retains_grad``, ``real``/``imag``, ``byte``, ...):
values against NumPy, gradients against central differences, PyTorch 2.13's values and messages pinned
where they are subtle (checked in a scratch script).

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import _alias_methods

# alias: (the method it names, arguments)
ALIASES = {
    "absolute": ("abs", ()),
    "negative": ("neg", ()),
    "sgn": ("sign", ()),
    "multiply": ("mul", (np.array([0.5, -2.0, 3.0]),)),
    "true_divide": ("div", (np.array([0.5, -2.0, 3.0]),)),
    "greater": ("gt", (0.1,)),
    "greater_equal": ("ge", (0.1,)),
    "less": ("lt", (0.1,)),
    "less_equal": ("le", (0.1,)),
    "not_equal": ("ne", (0.1,)),
    "swapdims": ("transpose", (0, 1)),
}


@pytest.mark.parametrize("name", list(ALIASES))
def test_an_alias_is_its_method(name, rng):
    method, arguments = ALIASES[name]
    values = rng.uniform(-1.0, 1.0, size=(2, 3))
    values[0, 0] = 0.1  # a tie for the comparisons
    x = autograd.tensor(values, requires_grad=True)
    result, expected = getattr(x, name)(*arguments), getattr(x, method)(*arguments)
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result.detach().numpy(), expected.detach().numpy())
    assert (result.grad_fn is None) == (expected.grad_fn is None)
    function = getattr(autograd, name)
    np.testing.assert_array_equal(function(x, *arguments).detach().numpy(), expected.detach().numpy())
    with pytest.raises(TypeError, match=f"{name}: argument 'input' must be a Tensor, got list"):
        function([1.0], *arguments)


def test_subtract_floor_divide_and_remainder(rng, check_grad, check_twice):
    a = autograd.tensor(rng.uniform(1.1, 1.4, size=(2, 3)), requires_grad=True)
    b = autograd.tensor(rng.uniform(0.5, 0.9, size=3), requires_grad=True)
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.subtract(b, alpha=3).detach().numpy(), an - 3 * bn)
    np.testing.assert_allclose(autograd.subtract(a, 2.0, alpha=0.5).detach().numpy(), an - 1.0)
    np.testing.assert_array_equal(a.floor_divide(b).detach().numpy(), np.floor_divide(an, bn))
    np.testing.assert_allclose(autograd.remainder(a, b).detach().numpy(), np.remainder(an, bn))
    assert autograd.floor_divide(autograd.tensor([-7, 7]), 2).tolist() == [-4, 3]
    assert autograd.remainder(autograd.tensor([-7, 7]), -2).tolist() == [-1, -1]
    for fn in [
        lambda a, b: a.subtract(b, alpha=-2.0),
        lambda a, b: a.remainder(b),
        lambda a, b: a.floor_divide(b),
    ]:
        check_grad(fn, a, b)
        check_twice(fn, [a, b])


def _trunc_quotients(a: np.ndarray, b: np.ndarray) -> list:
    """Integer division rounded toward zero, in Python integers (a slow reference)."""
    a, b = np.broadcast_arrays(a, b)
    return [(abs(int(p)) // abs(int(q))) * (1 if (p < 0) == (q < 0) else -1) for p, q in zip(a.flat, b.flat)]


def test_divide_rounding_modes_on_floats(rng, check_grad, check_twice):
    a = autograd.tensor(rng.uniform(-5.0, 5.0, size=(2, 3)), requires_grad=True)
    b = autograd.tensor([1.5, -0.7, 2.2], dtype=autograd.float64, requires_grad=True)
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.divide(b).detach().numpy(), an / bn)
    np.testing.assert_array_equal(a.divide(b, rounding_mode="trunc").detach().numpy(), np.trunc(an / bn))
    np.testing.assert_array_equal(
        autograd.divide(a, b, rounding_mode="floor").detach().numpy(), np.floor(an / bn)
    )
    for mode in ["trunc", "floor"]:  # piecewise constant: zero gradient, as PyTorch's
        a.grad = b.grad = None
        a.divide(b, rounding_mode=mode).sum().backward()
        assert not a.grad.numpy().any() and not b.grad.numpy().any()
        check_grad(lambda a, b, mode=mode: a.divide(b, rounding_mode=mode), a, b)
        check_twice(lambda a, b, mode=mode: a.divide(b, rounding_mode=mode), [a, b])
    check_twice(lambda a, b: autograd.divide(a, b), [a, b])
    with np.errstate(divide="ignore"):  # (pytest's warning capture lifts tt-tensor's filter)
        inf = autograd.tensor([-7.0, 7.0]).divide(0.0, rounding_mode="trunc")  # torch 2.13: [-inf, inf]
    assert inf.tolist() == [-np.inf, np.inf]


@pytest.mark.parametrize("dtype", [autograd.int32, autograd.int64])
def test_divide_rounding_modes_on_integers(dtype):
    a = np.array([[-7, 7, -6, 0], [9, -9, 1, -1]])
    b = np.array([2, -2, 3, -4])
    x = autograd.tensor(a, dtype=dtype)
    trunc = x.divide(autograd.tensor(b, dtype=dtype), rounding_mode="trunc")
    assert trunc.dtype == dtype and trunc.reshape(-1).tolist() == _trunc_quotients(a, b)
    assert x.divide(-4, rounding_mode="trunc").reshape(-1).tolist() == _trunc_quotients(a, np.array(-4))
    floor = x.divide(autograd.tensor(b, dtype=dtype), rounding_mode="floor")
    assert floor.dtype == dtype and floor.numpy().tolist() == np.floor_divide(a, b).tolist()
    assert autograd.tensor([-7, 7]).divide(2.0, rounding_mode="trunc").tolist() == [-3.0, 3.0]
    assert x.divide(2).dtype == autograd.float32  # true division of integers: the default float dtype
    for mode in ["trunc", "floor"]:
        with pytest.raises(ZeroDivisionError):
            x.divide(0, rounding_mode=mode)


def test_divide_refuses_an_unknown_rounding_mode():
    with pytest.raises(
        RuntimeError, match="expected rounding_mode to be one of None, 'trunc', or 'floor' but found"
    ):
        autograd.tensor([1.0]).divide(2.0, rounding_mode="round")


def test_positive_is_the_tensor_itself_and_refuses_bool():
    x = autograd.tensor([1.0, -2.0], requires_grad=True)
    assert x.positive() is x and autograd.positive(x) is x
    with pytest.raises(RuntimeError, match="the `\\+` operator, on a bool tensor is not supported"):
        autograd.tensor([True]).positive()


def test_ravel_and_ndimension(rng, check_grad, check_twice):
    values = rng.standard_normal((2, 3, 4))
    x = autograd.tensor(values, requires_grad=True)
    np.testing.assert_array_equal(x.ravel().detach().numpy(), values.reshape(-1))
    np.testing.assert_array_equal(
        autograd.ravel(x.transpose(0, 2)).detach().numpy(), values.transpose(2, 1, 0).ravel()
    )
    plain = autograd.tensor(values)
    assert np.shares_memory(plain.ravel().numpy(), plain.numpy())  # contiguous: a view, as PyTorch's
    assert x.ndimension() == 3 and autograd.tensor(1.0).ndimension() == 0
    check_grad(lambda x: x.transpose(0, 1).ravel(), x)
    check_twice(lambda x: x.transpose(0, 1).ravel(), [x])


def test_adjoint_mh_and_h(rng, check_grad, check_twice):
    values = rng.standard_normal((2, 3, 4))
    x = autograd.tensor(values, requires_grad=True)
    np.testing.assert_array_equal(x.adjoint().detach().numpy(), values.transpose(0, 2, 1))
    np.testing.assert_array_equal(autograd.adjoint(x).detach().numpy(), values.transpose(0, 2, 1))
    np.testing.assert_array_equal(x.mH.detach().numpy(), values.transpose(0, 2, 1))
    np.testing.assert_array_equal(x[0].H.detach().numpy(), values[0].T)
    check_grad(lambda x: x.mH, x)
    check_twice(lambda x: x.adjoint(), [x])
    check_twice(lambda x: x[1].H, [x])
    vector = autograd.ones(3)
    with pytest.raises(
        RuntimeError,
        match=r"tensor.adjoint\(\) is only supported on matrices or batches of matrices. Got 1-D",
    ):
        vector.adjoint()
    with pytest.raises(
        RuntimeError, match="tensor.mH is only supported on matrices or batches of matrices. Got 1-D"
    ):
        _ = vector.mH
    with pytest.raises(
        RuntimeError, match="tensor.H is only supported on matrices .2-D tensors.. Got 1-D tensor$"
    ):
        _ = vector.H
    with pytest.raises(
        RuntimeError, match="Got 3-D tensor. For batches of matrices, consider using tensor.mH"
    ):
        _ = x.H
    scalar = autograd.tensor(2.0)
    with pytest.warns(UserWarning, match="Tensor.H is deprecated on 0-D tensors") as record:
        assert scalar.H is scalar
    assert record[0].filename == __file__  # the warning names the caller's line
    matrix = autograd.tensor(values[0], requires_grad=True)
    for transposed in [matrix.adjoint(), matrix.mH, matrix.H, autograd.adjoint(matrix)]:
        np.testing.assert_array_equal(transposed.detach().numpy(), values[0].T)


@pytest.mark.parametrize(
    ("dtype", "signed", "itemsize"),
    [  # torch 2.13
        (autograd.float32, True, 4),
        (autograd.float64, True, 8),
        (autograd.float16, True, 2),
        (autograd.int8, True, 1),
        (autograd.int16, True, 2),
        (autograd.int32, True, 4),
        (autograd.int64, True, 8),
        (autograd.uint8, False, 1),
        (autograd.bool, False, 1),
    ],
)
def test_queries_by_dtype(dtype, signed, itemsize):
    x = autograd.zeros(3, dtype=dtype)
    assert x.is_signed() is signed and autograd.is_signed(x) is signed
    assert x.itemsize == itemsize and x.nbytes == 3 * itemsize
    assert x.is_cpu is True and x.is_cuda is False and x.get_device() == -1 and autograd.get_device(x) == -1
    for query in ["is_complex", "is_neg", "is_conj", "is_inference"]:
        assert getattr(x, query)() is False and getattr(autograd, query)(x) is False


def test_nbytes_counts_the_elements_of_a_view():
    assert autograd.zeros(2, 3)[:, ::2].nbytes == 16  # torch 2.13: numel * itemsize
    assert autograd.zeros(4).expand(3, 4).nbytes == 48


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0.0], False), ([[3]], True), (float("nan"), True), ([False], False), (-0.5, True)],
)
def test_is_nonzero(values, expected):
    assert autograd.tensor(values).is_nonzero() is expected
    assert autograd.is_nonzero(autograd.tensor(values)) is expected


def test_is_nonzero_refuses_more_or_fewer_than_one_element():
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        autograd.tensor([1.0, 2.0]).is_nonzero()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        autograd.tensor([]).is_nonzero()


def test_is_same_size():
    x = autograd.zeros(2, 3)
    assert x.is_same_size(autograd.ones(2, 3, dtype=autograd.int64)) and autograd.is_same_size(x, x)
    assert not x.is_same_size(autograd.zeros(3, 2)) and not x.is_same_size(autograd.zeros(6))
    with pytest.raises(TypeError, match="is_same_size: argument 'other' must be a Tensor, got list"):
        x.is_same_size([2, 3])


def test_a_real_tensor_is_its_own_conjugate_and_real_part():
    x = autograd.tensor([1.0, -2.0], requires_grad=True)
    for name in ["conj", "resolve_conj", "resolve_neg"]:
        assert getattr(x, name)() is x and getattr(autograd, name)(x) is x
    assert x.real is x and autograd.real(x) is x
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        _ = x.imag
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        autograd.imag(x)
    with pytest.raises(TypeError, match="real: argument 'input' must be a Tensor"):
        autograd.real(1.0)


def test_retains_grad():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    assert (
        x.retains_grad is False and y.retains_grad is False and autograd.tensor([1.0]).retains_grad is False
    )
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z = y * 1.0
    assert z.retains_grad is False  # another tensor of the graph


@pytest.mark.parametrize(
    ("name", "dtype", "values", "expected"),
    [  # torch 2.13: integers wrap around
        ("byte", autograd.uint8, [1.5, 2.7, 0.0], [1, 2, 0]),
        ("byte", autograd.uint8, [300, -1, 7], [44, 255, 7]),
        ("char", autograd.int8, [200, -1, 1.9], [-56, -1, 1]),
        ("short", autograd.int16, [100000, -3, 2], [-31072, -3, 2]),
    ],
)
def test_byte_char_short(name, dtype, values, expected):
    converted = getattr(autograd.tensor(values), name)()
    assert converted.dtype == dtype and converted.tolist() == expected
    x = autograd.tensor([1.5, 2.0], requires_grad=True)
    assert not getattr(x, name)().requires_grad


def test_bool_tensors_square_to_int64_are_their_own_sign_and_refuse_negation_as_in_pytorch():
    b = autograd.tensor([True, False])
    assert b.square().dtype == autograd.int64 and b.square().tolist() == [1, 0]
    for sign in (b.sign(), b.sgn()):
        assert sign.dtype == autograd.bool and sign.tolist() == [True, False]
    for negate in (lambda: -b, b.neg, b.negative):
        with pytest.raises(
            RuntimeError, match="neg(ative)?: negation, the `-` operator, on a bool tensor is not supported"
        ):
            negate()


# every alias in the ALIASES table: (the input's shape, arguments that make it work)
_HALVES = np.array([0.5, 0.25])
_WORKING = {
    "swapdims": ((2, 2), (0, 1)),
    "swapaxes": ((2, 2), (0, 1)),
    "moveaxis": ((2, 2), (0, 1)),
    "ger": ((2,), (_HALVES,)),
    "clip": ((2, 2), (0.3, 0.6)),
    "unsafe_split_with_sizes": ((2, 2), ([1, 1],)),
}
_BINARY = "multiply subtract divide true_divide floor_divide greater greater_equal less less_equal not_equal"
_FIXED = {"floor_divide": {"rounding_mode": "floor"}}


@pytest.mark.parametrize("name", list(_alias_methods.ALIASES))
def test_every_alias_gives_its_methods_result(name, rng):
    binary = name in _BINARY.split() or name == "arctan2"
    shape, arguments = _WORKING.get(name, ((2, 2), (_HALVES,) if binary else ()))
    values = rng.uniform(0.2, 0.8, size=shape)
    result = getattr(autograd.tensor(values), name)(*arguments)
    target = _alias_methods.ALIASES[name]
    expected = getattr(autograd.tensor(values), target)(*arguments, **_FIXED.get(name, {}))
    if isinstance(result, tuple):
        assert len(result) == len(expected)
        for got, wanted in zip(result, expected):
            np.testing.assert_array_equal(got.numpy(), wanted.numpy())
    else:
        np.testing.assert_array_equal(np.asarray(result), np.asarray(expected))
    assert getattr(autograd.Tensor, name).__name__ == name
    assert getattr(autograd.Tensor, name).__doc__ == f"Alias of :meth:`{target}`."


@pytest.mark.parametrize(
    "name", [*_alias_methods.ALIASES, *(f"{n}_" for n in _alias_methods.ELEMENTWISE_INPLACE)]
)
def test_wrong_arguments_name_the_method_called(name):
    tensor = autograd.tensor([[0.5, 0.25], [0.75, 1.0]])
    with pytest.raises(TypeError, match=rf"^{name}\(\) (takes|got|missing)"):
        getattr(tensor, name)(1, 2, 3, 4, 5, 6)
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'junk'"):
        getattr(tensor, name)(junk=1)
    assert tensor._version == 0


@pytest.mark.parametrize("name", _BINARY.split())
def test_a_bad_operand_is_reported_under_the_alias_name(name):
    with pytest.raises(TypeError, match=rf"^{name}: "):
        getattr(autograd.tensor([1.0]), name)("a")
    with pytest.raises(TypeError, match=rf"^{name}_: "):
        getattr(autograd.tensor([1.0]), f"{name}_")("a")


def test_call_as_renames_only_a_message_it_can_read():
    def fails(error):
        raise error

    for error in (TypeError(), RuntimeError(5), ValueError("mul: kept", 2)):
        with pytest.raises(type(error)) as caught:
            _alias_methods.call_as("multiply", "mul", fails, (error,), {})
        assert caught.value is error
    assert error.args == ("multiply: kept", 2)


def test_numpy_force_gives_the_array_of_a_tensor_that_requires_grad():
    x = autograd.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        x.numpy()
    array = x.numpy(force=True)  # PyTorch's force: detach (and resolve) first
    np.testing.assert_array_equal(array, [1.0, -2.0])
    assert np.shares_memory(array, x.detach().numpy())
    with pytest.raises(TypeError):
        x.numpy(True)  # keyword-only, as PyTorch's
