"""Products, diagonals, differences and cumulative functions beyond the exercises: ``addmm``, ``baddbmm``,
``mv``, ``tensordot``, ``inner``, ``kron``, ``cross``, ``diagonal``, ``trace``, ``diag_embed``, ``diff``,
``cumprod`` (its gradient with zeros in the input), ``logcumsumexp``: values against NumPy float64 references,
gradients against central differences, PyTorch's conventions (checked against torch 2.13 in a scratch script
and pinned here), dtypes and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

INF = float("inf")


def _values(*tensors):
    return [t.detach().numpy() for t in tensors]


# ------------------------------------------------------------------ products
def test_addmm_baddbmm_mv(leaf, check_grad, check):
    bias, m1, m2 = leaf((5,)), leaf((3, 4)), leaf((4, 5))
    b, x, y = _values(bias, m1, m2)
    check(autograd.addmm(bias, m1, m2), b + x @ y, rtol=1e-12)
    check(bias.addmm(m1, m2, beta=0.5, alpha=-2), 0.5 * b - 2 * (x @ y), rtol=1e-12)
    check(bias.addmm(m1, m2, alpha=0), np.broadcast_to(b, (3, 5)))  # beta * self + 0 * (m1 @ m2)
    check_grad(lambda i, a, c: autograd.addmm(i, a, c, beta=0.5, alpha=2.0), bias, m1, m2)
    nan = autograd.tensor([[float("nan")]])
    assert autograd.addmm(nan, autograd.ones(1, 2), autograd.ones(2, 1), beta=0).tolist() == [[2.0]]
    with pytest.raises(ValueError, match="broadcast"):  # beta=0 ignores the values, not the shape
        autograd.addmm(autograd.ones(3), autograd.ones(1, 2), autograd.ones(2, 2), beta=0)
    batch_bias, b1, b2 = leaf((1, 3, 5)), leaf((2, 3, 4)), leaf((2, 4, 5))
    bb, v1, v2 = _values(batch_bias, b1, b2)
    check(batch_bias.baddbmm(b1, b2, beta=2, alpha=0.5), 2 * bb + 0.5 * np.einsum("bij,bjk->bik", v1, v2))
    check_grad(lambda i, a, c: autograd.baddbmm(i, a, c, alpha=3.0), batch_bias, b1, b2)
    vec = leaf((4,))
    check(autograd.mv(m1, vec), x @ vec.detach().numpy(), rtol=1e-12)
    check_grad(autograd.mv, m1, vec)
    with pytest.raises(RuntimeError, match="addmm"):
        autograd.addmm(bias, m1, m2.unsqueeze(0))
    with pytest.raises(RuntimeError, match="mv"):
        autograd.mv(m1, m1)
    with pytest.raises(RuntimeError, match="baddbmm"):
        batch_bias.baddbmm(m1, m2)


def test_tensordot_and_inner(leaf, check_grad, check):
    a, b = leaf((3, 4, 2)), leaf((4, 5, 3))
    av, bv = _values(a, b)
    check(a.tensordot(b, dims=([1, 0], [0, 2])), np.einsum("ijk,jli->kl", av, bv), rtol=1e-12)
    check_grad(lambda p, q: autograd.tensordot(p, q, dims=([1, 0], [0, 2])), a, b)
    check(a.tensordot(bv, dims=([-2, -3], [0, -1])), np.einsum("ijk,jli->kl", av, bv), rtol=1e-12)  # an array
    m, n = leaf((3, 4)), leaf((4, 2, 5))
    mv, nv = _values(m, n)
    check(autograd.tensordot(m, n, dims=1), np.einsum("ij,jkl->ikl", mv, nv), rtol=1e-12)
    check(autograd.tensordot(m, m, dims=2), np.sum(mv * mv), rtol=1e-12)
    check(autograd.tensordot(m[0], m[1], dims=0), np.outer(mv[0], mv[1]), rtol=1e-12)
    check_grad(lambda p, q: p.tensordot(q, 1), m, n)
    with pytest.raises(RuntimeError, match="tensordot: contracted dimensions need to match.*size 4.*size 5"):
        m.tensordot(n, dims=([1], [2]))
    with pytest.raises(RuntimeError, match="tensordot: dims must be between 0 and 2"):
        m.tensordot(m, dims=3)
    with pytest.raises(
        RuntimeError, match=r"tensordot: both sides need as many dims to contract, got \[0, 1\] and \[0\]"
    ):
        m.tensordot(m, dims=([0, 1], [0]))
    p, q = leaf((2, 3, 4)), leaf((5, 4))
    pv, qv = _values(p, q)
    check(autograd.inner(p, q), np.einsum("abk,ck->abc", pv, qv), rtol=1e-12)
    check(p.inner(autograd.tensor(2.0, dtype=autograd.float64)), 2 * pv)
    assert autograd.tensor([1.0, 2.0, 3.0]).inner([4.0, 5.0, 6.0]).item() == 32.0  # torch 2.13: 32
    check_grad(autograd.inner, p, q)


def test_kron(leaf, check_grad, check):
    a, b = leaf((2, 3)), leaf((4, 2, 2))
    av, bv = _values(a, b)
    check(autograd.kron(a, b), np.kron(av, bv), rtol=1e-12)  # NumPy's kron is the documented definition
    check_grad(autograd.kron, a, b)
    ints = autograd.kron(autograd.tensor([[1, 2], [3, 4]]), autograd.tensor([[0, 1], [1, 0]]))
    assert ints.tolist() == [[0, 1, 0, 2], [1, 0, 2, 0], [0, 3, 0, 4], [3, 0, 4, 0]]
    assert autograd.kron(autograd.tensor([1, 2]), autograd.tensor([[1, 1]])).tolist() == [[1, 1, 2, 2]]
    fewer_dims = autograd.tensor([[1.0, 2.0], [3.0, 4.0]]).kron([1.0, 10.0])  # torch 2.13
    assert fewer_dims.tolist() == [[1.0, 10.0, 2.0, 20.0], [3.0, 30.0, 4.0, 40.0]]


def test_cross(leaf, check_grad, check):
    a, b = leaf((2, 3, 4)), leaf((1, 3, 4))
    av, bv = _values(a, b)
    expected = np.cross(av, bv, axis=1)
    check(autograd.cross(a, b, dim=1), expected, rtol=1e-12)
    check(a.cross(b), expected, rtol=1e-12)  # dim=None: the first dim of size 3, as torch.cross
    check_grad(lambda p, q: p.cross(q, dim=-2), a, b)
    e = autograd.eye(3)
    assert autograd.cross(e[0], e[1]).tolist() == [0.0, 0.0, 1.0]
    assert e[0].cross([0.0, 1.0, 0.0]).tolist() == [0.0, 0.0, 1.0]
    square = autograd.cross(autograd.ones(3, 3), autograd.arange(9.0).reshape(3, 3))
    assert square.tolist() == [[3.0] * 3, [-6.0] * 3, [3.0] * 3]  # along dim 0 (the first of size 3)
    assert (
        autograd.cross(autograd.ones(3, 3), autograd.arange(9.0).reshape(3, 3), dim=-1).tolist()
        == [[1.0, -2.0, 1.0]] * 3
    )
    with pytest.raises(RuntimeError, match="cross: dimension 0 must have size 3"):
        autograd.cross(a, b, dim=0)
    # torch 2.13 raises for both: no broadcasting along dim, and the same number of dims
    with pytest.raises(RuntimeError, match=r"cross: dimension 1 must have size 3 in both inputs.*\(2, 1\)"):
        autograd.ones(2, 1).cross(autograd.ones(2, 3), dim=1)
    with pytest.raises(RuntimeError, match="cross: inputs must have the same number of dimensions"):
        autograd.ones(3).cross(autograd.ones(2, 3), dim=-1)
    with pytest.raises(RuntimeError, match="cross: no dimension of size 3"):
        autograd.ones(2, 4).cross(autograd.ones(2, 4))


# ------------------------------------------------------------------ diagonals
@pytest.mark.parametrize(
    ("offset", "dims"), list(itertools.product([-2, 0, 1, 7], [(0, 1), (2, 0), (-1, 1)]))
)
def test_diagonal(offset, dims, leaf, check_grad, check):
    x = leaf((3, 4, 5))
    (xv,) = _values(x)
    check(x.diagonal(offset, *dims), np.diagonal(xv, offset, *dims), rtol=1e-12)
    check(autograd.diagonal(x, offset=offset, dim1=dims[0], dim2=dims[1]), np.diagonal(xv, offset, *dims))
    if np.diagonal(xv, offset, *dims).size:
        check_grad(lambda t: t.diagonal(offset, *dims), x)


@pytest.mark.parametrize("module", [autograd, tt_tensor])
def test_diagonal_is_a_view_that_writes_through(module):
    # As PyTorch's: x.diagonal().zero_() / .add_(eps) change x (it was a copy: x stayed as it was).
    x = module.arange(24.0).reshape(2, 3, 4)
    x.diagonal(1, 1, 2).zero_()
    expected = np.arange(24.0).reshape(2, 3, 4)
    np.fill_diagonal(expected[0, :, 1:], 0.0), np.fill_diagonal(expected[1, :, 1:], 0.0)
    np.testing.assert_array_equal(x.numpy(), expected)
    transposed = module.arange(12.0).reshape(3, 4).t()  # a non-contiguous input: still a view
    transposed.diagonal(-1).fill_(-1.0)
    np.testing.assert_array_equal(transposed.numpy().T[[0, 1, 2], [1, 2, 3]], [-1.0, -1.0, -1.0])
    y = module.ones(3, 3)
    view = y.diagonal()
    y.mul_(5)  # and the view sees later writes to its base
    assert view.tolist() == [5.0, 5.0, 5.0]


def test_diagonal_view_gradients_in_every_mode(leaf, check_grad):
    from tt_autograd import forward_ad
    from tt_autograd.gradients import grad

    x = leaf((3, 4))
    check_grad(lambda t: (t.diagonal(1) ** 2).sum() * t.diagonal(), x)
    (first,) = grad((x.diagonal(1) ** 3).sum(), x, create_graph=True)  # recorded: diagonal_scatter of zeros
    (second,) = grad(first.sum(), x)  # d/dx sum(3 d^2) = 6 d on the diagonal, 0 elsewhere
    expected = np.zeros((3, 4))
    expected[[0, 1, 2], [1, 2, 3]] = 6 * x.detach().numpy()[[0, 1, 2], [1, 2, 3]]
    np.testing.assert_allclose(second.numpy(), expected, rtol=1e-12)
    from tt_autograd.transforms import jacfwd

    hessian = jacfwd(jacfwd(lambda t: (t.diagonal(1) ** 3).sum()))(x.detach()).numpy()  # recorded jvp
    np.testing.assert_allclose(hessian.reshape(12, 12).diagonal().reshape(3, 4), expected, rtol=1e-12)
    assert np.count_nonzero(hessian) == 3
    with forward_ad.dual_level():
        tangent = autograd.ones(3, 4, dtype=autograd.float64)
        dual = forward_ad.make_dual(x.detach(), tangent)
        assert forward_ad.unpack_dual(dual.diagonal(1)).tangent.tolist() == [1.0, 1.0, 1.0]
    y = x * 2
    y.diagonal().zero_()  # recorded: y's history says its diagonal was overwritten
    (through_view,) = grad((y * y).sum(), x)
    expected = 8 * x.detach().numpy()
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(through_view.numpy(), expected, rtol=1e-12)


def test_diagonal_and_trace_errors_and_dtypes(leaf, check_grad, check):
    with pytest.raises(RuntimeError, match="diagonal: dim1 and dim2 cannot be the same"):
        autograd.ones(2, 2).diagonal(0, 1, -1)
    with pytest.raises(TypeError, match="diagonal"):
        autograd.ones(2, 2).diagonal(1.5)
    with pytest.raises(IndexError, match="diagonal"):
        autograd.ones(2, 2).diagonal(0, 0, 2)
    assert autograd.eye(3).diagonal(3).shape == (0,)  # torch 2.13: empty beyond the matrix
    assert autograd.eye(3).diagonal(-4).shape == (0,)
    assert autograd.arange(10.0).reshape(2, 5).diagonal(1).tolist() == [1.0, 7.0]  # wide: the rows limit it
    m = leaf((3, 4))
    check(autograd.trace(m), np.trace(m.detach().numpy()), rtol=1e-12)
    check_grad(autograd.trace, m)
    assert autograd.trace(autograd.ones(2, 2, dtype=autograd.int32)).dtype == autograd.int64
    with pytest.raises(RuntimeError, match=r"trace: expected a matrix .*\(2, 2, 2\)"):
        autograd.ones(2, 2, 2).trace()


def _diag_embed_reference(values: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """PyTorch's documented diag_embed: the last dim of values on the offset diagonal of (dim1, dim2)."""
    n = values.shape[-1]
    m = n + abs(offset)
    out = np.zeros((*values.shape[:-1], m, m))
    for k in range(n):
        out[..., k + max(-offset, 0), k + max(offset, 0)] = values[..., k]
    ndim = out.ndim
    d1, d2 = dim1 % ndim, dim2 % ndim
    rest = [d for d in range(ndim) if d not in (d1, d2)]
    order = {**{d: i for i, d in enumerate(rest)}, d1: ndim - 2, d2: ndim - 1}
    return np.transpose(out, [order[d] for d in range(ndim)])


