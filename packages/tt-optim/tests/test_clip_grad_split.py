"""``get_total_norm`` and ``clip_grads_with_norm_`` (``clip_grad_norm_`` split in two), ``clip_grad_norm``.

References: the norm of the concatenated values (``np.linalg.norm``), and
``clip_grad_norm_`` itself, which the two halves must reproduce bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim.utils import clip_grad_norm, clip_grad_norm_, clip_grads_with_norm_, get_total_norm


def parameters_with_grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    params = [nn.Parameter(autograd.zeros(*shape)) for shape in ((3, 4), (5,), (2, 2, 2))]
    for p in params:
        p.grad = autograd.tensor((rng.standard_normal(p.shape) * scale).astype(np.float32))
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
def test_get_total_norm_is_the_norm_of_all_values_as_one_vector(norm_type):
    grads = [p.grad for p in parameters_with_grads()]
    flat = np.concatenate([g.numpy().ravel() for g in grads]).astype(np.float64)
    order = math.inf if norm_type == "inf" else norm_type
    total = get_total_norm(grads, norm_type)
    assert total.shape == ()
    assert total.item() == pytest.approx(np.linalg.norm(flat, order), rel=1e-6)
    assert get_total_norm(grads[0], norm_type).item() == pytest.approx(
        np.linalg.norm(grads[0].numpy().ravel().astype(np.float64), order), rel=1e-6
    )


def test_get_total_norm_leaves_the_tensors_alone_even_when_infinite():
    grads = [autograd.tensor([3.0, 4.0]), autograd.tensor([12.0])]
    assert get_total_norm(grads).item() == 13.0  # PyTorch 2.13: tensor(13.)
    grads.append(autograd.tensor([np.inf, 1.0]))
    assert get_total_norm(grads).item() == math.inf
    assert [g.tolist() for g in grads] == [[3.0, 4.0], [12.0], [math.inf, 1.0]]
    with pytest.raises(RuntimeError, match="total norm of order 2.0"):
        get_total_norm(grads, error_if_nonfinite=True)
    assert get_total_norm(g for g in grads[:2]).item() == 13.0  # any iterable, a generator too
    empty = get_total_norm([])
    assert empty.shape == () and empty.item() == 0.0


@pytest.mark.parametrize("max_norm", [0.5, 1e6])
@pytest.mark.parametrize("norm_type", [2.0, math.inf, 1.5])
def test_the_two_halves_are_clip_grad_norm_bit_for_bit(max_norm, norm_type):
    split, whole = parameters_with_grads(seed=3), parameters_with_grads(seed=3)
    total = get_total_norm([p.grad for p in split], norm_type, foreach=True)
    clip_grads_with_norm_(split, max_norm, total, foreach=None)
    expected_total = clip_grad_norm_(whole, max_norm, norm_type)
    assert total.item() == expected_total.item()
    for a, b in zip(split, whole):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_clip_grads_with_norm_scales_by_the_given_norm():
    params = parameters_with_grads(seed=5)
    before = [p.grad.numpy().copy() for p in params]
    clip_grads_with_norm_(params, 2.0, autograd.tensor(8.0))  # the caller's norm, not the gradients'
    for p, g in zip(params, before):
        np.testing.assert_allclose(p.grad.numpy(), g * np.float32(2.0 / (8.0 + 1e-6)), rtol=1e-6)
    clip_grads_with_norm_(params, 2.0, 1.0)  # a coefficient above 1 is clamped: unchanged
    for p, g in zip(params, before):
        np.testing.assert_allclose(p.grad.numpy(), g * np.float32(2.0 / (8.0 + 1e-6)), rtol=1e-6)
    clip_grads_with_norm_(params[0], 1.0, autograd.tensor(math.nan))  # NaN propagates, as torch.clamp
    assert np.isnan(params[0].grad.numpy()).all()
    clip_grads_with_norm_([nn.Parameter(autograd.zeros(1))], 1.0, 5.0)  # no gradients: nothing to do
    with pytest.raises(TypeError, match="clip_grads_with_norm_: max_norm must be a number"):
        clip_grads_with_norm_(params, "2", 1.0)


def test_get_total_norm_refuses_what_is_not_a_tensor():
    with pytest.raises(TypeError, match=r"get_total_norm: tensors\[1\] is a float, not a Tensor"):
        get_total_norm([autograd.ones(2), 1.0])


def test_the_deprecated_clip_grad_norm_warns_and_clips():
    params, reference = parameters_with_grads(scale=10.0), parameters_with_grads(scale=10.0)
    with pytest.warns(FutureWarning, match="in favor of `torch.nn.utils.clip_grad_norm_`") as caught:
        total = clip_grad_norm(params, 1.0)
    assert caught[0].filename == __file__  # the warning points at the caller
    assert total.item() == clip_grad_norm_(reference, 1.0).item()
    for a, b in zip(params, reference):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
