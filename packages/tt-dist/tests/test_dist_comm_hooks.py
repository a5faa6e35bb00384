"""DDP communication hooks (``register_comm_hook``), PyTorch's default hooks, and ``torch.futures``.

One ``mpiexec -n 2`` run of ``workers/comm_hook_checks.py`` trains the same float32 model with
DDP's own reduction and with each hook; the expected results of the 16-bit hooks are computed
here from both ranks' local gradients, with NumPy's float16 and a bfloat16 rounding written
independently of tt-dist's. The single-process parts (futures, buckets, the bfloat16 codec,
the checks on a hook) run in this process.
"""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
import tt_autograd
from tt_autograd import Tensor
from tt_dist import Work
from tt_dist.algorithms.ddp_comm_hooks import default_hooks, powerSGD_hook
from tt_dist.bfloat16 import from_bfloat16_bits, to_bfloat16_bits
from tt_dist.comm_hook import GradBucket
from tt_dist.ddp import check_comm_hook
from tt_dist.futures import Future, collect_all, wait_all


@pytest.fixture(scope="module")
def ranks(mpirun, tmp_path_factory):
    out = tmp_path_factory.mktemp("comm_hooks") / "out"
    done = mpirun("comm_hook_checks.py", str(out), n=2, timeout=120)
    assert done.returncode == 0, f"mpiexec -n 2 comm_hook_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return [json.loads(out.with_name(f"out.{rank}.json").read_text()) for rank in (0, 1)]


def arrays(values) -> list[np.ndarray]:
    return [np.asarray(v, dtype=np.float32) for v in values]


def same_on_both(ranks, key) -> list[np.ndarray]:
    assert ranks[0][key] == ranks[1][key], f"{key}: the ranks disagree"
    return arrays(ranks[0][key])


def identical(these: list[np.ndarray], those: list[np.ndarray]) -> bool:
    return len(these) == len(those) and all(np.array_equal(a, b) for a, b in zip(these, those))


def bf16_round(values: np.ndarray) -> np.ndarray:
    """Round to 8 significant bits, ties to even (np.round's rule), by frexp: not tt-dist's codec."""
    mantissa, exponent = np.frexp(values.astype(np.float64))
    return np.ldexp(np.round(mantissa * 256) / 256, exponent).astype(np.float32)


# ------------------------------------------------------------------ the hooks, on 2 ranks
def test_the_model_has_several_buckets(ranks):
    assert ranks[0]["buckets"] == 3


def test_allreduce_hook_gives_exactly_ddps_gradients(ranks):
    default = same_on_both(ranks, "default")
    local = [arrays(r["local"]) for r in ranks]
    for reduced, a, b in zip(default, *local):  # DDP's own: the mean of the two ranks' gradients
        np.testing.assert_allclose(reduced, (a + b) / 2, rtol=1e-6, atol=1e-7)
    for key in ("allreduce_hook", "allreduce_hook_group", "annotated"):
        assert identical(same_on_both(ranks, key), default), key


def test_fp16_hook_sums_float16_halves(ranks):
    fp16 = same_on_both(ranks, "fp16")
    default = same_on_both(ranks, "default")
    for got, ours, theirs, exact in zip(fp16, arrays(ranks[0]["local"]), arrays(ranks[1]["local"]), default):
        half = np.float16(2)
        expected = (ours.astype(np.float16) / half + theirs.astype(np.float16) / half).astype(np.float32)
        np.testing.assert_array_equal(got, expected)
        scale = np.abs(ours) + np.abs(theirs)  # three roundings to 11 bits, of about half of this each
        assert np.all(np.abs(got - exact) <= 2.0**-10 * scale + 1e-7)  # float16 rounding of DDP's average
    assert any(not np.array_equal(g, d) for g, d in zip(fp16, default))  # it did round


def test_fp16_wrapper_of_allreduce_hook_is_fp16_compress_hook(ranks):
    fp16 = same_on_both(ranks, "fp16")
    assert identical(same_on_both(ranks, "fp16_wrapper"), fp16)


