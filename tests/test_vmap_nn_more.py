"""``vmap`` without the per-sample loop for the later packages' ops: F.pad's reflect/replicate/circular
modes and F.interpolate (tt-nn's ResampleFunction), the special functions, scaled_dot_product_attention,
the binary cross-entropies, group_norm/instance_norm, batch_norm, F.unfold/F.fold, grid_sample, prelu,
and F.one_hot (which gave a plain tensor of the physical shape); batched weights, running statistics,
embedding_bag and attention's dropout: tests/test_vmap_nn_weights_more.py.

Each case runs with the fallback warning as an error (``vmap_agrees``, tt-autograd's test fixture) and
equals the op on each sample, stacked; so do the per-sample gradients (vmap of grad).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from by_path import ROOT, load_file

import tinytorch as torch
import tinytorch.nn.functional as F
from tinytorch.func import vmap

vmap_agrees = load_file(
    "_tt_autograd_fixtures", ROOT / "packages" / "tt-autograd" / "tests" / "conftest.py"
).vmap_agrees
special = torch.special
B = 3
GEN = np.random.default_rng(2930)


def floats(*shape, low=None):
    values = GEN.standard_normal(shape) if low is None else GEN.uniform(low, 0.9, shape)
    return torch.tensor(values, dtype=torch.float64)


PADS = [
    (lambda v: F.pad(v, (1, 2), mode="reflect"), (B, 2, 4), 0),
    (lambda v: F.pad(v, (2, 0, 1, 1), mode="replicate"), (2, B, 3, 4), 1),
    (lambda v: F.pad(v, (1, 1, 0, 2), mode="circular"), (1, 2, 3, 4, B), 4),
    (lambda v: F.pad(v, (1, 1, 1, 1, 1, 1), mode="reflect"), (B, 1, 2, 3, 3, 3), 0),
    (lambda v: F.pad(v, (3, 1), mode="circular"), (B, 3, 3), 0),
    (lambda v: F.interpolate(v, scale_factor=2, mode="linear"), (B, 1, 2, 3), 0),
    (lambda v: F.interpolate(v, size=(3, 5), mode="bilinear", align_corners=True), (1, 2, 2, B, 4), 3),
    (lambda v: F.interpolate(v, scale_factor=2), (B, 1, 2, 3, 3), 0),
]


@pytest.mark.parametrize("op, shape, in_dim", PADS)
def test_pad_modes_and_interpolate(vmap_agrees, op, shape, in_dim):
    vmap_agrees(op, floats(*shape), in_dims=in_dim, argnums=0)


SPECIAL = [
    special.erf,
    special.erfc,
    special.erfinv,
    special.erfcx,
    special.ndtr,
    special.ndtri,
    special.log_ndtr,
    special.gammaln,
    special.digamma,
    special.entr,
    special.sinc,
    special.i0,
    special.i0e,
    special.i1,
    special.i1e,
    lambda v: special.polygamma(2, v),
    lambda v: special.xlog1py(v, v + 1),
    lambda v: special.gammainc(v.detach() + 1, v) + special.gammaincc(torch.full_like(v, 2.0), v),
    lambda v: special.zeta(3.0, v),
]


@pytest.mark.parametrize("op", SPECIAL)
def test_special_functions(vmap_agrees, op):
    vmap_agrees(op, floats(B, 4, low=0.1), argnums=0)
    vmap_agrees(op, floats(2, B, low=0.1), in_dims=1)


def _attention_cases():
    ones = torch.ones(2, 5, 6, dtype=torch.float64)
    sdpa = F.scaled_dot_product_attention
    yield lambda v: sdpa(v[None], v[None], v[None])
    yield lambda v: sdpa(v, v, v, is_causal=True)
    yield lambda v: sdpa(v, v * 2, v, attn_mask=v[:, :4] > 0)  # a batched boolean mask
    yield lambda v: sdpa(v, v, v * 3, attn_mask=v[:, :4], scale=0.3)  # a batched float mask
    yield lambda v: sdpa(v, ones, ones[0, :, :3])  # plain keys and values of other ranks
    yield lambda v: sdpa(ones[:, :4], v[None], v.reshape(1, 1, 4, 6))


NN = [
    *_attention_cases(),
    lambda v: F.binary_cross_entropy(v.sigmoid(), (v > 0).double()),
    lambda v: F.binary_cross_entropy(v.sigmoid(), (v > 0).double(), weight=v.abs(), reduction="sum"),
    lambda v: F.binary_cross_entropy(
        v.sigmoid(), torch.full((4, 6), 0.3, dtype=torch.float64), reduction="none"
    ),
    lambda v: F.binary_cross_entropy_with_logits(v, (v > 0).double()),
    lambda v: F.binary_cross_entropy_with_logits(v, (v > 0).double(), pos_weight=torch.arange(6.0).double()),
    lambda v: F.binary_cross_entropy_with_logits(
        v, v.sigmoid(), weight=v[:, :1], pos_weight=v[0].abs(), reduction="sum"
    ),
    lambda v: F.group_norm(v[None], 2),
    lambda v: F.group_norm(v.reshape(2, 4, 3), 2, torch.full((4,), 2.0).double(), torch.ones(4).double()),
    lambda v: F.instance_norm(v[None]),
    lambda v: F.unfold(v[None, None], 2),
    lambda v: F.fold(v[None, :, :4], (3, 3), 2),
    lambda v: F.grid_sample(v[None, None], v[:2, :6].reshape(1, 2, 3, 2).tanh(), align_corners=False),
    lambda v: F.grid_sample(v[None, None], torch.full((1, 2, 2, 2), 0.3).double(), align_corners=True),
    lambda v: F.grid_sample(v.reshape(2, 1, 2, 6), v[:, :4].reshape(2, 2, 2, 2).tanh(), align_corners=False),
    lambda v: F.prelu(v[None], torch.tensor([0.1, 0.2, 0.3, 0.4]).double()),  # one slope per channel
    lambda v: F.prelu(v, torch.linspace(0.1, 0.5, 6).double()),
    lambda v: F.prelu(v[0], torch.tensor([0.3]).double()) + F.prelu(v[0, 0], torch.tensor([0.2]).double()),
]


@pytest.mark.parametrize("op", NN)
def test_nn_functions(vmap_agrees, op):
    vmap_agrees(op, floats(B, 4, 6), argnums=0)
    vmap_agrees(op, floats(4, B, 6), in_dims=1)


def _batch_norms():
    w, b = torch.linspace(0.5, 1.5, 4).double(), torch.linspace(-1.0, 1.0, 4).double()
    mean, var = torch.linspace(-0.2, 0.2, 4).double(), torch.linspace(0.5, 2.0, 4).double()
    yield lambda v: F.batch_norm(v, None, None, training=True)  # each sample its own statistics
    yield lambda v: F.batch_norm(v, None, None, w, b, training=True, eps=1e-3)
    yield lambda v: F.batch_norm(v.reshape(2, 4, 3), None, None, None, b, training=True)
    yield lambda v: F.batch_norm(v, None, None, v[0], v[1] * 2, training=True)  # batched weights
    yield lambda v: F.batch_norm(v, mean, var, w, b, training=False)  # (running statistics: folded into N)


@pytest.mark.parametrize("op", list(_batch_norms()))
def test_batch_norm(vmap_agrees, op):
    vmap_agrees(lambda v: op(v) ** 3, floats(B, 6, 4), argnums=0)
    vmap_agrees(op, floats(6, 4, B), in_dims=2)


def test_one_hot_of_a_batched_tensor_is_batched():
    labels = torch.tensor(GEN.integers(0, 4, size=(B, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(lambda v: F.one_hot(v, 4))(labels)  # (it was a plain (B, 5, 4) tensor, batched again)
    np.testing.assert_array_equal(got.numpy(), np.eye(4, dtype=np.int64)[labels.numpy()])
