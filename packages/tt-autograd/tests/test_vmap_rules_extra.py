"""``vmap`` without the per-sample loop for ops that used to loop: logcumsumexp, trace, diagonal,
linalg.inv/inv_ex/inverse, nan_to_num and the element-wise methods run on the physical array,
index_copy/index_fill/index_put with a batched index, tt-tensor's composite methods and builders
(F.pad's other modes, F.interpolate and the nn Functions: tests/test_vmap_nn_more.py).

Each case runs under vmap with the fallback warning as an error (``vmap_agrees``), so removing a rule
fails it, and equals the op on each sample, stacked; so do the per-sample gradients (vmap of grad).
Inputs the op refuses loop over the samples, so the error is the op's own.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradients, vmap

B = 3
GEN = np.random.default_rng(29)


def floats(*shape):
    return autograd.tensor(GEN.standard_normal(shape), dtype=autograd.float64)


def integers(*shape, high=3):
    return autograd.tensor(GEN.integers(0, high, size=shape))


# ----------------------------------------------------------------- logcumsumexp, trace, diagonal
SCANS = [
    (lambda v: v.logcumsumexp(1), (B, 3, 4), 0),
    (lambda v: autograd.logcumsumexp(v, -1), (4, B), 1),
    (lambda v: v.logcumsumexp(dim=0), (3, 4, B), 2),
    (lambda v: v.trace(), (B, 3, 3), 0),
    (lambda v: autograd.trace(v), (2, B, 4), 1),  # (a trace of a non-square matrix)
    (lambda v: v.diagonal(), (B, 3, 4), 0),
    (lambda v: v.diagonal(1, 2, 0), (2, B, 3, 4), 1),
    (lambda v: autograd.diagonal(v, offset=-1, dim1=-1, dim2=-2), (B, 4, 3, 2), 0),
]


@pytest.mark.parametrize("op, shape, in_dim", SCANS)
def test_logcumsumexp_trace_and_diagonal(vmap_agrees, op, shape, in_dim):
    vmap_agrees(op, floats(*shape), in_dims=in_dim, argnums=0)


def test_logcumsumexp_of_complex_samples(vmap_agrees):
    z = autograd.tensor(GEN.standard_normal((B, 4)) + 1j * GEN.standard_normal((B, 4)))
    vmap_agrees(lambda v: v.logcumsumexp(0), z)


def test_refused_or_0_d_samples_loop(vmap_same_error):
    vmap_same_error(lambda v: v.trace(), floats(B, 2, 2, 2))
    vmap_same_error(lambda v: v.diagonal(), floats(B, 4))
    vmap_same_error(lambda v: v.logcumsumexp(2), floats(B, 4))
    with pytest.raises(TypeError):  # (logcumsumexp's dim has no default)
        vmap(lambda v: v.logcumsumexp())(floats(B, 4))
    x = floats(B)
    with pytest.warns(UserWarning, match="Tensor.logcumsumexp"):
        got = vmap(lambda v: v.logcumsumexp(0))(x)
    np.testing.assert_allclose(got.numpy(), x.numpy())


# ----------------------------------------------------------------- inv, inverse, inv_ex
INVERSES = [
    (lambda v: autograd.linalg.inv(v), (B, 3, 3), 0),
    (lambda v: v.inverse(), (3, B, 3), 1),
    (lambda v: autograd.inverse(v), (B, 2, 3, 3), 0),  # (a batch of matrices per sample)
    (lambda v: autograd.linalg.inv_ex(v), (3, 3, B), 2),
]


@pytest.mark.parametrize("op, shape, in_dim", INVERSES)
def test_inverses(vmap_agrees, op, shape, in_dim):
    vmap_agrees(op, floats(*shape) + 3 * autograd.eye(3, dtype=autograd.float64), in_dims=in_dim, argnums=0)


def test_inv_ex_of_a_singular_sample_gives_its_info_and_nan(vmap_same_error):
    x = floats(B, 3, 3)
    x[1, 2] = x[1, 0]  # (sample 1 singular)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inverse, info = vmap(autograd.linalg.inv_ex)(x)
    assert info.dtype == autograd.int32 and info.tolist() == [0, autograd.linalg.inv_ex(x[1]).info.item(), 0]
    assert info[1].item() > 0 and np.isnan(inverse[1].numpy()).all()
    for k in (0, 2):
        np.testing.assert_allclose(inverse[k].numpy(), autograd.linalg.inv(x[k]).numpy(), rtol=1e-12)
    vmap_same_error(lambda v: autograd.linalg.inv(v), floats(B, 2, 3))


# ----------------------------------------------------------------- element-wise methods
ELEMENTWISE = [
    (lambda v: v.nan_to_num(), True),
    (lambda v: autograd.nan_to_num(v, nan=1.5, posinf=2.0, neginf=-3.0), True),
    (lambda v: v.square() + v.rsqrt().nan_to_num(), True),
    (lambda v: v.frac() + v.fix() + v.negative() + v.positive() + v.absolute(), True),
    (lambda v: v.deg2rad() + v.rad2deg() + v.sgn(), True),
    (lambda v: v.logit(eps=0.1), True),
    (lambda v: v.angle(), False),
    (lambda v: (v.isneginf(), v.isposinf(), v.isreal()), False),
    (lambda v: v.frexp(), False),
    (lambda v: v.conj_physical().resolve_conj().resolve_neg(), True),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (NaN and inf among the inputs)
@pytest.mark.parametrize("op, differentiable", ELEMENTWISE)
def test_element_wise_methods_on_the_physical_array(vmap_agrees, op, differentiable):
    x = floats(B, 2, 4)
    x[0, 0, :3] = autograd.tensor([float("nan"), float("inf"), -float("inf")])
    vmap_agrees(op, x, argnums=0 if differentiable else None)
    vmap_agrees(op, floats(2, B), in_dims=1, argnums=0 if differentiable else None)


BINARY = [  # tt-tensor's element-wise methods of two operands: aligned, then run on the physical arrays
    (
        lambda v, w: (v.fmax(w), autograd.fmin(v, w[0]), v.nextafter(w), v.remainder(w), v.remainder(0.7)),
        True,
    ),
    (lambda v, w: (v.floor_divide(w), v.true_divide(w), v.clamp_min(w), v.clamp_max(0.1)), True),
    (lambda v, w: v.fmax(w.reshape(2, 2)[:, :1]), True),  # (an operand of another rank broadcasts)
    (lambda v, w: v.ldexp((w * 3).long()), False),
    (lambda v, w: (v.isclose(w, atol=1.0), autograd.isclose(v, v + w * 1e-9, 0.0, equal_nan=True)), False),
    (lambda v, w: (v.fmax(other=w), v.remainder(other=w), v.lt(other=w)), True),  # (by keyword)
]


@pytest.mark.parametrize("op, differentiable", BINARY)
def test_binary_element_wise_methods(vmap_agrees, op, differentiable):
    vmap_agrees(op, floats(B, 4), floats(B, 4), argnums=(0, 1) if differentiable else None)
    vmap_agrees(op, floats(4, B), floats(4), in_dims=(1, None), argnums=0 if differentiable else None)


def test_integer_element_wise_methods(vmap_agrees):
    op = lambda v, w: (v.gcd(w), autograd.lcm(v, w[1]), v.bitwise_and(w), v.bitwise_or(3))  # noqa: E731
    shifts = lambda v, w: (autograd.bitwise_xor(v, w), v.bitwise_left_shift(w), v.bitwise_right_shift(w))  # noqa: E731
    for func in (op, shifts):
        vmap_agrees(func, integers(B, 4, high=9) + 1, integers(B, 4, high=3) + 1)


def test_element_wise_methods_of_complex_samples(vmap_agrees):
    z = autograd.tensor(GEN.standard_normal((B, 3)) + 1j * GEN.standard_normal((B, 3)))
    vmap_agrees(lambda v: (v.sgn(), v.angle(), v.conj_physical(), v.square()), z)


def test_a_tensor_argument_of_an_element_wise_method_loops():
    x, y = floats(B, 3), floats(B, 3)
    with pytest.warns(UserWarning, match="Tensor.nan_to_num"):
        got = vmap(lambda v, w: v.nan_to_num(nan=w[0]))(x, y)
    np.testing.assert_allclose(got.numpy(), x.numpy())  # (no NaN to replace)


# ----------------------------------------------------------------- indexed writes, batched index
def _write_cases():
    yield lambda v, i, s: v.index_copy(0, i, s), ((B, 4, 3), (B, 2), (B, 2, 3)), (0, 0, 0)
    yield lambda v, i, s: v.index_copy(1, i, s), ((4, 5, B), (2, B), (B, 4, 2)), (2, 1, 0)
    yield lambda v, i, s: v.index_copy(-1, i, s), ((2, 3, 4), (B, 3), (2, 3, 3)), (None, 0, None)
    yield lambda v, i, s: v.index_copy(0, i, s), ((B, 4), (B,), (B, 1)), (0, 0, 0)  # a 0-d index
    yield lambda v, i, s: v.clone().index_copy_(1, i, s), ((B, 2, 4), (B, 2), (2, 2)), (0, 0, None)
    yield lambda v, i, s: v.index_fill(1, i, s), ((B, 3, 4), (B, 3), (B,)), (0, 0, 0)  # a batched value
    yield lambda v, i, s: v.index_fill(0, i, s), ((B, 4, 2), (B, 4), ()), (0, 0, None)  # (duplicates)
    yield lambda v, i, s: v.index_fill(-1, i, s[0]), ((3, B, 4), (B, 2), (B, 1)), (1, 0, 0)
    yield lambda v, i, s: v.index_fill(0, i, -1.0), ((3, 4), (B,), ()), (None, 0, None)  # into a plain one
    yield lambda v, i, s: v.index_fill(2, i, 2.5) * s, ((B, 2, 2, 5), (B,), (B,)), (0, 0, 0)
    yield lambda v, i, s: v.index_put((i,), s), ((B, 4, 3), (B, 2), (B, 3)), (0, 0, 0)
    yield lambda v, i, s: v.index_put((i, i), s, accumulate=True), ((B, 4, 4), (B, 3), (B, 1)), (0, 0, 0)
    yield lambda v, i, s: v.index_put([i, i[:1]], s), ((4, 4, 2), (B, 2), (2,)), (None, 0, None)
    yield lambda v, i, s: v.index_put((i.reshape(2, 2),), s), ((B, 5), (4, B), (B, 2, 2)), (0, 1, 0)
    yield lambda v, i, s: v.index_put((autograd.tensor([1, 0]), i), s), ((B, 2, 3), (B, 2), ()), (0, 0, None)
    yield lambda v, i, s: v.clone().index_put_((i,), s, accumulate=True), ((B, 3), (B, 4), (4,)), (0, 0, None)


WRITES = list(_write_cases())


@pytest.mark.parametrize("op, shapes, in_dims", WRITES)
def test_index_copy_fill_and_put_with_a_batched_index(vmap_agrees, op, shapes, in_dims):
    v, i, s = (floats(*shape) for shape in (shapes[0], (), shapes[2]))
    size = shapes[0][0 if in_dims[0] is None or in_dims[0] else 1]  # (at most the size of the dim indexed)
    i = integers(*shapes[1], high=size)
    argnums = tuple(k for k in (0, 2) if in_dims[k] is not None)
    vmap_agrees(op, v, i, s, in_dims=in_dims, argnums=argnums or None)


def test_indices_of_different_ranks_broadcast(vmap_agrees):
    x, index = floats(B, 3, 3, 2), integers(B, 2)
    op = lambda v, i, s: v.index_put((i.unsqueeze(1), i), s, accumulate=True)  # noqa: E731  ((2, 2) indices)
    vmap_agrees(op, x, index, floats(B, 2, 1, 2), argnums=(0, 2))
    vmap_agrees(op, x, index, floats(2), in_dims=(0, 0, None), argnums=0)


def test_the_gradient_reaches_a_plain_fill_value():
    x, index = floats(B, 3, 4), integers(B, 2)
    for given in (floats(), 2.0):
        value = given.requires_grad_() if isinstance(given, autograd.Tensor) else given
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = vmap(lambda v, i, s=value: v.index_fill(1, i, s) * v)(x, index)
        want = autograd.stack([(x[k].index_fill(1, index[k], value) * x[k]) for k in range(B)])
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy())
        if isinstance(value, autograd.Tensor):
            (one,) = gradients.grad(got.sum(), (value,))
            (each,) = gradients.grad(want.sum(), (value,))
            np.testing.assert_allclose(one.numpy(), each.numpy())


def test_negative_and_repeated_positions(vmap_agrees):
    x, value = floats(B, 3, 4), floats(B)
    index = autograd.tensor([[-1, 3, 3], [0, -4, 0], [2, 1, -3]])
    vmap_agrees(lambda v, i, s: v.index_fill(1, i, s), x, index, value, argnums=(0, 2))
    vmap_agrees(lambda v, i: v.index_put((i[:2] % 3, i[1:]), v[0, :2], accumulate=True), x, index, argnums=0)
    vmap_agrees(lambda v, i: v.index_put((i[:1],), v[1:2] * 2), x, index, argnums=0)
    rows = autograd.tensor([[0, 2, 0], [1, 1, 1], [2, 0, 1]])
    vmap_agrees(lambda v, i: v.index_copy(0, i, v * 3), x, rows, argnums=0)


def test_a_batched_index_in_nested_vmaps(vmap_agrees):
    x, index = floats(B, 2, 4), integers(B, 2, 2, high=2)
    vmap_agrees(lambda v, i: vmap(lambda w, j: w.index_fill(0, j, 0.5))(v, i), x, index, argnums=0)
    value = floats(B)  # (batched over the outer vmap only: expanded over the inner one's samples)
    fill = lambda v, i, s: vmap(lambda j: v.index_fill(1, j, s))(i)  # noqa: E731
    vmap_agrees(fill, x, index, value, argnums=(0, 2))
    vmap_agrees(lambda v, i: vmap(lambda j: v.index_put((j,), v[:1]), in_dims=1)(i), x, index, argnums=0)


REFUSED = [
    lambda v, i: v.index_copy(0, i + 5, v[:2]),  # out of range
    lambda v, i: v.index_copy(0, i * 0 + 3, v[:2]),  # (at the size)
    lambda v, i: v.index_copy(0, i * 0 - 1, v[:2]),  # index_copy takes no negative positions
    lambda v, i: v.index_copy(0, i, v[:1]),  # a source of the wrong shape
    lambda v, i: v.index_copy(0, i, v[:2].float()),  # of another dtype
    lambda v, i: v.index_copy(0, i.double(), v[:2]),  # a float index
    lambda v, i: v.index_copy(0, i.reshape(2, 1), v[:2]),  # a 2-d index
    lambda v, i: v.index_copy(5, i, v[:2]),  # a dim out of range
    lambda v, i: v.index_fill(0, i - 9, 1.0),
    lambda v, i: v.index_fill(0, i.int(), 1.0),  # index_fill takes int64 only
    lambda v, i: v.index_fill(0, i, v[0]),  # a value that is not 0-d
    lambda v, i: v.index_put((i, i, i), v[0, 0]),  # too many indices
    lambda v, i: v.index_put((i + 3,), v[0]),
    lambda v, i: v.index_put((i * 0 + 3,), v[0]),  # (at the size)
    lambda v, i: v.index_put((i, i * 0 - 4), v[0, 0]),  # (below -size)
    lambda v, i: v.index_put((i,), v),  # values that do not broadcast
    lambda v, i: v.index_put((i,), v[0].float()),
    lambda v, i: v.index_put((i,), 1.0),  # values must be a tensor
    lambda v, i: v.index_put(i, v[0]),  # indices must be a tuple
]


@pytest.mark.parametrize("op", REFUSED)
def test_what_the_ops_refuse_loops_for_their_own_error(vmap_same_error, op):
    vmap_same_error(op, floats(B, 3, 3), integers(B, 2))


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda v, i: v.index_put(((v + i[0]) > 1,), v[0, 0]), "index_put"),  # a batched mask
        (lambda v, i: v[0, 0].index_copy(0, i[:1], v[0, :1]), "index_copy"),  # into a 0-d tensor
        (lambda v, i: v[0, 0].index_fill(0, i[:1], 2.0), "index_fill"),
    ],
)
def test_a_batched_mask_and_a_0_d_tensor_written_into_loop(op, name):
    x, index = floats(B, 3, 3), integers(B, 2, high=1)
    with pytest.warns(UserWarning, match=f"Tensor.{name}"):
        got = vmap(op)(x, index)
    want = autograd.stack([op(x[k], index[k]) for k in range(B)])
    np.testing.assert_allclose(got.numpy(), want.numpy())


# ----------------------------------------------------------------- composite methods, builders
COMPOSITES = [  # methods composed of batched ones (tt-tensor's, reaching the rules through them)
    lambda v: v.narrow(1, 1, 3) + autograd.narrow(v, -1, -3, 3),
    lambda v: v.unbind(1),
    lambda v: (v.rot90(1, (0, 1)), autograd.rot90(v, 3, (1, 0)), v.rot90(2), v.flipud(), autograd.fliplr(v)),
    lambda v: (v[0].diagflat(1), v.ravel(), v.movedim(0, 1), autograd.moveaxis(v, (0, 1), (1, 0))),
    lambda v: (*v.tensor_split(3, dim=1), *v.hsplit(2), *v.vsplit([1]), v.swapdims(0, 1)),
    lambda v: (v.unflatten(1, (2, 3)), v.select(1, 2), v.take(autograd.tensor([0, 5, 7])), v.unfold(1, 2, 2)),
    lambda v: (v.diff(), v.diff(n=2, dim=0, prepend=v[:1]), autograd.trapezoid(v), autograd.gradient(v)[1]),
    lambda v: (v.nansum(1), v.aminmax(dim=1).max, v.cov(), v.corrcoef(), v.quantile(0.3, dim=1)),
    lambda v: (autograd.kron(v, v[:2, :2]), autograd.linalg.cross(v[:, :3], v[:, 3:]), autograd.inner(v, v)),
    lambda v: (autograd.tensordot(v, v, dims=([1], [1])), v.lerp(v * 2, 0.3), v.addcmul(v, v, value=0.5)),
    lambda v: (v.addcdiv(v, v + 3, value=0.5), autograd.logaddexp2(v, v * 2), v.abs().float_power(2)),
    lambda v: (autograd.heaviside(v, v), v.nanquantile(0.7), v[0].outer(v[1]), autograd.outer(v[2], v[:, 0])),
    lambda v: (v.diag_embed(), v[0].diag_embed(2, 0, 1), v.diag_embed(-1, 2, 0)),  # (diag_embed's zeros)
    lambda v: (autograd.vander(v[0]), autograd.vander(v[1], N=3, increasing=True)),  # (vander's ones)
    lambda v: autograd.block_diag(v, v[:2, :3], v[0, 0]),  # (block_diag's zeros)
]


REDUCTIONS = [  # (op, differentiable): all/any/count_nonzero/nanmean over dims of the sample
    (lambda v: ((v > 0).all(), (v > 0).all(1), autograd.all(v > 0, dim=(0, -1), keepdim=True)), False),
    (lambda v: ((v > 0).any(-1), (v[0, 0] > 0).any(), (v > 0).any(dim=(1, 0))), False),
    (lambda v: (v.count_nonzero(), autograd.count_nonzero(v > 0, dim=(1,)), v.count_nonzero(0)), False),
    (lambda v: v.nanmean(), True),
    (lambda v: v.nanmean(1, keepdim=True) + v.nanmean((0, 1)), True),
    (lambda v: v.trunc() * v + v.adjoint().sum(), True),
]


@pytest.mark.parametrize("op, differentiable", REDUCTIONS)
def test_reductions_over_dims_of_the_sample(vmap_agrees, op, differentiable):
    x = floats(B, 4, 6)
    x[0, 1, 2] = float("nan")  # (nanmean skips it)
    vmap_agrees(op, x, argnums=0 if differentiable else None)
    vmap_agrees(op, floats(4, 6, B), in_dims=2)


ADD_PRODUCTS = [
    lambda v: (autograd.addmm(v[:, :4], v, v.mT), v[0, :4].addmm(v, v.mT, beta=0.5, alpha=2)),
    lambda v: (v[:, :4] * float("nan")).addmm(v, v.mT, beta=0),  # (beta = 0: self ignored, NaN too)
    lambda v: v[:, :4].addmm(v, v.mT, alpha=0, beta=-1),
    lambda v: autograd.baddbmm(v[None, :, :4], v[None], v.mT[None], alpha=-1),
    lambda v: (v[:, 0].addmv(v, v[0], alpha=3), v.addr(v[:, 0], v[0], beta=2)),
    lambda v: (v.addr(vec1=v[:, 1], vec2=v[1]), v[:, :4].addmm(v, mat2=v.mT), v[:, 0].addmv(mat=v, vec=v[2])),
    lambda v: v[:2, :4].addbmm(v.reshape(2, 2, 6), v.reshape(2, 6, 2)[:, :, :1].expand(2, 6, 4)),
]


@pytest.mark.parametrize("op", ADD_PRODUCTS)
def test_products_added_to_self(vmap_agrees, op):
    vmap_agrees(op, floats(B, 4, 6), argnums=0)
    vmap_agrees(op, floats(4, B, 6), in_dims=1)


def test_products_added_to_self_refuse_or_loop_as_the_op(vmap_same_error):
    vmap_same_error(lambda v: autograd.addmm(v, v, v), floats(B, 4, 6))
    vmap_same_error(lambda v: v[:2].addmv(v, v[0]), floats(B, 4, 6))
    vmap_same_error(lambda v: v.addr(v[:, 0], vec1=v[0]), floats(B, 4, 6))  # (TypeError)
    vmap_same_error(lambda v: v.addr(v[:, 0], v[0], v[0]), floats(B, 4, 6))
    vmap_same_error(lambda v: v.addr(v[:, 0], vec3=v[0]), floats(B, 4, 6))
    vmap_same_error(lambda v: v.addr(v[:, 0], beta=2), floats(B, 4, 6))  # (vec2 missing)
    vmap_same_error(lambda v: v.outer(v[0]), floats(B, 4, 6))
    vmap_same_error(lambda v: v[0].outer(v), floats(B, 4, 6))
    x = integers(B, 2, 2)
    with pytest.warns(UserWarning, match="Tensor.addmm"):  # (integers: the loop)
        got = vmap(lambda v: v.addmm(v, v, beta=2))(x)
    np.testing.assert_array_equal(got.numpy(), 2 * x.numpy() + x.numpy() @ x.numpy())


@pytest.mark.parametrize("op", COMPOSITES)
def test_composite_methods_and_builders(vmap_agrees, op):
    vmap_agrees(op, floats(B, 4, 6), argnums=0)
    vmap_agrees(op, floats(4, 6, B), in_dims=2)


def _searches():
    plain = autograd.tensor([-1.0, 0.0, 0.5, 1.0], dtype=autograd.float64)
    yield lambda v, s: autograd.isin(v, plain)  # (element-wise in v: the physical array)
    yield lambda v, s: autograd.isin(v.round(), s.round(), invert=True)  # (batched tests: row by row)
    yield lambda v, s: autograd.searchsorted(plain, v, side="right")
    yield lambda v, s: autograd.searchsorted(s, v, right=True, out_int32=True)
    yield lambda v, s: autograd.searchsorted(s, plain)
    yield lambda v, s: autograd.bucketize(v, plain, out_int32=True)
    yield lambda v, s: autograd.bucketize(v, boundaries=s)
    yield lambda v, s: autograd.unravel_index((v.abs() * 3).long(), (3, 4))


@pytest.mark.parametrize("op", list(_searches()))
def test_isin_searchsorted_bucketize_and_unravel_index(vmap_agrees, op):
    """Computed on arrays by tt-tensor (their arrays gave plain tensors of the physical shape, mixing
    the samples: silently wrong): element-wise in a batched argument, or searched row by row
    (test_vmap_search_more.py has more)."""
    x, s = floats(B, 5), autograd.sort(floats(B, 4)).values
    vmap_agrees(op, x, s)
    vmap_agrees(op, floats(5, B), s, in_dims=(1, 0))


def test_the_functions_handed_to_batched_forms_keep_their_names_docs_and_signatures():
    import inspect

    for function, first in ((autograd.isin, "elements"), (autograd.searchsorted, "sorted_sequence")):
        assert function.__name__ == function.__qualname__ == function.__wrapped__.__name__
        assert function.__doc__ and function.__doc__ == function.__wrapped__.__doc__
        assert next(iter(inspect.signature(function).parameters)) == first