def test_bf16_hook_sums_bfloat16_halves(ranks):
    bf16 = same_on_both(ranks, "bf16")
    default = same_on_both(ranks, "default")
    for got, ours, theirs, exact in zip(bf16, arrays(ranks[0]["local"]), arrays(ranks[1]["local"]), default):
        halves = bf16_round(ours / np.float32(2)) + bf16_round(theirs / np.float32(2))
        np.testing.assert_array_equal(got, bf16_round(halves))
        scale = np.abs(ours) + np.abs(theirs)
        assert np.all(np.abs(got - exact) <= 2.0**-7 * scale)  # three roundings to bfloat16's 8 bits
    assert any(not np.array_equal(g, d) for g, d in zip(bf16, default))


def test_bf16_wrapper_rounds_inputs_and_result_to_bfloat16(ranks):
    for got, ours, theirs in zip(
        same_on_both(ranks, "bf16_wrapper"), arrays(ranks[0]["local"]), arrays(ranks[1]["local"])
    ):
        halves = bf16_round(ours) / np.float32(2) + bf16_round(theirs) / np.float32(2)
        np.testing.assert_array_equal(got, bf16_round(halves))


def test_parameters_after_steps_with_fp16_stay_close(ranks):
    default = same_on_both(ranks, "trained_default")
    fp16 = same_on_both(ranks, "trained_fp16")
    gap = max(float(np.abs(f - d).max()) for f, d in zip(fp16, default))
    assert 0 < gap < 2e-3


def test_a_custom_hook_is_applied_without_division(ranks):
    tripled = same_on_both(ranks, "tripled")
    for got, a, b in zip(tripled, arrays(ranks[0]["local"]), arrays(ranks[1]["local"])):
        np.testing.assert_array_equal(got, a * np.float32(3) + b * np.float32(3))


def test_the_hook_sees_each_bucket_while_backward_runs(ranks):
    calls = ranks[0]["calls"]
    assert [c["index"] for c in calls] == [0, 1, 2]
    assert [c["is_last"] for c in calls] == [False, False, True]
    assert all(c["state"] for c in calls)  # the state given to register_comm_hook
    assert [c["sizes"] for c in calls] == [[3, 24, 8], [64], [8, 40]]  # last parameters first
    assert all(c["views"] and all(c["shapes_match"]) for c in calls)
    assert calls[0]["first_layer_pending"] and not calls[2]["first_layer_pending"]
    assert ranks[0]["launches"][0] > 0  # bucket 0 started while parameters still awaited gradients


def test_gradients_are_fresh_arrays_then_written_in_place(ranks):
    for r in ranks:
        assert r["grads_alias_buckets"] is False  # the next backward refills the buckets
        assert r["second_backward_bumps"] == [True] * 6  # in-place writes mark the version


def test_no_sync_skips_the_hook(ranks):
    assert ranks[0]["no_sync_hooked_calls"] == [0, 1, 2]  # the last backward only
    assert ranks[0]["no_sync_plain_calls"] == []
    assert identical(same_on_both(ranks, "no_sync_hooked"), same_on_both(ranks, "no_sync_plain"))


def test_find_unused_parameters_works_with_a_hook(ranks):
    hooked, plain = same_on_both(ranks, "unused_hooked"), same_on_both(ranks, "unused_plain")
    assert identical(hooked, plain)
    assert ranks[0]["unused_hooked_never"] == ranks[1]["unused_hooked_never"] == [True, True]
    assert not ranks[0]["unused_hooked_alias"] and not ranks[1]["unused_hooked_alias"]


def test_futures_of_collectives(ranks):
    for r in ranks:
        assert r["future_value_is_tensor_list"] and r["same_future"] and r["future_done"]
        assert r["future_value"] == [3.0, 20.0]
        assert r["late_done"] and r["late_is_b"] and r["late_value"] == [1.0]
        assert r["chained"] == [10.0]
        assert r["collected"] == [[2.0], [4.0]] and r["collected_is_pair"]