@pytest.mark.parametrize(
    ("offset", "dims"), list(itertools.product([-1, 0, 2], [(-2, -1), (0, 2), (2, 0), (1, 0)]))
)
def test_diag_embed(offset, dims, leaf, check_grad, check):
    x = leaf((2, 3))
    check(x.diag_embed(offset, *dims), _diag_embed_reference(x.detach().numpy(), offset, *dims))
    check_grad(lambda t: autograd.diag_embed(t, offset=offset, dim1=dims[0], dim2=dims[1]), x)


def test_diag_embed_simple_and_errors():
    assert autograd.diag_embed(autograd.tensor([1, 2])).tolist() == [[1, 0], [0, 2]]
    assert autograd.tensor([1.0]).diag_embed(1).tolist() == [[0.0, 1.0], [0.0, 0.0]]
    with pytest.raises(RuntimeError, match="diag_embed: dim1 and dim2 cannot be the same"):
        autograd.ones(2).diag_embed(0, 0, -2)


# ------------------------------------------------------------------ differences
@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_diff_with_prepend_and_append(n, leaf, check_grad, check):
    x, before, after = leaf((2, 4)), leaf((2, 1)), leaf((2, 2))
    xv, bv, av = _values(x, before, after)
    check(x.diff(n, dim=1, prepend=before, append=after), np.diff(xv, n, axis=1, prepend=bv, append=av))
    check(autograd.diff(x, n=n, dim=0), np.diff(xv, n, axis=0))
    check_grad(lambda t, p, q: t.diff(n, 1, p, q), x, before, after)


