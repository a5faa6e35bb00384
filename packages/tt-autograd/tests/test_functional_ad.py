"""``torch.autograd.functional`` (``tt_autograd.functional_ad``): Jacobians, Hessians and their products.

Values against hand-derived derivatives and against float64 central
differences of the function itself (never against the code under test);
return structures (tensor / tuple / tuple of tuples) for tensor and tuple
inputs and outputs as PyTorch returns them; ``strict=True`` errors in
PyTorch's wording; ``create_graph=True`` results checked as differentiable
functions by ``gradcheck`` (third derivatives for the Hessian).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck
from tt_autograd.functional_ad import hessian, hvp, jacobian, jvp, vhp, vjp


def t(values, requires_grad=False):
    return autograd.tensor(
        np.asarray(values, dtype=np.float64), dtype=autograd.float64, requires_grad=requires_grad
    )


def random(shape, seed, low=-1.0, high=1.0, requires_grad=False):
    return t(np.random.default_rng(seed).uniform(low, high, size=shape), requires_grad)


def as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def central_jacobian(func, inputs, eps=1e-6):
    """``J[i][j]`` (outputs i, inputs j) of ``func`` by central differences, from its values only."""
    arrays = [x.detach().numpy().astype(np.float64) for x in inputs]

    def outputs(values):
        with autograd.no_grad():
            return [o.detach().numpy() for o in as_tuple(func(*[t(v) for v in values]))]

    base = outputs(arrays)
    blocks = [[np.zeros(o.shape + a.shape) for a in arrays] for o in base]
    for j, a in enumerate(arrays):
        for index in np.ndindex(a.shape):
            up, down = [v.copy() for v in arrays], [v.copy() for v in arrays]
            up[j][index] += eps
            down[j][index] -= eps
            for i, (hi, lo) in enumerate(zip(outputs(up), outputs(down))):
                blocks[i][j][(...,) + index] = (hi - lo) / (2 * eps)
    return blocks


def close(actual, expected, rtol=1e-6, atol=1e-8):
    assert isinstance(actual, autograd.Tensor), f"expected a Tensor, got {type(actual).__name__}"
    assert tuple(actual.shape) == np.shape(expected), (
        f"shape {tuple(actual.shape)}, expected {np.shape(expected)}"
    )
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------------ hand maths


def test_hessian_of_a_sum_of_cubes_is_diagonal_six_x():
    x = t([1.0, -2.0, 0.5])
    close(hessian(lambda x: (x**3).sum(), x), np.diag([6.0, -12.0, 3.0]))


def test_hessian_of_a_quadratic_form_is_the_symmetrised_matrix():
    a = np.random.default_rng(0).standard_normal((4, 4))
    x = random((4,), seed=1)
    close(hessian(lambda x: x @ (t(a) @ x), x), a + a.T, rtol=1e-12)


def test_hessian_of_a_matrix_input_keeps_both_shapes():
    x = random((2, 3), seed=2)
    expected = np.zeros((2, 3, 2, 3))
    for index in np.ndindex(2, 3):
        expected[index + index] = 12.0 * x.numpy()[index] ** 2  # d2/dx2 of x^4
    close(hessian(lambda x: (x**4).sum(), x), expected)


def test_jacobian_of_an_elementwise_map_is_diagonal():
    x = random((3,), seed=3)
    a = x.numpy()
    close(jacobian(lambda x: x.sin() * x, x), np.diag(np.cos(a) * a + np.sin(a)))


def test_jacobian_of_a_matrix_product_with_respect_to_each_factor():
    w, x = random((2, 3), seed=4), random((3, 4), seed=5)
    j_w, j_x = jacobian(lambda w, x: w @ x, (w, x))
    expected_w = np.einsum("ia,bk->ikab", np.eye(2), x.numpy())  # d(WX)_ik / dW_ab = [i = a] X_bk
    expected_x = np.einsum("ia,kb->ikab", w.numpy(), np.eye(4))  # d(WX)_ik / dX_ab = W_ia [k = b]
    close(j_w, expected_w, rtol=1e-12)
    close(j_x, expected_x, rtol=1e-12)
    close(jacobian(lambda x: w @ x, x[:, 0]), w.numpy(), rtol=1e-12)


# ------------------------------------------------------------------------- central differences


def mixed(x, y):
    """Two inputs, two outputs, using every op family that has a recorded backward."""
    z = x.reshape(3, 1) * y.permute(1, 0) + (y[1] * x).exp().reshape(3, 1)
    return (z.tanh().sum(), (y @ x.sin()).pow(2) / (1.0 + x.mean()))


def test_jacobian_of_a_tuple_to_tuple_function_against_central_differences():
    x, y = random((3,), seed=6), random((2, 3), seed=7)
    result = jacobian(mixed, (x, y))
    expected = central_jacobian(mixed, (x, y))
    for i in range(2):
        for j in range(2):
            close(result[i][j], expected[i][j], rtol=1e-6, atol=1e-8)


def test_hessian_of_two_inputs_against_central_differences_of_the_gradient():
    x, y = random((3,), seed=8), random((2, 3), seed=9)

    def scalar(x, y):
        return mixed(x, y)[0] + mixed(x, y)[1].sum()

    def gradient(x, y):
        with autograd.enable_grad():
            xs = [x.detach().requires_grad_(), y.detach().requires_grad_()]
            return autograd.gradients.grad(scalar(*xs), xs)

    result = hessian(scalar, (x, y))
    expected = central_jacobian(gradient, (x, y))
    for i in range(2):
        for j in range(2):
            close(result[i][j], expected[i][j], rtol=1e-5, atol=1e-7)
    close(result[0][1], np.moveaxis(result[1][0].numpy(), [0, 1], [1, 2]), rtol=1e-12)  # symmetric


def test_products_equal_the_matching_contractions_of_the_central_jacobian():
    x, y = random((3,), seed=10), random((2, 3), seed=11)
    u, w = random((), seed=12), random((2,), seed=13)  # one per output
    p, q = random((3,), seed=14), random((2, 3), seed=15)  # one per input
    jac = central_jacobian(mixed, (x, y))
    outputs, products = vjp(mixed, (x, y), (u, w))
    close(outputs[0], mixed(x, y)[0].numpy())
    close(outputs[1], mixed(x, y)[1].numpy())
    for j in range(2):  # v^T J: the scalar output's weight times its row, plus w against the other's rows
        expected = u.numpy() * jac[0][j] + np.tensordot(w.numpy(), jac[1][j], axes=1)
        close(products[j], expected, rtol=1e-6)
    _, tangents = jvp(mixed, (x, y), (p, q))
    for i in range(2):  # J v: each output's block against the matching input's direction
        expected = np.tensordot(jac[i][0], p.numpy(), axes=1) + np.tensordot(jac[i][1], q.numpy(), axes=2)
        close(tangents[i], expected, rtol=1e-6)


def cubic_mix(x):
    return (x.sin() * x).sum() * (x * x).sum() + x[0] * x[2] ** 3


def test_hvp_and_vhp_against_the_central_hessian():
    x, v = random((3,), seed=16), random((3,), seed=17)

    def gradient(x):
        with autograd.enable_grad():
            x = x.detach().requires_grad_()
            return autograd.gradients.grad(cubic_mix(x), x)[0]

    h = central_jacobian(gradient, (x,))[0][0]
    value, hv = hvp(cubic_mix, x, v)
    _, vh = vhp(cubic_mix, x, v)
    close(value, cubic_mix(x).numpy())
    close(hv, h @ v.numpy(), rtol=1e-6)
    close(vh, v.numpy() @ h, rtol=1e-6)
    close(hessian(cubic_mix, x), h, rtol=1e-6)


def test_hvp_is_h_times_v_and_vhp_is_v_times_h_when_h_is_not_symmetric():
    # A Function whose "gradient" is A x with A not symmetric: the derivative of that gradient is A,
    # so H v = A v and v^T H = A^T v (with smooth functions the two coincide and cannot tell them apart)
    a = np.array([[1.0, 2.0, 0.0], [-3.0, 0.5, 1.0], [0.0, 4.0, -1.0]])

    class SkewFunction(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.asarray(0.5 * x @ a @ x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return (grad * (a @ x),)

        @staticmethod
        def graph_backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return (grad * (t(a) @ ctx.input_tensor(0, x)),)

    x, v = random((3,), seed=60), random((3,), seed=61)
    close(hvp(SkewFunction.apply, x, v)[1], a @ v.numpy(), rtol=1e-12)
    close(vhp(SkewFunction.apply, x, v)[1], a.T @ v.numpy(), rtol=1e-12)
    close(hessian(SkewFunction.apply, x), a, rtol=1e-12)


def test_hvp_and_vhp_of_tuple_inputs():
    x, y = random((3,), seed=18), random((2, 3), seed=19)
    v = (random((3,), seed=20), random((2, 3), seed=21))

    def scalar(x, y):
        return mixed(x, y)[0] * mixed(x, y)[1].sum()

    h = hessian(scalar, (x, y))  # checked against central differences above
    for product in (hvp, vhp):
        value, result = product(scalar, (x, y), v)
        assert isinstance(result, tuple) and len(result) == 2
        for i in range(2):
            expected = sum(np.tensordot(h[i][j].numpy(), v[j].numpy(), axes=v[j].ndim) for j in range(2))
            close(result[i], expected, rtol=1e-9)


def test_one_element_defaults_for_v():
    x = t([0.7])
    _, g = vjp(lambda x: (x**3).sum(), random((3,), seed=22))
    assert tuple(g.shape) == (3,)
    close(jvp(lambda x: x**3, x)[1], [3 * 0.49])
    close(hvp(lambda x: (x**3).sum(), x)[1], [6 * 0.7])
    close(vhp(lambda x: (x**3).sum(), x)[1], [6 * 0.7])


# ---------------------------------------------------------------------------- return structures


@pytest.mark.parametrize("inputs_tuple", [False, True])
@pytest.mark.parametrize("outputs_tuple", [False, True])
def test_jacobian_structure_follows_the_inputs_and_outputs(inputs_tuple, outputs_tuple):
    x = random((2, 3), seed=23)

    def func(x):
        out = (x * x).sum(dim=0)
        return (out,) if outputs_tuple else out

    result = jacobian(func, (x,) if inputs_tuple else x)
    if outputs_tuple:
        assert isinstance(result, tuple) and len(result) == 1
        result = result[0]
    if inputs_tuple:
        assert isinstance(result, tuple) and len(result) == 1
        result = result[0]
    expected = np.einsum("ab,kb->kab", 2 * x.numpy(), np.eye(3))  # d(sum_a x_ak^2)/dx_ab
    close(result, expected)


def test_jacobian_with_two_inputs_and_two_outputs_is_outputs_by_inputs():
    x, y = random((3,), seed=24), random((2,), seed=25)
    result = jacobian(lambda x, y: (x * 2.0, y.sum() * x.sum()), (x, y))
    assert [[tuple(b.shape) for b in row] for row in result] == [[(3, 3), (3, 2)], [(3,), (2,)]]


@pytest.mark.parametrize("inputs_tuple", [False, True])
def test_hessian_structure_and_the_output_may_be_any_one_element_shape(inputs_tuple):
    x = random((3,), seed=26)
    result = hessian(lambda x: (x**3).sum().reshape(1, 1), (x,) if inputs_tuple else x)
    if inputs_tuple:
        assert isinstance(result, tuple) and len(result) == 1 and isinstance(result[0], tuple)
        result = result[0][0]
    close(result, np.diag(6 * x.numpy()))


@pytest.mark.parametrize("name, func", [("vjp", vjp), ("jvp", jvp), ("hvp", hvp), ("vhp", vhp)])
def test_products_return_the_output_and_a_result_shaped_as_the_caller_gave(name, func):
    x = random((3,), seed=27)
    scalar = lambda x: (x**3).sum()  # noqa: E731
    v = random((), seed=28) if name == "vjp" else random((3,), seed=29)
    output, result = func(scalar, x, v)
    assert isinstance(output, autograd.Tensor) and isinstance(result, autograd.Tensor)
    output, result = func(scalar, (x,), v if name == "vjp" else (v,))
    assert isinstance(output, autograd.Tensor)
    if name == "jvp":  # shaped as the outputs
        assert isinstance(result, autograd.Tensor)
    else:  # shaped as the inputs
        assert isinstance(result, tuple) and len(result) == 1
    if name in ("vjp", "jvp"):
        output, result = func(lambda x: (x * 2.0,), x, random((3,), seed=30) if name == "jvp" else (x,))
        assert isinstance(output, tuple) and len(output) == 1
        if name == "jvp":
            assert isinstance(result, tuple) and len(result) == 1
        else:
            assert isinstance(result, autograd.Tensor)


@pytest.mark.parametrize("create_graph", [False, True])
def test_one_tensor_passed_as_two_inputs_gets_two_gradients(create_graph):
    x = random((3,), seed=62, requires_grad=True)
    j_a, j_b = jacobian(lambda a, b: a * 2.0 + b * 3.0, (x, x), create_graph=create_graph)
    close(j_a, 2.0 * np.eye(3))
    close(j_b, 3.0 * np.eye(3))
    _, (g_a, g_b) = vjp(lambda a, b: (a * a * b).sum(), (x, x), create_graph=create_graph)
    close(g_a, 2.0 * x.detach().numpy() ** 2)  # d(a² b)/da at a = b = x
    close(g_b, x.detach().numpy() ** 2)


def test_results_without_create_graph_are_detached_and_leave_the_inputs_alone():
    x = random((3,), seed=31, requires_grad=True)
    v = random((3,), seed=32, requires_grad=True)
    results = [
        *vjp(lambda x: x.exp(), x, v),
        *jvp(lambda x: x.exp(), x, v),
        *hvp(lambda x: x.exp().sum(), x, v),
        *vhp(lambda x: x.exp().sum(), x, v),
        jacobian(lambda x: x.exp(), x),
        hessian(lambda x: x.exp().sum(), x),
    ]
    assert all(r.grad_fn is None and not r.requires_grad for r in results)
    assert x.grad is None and v.grad is None and x.grad_fn is None


def test_works_under_no_grad_and_empty_outputs_give_empty_jacobians():
    x = random((3,), seed=33)
    with autograd.no_grad():
        close(hessian(lambda x: (x**3).sum(), x), np.diag(6 * x.numpy()))
        assert not autograd.is_grad_enabled()
    close(jacobian(lambda x: x[:0] * x[:0], x), np.zeros((0, 3)))


def test_missing_dependence_gives_zeros_without_strict():
    x, y = random((3,), seed=34), random((2,), seed=35)
    j_x, j_y = jacobian(lambda x, y: x * 2.0, (x, y))
    close(j_y, np.zeros((3, 2)))
    close(jacobian(lambda x: autograd.ones(3, dtype=autograd.float64), x), np.zeros((3, 3)))
    close(vjp(lambda x, y: x * 2.0, (x, y), x)[1][1], np.zeros(2))
    close(jvp(lambda x, y: (x * 2.0, y.detach()), (x, y), (x, y))[1][1], np.zeros(2))
    _, tangents = jvp(lambda x: (x * 2.0, autograd.ones(4, 5, dtype=autograd.float64)), x, x)
    close(tangents[1], np.zeros((4, 5)))  # zeros shaped as that output, not as an input
    close(hessian(lambda x: (2.0 * x).sum(), x), np.zeros((3, 3)))
    close(hvp(lambda x: (2.0 * x).sum(), x, x)[1], np.zeros(3))
    close(vhp(lambda x, y: (x**3).sum(), (x, y), (x, y))[1][1], np.zeros(2))


# --------------------------------------------------------------------------------- strict=True

INDEPENDENT = (
    r"The output of the user-provided function is independent of input 1\. This is not allowed in strict"
)
CONSTANT_OUTPUT = r"Output 0 of the user-provided function does not require gradients\. The outputs must be"
LINEAR = (
    r"While computing the hessian, found that the jacobian of the user-provided function with respect to "
    r"input 0 is independent of the input\."
)


def test_strict_refuses_an_input_the_outputs_do_not_use():
    x, y = random((3,), seed=36), random((2,), seed=37)
    with pytest.raises(
        RuntimeError, match=r"^Output 0 of the user-provided function is independent of input 1\."
    ):
        jacobian(lambda x, y: x * 2.0, (x, y), strict=True)
    with pytest.raises(
        RuntimeError, match=r"^Output 1 of the user-provided function is independent of input 0\."
    ):
        jacobian(lambda x, y: (x * y.sum(), y * 2.0), (x, y), strict=True)
    with pytest.raises(RuntimeError, match=INDEPENDENT):
        vjp(lambda x, y: x * 2.0, (x, y), x, strict=True)
    with pytest.raises(RuntimeError, match=INDEPENDENT):
        jvp(lambda x, y: x * 2.0, (x, y), (x, y), strict=True)
    with pytest.raises(
        RuntimeError, match=r"^While computing the hessian, .* with respect to input 1 is independent"
    ):
        hessian(lambda x, y: (x**3).sum(), (x, y), strict=True)  # y's gradient: the zeros filled in
    with pytest.raises(RuntimeError, match=INDEPENDENT):
        hvp(lambda x, y: (x**3).sum(), (x, y), (x, y), strict=True)
    with pytest.raises(RuntimeError, match=INDEPENDENT):
        vhp(lambda x, y: (x**3).sum(), (x, y), (x, y), strict=True)


def test_strict_refuses_an_output_that_does_not_require_grad():
    x = random((3,), seed=38)
    constant = lambda x: autograd.ones(3, dtype=autograd.float64)  # noqa: E731
    for call in (
        lambda: jacobian(constant, x, strict=True),
        lambda: vjp(constant, x, x, strict=True),
        lambda: jvp(constant, x, x, strict=True),
        lambda: hessian(lambda x: constant(x).sum(), x, strict=True),
        lambda: hvp(lambda x: constant(x).sum(), x, x, strict=True),
    ):
        with pytest.raises(RuntimeError, match=CONSTANT_OUTPUT):
            call()
    with pytest.raises(RuntimeError, match=r"^Output 1 of the user-provided function does not require"):
        jvp(lambda x: (x * 2.0, x.detach()), (x,), (x,), strict=True)


def test_strict_refuses_a_linear_function_where_second_derivatives_are_asked():
    x = random((3,), seed=39)
    linear = lambda x: (2.0 * x).sum()  # noqa: E731
    with pytest.raises(RuntimeError, match=LINEAR):
        hessian(linear, x, strict=True)
    with pytest.raises(RuntimeError, match=LINEAR):
        hvp(linear, x, x, strict=True)
    with pytest.raises(RuntimeError, match=LINEAR):
        vhp(linear, x, x, strict=True)


def test_strict_with_create_graph_refuses_a_constant_jacobian_or_hessian():
    x, y = random((3,), seed=40), random((2,), seed=41)
    with pytest.raises(
        RuntimeError,
        match=r"^The jacobian of the user-provided function is independent of input 0\. "
        r"This is not allowed in strict mode when create_graph=True\.",
    ):
        jacobian(lambda x: 2.0 * x, x, create_graph=True, strict=True)
    with pytest.raises(RuntimeError, match=r"^The jacobian .* independent of input 0\. .*create_graph=True"):
        # output 1's Jacobian with respect to input 0 is the constant 2 I (PyTorch 2.13 names the output
        # index there, "input 1": a slip in its message; this names the input)
        jacobian(lambda x, y: (x * y.sum(), 2.0 * x + (y * y).sum()), (x, y), create_graph=True, strict=True)
    with pytest.raises(RuntimeError, match=r"^The jacobian .* independent of input 0\. .*create_graph=True"):
        vjp(lambda x: 2.0 * x, x, x, create_graph=True, strict=True)
    quadratic = lambda x, y: (x**3).sum() + (y * y).sum()  # noqa: E731  (y's Hessian is constant)
    coupled = lambda x, y: (x**3).sum() * y.sum() + (y * y).sum()  # noqa: E731  (every block exists)
    for call in (
        lambda: hessian(coupled, (x, y), create_graph=True, strict=True),
        lambda: hvp(quadratic, (x, y), (x, y), create_graph=True, strict=True),
        lambda: vhp(quadratic, (x, y), (x, y), create_graph=True, strict=True),
    ):
        with pytest.raises(
            RuntimeError, match=r"independent of input 1\. .*strict mode when create_graph=True"
        ):
            call()
    close(hvp(quadratic, (x, y), (x, y), strict=True)[1][1], 2.0 * y.numpy())  # fine without create_graph


# --------------------------------------------------------------------------- refused arguments


def test_inputs_outputs_and_v_must_be_tensors_or_tuples_of_them():
    x = random((3,), seed=42)
    with pytest.raises(
        TypeError,
        match=r"^The inputs given to jacobian must be either a Tensor or a tuple of "
        r"Tensors but the given inputs has type <class 'list'>\.",
    ):
        jacobian(lambda x: x, [x])
    with pytest.raises(TypeError, match=r"but the value at index 1 has type <class 'int'>"):
        hessian(lambda x, n: (x**n).sum(), (x, 3))
    with pytest.raises(TypeError, match=r"^The outputs of the user-provided function given to vjp must be"):
        vjp(lambda x: [x], x, x)
    with pytest.raises(TypeError, match=r"^The v given to jvp must be either a Tensor"):
        jvp(lambda x: x, x, [1.0, 2.0, 3.0])


def test_v_must_match_what_it_multiplies():
    x, y = random((3,), seed=43), random((2,), seed=44)
    with pytest.raises(RuntimeError, match=r"^v has invalid size: should be \(3,\) but got \(2,\)\."):
        vjp(lambda x: x * 2.0, x, y)
    with pytest.raises(
        RuntimeError, match=r"^Entry 1 in v has invalid size: should be \(2,\) but got \(3,\)\."
    ):
        jvp(lambda x, y: x * y.sum(), (x, y), (x, x))
    with pytest.raises(RuntimeError, match=r"^v is a tuple of invalid length: should be 2 but got 1\."):
        hvp(lambda x, y: (x * y.sum()).sum(), (x, y), (x,))
    with pytest.raises(RuntimeError, match=r"^The given v should contain a single Tensor\."):
        vhp(lambda x: (x**3).sum(), x, (x, x))
    with pytest.raises(
        RuntimeError, match=r"^The vector v can only be None if the user-provided function returns"
    ):
        vjp(lambda x: x * 2.0, x)
    for product in (jvp, hvp, vhp):
        with pytest.raises(
            RuntimeError, match=r"^The vector v can only be None if the input to the user-provided"
        ):
            product(lambda x: (x**3).sum(), x)
        with pytest.raises(
            RuntimeError, match=r"v can only be None .* a single Tensor with a single element"
        ):
            product(lambda x, y: (x**3).sum(), (x[:1], y[:1]))


@pytest.mark.parametrize("name, func", [("hessian", hessian), ("hvp", hvp), ("vhp", vhp)])
def test_second_order_functions_need_one_element_output(name, func):
    x = random((3,), seed=45)
    args = () if func is hessian else (x,)
    with pytest.raises(
        RuntimeError,
        match=rf"^The Tensor returned by the function given to {name} should contain "
        "a single element",
    ):
        func(lambda x: x**3, x, *args)
    with pytest.raises(RuntimeError, match=rf"^The function given to {name} should return a single Tensor"):
        func(lambda x: ((x**3).sum(),), x, *args)


def test_vectorize_and_forward_mode_are_refused_with_the_reason():
    x = random((3,), seed=46)
    cube = lambda x: (x**3).sum()  # noqa: E731
    with pytest.raises(
        NotImplementedError, match=r"jacobian: vectorize=True .*vmap, which TinyTorch's functional Jacobians"
    ):
        jacobian(cube, x, vectorize=True)
    with pytest.raises(NotImplementedError, match=r"hessian: vectorize=True .*vmap"):
        hessian(cube, x, vectorize=True)
    with pytest.raises(NotImplementedError, match=r'jacobian: strategy="forward-mode" needs forward-mode AD'):
        jacobian(cube, x, strategy="forward-mode")
    with pytest.raises(NotImplementedError, match=r'hessian: outer_jacobian_strategy="forward-mode" needs'):
        hessian(cube, x, outer_jacobian_strategy="forward-mode")
    with pytest.raises(
        AssertionError, match=r'expected strategy to be either "forward-mode" or "reverse-mode"'
    ):
        jacobian(cube, x, strategy="backward")
    with pytest.raises(AssertionError, match=r"expected outer_jacobian_strategy to be either"):
        hessian(cube, x, outer_jacobian_strategy="reverse")


def test_an_operation_without_a_recorded_backward_names_itself():
    class Doubled(autograd.Function):  # first-order only: no graph_backward
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2.0,)

    x = random((3,), seed=47)
    close(jacobian(lambda x: Doubled.apply(x), x), 2.0 * np.eye(3))  # first order: fine
    with pytest.raises(
        NotImplementedError, match=r"create_graph=True: .*Doubled.* has no differentiable backward"
    ):
        hessian(lambda x: (Doubled.apply(x) ** 2).sum(), x)


# ------------------------------------------------------------------------------- create_graph


def test_create_graph_results_are_differentiable_functions_of_the_inputs():
    x = random((3,), seed=48, low=0.5, high=1.5, requires_grad=True)
    y = random((2, 3), seed=49, requires_grad=True)
    v = random((3,), seed=50, requires_grad=True)
    w = random((2, 3), seed=51, requires_grad=True)
    smooth = lambda x: (x.sin() * x).sum() * (x * x).sum() + x[0] * x[2] ** 3  # noqa: E731
    # gradcheck compares each result's own gradient (from the recorded graph) with central differences
    assert gradcheck(lambda x: hessian(smooth, x, create_graph=True), [x])  # third derivatives
    assert gradcheck(lambda x, y: hessian(lambda x, y: mixed(x, y)[0], (x, y), create_graph=True)[0], [x, y])
    assert gradcheck(lambda x, y: jacobian(mixed, (x, y), create_graph=True)[1], [x, y])
    assert gradcheck(lambda x, v: vjp(lambda x: x.exp() * x, x, v, create_graph=True), [x, v])
    assert gradcheck(lambda x, v: jvp(lambda x: x.exp() * x, x, v, create_graph=True), [x, v])
    assert gradcheck(lambda x, v: hvp(smooth, x, v, create_graph=True), [x, v])
    assert gradcheck(lambda x, v: vhp(smooth, x, v, create_graph=True), [x, v])
    assert gradcheck(lambda x, y, v, w: jvp(mixed, (x, y), (v, w), create_graph=True)[1], [x, y, v, w])


def test_create_graph_on_inputs_that_do_not_require_grad_still_records():
    x = random((3,), seed=52)
    h = hessian(lambda x: (x**4).sum(), x, create_graph=True)
    assert h.requires_grad and h.grad_fn is not None and not x.requires_grad
    _, hv = hvp(lambda x: (x**4).sum(), x, x, create_graph=True)
    assert hv.requires_grad and hv.grad_fn is not None
