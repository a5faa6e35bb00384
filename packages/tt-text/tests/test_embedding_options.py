"""PyTorch's arguments of ``Embedding`` / ``F.embedding`` beyond the exercise — ``max_norm`` and
``norm_type`` (rows read are rescaled in the weight), ``scale_grad_by_freq`` (each row's gradient
divided by its id's count, float64 gradcheck), ``sparse`` refused by name, ``_weight``/``_freeze``,
``dtype``/``device`` — and ``from_pretrained`` of ``Embedding`` and ``EmbeddingBag``.

Not course material (outside module 11's regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import Embedding, EmbeddingBag, embedding, embedding_bag

TABLE = np.arange(15, dtype=np.float32).reshape(5, 3) / 4  # row norms 0.56, 1.77, 3.05, 4.35, 5.66


def test_max_norm_rescales_the_rows_read_in_the_weight_itself():
    weight = autograd.tensor(TABLE.copy())
    out = embedding(autograd.tensor([[0, 3], [3, 1]]), weight, max_norm=2.0)
    norms = np.linalg.norm(weight.numpy(), axis=1)
    np.testing.assert_allclose(norms[[1, 3]], [1.7678, 2.0], rtol=1e-4)  # read: 3 over, now 2; 1 under, kept
    np.testing.assert_array_equal(
        weight.numpy()[[0, 1, 2, 4]], TABLE[[0, 1, 2, 4]]
    )  # under, or not read: kept
    np.testing.assert_array_equal(out.numpy()[0, 1], weight.numpy()[3])  # the lookup sees the new rows
    expected = TABLE[3] * 2.0 / (np.linalg.norm(TABLE[3]) + 1e-7)  # PyTorch's scale, max_norm / (norm + 1e-7)
    np.testing.assert_allclose(weight.numpy()[3], expected, rtol=1e-6)
    ones = autograd.tensor(TABLE.copy())
    embedding(autograd.tensor([4]), ones, max_norm=3.0, norm_type=1.0)
    np.testing.assert_allclose(np.abs(ones.numpy()[4]).sum(), 3.0, rtol=1e-6)  # the 1-norm
    bags = autograd.tensor(TABLE.copy())
    embedding_bag(autograd.tensor([[1, 4]]), bags, max_norm=2.0, mode="sum")
    np.testing.assert_allclose(np.linalg.norm(bags.numpy()[[1, 4]], axis=1), [1.7678, 2.0], rtol=1e-4)


def test_max_norm_bumps_the_version_so_a_saved_weight_refuses_backward():
    layer = Embedding(5, 3, max_norm=0.5, _weight=autograd.tensor(TABLE.copy()))
    ids = autograd.tensor([4])  # (norm 5.64: rescaled)
    saved = (layer.weight * layer.weight).sum()  # mul saves the weight
    layer(ids)
    with pytest.raises(RuntimeError, match="modified"):
        saved.backward()


def test_scale_grad_by_freq_divides_each_rows_gradient_by_its_count():
    layer = Embedding(5, 3, scale_grad_by_freq=True)
    ids = autograd.tensor([[0, 0, 2], [2, 2, 1]])
    layer(ids).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy()[:4], [[1.0] * 3, [1.0] * 3, [1.0] * 3, [0.0] * 3])
    weight = autograd.tensor(TABLE.astype(np.float64), requires_grad=True)
    (embedding(ids, weight, scale_grad_by_freq=True) ** 2).sum().backward()
    scaled = weight.grad.numpy().copy()
    weight.grad = None
    (
        embedding(ids, weight) ** 2
    ).sum().backward()  # the true gradient (not gradcheck's: the option changes it)
    counts = np.bincount(ids.numpy().reshape(-1), minlength=5)[:, None]
    np.testing.assert_allclose(scaled, weight.grad.numpy() / np.maximum(counts, 1), rtol=1e-12)
    plain = Embedding(5, 3)
    plain(ids).sum().backward()
    np.testing.assert_allclose(plain.weight.grad.numpy()[2], [3.0] * 3)  # without: the sum of 3


def test_sparse_and_devices_are_refused_by_name():
    with pytest.raises(NotImplementedError, match=r"Embedding: sparse=True .* not implemented"):
        Embedding(5, 3, sparse=True)
    with pytest.raises(NotImplementedError, match=r"embedding: sparse=True"):
        embedding(autograd.tensor([1]), autograd.tensor(TABLE), sparse=True)
    with pytest.raises(RuntimeError, match="Embedding: device 'cuda' is not available"):
        Embedding(5, 3, device="cuda")
    with pytest.raises(RuntimeError, match="EmbeddingBag: device 'cuda' is not available"):
        EmbeddingBag(5, 3, device="cuda")
    assert Embedding(5, 3, dtype=autograd.float64).weight.dtype == autograd.float64
    assert EmbeddingBag(5, 3, dtype=autograd.float64).weight.dtype == autograd.float64


def test_from_pretrained_shares_the_table_freezes_it_and_draws_nothing():
    table = autograd.tensor(TABLE.copy())
    autograd.manual_seed(3)
    expected_next = autograd.randn(2).numpy()
    autograd.manual_seed(3)
    layer = Embedding.from_pretrained(table, padding_idx=0)
    np.testing.assert_array_equal(autograd.randn(2).numpy(), expected_next)  # no draw, as PyTorch's
    assert not layer.weight.requires_grad and np.shares_memory(layer.weight.detach().numpy(), table.numpy())
    np.testing.assert_array_equal(
        layer(autograd.tensor([0, 4])).numpy(), TABLE[[0, 4]]
    )  # row 0 kept as given
    assert Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    assert repr(Embedding.from_pretrained(table, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)) == (
        "Embedding(5, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)"
    )
    with pytest.raises(ValueError, match=r"from_pretrained: embeddings must be 2-D, got shape \(15,\)"):
        Embedding.from_pretrained(autograd.tensor(TABLE.reshape(-1)))
    bag = EmbeddingBag.from_pretrained(table, mode="max")
    assert not bag.weight.requires_grad and repr(bag) == "EmbeddingBag(5, 3, mode='max')"
    np.testing.assert_array_equal(bag(autograd.tensor([[1, 2]])).numpy(), [TABLE[2]])
    with pytest.raises(ValueError, match=r"_weight has shape \(5, 3\), expected \(4, 3\)"):
        Embedding(4, 3, _weight=table)
    assert Embedding(5, 3, _weight=table, _freeze=True).weight.requires_grad is False


def test_max_norm_edges_in_float64():
    weight = autograd.tensor(np.array([[3.0, 4.0, 0.0], [0.0, 6.0, 8.0]]))  # norms 5 and 10
    embedding(autograd.tensor([0, 1]), weight, max_norm=5.0)
    np.testing.assert_array_equal(weight.numpy()[0], [3.0, 4.0, 0.0])  # exactly at max_norm: kept
    scale = 5.0 / (10.0 + 1e-7)  # PyTorch's max_norm / (norm + 1e-7)
    np.testing.assert_allclose(weight.numpy()[1], np.array([0.0, 6.0, 8.0]) * scale, rtol=1e-15)


def test_a_negative_padding_idx_counts_from_the_end():
    weight = autograd.tensor(TABLE.astype(np.float64), requires_grad=True)
    embedding(autograd.tensor([4, 1, 4, 0]), weight, padding_idx=0).sum().backward()  # (0 stays 0)
    np.testing.assert_array_equal(weight.grad.numpy()[[0, 4]], [[0.0] * 3, [2.0] * 3])
    weight.grad = None
    embedding(autograd.tensor([4, 1, 4]), weight, padding_idx=-1).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy()[[1, 4]], [[1.0] * 3, [0.0] * 3])  # 4's: held at 0