def test_diff_integers_bools_and_errors():
    assert autograd.diff(autograd.tensor([1, 4, 9, 16]), n=2).tolist() == [2, 2]
    assert autograd.tensor([True, False, False]).diff().tolist() == [True, False]  # xor, as PyTorch
    with pytest.raises(RuntimeError, match="diff: expected at least a 1-D tensor"):
        autograd.tensor(1.0).diff()
    with pytest.raises(RuntimeError, match="cat"):
        autograd.ones(2, 3).diff(prepend=autograd.ones(3, 1))


# ------------------------------------------------------------------ cumulative products and log-sum-exps
def test_cumprod_values_and_gradients(leaf, check_grad, check):
    x = leaf((3, 4), low=0.5, high=1.5)
    (xv,) = _values(x)
    check(x.cumprod(1), np.cumprod(xv, axis=1), rtol=1e-12)
    check(autograd.cumprod(x, dim=-2), np.cumprod(xv, axis=0), rtol=1e-12)
    check_grad(lambda t: t.cumprod(0), x)
    check_grad(lambda t: t.cumprod(-1), leaf((2, 5), low=-2.0, high=2.0, away_from=(0.0,)))
    assert autograd.cumprod(autograd.tensor([1, 2, 3], dtype=autograd.int32), 0).dtype == autograd.int64
    small = autograd.tensor([200, 3, 2], dtype=autograd.uint8)  # PyTorch 2.13: int64 [200, 600, 1200]
    assert small.cumprod(0).dtype == autograd.int64 and small.cumprod(0).tolist() == [200, 600, 1200]
    assert autograd.tensor([True, False]).cumprod(0).dtype == autograd.int64