BUCKET = "bucket 0 of 1 (parameters 4.bias, 4.weight, 2.bias, 2.weight …)"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "err_twice",
            "RuntimeError: register_comm_hook or register_builtin_comm_hook can only be called once.",
        ),  # fmt: skip
        (
            "err_after_forward",
            "RuntimeError: DistributedDataParallel.register_comm_hook must be called before the first "
            "forward that records gradients (the hook decides how every backward reduces them); "
            "register it right after wrapping the model",
        ),
        ("err_after_eval_forward", "no error"),
        (
            "err_raises",
            f"RuntimeError: DistributedDataParallel: the communication hook errors.<locals>.boom raised on "
            f"{BUCKET}: ValueError: boom",
        ),
        (
            "err_not_future",
            "TypeError: DistributedDataParallel: the communication hook errors.<locals>.not_a_future "
            f"returned Tensor for {BUCKET}; a hook must return a torch.futures.Future (tt.futures.Future) "
            "whose value is the reduced flat tensor, e.g. dist.all_reduce(buffer, async_op=True)"
            ".get_future().then(lambda fut: fut.value()[0])",
        ),
        (
            "err_failing_callback",
            "RuntimeError: DistributedDataParallel: the future of the communication hook "
            f"errors.<locals>.failing_callback failed on {BUCKET}: ZeroDivisionError: division by zero",
        ),
        (
            "err_wrong_size",
            "RuntimeError: DistributedDataParallel: the future of the communication hook "
            f"errors.<locals>.wrong_size holds a tensor of 3 elements for {BUCKET}, which has 147 gradient "
            "elements; its value must be the reduced flat tensor (or a list of that one tensor)",
        ),
        (
            "err_two_tensors",
            "RuntimeError: DistributedDataParallel: the future of the communication hook "
            f"errors.<locals>.two_tensors holds list for {BUCKET}, which has 147 gradient elements; its "
            "value must be the reduced flat tensor (or a list of that one tensor)",
        ),
        ("err_not_callable", "TypeError: Communication hook must be callable, got int."),
        (
            "err_takes_one",
            "TypeError: Communication hook 'errors.<locals>.takes_one' must take two arguments, "
            "(state, bucket): too many positional arguments",
        ),
        (
            "err_bucket_annotation",
            "ValueError: Communication hook: bucket annotation should be dist.GradBucket.",
        ),  # fmt: skip
        (
            "err_return_annotation",
            "ValueError: Communication hook: return annotation should be torch.futures.Future[torch.Tensor].",
        ),
    ],
)
def test_errors(ranks, case, message):
    assert ranks[0][case] == ranks[1][case] == message


# ------------------------------------------------------------------ PowerSGD, on 2 ranks
def psgd_step(ranks, name, step) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """PowerSGD's gradients at ``step`` (the same on both ranks) and the mean of the ranks' local ones."""
    reduced = arrays(ranks[0][f"psgd_{name}"][step])
    assert identical(reduced, arrays(ranks[1][f"psgd_{name}"][step]))
    local = [arrays(r[f"psgd_{name}_local"][step]) for r in ranks]
    return reduced, [(a + b) / np.float32(2) for a, b in zip(*local)]


def test_powersgd_leaves_matrices_that_would_not_shrink_enough(ranks):
    # rank 2 and min_compression_rate 2: (n + m)·2·2 >= n·m for every matrix here
    assert identical(psgd_step(ranks, "rank2_rate2", 2)[0], arrays(ranks[0]["psgd_plain"][2]))
    for got, plain in zip(psgd_step(ranks, "rank2_rate2", 3)[0], arrays(ranks[0]["psgd_plain"][3])):
        np.testing.assert_allclose(got, plain, atol=1e-7)  # the kept errors (local - mean) sum to ~0
    assert ranks[0]["psgd_rank2_rate2_stats"] == [1.0, 294, 294]


@pytest.mark.parametrize("name", ["rank1", "full", "epsilon"])
def test_powersgd_all_reduces_plainly_before_its_start(ranks, name):
    for step in (0, 1):
        assert identical(psgd_step(ranks, name, step)[0], arrays(ranks[0]["psgd_plain"][step]))


