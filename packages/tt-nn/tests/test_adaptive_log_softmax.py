"""``nn.AdaptiveLogSoftmaxWithLoss``: output, loss, ``log_prob`` and ``predict`` against a NumPy reference
written from the head-and-clusters formula, float64 gradients for the input (gradcheck) and every weight
(central differences of the reference), unbatched rows, empty clusters, PyTorch's repr, state-dict keys and
sizes, dtype and bad arguments.

Not course material (outside module 05's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn

CUTOFFS = [5, 12]  # shortlist 0..4, cluster 0: 5..11, cluster 1: 12..19


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def reference_log_prob(x: np.ndarray, weights: dict[str, np.ndarray], cutoffs=(5, 12, 20)) -> np.ndarray:
    """``(N, n_classes)``: the shortlist from the head, each cluster's block plus the head's cluster entry."""
    head = x @ weights["head.weight"].T + weights.get("head.bias", 0.0)
    head_lp = _log_softmax(head)
    blocks = [head_lp[:, : cutoffs[0]]]
    for i in range(len(cutoffs) - 1):
        tail = x @ weights[f"tail.{i}.0.weight"].T @ weights[f"tail.{i}.1.weight"].T
        blocks.append(_log_softmax(tail) + head_lp[:, cutoffs[0] + i : cutoffs[0] + i + 1])
    return np.concatenate(blocks, 1)


def _weights(module) -> dict[str, np.ndarray]:
    return {name: value.detach().numpy().astype(np.float64) for name, value in module.state_dict().items()}


@pytest.fixture
def asm():
    autograd.manual_seed(0)
    return nn.AdaptiveLogSoftmaxWithLoss(16, 20, CUTOFFS, div_value=2.0, head_bias=True).double()


@pytest.fixture
def rows(rng):
    return rng.standard_normal((6, 16))


TARGETS = np.array([0, 7, 13, 19, 4, 12])  # shortlist, both clusters, both edges of cluster 1


def test_output_loss_log_prob_and_predict(asm, rows, check):
    full = reference_log_prob(rows, _weights(asm))
    np.testing.assert_allclose(np.exp(full).sum(1), 1.0, rtol=1e-12)
    x = autograd.tensor(rows, dtype=autograd.float64)
    output, loss = asm(x, autograd.tensor(TARGETS))
    check(output, full[np.arange(6), TARGETS], rtol=1e-12)
    check(loss, -full[np.arange(6), TARGETS].mean(), rtol=1e-12)
    check(asm.log_prob(x), full, rtol=1e-12)
    np.testing.assert_array_equal(asm.predict(x).numpy(), full.argmax(1))


def test_unbatched_and_shortlist_only(asm, rows, check):
    full = reference_log_prob(rows, _weights(asm))
    result = asm(autograd.tensor(rows[1], dtype=autograd.float64), autograd.tensor(7))
    assert result.output.shape == ()
    check(result.output, full[1, 7], rtol=1e-12)
    check(asm.log_prob(autograd.tensor(rows[1], dtype=autograd.float64)), full[1], rtol=1e-12)
    assert asm.predict(autograd.tensor(rows[1], dtype=autograd.float64)).item() == full[1].argmax()
    x = autograd.tensor(rows, dtype=autograd.float64)
    shortlist = np.array([0, 1, 2, 3, 4, 0])  # no row reaches a cluster: the tails get no gradient
    asm(x, autograd.tensor(shortlist)).loss.backward()
    assert asm.tail[0][0].weight.grad is None or not asm.tail[0][0].weight.grad.numpy().any()
    assert asm.head.weight.grad.numpy().any()


def test_gradcheck_input(asm, rows, check_grad):
    x = autograd.tensor(rows, dtype=autograd.float64, requires_grad=True)
    check_grad(lambda z: asm(z, autograd.tensor(TARGETS)).output, x)
    check_grad(lambda z: asm.log_prob(z), x)


def test_weight_gradients(asm, rows):
    asm(autograd.tensor(rows, dtype=autograd.float64), autograd.tensor(TARGETS)).loss.backward()
    weights = _weights(asm)
    for name, parameter in asm.named_parameters():
        numeric = np.zeros_like(weights[name])
        for index in np.ndindex(numeric.shape):
            shifted = []
            for step in (1e-6, -1e-6):
                moved = {**weights, name: weights[name].copy()}
                moved[name][index] += step
                shifted.append(-reference_log_prob(rows, moved)[np.arange(6), TARGETS].mean())
            numeric[index] = (shifted[0] - shifted[1]) / 2e-6
        np.testing.assert_allclose(parameter.grad.numpy(), numeric, atol=1e-8, err_msg=name)


def test_structure_repr_and_state_dict():
    asm = nn.AdaptiveLogSoftmaxWithLoss(16, 20, CUTOFFS, div_value=2.0)
    assert (asm.shortlist_size, asm.n_clusters, asm.head_size, asm.cutoffs) == (5, 2, 7, [5, 12, 20])
    assert (asm.in_features, asm.n_classes, asm.div_value, asm.head_bias) == (16, 20, 2.0, False)
    assert list(asm.state_dict()) == [
        "head.weight", "tail.0.0.weight", "tail.0.1.weight", "tail.1.0.weight", "tail.1.1.weight",
    ]  # fmt: skip
    assert repr(asm) == (
        "AdaptiveLogSoftmaxWithLoss(\n"
        "  (head): Linear(in_features=16, out_features=7, bias=False)\n"
        "  (tail): ModuleList(\n"
        "    (0): Sequential(\n"
        "      (0): Linear(in_features=16, out_features=8, bias=False)\n"
        "      (1): Linear(in_features=8, out_features=7, bias=False)\n"
        "    )\n"
        "    (1): Sequential(\n"
        "      (0): Linear(in_features=16, out_features=4, bias=False)\n"
        "      (1): Linear(in_features=4, out_features=8, bias=False)\n"
        "    )\n"
        "  )\n"
        ")"
    )
    assert "head.bias" in nn.AdaptiveLogSoftmaxWithLoss(16, 20, CUTOFFS, head_bias=True).state_dict()
    default = nn.AdaptiveLogSoftmaxWithLoss(64, 10, [3])
    assert default.tail[0][0].weight.shape == (16, 64)  # div_value 4 by default
    before = {name: value.detach().numpy().copy() for name, value in asm.state_dict().items()}
    asm.reset_parameters()
    for name, value in asm.state_dict().items():
        assert not np.array_equal(value.detach().numpy(), before[name]), name


def test_float32_is_kept(rows):
    asm = nn.AdaptiveLogSoftmaxWithLoss(16, 20, CUTOFFS)
    result = asm(autograd.tensor(rows.astype(np.float32)), autograd.tensor(TARGETS))
    assert result.output.dtype == autograd.float32 and result.loss.dtype == autograd.float32


def test_cutoffs_at_the_edges_in_a_tuple():
    asm = nn.AdaptiveLogSoftmaxWithLoss(16, 20, (1, 19))  # 1 and n_classes - 1 are allowed, as in PyTorch
    assert asm.cutoffs == [1, 19, 20] and asm.head_size == 3
    assert asm.tail[1][1].weight.shape == (1, 1)


@pytest.mark.parametrize("cutoffs", [[5, 5], [0, 5], [5, 20], [12, 5], [], [2.5]])
def test_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
        nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs)


def test_bad_targets(asm, rows):
    x = autograd.tensor(rows, dtype=autograd.float64)
    with pytest.raises(
        RuntimeError, match=r"target values should be in \[0, 19\], but values in range \[0, 20\]"
    ):
        asm(x, autograd.tensor([0, 1, 2, 3, 4, 20]))
    with pytest.raises(RuntimeError, match="should have the same size in the batch dimension"):
        asm(x, autograd.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="should have the same size in the batch dimension"):
        asm(x, autograd.tensor(TARGETS.reshape(2, 3)))
