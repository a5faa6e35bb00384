"""Module 16: CSR storage of pruned weights, the sparse matmul, and the sparse layers of ``to_sparse``."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from tt_perf.compression import (
    CSRTensor,
    L1Unstructured,
    SparseConv2d,
    SparseLinear,
    global_unstructured,
    is_pruned,
    remove,
    sparse_mm,
    to_sparse,
    to_sparse_csr,
)
from tt_perf.compression import sparse as sparse_module
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d


def sparse_matrix(rng, shape, density, dtype=np.float32):
    values = rng.standard_normal(shape).astype(dtype)
    values[rng.random(shape) >= density] = 0
    return values


def test_csr_arrays_against_a_slow_reference_and_exact_round_trip(rng):
    dense = sparse_matrix(rng, (9, 13), 0.3)
    dense[[2, 5]] = 0  # empty rows
    csr = to_sparse_csr(dense)
    crow, col, values = [0], [], []
    for row in dense.tolist():
        for j, v in enumerate(row):
            if v != 0:
                col.append(j)
                values.append(v)
        crow.append(len(col))
    assert csr.crow_indices().tolist() == crow and csr.col_indices().tolist() == col
    np.testing.assert_array_equal(csr.values(), np.array(values, dtype=np.float32))
    assert csr.values().dtype == np.float32 and csr.col_indices().dtype == np.int16 and csr.nnz == len(col)
    np.testing.assert_array_equal(csr.to_dense(), dense)  # bit for bit
    assert csr.to_dense().dtype == dense.dtype
    assert csr.nbytes == csr.crow_indices().nbytes + 2 * len(col) + 4 * len(col)
    for shape, density in (((4, 70000), 0.001), ((3, 5), 0.0), ((5, 4), 1.0)):
        other = sparse_matrix(rng, shape, density, np.float64)
        np.testing.assert_array_equal(to_sparse_csr(other).to_dense(), other)
    assert to_sparse_csr(np.zeros((2, 32768))).col_indices().dtype == np.int16  # 32,767 fits int16
    assert to_sparse_csr(np.zeros((2, 32769))).col_indices().dtype == np.int32  # 32,768 does not


def test_sparse_mm_equals_the_dense_product(rng, monkeypatch):
    dense = np.round(sparse_matrix(rng, (12, 20), 0.25) * 4)  # small integers: every sum is exact
    dense[[0, 7, 11]] = 0  # empty first, middle and last rows
    x = np.round(rng.standard_normal((20, 37)) * 4).astype(np.float32)
    csr = to_sparse_csr(dense)
    np.testing.assert_array_equal(sparse_mm(csr, x), dense @ x)
    monkeypatch.setattr(sparse_module, "BLOCK_ELEMENTS", 3 * csr.nnz)  # 3 columns a block: 13 blocks
    np.testing.assert_array_equal(csr @ x, dense @ x)
    monkeypatch.setattr(sparse_module, "BLOCK_ELEMENTS", 1)  # fewer than nnz: still one column a block
    np.testing.assert_array_equal(csr @ x, dense @ x)
    wide = sparse_matrix(rng, (6, 9), 0.5, np.float64)
    x64 = rng.standard_normal((9, 4))
    np.testing.assert_allclose(sparse_mm(to_sparse_csr(wide), x64), wide @ x64, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(sparse_mm(to_sparse_csr(np.zeros((3, 9))), x64), np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"sparse_mm: a \(6, 9\) sparse matrix times a dense \(8, 4\)"):
        sparse_mm(to_sparse_csr(wide), x64[:8])


def test_csr_tensor_refuses_inconsistent_arrays():
    assert to_sparse_csr(np.eye(2)).crow_indices().tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="crow_indices must have shape \\(3,\\)"):
        CSRTensor([0, 1], [0], [1.0], (2, 2))
    with pytest.raises(ValueError, match="rise from 0 to nnz=1"):
        CSRTensor([0, 1, 2], [0], [1.0], (2, 2))
    with pytest.raises(ValueError, match="col_indices must lie in \\[0, 2\\)"):
        CSRTensor([0, 1, 1], [2], [1.0], (2, 2))
    with pytest.raises(ValueError, match="expected a 2-d matrix"):
        to_sparse_csr(np.zeros((2, 3, 4)))


def test_sparse_layers_compute_what_the_dense_ones_do(rng):
    for conv in (Conv2d(3, 8, 3, padding=1), Conv2d(4, 6, (3, 2), stride=2, padding=(1, 0), dilation=(2, 1))):
        conv.weight.data = autograd.tensor(sparse_matrix(rng, tuple(conv.weight.shape), 0.4))
        x = autograd.tensor(rng.standard_normal((2, conv.in_channels, 9, 8)).astype(np.float32))
        out = SparseConv2d(conv)(x)
        expected = conv(x).detach().numpy()
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)
    linear = nn.Linear(10, 4)
    linear.weight.data = autograd.tensor(sparse_matrix(rng, (4, 10), 0.3))
    x = autograd.tensor(rng.standard_normal((5, 10)).astype(np.float32))
    np.testing.assert_allclose(
        SparseLinear(linear)(x).numpy(), linear(x).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="SparseLinear: expected input \\(batch, 10\\), got \\(5, 9\\)"):
        SparseLinear(linear)(autograd.zeros(5, 9))
    with pytest.raises(ValueError, match="groups=1"):
        SparseConv2d(Conv2d(4, 4, 3, groups=2))
    with pytest.raises(ValueError, match="padding_mode='circular'"):
        SparseConv2d(Conv2d(4, 4, 3, padding=1, padding_mode="circular"))


def test_to_sparse_of_a_pruned_model_keeps_its_outputs_and_saves_bytes(rng, tmp_path):
    model = nn.Sequential(
        Conv2d(3, 16, 3, padding=1, bias=False), BatchNorm2d(16), nn.ReLU(), MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
    ).eval()  # fmt: skip
    layers = [(model[0], "weight"), (model[5], "weight")]
    global_unstructured(layers, L1Unstructured, amount=0.9)
    x = autograd.tensor(rng.standard_normal((3, 3, 8, 8)).astype(np.float32))
    expected = model(x).detach().numpy()
    sparse = to_sparse(model)
    assert is_pruned(model) and not is_pruned(sparse)  # the original keeps its masks
    assert isinstance(sparse[0], SparseConv2d) and isinstance(sparse[5], SparseLinear)
    np.testing.assert_allclose(sparse(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    kept = int(model[0].weight_mask.numpy().sum() + model[5].weight_mask.numpy().sum())
    assert sparse[0].weight_values.numel() + sparse[5].weight_values.numel() == kept
    tt_optim.save(sparse.state_dict(), tmp_path / "sparse.npz")
    dense = to_sparse(model)  # the same model, loaded back from the file
    dense.load_state_dict(tt_optim.load(tmp_path / "sparse.npz"))
    np.testing.assert_array_equal(dense(x).numpy(), sparse(x).numpy())
    remove(model[0], "weight"), remove(model[5], "weight")  # the same pruned model, dense, for comparison
    tt_optim.save(model.state_dict(), tmp_path / "dense.npz")
    arrays = sum(sparse[i].weight_csr().nbytes for i in (0, 5))
    saved = (tmp_path / "dense.npz").stat().st_size - (tmp_path / "sparse.npz").stat().st_size
    assert arrays == kept * (4 + 2) + 2 * (17 + 11)  # float32 values, int16 columns and row offsets
    assert saved > 0.8 * (4 * (16 * 27 + 10 * 256) - arrays)  # the file shrinks by what CSR drops