@pytest.mark.parametrize(
    ("name", "step", "rank"),
    [("rank1", 2, 1), ("no_feedback", 1, 1), ("epsilon", 2, 2), ("one_bucket", 2, 1)],
)
def test_powersgd_projects_each_matrix_on_r_directions(ranks, name, step, rank):
    reduced, mean = psgd_step(ranks, name, step)  # no kept error yet: the inputs are the local gradients
    for got, average, shape in zip(reduced, mean, ranks[0][f"psgd_{name}_shapes"]):
        if len(shape) == 1:  # the biases travel uncompressed: their plain average
            np.testing.assert_allclose(got, average, rtol=1e-6, atol=1e-8)
            continue
        approx, full = got.reshape(shape).astype(np.float64), average.reshape(shape).astype(np.float64)
        singular = np.linalg.svd(approx, compute_uv=False)
        assert np.all(singular[rank:] <= 1e-5 * singular[0])  # rank r
        assert np.abs(approx.T @ (full - approx)).max() <= 1e-5 * np.abs(full).max() ** 2  # a projection
        if rank == 1:  # (the last layer's gradient has rank 2: its rows sum to zero)
            assert not np.allclose(approx, full, atol=1e-4)  # not the whole matrix


def test_powersgd_of_full_rank_gives_ddps_gradients(ranks):
    for step in (2, 3):
        for got, plain in zip(psgd_step(ranks, "full", step)[0], arrays(ranks[0]["psgd_plain"][step])):
            np.testing.assert_allclose(got, plain, atol=1e-6)


def test_powersgd_keeps_each_ranks_error_for_the_next_step(ranks):
    for r in ranks:
        for name in ("rank1", "full", "epsilon", "one_bucket"):
            gaps = r[f"psgd_{name}_error_gap"]
            assert gaps[:2] == [None, None] and max(gaps[2:]) < 1e-6
    assert ranks[0]["psgd_no_feedback_error_gap"] == []
    assert ranks[0]["psgd_bumped"] == [True] * 4  # one bucket, four steps: each result marked as written


def test_powersgd_counts_steps_and_compression(ranks):
    for r in ranks:
        assert [r[f"psgd_{n}_iter"] for n in ("rank1", "full", "no_feedback", "epsilon")] == [4, 4, 4, 4]
        assert r["psgd_rank1_stats"] == [294 / 118, 294, 118]  # 2 steps of 147 elements, 59 sent each
        assert r["psgd_no_feedback_stats"] == [441 / 177, 441, 177]
        assert r["psgd_full_stats"] == [294 / 490, 294, 490]  # biases stay uncompressed
        assert r["psgd_rank1_memory"] == [0, 1, 2] and r["psgd_no_feedback_memory"] == []  # warm start or not
        assert r["psgd_rank1_p_memory"] == [0, 1, 2] and r["psgd_no_feedback_p_memory"] == []
    seeds = np.random.default_rng(0)  # warm start draws the Qs once per bucket; without, at every step
    assert ranks[0]["psgd_rank1_next_seed"] == [int(seeds.integers(1_000_000_000)) for _ in range(4)][-1]
    seeds = np.random.default_rng(0)
    assert (
        ranks[0]["psgd_no_feedback_next_seed"] == [int(seeds.integers(1_000_000_000)) for _ in range(10)][-1]
    )


def test_powersgd_state_refuses_what_pytorch_refuses():
    message = r"PowerSGDState: start_powerSGD_iter=1, but with use_error_feedback it must be at least 2"
    with pytest.raises(ValueError, match=message):
        powerSGD_hook.PowerSGDState(None, start_powerSGD_iter=1)
    powerSGD_hook.PowerSGDState(None, start_powerSGD_iter=1, use_error_feedback=False)
    with pytest.raises(
        ValueError, match="PowerSGDState: matrix_approximation_rank must be a positive integer"
    ):
        powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=0)
    state = powerSGD_hook.PowerSGDState(
        None, compression_stats_logging_frequency=0, batch_tensors_with_same_shape=True
    )
    assert state.compression_stats() == (0.0, 0, 0)
    assert state.compression_stats_logging_frequency == 1 and state.batch_tensors_with_same_shape is True
    assert powerSGD_hook.PowerSGDState(None).compression_stats_logging_frequency == 10_000