def test_linalg_vander_powers_batches_and_gradients(leaf, check_grad, check):
    from tt_autograd import linalg

    x = leaf((2, 3), low=-1.5, high=1.5)
    (xv,) = _values(x)
    check(linalg.vander(x), xv[..., None] ** np.arange(3), rtol=1e-12)  # increasing powers, N = n
    check(linalg.vander(x, N=5), xv[..., None] ** np.arange(5), rtol=1e-12)
    check_grad(lambda t: linalg.vander(t, 4), x)
    at_zero = autograd.tensor([0.0, 2.0], dtype=autograd.float64, requires_grad=True)
    linalg.vander(at_zero, N=4).sum().backward()  # d/dx (1 + x + x^2 + x^3) = 1 + 2x + 3x^2
    assert at_zero.grad.tolist() == [1.0, 17.0]
    ints = linalg.vander(autograd.tensor([[1, 2], [3, 4]], dtype=autograd.int32))
    assert ints.dtype == autograd.int64 and ints.tolist() == [[[1, 1], [1, 2]], [[1, 3], [1, 4]]]
    with pytest.raises(RuntimeError, match="linalg.vander supports floating point, complex, and integer"):
        linalg.vander(autograd.tensor([True]))
    with pytest.raises(RuntimeError, match="N must be greater than 1, got 1"):
        linalg.vander(autograd.tensor([1.0, 2.0]), N=1)
    with pytest.raises(RuntimeError, match="N must be greater than 1, got 2.5"):
        linalg.vander(autograd.tensor([1.0, 2.0]), N=2.5)
    assert linalg.vander(autograd.ones(4, 2, 3)).shape == (4, 2, 3, 3)  # N = the last dim's size
    with pytest.raises(TypeError, match="linalg.vander: argument 'x' must be a Tensor, not list"):
        linalg.vander([1.0, 2.0])
    with pytest.raises(RuntimeError, match="at least one dimension"):
        linalg.vander(autograd.tensor(2.0))


