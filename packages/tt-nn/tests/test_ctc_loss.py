"""``F.ctc_loss`` and ``nn.CTCLoss``: values against a brute-force NumPy reference that sums every
alignment (no recursion), all three reductions (``"mean"`` divides by the target lengths), padded,
concatenated and unbatched targets, PyTorch's gradient formula for log-probabilities, float64 gradients
through ``log_softmax``, impossible alignments and ``zero_infinity``, empty inputs and targets, PyTorch's
values pinned where a target holds the blank, dtype, repr and bad arguments.

Not course material (outside module 05's solution regions), so no module number.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _collapse(path: tuple[int, ...], blank: int) -> list[int]:
    """Merge repeats, then drop blanks: the labelling an alignment spells."""
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return [k for k in merged if k != blank]


def ctc_reference(log_probs: np.ndarray, target: list[int], frames: int, blank: int) -> float:
    """``-log`` of the summed probability of every path of ``frames`` frames that spells ``target``."""
    classes = log_probs.shape[-1]
    total = 0.0
    for path in itertools.product(range(classes), repeat=frames):  # brute force: C**T paths
        if _collapse(path, blank) == list(target):
            total += math.exp(sum(log_probs[t, k] for t, k in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


def _reduce(losses: np.ndarray, target_lengths, reduction: str):
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return (losses / np.maximum(np.asarray(target_lengths), 1)).mean()


def _t(array, requires_grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(
        np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=requires_grad
    )


def _ints(array) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.int64))


@pytest.fixture
def log_probs(rng):
    return _log_softmax(rng.standard_normal((6, 3, 4)))


# a repeated label, a label then a different one, and an empty target; the middle sample is 5 frames long
TARGETS = [[1, 1, 2], [3, 1, 0], [0, 0, 0]]
INPUT_LENGTHS = [6, 5, 6]
TARGET_LENGTHS = [3, 2, 0]


# ----------------------------------------------------------------- values


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_values_match_the_sum_over_alignments(log_probs, check, reduction):
    losses = np.array([
        ctc_reference(log_probs[:, n], TARGETS[n][: TARGET_LENGTHS[n]], INPUT_LENGTHS[n], blank=0)
        for n in range(3)
    ])  # fmt: skip
    out = F.ctc_loss(
        _t(log_probs), _ints(TARGETS), _ints(INPUT_LENGTHS), _ints(TARGET_LENGTHS), reduction=reduction
    )
    check(out, _reduce(losses, TARGET_LENGTHS, reduction), rtol=1e-10)


def test_empty_target_is_all_blanks(log_probs, check):
    out = F.ctc_loss(_t(log_probs), _ints(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none")
    check(out[2], -log_probs[:, 2, 0].sum(), rtol=1e-12)


def test_mean_divides_each_loss_by_its_target_length(log_probs, check):
    none = F.ctc_loss(_t(log_probs), _ints(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none").numpy()
    mean = F.ctc_loss(_t(log_probs), _ints(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS)
    check(mean, (none[0] / 3 + none[1] / 2 + none[2] / 1) / 3, rtol=1e-12)


def test_other_blank_and_concatenated_targets(log_probs, check):
    targets, target_lengths, input_lengths = [[0, 1, 1], [2, 1, 0], [1, 2, 0]], [3, 2, 1], [6, 6, 4]
    losses = np.array([
        ctc_reference(log_probs[:, n], targets[n][: target_lengths[n]], input_lengths[n], blank=3)
        for n in range(3)
    ])  # fmt: skip
    padded = F.ctc_loss(
        _t(log_probs), _ints(targets), input_lengths, target_lengths, blank=3, reduction="none"
    )
    check(padded, losses, rtol=1e-10)
    flat = _ints([0, 1, 1, 2, 1, 1])
    concatenated = F.ctc_loss(_t(log_probs), flat, tuple(input_lengths), _ints(target_lengths), blank=3,
                              reduction="none")  # fmt: skip
    check(concatenated, losses, rtol=1e-10)


def test_concatenated_targets_are_cut_at_the_cumulative_lengths(log_probs):
    padded = F.ctc_loss(
        _t(log_probs), _ints([[1, 2], [3, 3], [1, 0]]), INPUT_LENGTHS, [2, 2, 1], reduction="none"
    )
    flat = F.ctc_loss(_t(log_probs), _ints([1, 2, 3, 3, 1]), INPUT_LENGTHS, [2, 2, 1], reduction="none")
    np.testing.assert_array_equal(flat.numpy(), padded.numpy())
    expected = [ctc_reference(log_probs[:, 0], [1, 2], 6, 0), ctc_reference(log_probs[:, 1], [3, 3], 5, 0)]
    np.testing.assert_allclose(flat.numpy()[:2], expected, rtol=1e-10)


def test_concatenated_targets_with_one_label_and_with_none(log_probs, check):
    one = F.ctc_loss(_t(log_probs), _ints([2]), INPUT_LENGTHS, [0, 1, 0], reduction="none")
    check(one[1], ctc_reference(log_probs[:, 1], [2], 5, 0), rtol=1e-10)
    none = F.ctc_loss(_t(log_probs), _ints(np.zeros(0)), INPUT_LENGTHS, [0, 0, 0], reduction="none")
    check(none[0], -log_probs[:, 0, 0].sum(), rtol=1e-12)


def test_padding_beyond_the_target_length_is_ignored(log_probs):
    lengths = dict(input_lengths=INPUT_LENGTHS, target_lengths=TARGET_LENGTHS, reduction="none")
    clean = F.ctc_loss(_t(log_probs), _ints(TARGETS), **lengths).numpy()
    junk = F.ctc_loss(_t(log_probs), _ints([[1, 1, 2, -1], [3, 1, -1, 9], [-1, 9, 9, 9]]), **lengths).numpy()
    np.testing.assert_array_equal(junk, clean)


def test_float_and_bool_targets_and_float_lengths_as_pytorch(log_probs):
    # PyTorch truncates float labels and reads True as 1; whole-valued float lengths are accepted
    def losses(targets, lengths=(6, 5, 6)):
        return F.ctc_loss(_t(log_probs), targets, np.array(lengths), [2, 2, 2], reduction="none").numpy()

    as_ints = losses(_ints([[1, 1], [1, 2], [3, 3]]))
    np.testing.assert_array_equal(losses(_t([[1.2, 1.7], [1.0, 2.9], [3.5, 3.0]])), as_ints)
    np.testing.assert_array_equal(losses(_t([[1.2, 1.7], [1.0, 2.9], [3.5, 3.0]]), (6.0, 5.0, 6.0)), as_ints)
    booleans = autograd.tensor(np.ones((3, 2), dtype=bool))
    np.testing.assert_array_equal(losses(booleans), losses(_ints(np.ones((3, 2)))))


def test_unbatched(log_probs, check):
    out = F.ctc_loss(_t(log_probs[:, 1]), _ints([3, 1]), 5, 2, reduction="none")
    check(out, ctc_reference(log_probs[:, 1], [3, 1], 5, blank=0), rtol=1e-10)
    assert out.shape == ()
    check(
        F.ctc_loss(_t(log_probs[:, 1]), _ints([3, 1]), _ints([5]), _ints([2])),
        out.detach().numpy() / 2,
        rtol=1e-12,
    )


def test_impossible_alignment_is_infinite_and_zero_infinity_zeroes_it(log_probs):
    # "11" needs "1-1": 3 frames, but the first sample has 2; the second is feasible
    args = (_ints([[1, 1], [2, 3]]), [2, 6], [2, 2])
    x = _t(log_probs[:, :2], requires_grad=True)
    losses = F.ctc_loss(x, *args, reduction="none")
    assert losses.detach().numpy()[0] == math.inf and np.isfinite(losses.detach().numpy()[1])
    assert math.isinf(F.ctc_loss(x, *args).item())
    losses.sum().backward()
    assert np.isnan(x.grad.numpy()[:2, 0]).all() and (x.grad.numpy()[2:, 0] == 0).all()
    assert np.isfinite(x.grad.numpy()[:, 1]).all()
    kept = x.grad.numpy()[:, 1].copy()
    x.grad = None
    zeroed = F.ctc_loss(x, *args, reduction="none", zero_infinity=True)
    np.testing.assert_array_equal(zeroed.detach().numpy(), [0.0, losses.detach().numpy()[1]])
    zeroed.sum().backward()
    assert (x.grad.numpy()[:, 0] == 0).all()
    np.testing.assert_allclose(x.grad.numpy()[:, 1], kept, rtol=1e-12)


def test_no_frames(log_probs):
    # PyTorch: an input length of 0 gives 0 for an empty target, inf otherwise; no gradient either way
    x = _t(log_probs, requires_grad=True)
    losses = F.ctc_loss(x, _ints([[0], [2], [1]]), [0, 0, 6], [0, 1, 1], reduction="none")
    assert losses.detach().numpy()[0] == 0 and losses.detach().numpy()[1] == math.inf
    F.ctc_loss(
        x, _ints([[0], [2], [1]]), [0, 0, 6], [0, 1, 1], reduction="none", zero_infinity=True
    ).sum().backward()
    assert (x.grad.numpy()[:, :2] == 0).all()


def test_one_frame_and_only_empty_targets(log_probs, check):
    one_frame = F.ctc_loss(_t(log_probs[:1]), _ints([[2], [1], [0]]), [0, 1, 1], [0, 1, 0], reduction="none")
    check(one_frame, [0.0, -log_probs[0, 1, 1], -log_probs[0, 2, 0]], rtol=1e-12)
    empty = F.ctc_loss(_t(log_probs), _ints(np.zeros((3, 0))), [6, 3, 0], [0, 0, 0], reduction="none")
    check(empty, [-log_probs[:, 0, 0].sum(), -log_probs[:3, 1, 0].sum(), 0.0], rtol=1e-12)


def test_a_target_label_equal_to_blank_is_taken_as_pytorch_does():
    # values pinned from PyTorch 2.13: the label is an extended position like any other (and a
    # jump onto it is allowed when it differs from the label before it)
    log_probs = _log_softmax(np.random.default_rng(7).standard_normal((5, 3, 4)))
    out = F.ctc_loss(_t(log_probs), _ints([[0, 1, 0], [2, 0, 0], [3, 0, 3]]), [5, 4, 5], [3, 2, 2],
                     reduction="none")  # fmt: skip
    np.testing.assert_allclose(out.detach().numpy(), [4.65530088, 3.40056233, 4.16449518], rtol=1e-8)


# ----------------------------------------------------------------- gradients


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_through_log_softmax(rng, check_grad, reduction):
    logits = _t(rng.standard_normal((6, 3, 4)), requires_grad=True)
    check_grad(
        lambda z: F.ctc_loss(F.log_softmax(z, dim=2), _ints(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS,
                             reduction=reduction),
        logits,
    )  # fmt: skip


def test_gradcheck_zero_infinity_concatenated_and_unbatched(rng, check_grad):
    logits = _t(rng.standard_normal((5, 3, 3)), requires_grad=True)
    targets = _ints([1, 1, 2, 1, 2])
    check_grad(
        lambda z: F.ctc_loss(z.log_softmax(2), targets, [5, 2, 4], [2, 2, 1], blank=0, zero_infinity=True),
        logits,
    )
    check_grad(lambda z: F.ctc_loss(z[:, 0].log_softmax(1), _ints([2, 1]), 5, 2, blank=1), logits)


def _numeric_gradient(fn, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (fn(up) - fn(down)) / (2 * step)
    return grad


def test_gradient_wrt_log_probs_is_pytorchs_formula(rng):
    # d/d log_probs = exp(log_probs) + d(-log p)/d log_probs on a sample's frames, 0 after them
    log_probs = _log_softmax(rng.standard_normal((4, 2, 3)))
    targets, input_lengths, target_lengths = [[1, 2], [2, 2]], [4, 3], [2, 1]
    x = _t(log_probs, requires_grad=True)
    F.ctc_loss(x, _ints(targets), input_lengths, target_lengths, reduction="sum").backward()
    for n in range(2):
        target, frames = targets[n][: target_lengths[n]], input_lengths[n]
        exact = _numeric_gradient(
            lambda lp, target=target, frames=frames: ctc_reference(lp, target, frames, 0),
            log_probs[:frames, n],
        )
        np.testing.assert_allclose(
            x.grad.numpy()[:frames, n], np.exp(log_probs[:frames, n]) + exact, atol=1e-7
        )
        assert (x.grad.numpy()[frames:, n] == 0).all()


def test_reductions_scale_the_gradient(log_probs):
    grads = {}
    for reduction in REDUCTIONS:
        x = _t(log_probs, requires_grad=True)
        out = F.ctc_loss(x, _ints(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction)
        (out if reduction != "none" else out * _t([1.0, 2.0, 3.0])).sum().backward()
        grads[reduction] = x.grad.numpy()
    np.testing.assert_allclose(grads["mean"][:, 1], grads["sum"][:, 1] / (2 * 3), rtol=1e-12)
    np.testing.assert_allclose(grads["mean"][:, 2], grads["sum"][:, 2] / (1 * 3), rtol=1e-12)
    np.testing.assert_allclose(grads["none"][:, 1], 2 * grads["sum"][:, 1], rtol=1e-12)


def test_last_label_equal_to_blank_has_the_exact_gradient(rng):
    # PyTorch's CPU kernel counts one of the two final positions only when both hold the blank's class
    # (its gradient is then off by one occupancy at the last frame); ours is the formula's, exactly
    log_probs = _log_softmax(rng.standard_normal((4, 1, 3)))
    x = _t(log_probs, requires_grad=True)
    F.ctc_loss(x, _ints([[2, 0]]), [4], [2], reduction="sum").backward()
    exact = _numeric_gradient(lambda lp: F.ctc_loss(_t(lp[:, None]), _ints([[2, 0]]), [4], [2]).item() * 2,
                              log_probs[:, 0])  # fmt: skip
    np.testing.assert_allclose(x.grad.numpy()[:, 0], np.exp(log_probs[:, 0]) + exact, atol=1e-7)


# ----------------------------------------------------------------- dtype, module, errors


def test_float32_is_kept(log_probs):
    x = autograd.tensor(log_probs.astype(np.float32), requires_grad=True)
    out = F.ctc_loss(x, _ints(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none")
    assert out.dtype == autograd.float32
    out.sum().backward()
    assert x.grad.dtype == autograd.float32
    reference = F.ctc_loss(_t(log_probs), _ints(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), reference.numpy(), rtol=1e-5)


def test_module(log_probs, check):
    loss = nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True)
    assert repr(loss) == "CTCLoss()" and loss.blank == 3 and loss.zero_infinity is True
    assert list(loss.state_dict()) == []
    args = (_ints([[0, 1], [2, 2], [1, 1]]), INPUT_LENGTHS, [2, 2, 2])
    check(loss(_t(log_probs), *args), F.ctc_loss(_t(log_probs), *args, blank=3, reduction="sum",
                                                  zero_infinity=True).numpy())  # fmt: skip
    defaults = nn.CTCLoss()
    assert (defaults.blank, defaults.reduction, defaults.zero_infinity) == (0, "mean", False)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (dict(blank=4), ValueError, r"blank must be in label range \[0, 4\)"),
        (dict(blank=-1), ValueError, "blank must be in label range"),
        (dict(input_lengths=[7, 5, 6]), ValueError, "input_lengths must be <= T = 6"),
        (dict(input_lengths=[-1, 5, 6]), ValueError, "input_lengths must be >= 0"),
        (dict(target_lengths=[3, 2]), ValueError, r"target_lengths must have one entry per sample \(3\)"),
        (dict(target_lengths=[4, 2, 0]), ValueError, "at least max"),
        (dict(target_lengths=[1.5, 2, 0]), TypeError, "whole numbers"),
        (
            dict(targets=_ints([[1, 4, 2], [3, 1, 0], [0, 0, 0]])),
            IndexError,
            r"target label 4 is out of range",
        ),
        (dict(targets=_ints([[0, 4, 1], [3, 1, 0], [0, 0, 0]])), IndexError, "target label 4 is out of"),
        (dict(targets=_ints([[1, -1, 2], [3, 1, 0], [0, 0, 0]])), IndexError, "target label -1 is out of"),
        (dict(targets=_ints([1, 1, 2, 3])), ValueError, "sum\\(target_lengths\\) = 5"),
        (dict(targets=_ints([[1, 1, 2], [3, 1, 0]])), ValueError, r"one row per sample \(3\)"),
        (dict(targets=[[1, 1, 2]]), TypeError, "argument 'targets' must be a Tensor"),
        (dict(reduction="avg"), ValueError, "'avg' is not a valid value for reduction"),
    ],
)
def test_bad_arguments(log_probs, change, error, match):
    args = dict(targets=_ints(TARGETS), input_lengths=INPUT_LENGTHS, target_lengths=TARGET_LENGTHS)
    args.update(change)
    with pytest.raises(error, match=match):
        F.ctc_loss(_t(log_probs), **args)


def test_bad_log_probs():
    with pytest.raises(ValueError, match=r"log_probs must be \(T, N, C\) or \(T, C\)"):
        F.ctc_loss(_t(np.zeros(4)), _ints([1]), [4], [1])
    with pytest.raises(TypeError, match="'log_probs' must be a floating-point tensor"):
        F.ctc_loss(_ints(np.zeros((4, 1, 3))), _ints([1]), [4], [1])
