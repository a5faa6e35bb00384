"""``F.linear_cross_entropy``, ``nn.LinearCrossEntropyLoss`` and ``nn.LinearCrossEntropyOptions``
(PyTorch 2.13): the chunked path against ``cross_entropy(linear(...))`` (values, gradients in
``input``, ``linear_weight`` and ``linear_bias``, every reduction, class weights, ``ignore_index``,
unbatched input), first and second derivatives against float64 central differences, PyTorch's chunk
sizes, the peak memory that chunking saves, the fallbacks with PyTorch's warning, and the errors.

Beyond module 05's exercises: no module number.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
from tt_nn import LinearCrossEntropyLoss, LinearCrossEntropyOptions
from tt_nn import functional as F

N, D, C = 7, 3, 11


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2713)


def run(fn, x, w, b, seed_weights):
    """The loss, and the gradients of ``sum(loss * seed_weights)`` in ``x``, ``w`` and ``b``."""
    leaves = [autograd.tensor(a, requires_grad=True) for a in (x, w)] + (
        [] if b is None else [autograd.tensor(b, requires_grad=True)]
    )
    loss = fn(*leaves)
    (loss * autograd.tensor(seed_weights[: loss.numel()].reshape(loss.shape))).sum().backward()
    return [loss.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves]


CASES = list(itertools.product(["mean", "sum", "none"], [False, True], [False, True], [None, 2], [1, 3, 7]))


@pytest.mark.parametrize(("reduction", "bias", "class_weight", "ignore", "chunk"), CASES)
def test_chunks_give_the_reference_loss_and_gradients(rng, reduction, bias, class_weight, ignore, chunk):
    x, w, b = (
        rng.standard_normal((N, D)),
        rng.standard_normal((C, D)),
        rng.standard_normal(C) if bias else None,
    )
    target = rng.integers(0, C, N)
    if ignore is not None:
        target[[0, 4]] = ignore
    weight = autograd.tensor(rng.random(C) + 0.5) if class_weight else None
    options = LinearCrossEntropyOptions(batch_chunk_size=chunk)
    seeds = np.cos(np.arange(N))
    common = dict(weight=weight, reduction=reduction, ignore_index=-100 if ignore is None else ignore)

    def chunked(x, w, b=None):
        return F.linear_cross_entropy(
            x,
            w,
            autograd.tensor(target),
            linear_bias=b,
            options=options,
            **{**common, "ignore_index": ignore},
        )

    def reference(x, w, b=None):
        return F.cross_entropy(x @ w.mT + (0.0 if b is None else b), autograd.tensor(target), **common)

    for got, expected in zip(run(chunked, x, w, b, seeds), run(reference, x, w, b, seeds)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_unbatched_input_and_every_target_ignored(rng):
    check = np.testing.assert_allclose
    x, w = rng.standard_normal(D), rng.standard_normal((C, D))
    options = LinearCrossEntropyOptions()
    for reduction in ("mean", "none"):
        got = F.linear_cross_entropy(
            autograd.tensor(x), autograd.tensor(w), autograd.tensor(4), reduction=reduction, options=options
        )
        z = w @ x
        assert got.shape == ()
        check(got.numpy(), np.log(np.exp(z).sum()) - z[4], rtol=1e-12)
    X = autograd.tensor(rng.standard_normal((N, D)), requires_grad=True)
    loss = F.linear_cross_entropy(
        X, autograd.tensor(w), autograd.full((N,), 3), ignore_index=3, options=options
    )
    assert np.isnan(loss.item())  # 0 / 0, as PyTorch
    loss.backward()
    assert np.all(X.grad.numpy() == 0)


def test_logits_far_beyond_exps_range(rng):
    # logits of several hundred: exp overflows unless each row is shifted by its largest logit first
    x = autograd.tensor(rng.standard_normal((N, D)) * 300, requires_grad=True)
    w, target = autograd.tensor(rng.standard_normal((C, D))), autograd.tensor(rng.integers(0, C, N))
    chunked = F.linear_cross_entropy(x, w, target, options=LinearCrossEntropyOptions(batch_chunk_size=3))
    chunked.backward()
    reference = F.cross_entropy(x.detach() @ w.mT, target)
    assert np.isfinite(chunked.item()) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(chunked.item(), reference.item(), rtol=1e-12)


def test_one_class_with_ignored_targets(rng):
    # a single class: every kept row's loss is 0 and its gradient too; ignored rows must not index class 1
    x = autograd.tensor(rng.standard_normal((4, D)), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((1, D)), requires_grad=True)
    target = autograd.tensor(np.array([0, 5, 0, 5]))
    loss = F.linear_cross_entropy(
        x, w, target, ignore_index=5, reduction="sum", options=LinearCrossEntropyOptions()
    )
    loss.backward()
    assert loss.item() == 0.0 and np.all(x.grad.numpy() == 0) and np.all(w.grad.numpy() == 0)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_first_and_second_derivatives(rng, reduction):
    x = autograd.tensor(rng.standard_normal((5, D)), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((C, D)), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(C), requires_grad=True)
    target = autograd.tensor(np.array([1, 0, 10, 3, 1]))
    weight = autograd.tensor(rng.random(C) + 0.5)

    def loss(x, w, b):
        return F.linear_cross_entropy(
            x,
            w,
            target,
            linear_bias=b,
            weight=weight,
            reduction=reduction,
            ignore_index=3,
            options=LinearCrossEntropyOptions(batch_chunk_size=2),
        )

    assert autograd.gradcheck(loss, [x, w, b])
    assert autograd.gradgradcheck(loss, [x, w, b])


def test_chunk_sizes_follow_pytorch():
    # next_pow2(ceil(N / ceil(C / D))) // factor, at most N (PyTorch's "aspect_ratio:factor")
    assert LinearCrossEntropyOptions().chunk_rows(1000, 64, 50000) == 1  # ceil(1000 / 782) = 2 -> 2 // 2
    assert LinearCrossEntropyOptions(chunking_method="aspect_ratio").chunk_rows(4096, 64, 8192) == 32
    assert LinearCrossEntropyOptions(chunking_method="aspect_ratio:4").chunk_rows(4096, 64, 8192) == 8
    assert LinearCrossEntropyOptions(chunking_method="aspect_ratio").chunk_rows(8, 16, 10) == 8  # C <= D: all
    assert LinearCrossEntropyOptions(batch_chunk_size=5).chunk_rows(100, 4, 10) == 5  # turns "auto" off
    assert LinearCrossEntropyOptions(batch_chunk_size=500, chunking_method=None).chunk_rows(100, 4, 10) == 100
    assert LinearCrossEntropyOptions(chunking_method=None).chunk_rows(100, 4, 10) == 100  # one chunk
    with pytest.raises(ValueError, match=r"batch_chunk_size \(=5\) and chunking_method \('aspect_ratio'\)"):
        LinearCrossEntropyOptions(batch_chunk_size=5, chunking_method="aspect_ratio").chunk_rows(
            4096, 64, 8192
        )
    for bad in (
        {"acc_policy": "fast"},
        {"chunking_method": "square"},
        {"chunking_method": "aspect_ratio:0"},
        {"batch_chunk_size": 0},
        {"batch_chunk_size": 2.0},
    ):
        with pytest.raises(ValueError, match="invalid|must be positive int"):
            LinearCrossEntropyOptions(**bad)


def test_the_logits_never_exist_whole(rng):
    rows, width, classes = 2048, 8, 4096  # the whole float64 logits: 64 MiB
    x, w = (
        autograd.tensor(rng.standard_normal((rows, width))),
        autograd.tensor(rng.standard_normal((classes, width))),
    )
    w.requires_grad = True
    target = autograd.tensor(rng.integers(0, classes, rows))
    whole = rows * classes * 8
    tracemalloc.start()
    try:
        F.linear_cross_entropy(
            x, w, target, options=LinearCrossEntropyOptions(batch_chunk_size=64)
        ).backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < whole / 8, f"peak {peak / 2**20:.1f} MiB, whole logits {whole / 2**20:.0f} MiB"


def test_what_the_chunks_do_not_take_falls_back_with_pytorchs_warning(rng):
    x, w = autograd.tensor(rng.standard_normal((N, D))), autograd.tensor(rng.standard_normal((C, 2, D)))
    target = autograd.tensor(rng.integers(0, C, (N, 2)))
    options = LinearCrossEntropyOptions()
    with pytest.warns(UserWarning, match="options`` ignored; chunked path needs"):
        k_dim = F.linear_cross_entropy(x, w, target, options=options)
    logits = (x @ w.reshape(C * 2, D).mT).reshape(N, C, 2)
    np.testing.assert_allclose(k_dim.numpy(), F.cross_entropy(logits, target).numpy(), rtol=1e-12)
    probabilities = autograd.tensor(rng.dirichlet(np.ones(C), N))
    with pytest.warns(UserWarning, match="label_smoothing=0.1"):
        smoothed = F.linear_cross_entropy(x, w[:, 0], probabilities, label_smoothing=0.1, options=options)
    expected = F.cross_entropy(x @ w[:, 0].mT, probabilities, label_smoothing=0.1)
    np.testing.assert_allclose(smoothed.numpy(), expected.numpy(), rtol=1e-12)


def test_the_module_owns_the_head(rng):
    autograd.manual_seed(0)
    head = LinearCrossEntropyLoss(
        D, C, bias=True, reduction="sum", options=LinearCrossEntropyOptions(batch_chunk_size=2)
    )
    assert list(head.state_dict()) == ["linear.weight", "linear.bias"]
    assert head.linear.weight.shape == (C, D) and head.weight is None
    x, target = autograd.tensor(rng.standard_normal((N, D))), autograd.tensor(rng.integers(0, C, N))
    expected = F.cross_entropy(head.linear(x), target, reduction="sum")
    np.testing.assert_allclose(head(x, target).detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    head(x, target).backward()
    assert head.linear.weight.grad.shape == (C, D) and head.linear.bias.grad.shape == (C,)
    k_dim = LinearCrossEntropyLoss(D, C, out_features=(2,), weight=autograd.ones(C))
    assert k_dim.linear.weight.shape == (2 * C, D) and "weight" in dict(k_dim.named_buffers())
    assert "num_classes=11, out_features=(2,), bias=False" in repr(k_dim)
    assert isinstance(head, tt_nn.Module)
    with pytest.raises(ValueError, match=r"expected weight shape to be \(11,\), got \(3,\)"):
        LinearCrossEntropyLoss(D, C, weight=autograd.ones(3))
    with pytest.raises(ValueError, match=r"expected label_smoothing to be in range \[0, 1\], got 1.5"):
        LinearCrossEntropyLoss(D, C, label_smoothing=1.5)
    with pytest.raises(TypeError, match="options must be None or a LinearCrossEntropyOptions, got dict"):
        LinearCrossEntropyLoss(D, C, options={})


def test_errors_name_the_argument(rng):
    x, w, t = autograd.zeros(N, D), autograd.zeros(C, D), autograd.zeros(N, dtype=autograd.int64)
    options = LinearCrossEntropyOptions()
    cases = [
        ((autograd.zeros(2, N, D), w, t), {}, "expected input with dimensionality 1 or 2, got 3"),
        ((x, autograd.zeros(D), t), {}, "expected linear_weight with dimensionality at least 2, got 1"),
        ((x, autograd.zeros(C, D + 1), t), {}, "got 3 and 4, respectively"),
        (
            (x, w, t),
            {"linear_bias": autograd.zeros(C + 1)},
            r"expected linear_bias shape \(11,\), got \(12,\)",
        ),
        ((autograd.zeros(D), autograd.zeros(C, 2, D), t), {}, "requires batched input"),
        (
            (x, w, autograd.zeros(N, C)),
            {"ignore_index": 0},
            "ignore_index cannot be specified when target contains",
        ),
        ((x, w, autograd.full((N,), C)), {"options": options}, "target 11 is out of bounds for 11 classes"),
        ((x, w, t[:3]), {"options": options}, r"needs a target of shape \(7,\), got \(3,\)"),
        (
            (x, w, t),
            {"options": options, "weight": autograd.ones(2)},
            r"weight must have one entry per class",
        ),
        ((x, w, t), {"options": "chunks"}, "options must be None or a LinearCrossEntropyOptions, got str"),
        ((x, w, t), {"reduction": "max"}, "reduction"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises((ValueError, TypeError, IndexError), match=message):
            F.linear_cross_entropy(*args, **kwargs)
