"""FULL_SHARD frees a unit's gathered parameters after its forward and gathers them again in backward.

From ``workers/fsdp_release_checks.py`` (a section of ``fsdp_checks.py``'s run under
``mpiexec -n 2`` and ``-n 3``): each unit's all-gathers are counted and their buffers
watched through weak references (dead: nothing refers to it, NumPy freed it). After one
backward, an SGD step at lr 1 matches the replay in one process on the whole batch, so
the gradients computed from the parameters gathered again are the replay's.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.saved_hooks import saved_tensors_hooks
from tt_dist.fsdp.flat_param import ParamInfo
from tt_dist.fsdp.reshard import Gathered, SavedView, release_after_forward, stand_in

MODELS = ["nested", "tied", "twice"]


@pytest.mark.parametrize("model", MODELS)
def test_full_shard_frees_after_forward_and_gathers_again_in_backward(fsdp_ranks, model):
    for record in fsdp_ranks:
        got = record["release"][f"{model}_FULL_SHARD"]
        calls = [1, 2] if model == "twice" else [1] * len(got["gathers_forward"])  # Head runs twice
        assert got["gathers_forward"] == calls
        assert got["after_forward"] == [[False] * n for n in calls]  # every forward's buffer freed
        assert got["held_is_shard"] is True  # the handle refers to its shard only
        leaves, stand_ins = got["stand_ins"]
        assert leaves > 0 and stand_ins == leaves  # the graph's parameter leaves: NaN stand-ins
        assert got["gathers"] == [2 * n for n in calls]  # backward gathers each forward's once more
        assert got["after_backward"] == [[False] * (2 * n) for n in calls]  # and frees it again
        assert got["difference"] < 1e-5


@pytest.mark.parametrize("model", MODELS)
def test_shard_grad_op_keeps_the_forwards_buffer_until_its_backward_ends(fsdp_ranks, model):
    for record in fsdp_ranks:
        got = record["release"][f"{model}_SHARD_GRAD_OP"]
        units = len(got["gathers"])
        assert got["gathers_forward"] == got["gathers"] == [1] * units  # gathered once, by forward
        assert got["after_forward"] == [[True]] * units
        assert got["held_is_shard"] is False
        assert got["stand_ins"][0] > 0 and got["stand_ins"][1] == 0  # the leaves view the kept buffer
        assert got["after_backward"] == [[False]] * units  # freed as backward ends; the user holds loss
        assert got["after_graph"] == [[False, False]] * units  # (the second: whole() after the step)
        assert got["difference"] < 1e-5


def test_enclosing_hooks_get_what_fsdp_does_not_keep(fsdp_ranks):
    for record in fsdp_ranks:
        got = record["release"]["enclosing"]
        assert got["after_forward"] == [[False]] * 3 and got["gathers"] == [2] * 3
        assert got["difference"] < 1e-5
        packs, unpacks = record["release"]["enclosing_calls"]
        assert packs == unpacks > 0


def test_inside_disabled_hooks_a_unit_keeps_its_buffer_until_backward(fsdp_ranks):
    for record in fsdp_ranks:
        got = record["release"]["disabled"]
        assert got["after_forward"] == [[True]] * 3 and got["gathers"] == [1] * 3
        assert got["stand_ins"][0] > 0 and got["stand_ins"][1] == 0  # nothing released
        assert got["after_backward"] == [[False]] * 3  # the post-backward hook lets it go
        assert got["difference"] < 1e-5


def test_a_frozen_unit_gathers_again_for_the_inputs_gradient(fsdp_ranks):
    for record in fsdp_ranks:
        got = record["release"]["frozen"]
        assert got["after_forward"] == [[False]]
        assert got["gathers"] == [2] and got["after_backward"] == [[False, False]]
        assert got["input_grad"] < 1e-6


@pytest.mark.parametrize("strategy", ["FULL_SHARD", "SHARD_GRAD_OP", "NO_SHARD"])
def test_the_post_backward_hook_goes_when_it_has_run(fsdp_ranks, strategy):
    for record in fsdp_ranks:
        got = record["release"]["hooks"][strategy]
        before = got["watchers"][0]
        assert got["watchers"] == [before] * 3  # none left registered after backward, loss held or not
        # a second backward through the retained graph would find no hook: refused, not silently dropped
        assert got["again"].startswith("FullyShardedDataParallel: a second backward pass reached")
        assert "retain_graph=True" in got["again"] and "Run the forward again" in got["again"]


class OneRank:
    """A stand-in for a unit's handle without MPI: ``gather`` returns a copy of the whole flat buffer."""

    def __init__(self, flat, infos):
        self.flat, self.infos, self.what = flat, infos, []

    def gather(self, what):
        self.what.append(what)
        return self.flat.copy()