def test_powersgd_counts_a_step_at_its_last_bucket_and_says_when_it_starts(caplog):
    state = powerSGD_hook.PowerSGDState(None, start_powerSGD_iter=2)
    first, last = make_bucket(count=2, index=0)[0], make_bucket(count=2, index=1)[0]
    with caplog.at_level("INFO", logger=powerSGD_hook.__name__):
        state.maybe_increase_iter(first)
        assert state.iter == 0
        state.maybe_increase_iter(last)
        assert state.iter == 1 and not caplog.records
        state.maybe_increase_iter(last)
        state.maybe_increase_iter(last)
    assert state.iter == 3
    assert [record.getMessage() for record in caplog.records] == ["PowerSGD: compression starts at step 2"]


@pytest.mark.parametrize("epsilon", [0, 1e-8])
def test_orthonormalize(epsilon):
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((6, 3))
    original = matrix.copy()
    powerSGD_hook.orthonormalize(matrix, epsilon)
    np.testing.assert_allclose(matrix.T @ matrix, np.eye(3), atol=1e-7)  # (epsilon: within 1e-8)
    projection = matrix @ matrix.T
    np.testing.assert_allclose(projection @ original, original, atol=1e-7)  # the same span


def test_orthonormalize_adds_epsilon_to_each_norm():
    matrix = np.array([[3.0, 1.0], [4.0, 2.0]])
    powerSGD_hook.orthonormalize(matrix, 1.0)
    np.testing.assert_allclose(matrix[:, 0], [0.5, 2 / 3])  # (3, 4) / (5 + 1)


# ------------------------------------------------------------------ futures, in this process
def test_then_chains_and_runs_callbacks_in_order():
    fut: Future[int] = Future()
    seen = []
    doubled = fut.then(lambda f: f.value() * 2)
    fut.add_done_callback(lambda f: seen.append("done"))
    plus_one = doubled.then(lambda f: f.value() + 1)
    assert not fut.done() and not doubled.done()
    fut.set_result(20)
    assert fut.done() and doubled.done() and plus_one.done()
    assert (fut.wait(), doubled.wait(), plus_one.wait()) == (20, 40, 41)
    assert seen == ["done"]
    late = fut.then(lambda f: f.value() - 1)  # on a completed future: runs at once
    assert late.done() and late.value() == 19


def test_a_callback_error_fails_the_chained_future():
    fut: Future[int] = Future()
    broken = fut.then(lambda f: 1 / 0)
    after = broken.then(lambda f: f.value() + 1)  # reading the failed value raises inside this callback
    fut.set_result(1)
    with pytest.raises(ZeroDivisionError):
        broken.wait()
    with pytest.raises(ZeroDivisionError):
        after.value()
    assert broken.done()


def test_set_exception_and_value_before_completion():
    fut: Future[int] = Future()
    with pytest.raises(RuntimeError, match=r"Future.value: the Future has not completed yet; call wait\(\)"):
        fut.value()
    fut.set_exception(KeyError("lost"))
    with pytest.raises(KeyError, match="lost"):
        fut.wait()
    with pytest.raises(TypeError, match="Future.set_exception: expected an exception instance, got str"):
        Future().set_exception("lost")


def test_a_future_completes_once():
    fut: Future[int] = Future()
    fut.set_result(1)
    message = "Attempting to mark a completed Future as complete again. Note that a Future can only be marked"
    with pytest.raises(RuntimeError, match=message):
        fut.set_result(2)
    with pytest.raises(RuntimeError, match=message):
        fut.set_exception(ValueError())
    assert fut.value() == 1


def test_wait_blocks_until_another_thread_sets_the_result():
    fut: Future[str] = Future()
    chained = fut.then(lambda f: f.value() + "!")
    thread = threading.Thread(target=lambda: (time.sleep(0.05), fut.set_result("late")))
    thread.start()
    assert chained.wait() == "late!"
    thread.join()


def test_collect_all_and_wait_all():
    first, second = Future(), Future()
    together = collect_all([first, second])
    first.set_result(1)
    assert not together.done()
    second.set_result(2)
    assert together.done() and together.wait() == [first, second]
    assert wait_all([first, second]) == [1, 2]
    assert collect_all([]).wait() == []
    failed = Future()
    failed.set_exception(ValueError("no"))
    with pytest.raises(ValueError, match="no"):
        wait_all([first, failed])


