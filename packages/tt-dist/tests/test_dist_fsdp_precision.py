"""FSDP's ``MixedPrecision``: float16 compute, float16 or float32 reduction, float32 shards and gradients.

From ``workers/fsdp_precision_checks.py`` (a section of ``fsdp_checks.py``'s run under
``mpiexec -n 2`` and ``-n 3``). The replay in one process does the same casts and the same
division (each rank's float16 gradient on its B/N samples, pre-divided, summed in rank
order, post-divided, cast to float32, a float32 step): on two ranks the sum of two terms
is the same in either order, so FSDP must match it exactly; on three, MPI may add in
another order, so float16 rounding of the sum is allowed.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_dist.fsdp.mixed_precision import cast_inputs, predivide_factor

CASES = ["mlp_FULL_SHARD", "mlp_SHARD_GRAD_OP", "mlp_NO_SHARD", "mlp_reduce_float32", "transformer"]


@pytest.mark.parametrize("case", CASES)
def test_the_same_parameters_as_the_casting_replay(fsdp_ranks, case):
    tolerance = 0.0 if len(fsdp_ranks) == 2 else 1e-3
    for record in fsdp_ranks:
        got = record["precision"][case]
        assert got["difference"] <= tolerance
        reduced = "float32" if case == "mlp_reduce_float32" else "float16"
        assert got["seen"] == {"weight": ["float16"], "input": ["float16"], "reduced": [reduced]}
        assert got["shards"] == got["grads"] == ["float32"]  # what the optimizer steps
        assert got["summoned"] == "float32"  # summon_full_params gathers the shards' precision


def test_which_units_cast_their_inputs(fsdp_ranks):
    for record in fsdp_ranks:
        got = record["precision"]
        assert got["uncast"] == [["float32"], ["float16"], "float32"]  # NumPy promotes the mixed product
        assert got["inner_cast"] == ["float16"]  # cast_forward_inputs: an inner unit casts


def test_the_predivision_keeps_a_float16_sum_finite(fsdp_ranks):
    rows = 12 // len(fsdp_ranks)
    assert fsdp_ranks[0]["precision"]["large"] == [rows * 8000.0]  # the weight's: the ranks' average


def test_refusals_name_the_option(fsdp_ranks):
    errors = fsdp_ranks[0]["precision"]["errors"]
    assert errors["not_a_policy"] == (
        "TypeError: FullyShardedDataParallel: mixed_precision must be a MixedPrecision, got object"
    )
    assert errors["buffer_dtype"] == (
        "NotImplementedError: FullyShardedDataParallel: MixedPrecision.buffer_dtype is not supported in "
        "TinyTorch; cast the buffers yourself (for buffer in model.buffers()) or leave it None"
    )
    assert errors["keep_low_precision_grads"] == (
        "NotImplementedError: FullyShardedDataParallel: MixedPrecision.keep_low_precision_grads is not "
        "supported in TinyTorch: the reduced gradients are cast to the shards' dtype; leave it False"
    )
    assert errors["integer"] == (
        "ValueError: FullyShardedDataParallel: MixedPrecision.param_dtype must be a floating-point dtype, "
        "got int32; use tt.float16, tt.float32 or tt.float64"
    )
    assert errors["not_a_dtype"] == (
        "TypeError: FullyShardedDataParallel(): argument 'MixedPrecision.reduce_dtype' must be torch.dtype, "
        "not str ('half precision'); pass a dtype such as tt.float32, or Python's float, int, bool or complex"
    )
    for name, given in (("a_name", "str ('float16')"), ("a_numpy_dtype", "type (<class 'numpy.float16'>)")):
        assert errors[name] == (
            "TypeError: FullyShardedDataParallel(): argument 'MixedPrecision.param_dtype' must be "
            f"torch.dtype, not {given}; pass tt.float16"
        )


@pytest.mark.parametrize(("world", "factor"), [(1, 1), (2, 2), (3, 2), (4, 2), (8, 4), (16, 4), (32, 8)])
def test_predivide_factor_is_pytorchs(world, factor):
    assert predivide_factor(world) == factor


def test_cast_inputs_casts_floating_tensors_only():
    ids = autograd.tensor(np.arange(3))
    half = autograd.tensor(np.ones(2, np.float16))
    x = autograd.tensor(np.ones(2, np.float32), requires_grad=True)
    got = cast_inputs((ids, [half, x], {"x": x, "n": 3}), np.dtype(np.float16))
    assert got[0] is ids and got[1][0] is half  # integers and tensors already float16: untouched
    assert isinstance(got[1], list) and got[1][1].array.dtype == np.float16
    assert got[2]["x"].array.dtype == np.float16 and got[2]["n"] == 3
    got[2]["x"].sum().backward()  # a differentiable cast: the gradient comes back in float32
    assert x.grad.array.dtype == np.float32 and x.grad.numpy().tolist() == [1.0, 1.0]