def test_release_and_gather_again_without_mpi():
    """A unit's forward (x @ w, its bias, a reversed view of w: strides -4) under the hooks, one process."""
    flat = np.arange(1.0, 11.0, dtype=np.float32)  # a (2, 3) weight at 0, a (3,) bias at 6, 1 of padding
    infos = [ParamInfo(None, "weight", "weight", (2, 3), 0, 6, True, 0),
             ParamInfo(None, "tied", "tied", (2, 3), 0, 6, False, 0),
             ParamInfo(None, "bias", "bias", (3,), 6, 3, True, 1)]  # fmt: skip
    handle = OneRank(flat, infos)
    full = flat.copy()
    weight = autograd.Tensor.from_array(full[:6].reshape(2, 3))
    bias = autograd.Tensor.from_array(full[6:9])
    weight.requires_grad = bias.requires_grad = True
    gathered = Gathered(handle, full, {0: weight, 1: bias})
    x = autograd.tensor(np.ones((4, 2), np.float32), requires_grad=True)
    kept = []
    with saved_tensors_hooks(lambda t: kept.append(t) or ("outer", t), lambda p: p[1]):  # the user's pair
        with release_after_forward(gathered) as releasing:
            y = ((x @ weight) * bias + (x * 2.0) @ weight.flip(1)).sum()
    assert releasing is True
    assert kept and all(not np.may_share_memory(t.array, full) for t in kept)  # activations only
    ref = weakref.ref(full)
    del full
    gathered.release()
    gc.collect()
    assert ref() is None and gathered.full is None
    assert weight.array.shape == (2, 3) and np.isnan(weight.array).all() and not weight.array.flags.writeable
    assert weight.array.base.nbytes <= 4  # one element behind the stand-in
    y.backward()
    assert handle.what == ["FullyShardedDataParallel backward (gathering a unit's parameters again)"]
    assert gathered.gathers == 2 and gathered.full is not None
    assert np.shares_memory(weight.array, gathered.full) and np.shares_memory(bias.array, gathered.full)
    w, b = flat[:6].reshape(2, 3), flat[6:9]
    np.testing.assert_allclose(weight.grad.numpy(), 4 * b + 8 * np.ones((2, 3)))
    np.testing.assert_allclose(x.grad.numpy(), np.tile((w * b).sum(1) + 2 * w[:, ::-1].sum(1), (4, 1)))
    np.testing.assert_allclose(bias.grad.numpy(), 4 * w.sum(0))
    view = SavedView(gathered, 8, (2,), (-4,), np.dtype(np.float32)).unpack()  # elements 2 and 1
    assert view.numpy().tolist() == [3.0, 2.0]


def test_stand_in_holds_one_element():
    floats = stand_in((3, 2), np.dtype(np.float32))
    assert floats.shape == (3, 2) and floats.dtype == np.float32 and np.isnan(floats).all()
    assert not floats.flags.writeable and floats.strides == (0, 0)
    ints = stand_in((2,), np.dtype(np.int64))
    assert ints.tolist() == [0, 0] and ints.dtype == np.int64