@pytest.mark.parametrize(
    "row",
    [
        [2.0, 0.0, 3.0, 0.5],
        [1.0, 2.0, 0.0, 4.0],
        [0.0, 0.0, 2.0, 3.0],
        [0.0, 1.5, -2.0, 0.5],
        [3.0, -1.0, 2.0, 0.0],
    ],
)
def test_cumprod_gradient_with_zeros_in_the_input(row):
    """The exact gradient sum_{j >= k} g_j prod_{i <= j, i != k} x_i, where dividing by x_k would fail."""
    x = autograd.tensor([row, [1.5, -0.5, 2.0, 1.0]], dtype=autograd.float64, requires_grad=True)
    g = np.array([[0.3, -1.0, 2.0, 0.7], [1.0, 0.5, -0.25, 2.0]])
    x.cumprod(1).backward(autograd.tensor(g))
    xv = np.array([row, [1.5, -0.5, 2.0, 1.0]])
    expected = np.zeros_like(xv)
    for b, k, j in itertools.product(range(2), range(4), range(4)):
        if j >= k:
            expected[b, k] += g[b, j] * np.prod([xv[b, i] for i in range(j + 1) if i != k])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-15)
    assert autograd.gradcheck(lambda t: t.cumprod(1), [x])  # smooth: a polynomial in x


