"""Higher-order gradients through sparse COO tensors (``create_graph=True``).

``to_dense`` and ``coalesce`` are linear maps with constant coefficients (a gather and a segment
sum), recorded with their adjoints; ``spmm``'s backward is this product again with rows and columns
swapped (``Aᵀ @ G``) and, for the values, ``G[r] · X[c]`` in tensor operations — bilinear, so the
second derivatives reach the values, the dense operand and the incoming gradient. Checked by
``gradgradcheck`` (float64 central differences), with duplicate indices in every sample.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as tt
from tt_autograd import gradgradcheck, sparse_coo_tensor
from tt_autograd.gradients import grad


def leaf(rng, *shape):
    return tt.tensor(rng.standard_normal(shape), dtype=tt.float64, requires_grad=True)


def indices_with_duplicates(rng, size, nnz):
    indices = np.stack([rng.integers(0, n, nnz) for n in size])
    positions = np.ravel_multi_index(tuple(indices), size)
    assert np.unique(positions).size < nnz  # duplicates: the sums over shared positions are exercised
    return indices


def test_spmm_twice_in_the_values_and_the_dense_operand():
    rng = np.random.default_rng(0)
    indices = indices_with_duplicates(rng, (5, 4), 12)
    v, x = leaf(rng, 12), leaf(rng, 4, 3)
    assert gradgradcheck(lambda v, x: tt.spmm(sparse_coo_tensor(indices, v, (5, 4)), x).tanh(), [v, x])
    assert gradgradcheck(lambda v, x: sparse_coo_tensor(indices, v, (5, 4)).t() @ x, [v, leaf(rng, 5, 2)])


def test_spmm_second_derivative_is_the_cross_term_of_a_bilinear_map():
    # f = <w, A(v) @ x> is bilinear in v and x: the mixed second derivative, as d/dx <df/dv, u>
    rng = np.random.default_rng(1)
    indices = indices_with_duplicates(rng, (4, 3), 9)
    v, x = leaf(rng, 9), leaf(rng, 3, 2)
    w, u = rng.standard_normal((4, 2)), rng.standard_normal(9)
    f = (tt.spmm(sparse_coo_tensor(indices, v, (4, 3)), x) * tt.tensor(w)).sum()
    (dv,) = grad(f, [v], create_graph=True)  # dv[e] = w[r_e] · x[c_e]
    np.testing.assert_allclose(
        dv.detach().numpy(), np.einsum("ek,ek->e", w[indices[0]], x.detach().numpy()[indices[1]])
    )
    (dx,) = grad((dv * tt.tensor(u)).sum(), [x])  # Σ_e u_e w[r_e] added into row c_e
    expected = np.zeros((3, 2))
    np.add.at(expected, indices[1], u[:, None] * w[indices[0]])
    np.testing.assert_allclose(dx.numpy(), expected)


def test_to_dense_and_coalesce_twice():
    rng = np.random.default_rng(2)
    indices = indices_with_duplicates(rng, (4, 3), 15)
    v = leaf(rng, 15)
    assert gradgradcheck(lambda v: sparse_coo_tensor(indices, v, (4, 3)).to_dense() ** 2, [v])
    assert gradgradcheck(lambda v: sparse_coo_tensor(indices, v, (4, 3)).coalesce().values().sin(), [v])
    assert gradgradcheck(lambda x: x.to_sparse().to_dense() * x, [leaf(rng, 3, 4)])
