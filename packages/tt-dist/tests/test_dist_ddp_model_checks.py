"""DistributedDataParallel refuses replicas that differ between ranks, on every rank, naming the tensor.

One ``mpiexec -n 2`` run of ``workers/ddp_model_checks.py`` wraps models that differ
between the two ranks (a width, a layer more or less, a dtype, a buffer's size) and
one that does not. Like PyTorch's DDP, the check compares shapes and dtypes, not names.
Also PyTorch's constructor options: ``init_sync`` (on two ranks), the accepted hints and the
refused GPU-era options (in this process, on a group of one rank).
"""

from __future__ import annotations

import json

import pytest
import tt_dist as dist
import tt_nn as nn
from tt_dist import ProcessGroup

HEAD = "DistributedDataParallel expects the same model on every rank, but "
FIX = ". Build the model the same way on every rank (same class and arguments) before wrapping it"


@pytest.fixture(scope="module")
def ranks(mpirun, tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp_models") / "out"
    done = mpirun("ddp_model_checks.py", str(out), n=2)
    assert done.returncode == 0, f"mpiexec -n 2 ddp_model_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return [json.loads(out.with_name(f"out.{rank}.json").read_text()) for rank in (0, 1)]


def both(ranks, case):
    """The message both ranks raised for ``case`` (they must raise the same one)."""
    assert ranks[0][case] == ranks[1][case]
    return ranks[0][case]


def test_the_same_model_is_wrapped_on_both_ranks(ranks):
    assert [r["same"] for r in ranks] == ["wrapped", "wrapped"]


def test_shapes_not_names_are_compared(ranks):
    assert [r["renamed"] for r in ranks] == ["wrapped", "wrapped"]


def test_another_width_names_the_tensor_and_both_shapes(ranks):
    assert both(ranks, "width") == (
        HEAD + "rank 0 has 'weight' tt.float32 (3, 4) where rank 1 has 'weight' tt.float32 (2, 4)" + FIX
    )


def test_a_layer_more_on_rank_one_names_the_counts_and_its_first_tensor(ranks):
    assert both(ranks, "extra_layer") == (
        HEAD + "rank 1 has 4 parameters and buffers and rank 0 has 2; "
        "rank 1 has '1.weight' tt.float32 (4, 4) after rank 0's last" + FIX
    )


def test_a_layer_less_on_rank_one(ranks):
    assert both(ranks, "missing_layer") == (
        HEAD + "rank 1 has 2 parameters and buffers and rank 0 has 4; "
        "rank 0 has '1.weight' tt.float32 (4, 4) after rank 1's last" + FIX
    )


def test_another_dtype(ranks):
    assert both(ranks, "dtype") == (
        HEAD + "rank 0 has 'weight' tt.float32 (3, 4) where rank 1 has 'weight' tt.float64 (3, 4)" + FIX
    )


def test_buffers_are_compared_too(ranks):
    assert both(ranks, "buffer") == (
        HEAD
        + "rank 0 has 'running_mean' tt.float32 (3,) where rank 1 has 'running_mean' tt.float32 (5,)"
        + FIX
    )


def test_init_sync_false_keeps_each_rank_s_weights_and_true_takes_rank_zero_s(ranks):
    assert ranks[0]["init_sync_False"] != ranks[1]["init_sync_False"]
    assert ranks[0]["init_sync_True"] == ranks[1]["init_sync_True"] == ranks[0]["init_sync_False"]


def self_group() -> ProcessGroup:
    from mpi4py import MPI

    return ProcessGroup(MPI.COMM_SELF, 0, 1)


def test_pytorch_s_hints_are_accepted_and_the_positional_order_is_pytorch_s():
    group = self_group()
    with pytest.warns(FutureWarning, match="broadcast_buffers` is deprecated"):  # (5th: broadcast_buffers)
        ddp = dist.DistributedDataParallel(
            nn.Linear(2, 2), None, None, 0, True, True, group, None, False, False, True, True
        )
    assert ddp.process_group is group and ddp.gradient_as_bucket_view and ddp.static_graph
    assert ddp.find_unused_parameters is False and ddp.broadcast_buffers
    assert ddp.bucket_cap_mb == 25.0 and ddp.module.weight.shape == (2, 2)  # (None: PyTorch's 25 MB)


@pytest.mark.parametrize(
    "option",
    [
        {"mixed_precision": object()},
        {"device_mesh": "mesh"},
        {"delay_all_reduce_named_params": []},
        {"param_to_hook_all_reduce": "weight"},
        {"skip_all_reduce_unused_params": True},
    ],
)
def test_gpu_era_options_are_refused_by_name(option):
    (name,) = option
    with pytest.raises(NotImplementedError, match=f"DistributedDataParallel: {name} is not supported"):
        dist.DistributedDataParallel(nn.Linear(2, 2), process_group=self_group(), **option)


def test_an_unknown_option_is_a_type_error_not_ignored():
    with pytest.raises(TypeError, match="bucket_cap"):
        dist.DistributedDataParallel(nn.Linear(2, 2), process_group=self_group(), bucket_cap=1)