def test_cumprod_gradient_with_a_zero_along_dim_0(check_grad):
    x = autograd.tensor([[0.0, 2.0], [3.0, 0.0], [0.5, 4.0]], dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t: t.cumprod(0), x)
    x.grad = None
    x.cumprod(0).sum().backward()
    assert x.grad.tolist() == [[1.0 + 3.0 + 1.5, 1.0], [0.0, 2.0 + 8.0], [0.0, 0.0]]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_gradient_with_zeros_in_3d(dim, rng, check_grad):
    """The zero route moves ``dim`` last and back: a 3-D input with zeros, along each dim."""
    values = rng.uniform(0.5, 1.5, size=(2, 3, 4))
    values[0, 1, 2] = values[1, 0, 0] = values[1, 2, 3] = 0.0
    check_grad(lambda t: t.cumprod(dim), autograd.tensor(values, requires_grad=True))


def test_cumprod_and_logcumsumexp_of_a_scalar():
    x = autograd.tensor(2.0, requires_grad=True)
    (x.cumprod(0) * 3 + x.logcumsumexp(-1)).backward()
    assert x.cumprod(0).shape == () and x.logcumsumexp(0).item() == 2.0 and x.grad.item() == 4.0


def test_logcumsumexp(leaf, check_grad, check):
    x = leaf((6, 3), low=-3.0, high=3.0)
    (xv,) = _values(x)
    check(x.logcumsumexp(0), np.log(np.cumsum(np.exp(xv), axis=0)), rtol=1e-12)
    check(autograd.logcumsumexp(x, dim=-1), np.log(np.cumsum(np.exp(xv), axis=1)), rtol=1e-12)
    check_grad(lambda t: t.logcumsumexp(0), x)
    check_grad(lambda t: t.logcumsumexp(1), x)
    big = autograd.tensor([[1000.0, -1000.0, 1001.0]], dtype=autograd.float64, requires_grad=True)
    out = big.logcumsumexp(1)
    np.testing.assert_allclose(out.detach().numpy(), [[1000.0, 1000.0, 1001.0 + np.log1p(np.exp(-1.0))]])
    out.backward(autograd.tensor([[1.0, -2.0, 0.5]], dtype=autograd.float64))
    w = 1 / (1 + np.exp(1.0))  # weight of x_0 in out_2; x_2 has 1 - w
    np.testing.assert_allclose(big.grad.numpy(), [[1.0 - 2.0 + 0.5 * w, 0.0, 0.5 * (1 - w)]], atol=1e-12)
    assert autograd.logcumsumexp(autograd.tensor([-INF, 0.0]), 0).tolist() == [-INF, 0.0]
    assert autograd.tensor([1.0, 2.0]).logcumsumexp(0).dtype == autograd.float32
    with pytest.raises(NotImplementedError, match="^logcumsumexp: not implemented for int64"):
        autograd.tensor([0, 1]).logcumsumexp(0)  # PyTorch 2.13 has no integer kernel


def test_the_meta_package_has_the_functional_forms():
    import tinytorch as tt

    for name in ["addmm", "baddbmm", "mv", "tensordot", "inner", "kron", "cross", "diagonal", "trace",
                 "diag_embed", "diff", "cumprod", "logcumsumexp"]:  # fmt: skip
        assert callable(getattr(tt, name)) and hasattr(tt.ones(2, 2), name), name
