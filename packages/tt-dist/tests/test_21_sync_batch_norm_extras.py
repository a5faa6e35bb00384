"""Module 21 (optional extra): SyncBatchNorm, batch norm with the statistics of every rank's batch.

One ``mpiexec -n 2`` run of ``workers/sync_bn_checks.py`` compares two ranks, each
on half the batch, with one process on all of it, in float64: a model with a
``BatchNorm1d`` converted to ``SyncBatchNorm`` and trained 3 steps under DDP, and a
``SyncBatchNorm`` on channels-last images (also with ``create_graph=True``, whose gradients
cannot be differentiated again, as in PyTorch). In this process: the gradients against
central differences (a group of one rank), the fallback to plain batch norm, and
``convert_sync_batchnorm``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
from tt_autograd.gradients import grad
from tt_dist import ProcessGroup, SyncBatchNorm, SyncBatchNormFunction

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def measured(mpirun, tmp_path_factory):
    out = tmp_path_factory.mktemp("sync_bn") / "result.json"
    done = mpirun("sync_bn_checks.py", str(out))
    assert done.returncode == 0, f"mpiexec -n 2 sync_bn_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(out.read_text())


def test_two_ranks_with_sync_batch_norm_train_like_one_process(measured):
    assert measured["world"] == 2 and measured["converted"] == "SyncBatchNorm"
    for key in ("output", "input_grad", "param_grads", "params", "running", "eval"):
        assert measured[key] < TOLERANCE, (key, measured[key])
    assert measured["batches_tracked"] == 3


def test_images_stored_channels_last_match_batch_norm_on_the_whole_batch(measured):
    images = measured["images"]
    assert images.pop("grad_fn") == "SyncBatchNormFunction"
    for key, value in images.items():
        assert value < TOLERANCE, (key, value)


def test_create_graph_on_two_ranks_gives_the_gradients_and_differentiating_them_raises(measured):
    assert measured["create_graph"] == {"input_grad": pytest.approx(0, abs=TOLERANCE), "not_raised": 0.0}


def one_rank() -> ProcessGroup:
    from mpi4py import MPI

    return ProcessGroup(MPI.COMM_SELF, 0, 1, timeout=5.0)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 2, 3, 4)])
@pytest.mark.parametrize(("affine", "input_grad"), [(True, True), (False, True), (True, False)])
def test_gradients_match_central_differences(shape, affine, input_grad):
    rng = np.random.default_rng(1)
    x = autograd.tensor(rng.standard_normal(shape) * 2 + 1, requires_grad=input_grad)
    c = shape[1]
    weight = autograd.tensor(rng.uniform(0.5, 1.5, c), requires_grad=True) if affine else None
    bias = autograd.tensor(rng.standard_normal(c), requires_grad=True) if affine else None
    group = one_rank()

    def apply(x, weight, bias):
        return SyncBatchNormFunction.apply(
            x, weight, bias, running_mean=None, running_var=None, momentum=0.1, eps=1e-5, group=group
        )

    assert autograd.gradcheck(apply, [x, weight, bias], eps=1e-6, atol=1e-7, rtol=1e-5)


def test_create_graph_gives_the_gradients_and_differentiating_them_raises_as_pytorch():
    rng = np.random.default_rng(4)
    x = autograd.tensor(rng.standard_normal((5, 3, 2)), requires_grad=True)
    weight = autograd.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    bias = autograd.tensor(rng.standard_normal(3), requires_grad=True)
    seed = autograd.tensor(rng.standard_normal((5, 3, 2)))
    group = one_rank()

    def gradients(create_graph):
        y = SyncBatchNormFunction.apply(
            x, weight, bias, running_mean=None, running_var=None, momentum=0.1, eps=1e-5, group=group
        )
        return grad((y * seed).sum(), [x, weight, bias], create_graph=create_graph)

    plain, recorded = gradients(False), gradients(True)
    for got, want in zip(recorded, plain):
        np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-12, atol=1e-14)
        assert got.requires_grad
        with pytest.raises(NotImplementedError, match="SyncBatchNorm's gradient cannot be differentiated "
                           "again, as in PyTorch"):  # fmt: skip
            (got * got).sum().backward()


def test_channels_last_images_are_normalised_per_channel():
    rng = np.random.default_rng(2)
    images = rng.standard_normal((4, 2, 3, 5)).transpose(0, 3, 1, 2)  # (N, C, H, W), stored (N, H, W, C)
    x = autograd.tensor(images * 3 - 2, requires_grad=True)
    running_mean, running_var = np.zeros(5), np.ones(5)
    y = SyncBatchNormFunction.apply(
        x,
        None,
        None,
        running_mean=running_mean,
        running_var=running_var,
        momentum=0.5,
        eps=0.0,
        group=one_rank(),
    )
    values = y.detach().numpy().transpose(1, 0, 2, 3).reshape(5, -1)
    raw = (images * 3 - 2).transpose(1, 0, 2, 3).reshape(5, -1)
    np.testing.assert_allclose(values.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(values.var(axis=1), 1, rtol=1e-10)
    np.testing.assert_allclose(running_mean, 0.5 * raw.mean(axis=1), rtol=1e-12)  # momentum 0.5 from 0
    np.testing.assert_allclose(running_var, 0.5 + 0.5 * raw.var(axis=1, ddof=1), rtol=1e-12)  # unbiased


def test_without_a_group_of_several_ranks_it_is_batch_norm():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 4, 3))
    plain, sync = nn.BatchNorm1d(4).double(), SyncBatchNorm(4).double()
    for _ in range(2):  # training: batch statistics, running ones updated alike
        np.testing.assert_array_equal(sync(autograd.tensor(x)).detach().numpy(),
                                      plain(autograd.tensor(x)).detach().numpy())  # fmt: skip
    np.testing.assert_array_equal(sync.running_var.numpy(), plain.running_var.numpy())
    sync.eval(), plain.eval()
    np.testing.assert_array_equal(sync(autograd.tensor(x)).detach().numpy(),
                                  plain(autograd.tensor(x)).detach().numpy())  # fmt: skip
    sync.process_group = one_rank()  # a group of one rank: plain batch norm too (as PyTorch)
    sync.train()
    assert type(sync(autograd.tensor(x, requires_grad=True)).grad_fn).__name__ == "BatchNormFunction"


def test_convert_swaps_every_plain_batch_norm_and_keeps_its_tensors():
    model = nn.Sequential(
        nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.3), nn.Sequential(nn.BatchNorm1d(2, eps=1e-3))
    )
    inner = model[2][0]
    inner.eval()
    weight, running_var = inner.weight, inner.running_var
    converted = SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model and isinstance(model[0], nn.Linear)
    first, second = model[1], model[2][0]
    assert type(first) is type(second) is SyncBatchNorm
    assert (first.num_features, first.momentum, second.eps) == (4, 0.3, 1e-3)
    assert second.weight is weight and second.running_var is running_var and not second.training
    assert first.training
    assert sorted(model.state_dict()) == sorted(
        ["0.weight", "0.bias"] + [f"{k}.{name}" for k in ("1", "2.0")
                                  for name in ("weight", "bias", "running_mean", "running_var",
                                               "num_batches_tracked")]
    )  # fmt: skip
    alone = nn.BatchNorm1d(3, affine=False)
    swapped = SyncBatchNorm.convert_sync_batchnorm(alone)
    assert type(swapped) is SyncBatchNorm and swapped.weight is None and swapped.bias is None


class FusedBatchNormReLU(nn.BatchNorm1d):
    """A batch norm whose node does more (as tt-vision's BatchNormReLU2d): its own kernel."""

    kernel = staticmethod(lambda x, *arguments: nn.functional.relu(nn.functional.batch_norm(x, *arguments)))


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="fuses more than batch norm.*convert the model before fusing"):
        SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(FusedBatchNormReLU(3)))
    layer = SyncBatchNorm(3)
    with pytest.raises(ValueError, match=r"at least 2 dimensions \(N, C, \*\), got shape \(3,\)"):
        layer(autograd.ones(3))
    with pytest.raises(ValueError, match=r"SyncBatchNorm\(3\): input of shape \(2, 4\) has 4 channels"):
        layer(autograd.ones(2, 4))
    assert dist.SyncBatchNorm is SyncBatchNorm