def test_done_advances_what_completes_the_future():
    fut: Future[int] = Future()
    calls = []
    fut._advance = lambda block: calls.append(block) or (block and fut.set_result(7))
    assert not fut.done() and calls == [False]  # tested without blocking
    assert fut.wait() == 7 and calls == [False, True]
    assert fut.done() and calls == [False, True]  # complete: nothing more to advance


def test_collect_all_takes_any_iterable():
    first, second = Future(), Future()
    together = collect_all(iter((first, second)))
    first.set_result(1)
    second.set_result(2)
    assert together.wait() == [first, second]


class FakeRequest:
    def __init__(self, done: bool) -> None:
        self.done = done

    def Test(self) -> bool:  # noqa: N802 (mpi4py's name)
        return self.done


class FakeGroup:
    """A group whose wait finishes at once, or raises ``error``."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.waits = error, 0

    def wait(self, requests, op, limit=None) -> None:
        self.waits += 1
        if self.error is not None:
            raise self.error


def test_work_is_completed_and_wait():
    assert Work(FakeGroup(), None, "x").is_completed()
    assert not Work(FakeGroup(), FakeRequest(False), "x").is_completed()
    assert Work(FakeGroup(), FakeRequest(True), "x").is_completed()
    finished, group = [], FakeGroup()
    work = Work(group, FakeRequest(True), "x", lambda: finished.append(1), outputs=["out"])
    future = work.get_future()
    assert work.wait() is True and finished == [1] and future.value() == ["out"]
    assert work.wait() is True and finished == [1] and group.waits == 1  # once


def test_a_works_future_is_completed_by_done_or_wait():
    pending = Work(FakeGroup(), FakeRequest(False), "x", outputs=["a"])
    assert not pending.get_future().done()
    ready = Work(FakeGroup(), FakeRequest(True), "x", outputs=["b"])
    assert ready.get_future().done() and ready.get_future().value() == ["b"]
    assert Work(FakeGroup(), FakeRequest(False), "x", outputs=["c"]).get_future().wait() == ["c"]


def test_a_failed_collective_fails_its_future_and_raises():
    error = TimeoutError("all_reduce: waited too long")
    work = Work(FakeGroup(error), FakeRequest(False), "all_reduce", outputs=["a"])
    future = work.get_future()
    with pytest.raises(TimeoutError, match="waited too long"):
        work.wait()
    with pytest.raises(TimeoutError, match="waited too long"):
        future.wait()  # the future holds the error
    late = Work(FakeGroup(error), FakeRequest(False), "all_reduce")
    with pytest.raises(TimeoutError):
        late.get_future().wait()
    with pytest.raises(TimeoutError):
        late.wait()  # still unfinished: the collective's own error again


def test_futures_are_subscriptable_for_annotations():
    assert Future[Tensor].__origin__ is Future


def test_a_finished_works_future_is_complete_at_once():
    value = Tensor.from_array(np.ones(2, np.float32))
    work = Work(None, None, "all_reduce", outputs=[value])
    future = work.get_future()
    assert future.done() and future.wait()[0] is value and work.get_future() is future
    assert Work(None, None, "barrier").get_future().wait() is None


# ------------------------------------------------------------------ buckets and checks, in this process
def make_bucket(count: int = 2, index: int = 1) -> tuple[GradBucket, np.ndarray, list[Tensor]]:
    params = [Tensor.from_array(np.zeros((2, 3), np.float32)), Tensor.from_array(np.zeros(4, np.float32))]
    buffer = np.arange(10, dtype=np.float32)
    return GradBucket(index, count, Tensor.from_array(buffer), params, [(0, 6), (6, 10)]), buffer, params


def test_grad_bucket_views():
    bucket, buffer, params = make_bucket()
    assert bucket.index() == 1 and bucket.is_last()
    assert not make_bucket(count=3)[0].is_last()
    assert bucket.buffer().array is buffer
    first, second = bucket.gradients()
    assert first.shape == (2, 3) and second.shape == (4,)
    np.testing.assert_array_equal(second.numpy(), [6, 7, 8, 9])
    first.array[0, 0] = 100  # views: writing a gradient writes the buffer
    assert buffer[0] == 100
    assert bucket.parameters() == params and bucket.parameters() is not bucket.parameters()


def test_set_buffer_replaces_the_buffer_and_the_views_follow():
    bucket, buffer, _ = make_bucket()
    half = bucket.buffer().to(tt_autograd.float16)
    bucket.set_buffer(half)
    assert bucket.buffer() is half
    views = bucket.gradients()
    assert all(g.array.dtype == np.float16 and np.shares_memory(g.array, half.array) for g in views)
    message = (
        r"GradBucket.set_buffer: bucket 1 holds 10 gradient elements; the new buffer must be a flat 1-d "
        r"tensor of as many, got Tensor of shape \(2, 5\)"
    )
    with pytest.raises(ValueError, match=message):
        bucket.set_buffer(Tensor.from_array(np.zeros((2, 5), np.float32)))
    with pytest.raises(ValueError, match=r"got Tensor of shape \(9,\)"):
        bucket.set_buffer(Tensor.from_array(np.zeros(9, np.float32)))
    with pytest.raises(ValueError, match=r"got list of shape \(\)"):
        bucket.set_buffer([0.0] * 10)


def test_check_comm_hook_accepts_hooks_of_every_shape():
    check_comm_hook(default_hooks.allreduce_hook)
    check_comm_hook(lambda state, bucket, extra=None: None)
    check_comm_hook(print)  # a builtin without a signature: not checked further
    check_comm_hook(lambda *args: None)  # one parameter that takes both

    def annotated(state: object, bucket: GradBucket) -> Future[Tensor]:
        return Future()

    def plain_future(state, bucket) -> Future:
        return Future()

    def unresolvable(state, bucket: NoSuchName) -> Future[Tensor]:  # noqa: F821 (left unchecked)
        return Future()

    for hook in (annotated, plain_future, unresolvable):
        check_comm_hook(hook)


def test_bfloat16_codec():
    values = np.array([1.0, 1 + 2**-8, 1 + 3 * 2**-8, -3.0, 3.4e38, np.inf, np.nan, 0.0], np.float32)
    bits = to_bfloat16_bits(values)
    assert bits.dtype == np.uint16
    assert bits.tolist() == [0x3F80, 0x3F80, 0x3F82, 0xC040, 0x7F80, 0x7F80, 0x7FC0, 0]  # ties to even
    loud_nan = np.array([0x7FFFFFFF, 0xFFFFFFFF], np.uint32).view(np.float32)  # rounding would wrap these
    assert to_bfloat16_bits(loud_nan).tolist() == [0x7FC0, 0x7FC0]
    back = from_bfloat16_bits(bits)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back[:3], [1.0, 1.0, 1.015625])
    rng = np.random.default_rng(0)
    wide = (rng.standard_normal(1000) * 10.0 ** rng.integers(-30, 30, 1000)).astype(np.float32)
    np.testing.assert_array_equal(from_bfloat16_bits(to_bfloat16_bits(wide)), bf16_round(wide))


def test_write_back_keeps_the_buffers_dtype_and_result_tensor_unwraps_lists():
    buffer = Tensor.from_array(np.zeros(3, np.float32))
    reduced = Tensor.from_array(np.array([0.5, 1.5, 2.5], np.float16))
    version = buffer._version
    assert default_hooks.write_back(buffer, reduced) is buffer
    assert buffer._version > version  # an in-place write, marked
    assert buffer.array.dtype == np.float32 and buffer.numpy().tolist() == [0.5, 1.5, 2.5]
    assert default_hooks.result_tensor([reduced]) is reduced
    assert default_hooks.result_tensor(reduced) is reduced


def test_messages_name_the_bucket_and_its_first_parameters():
    from tt_dist.comm_hook import CommHookReducer

    params = [Tensor.from_array(np.zeros(2, np.float32)) for _ in range(5)]
    for count, listed in ((4, "parameters d, c, b, a)"), (5, "parameters e, d, c, b …)")):
        names = list("abcde"[:count])
        reducer = CommHookReducer(
            params[:count], None, 25.0, names, False, None, default_hooks.allreduce_hook
        )
        assert reducer.describe(0) == f"bucket 0 of 1 ({listed}"
