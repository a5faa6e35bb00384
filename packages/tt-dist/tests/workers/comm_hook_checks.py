"""Run under ``mpiexec -n 2`` by test_dist_comm_hooks.py: DDP communication hooks against DDP's own reduction.

Every case wraps a fresh float32 model (same seed on both ranks), runs a backward
on this rank's own rows, and records what the test judges: the gradients DDP
leaves (and each rank's local gradients, so the test can compute what a float16
or bfloat16 sum gives), parameters after a few steps, and the messages of the
errors. Each rank writes ``OUT.<rank>.json``.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
import tt_nn.functional as F
import tt_optim
from tt_dist.algorithms.ddp_comm_hooks import default_hooks, powerSGD_hook
from tt_dist.futures import Future, collect_all

BATCH, FEATURES, CLASSES = 8, 5, 3
SMALL = 200 / 2**20  # bucket_cap_mb: a few parameters per bucket, so several buckets


def make_model(hidden: int = 8) -> nn.Module:
    autograd.manual_seed(3)
    return nn.Sequential(
        nn.Linear(FEATURES, 8), nn.Tanh(), nn.Linear(8, hidden), nn.Tanh(), nn.Linear(hidden, CLASSES)
    )


def data(rank: int):
    rng = np.random.default_rng(10 + rank)  # each rank its own rows
    x = autograd.tensor(rng.standard_normal((BATCH, FEATURES)).astype(np.float32) * 3)
    y = autograd.tensor(rng.integers(0, CLASSES, BATCH))
    return x, y


def grads(model) -> list[list[float]]:
    return [p.grad.numpy().ravel().tolist() for p in model.parameters()]


def params(model) -> list[list[float]]:
    return [p.detach().numpy().ravel().tolist() for p in model.parameters()]


def backward_with(rank: int, state=None, hook=None, cap=SMALL, **kwargs):
    """A wrapped model after one backward on this rank's rows, with ``hook`` registered if given."""
    model = dist.DistributedDataParallel(make_model(), bucket_cap_mb=cap, **kwargs)
    if hook is not None:
        model.register_comm_hook(state, hook)
    x, y = data(rank)
    F.cross_entropy(model(x), y).backward()
    return model


def trained(rank: int, hook=None, steps: int = 5) -> list[list[float]]:
    model = dist.DistributedDataParallel(make_model(), bucket_cap_mb=SMALL)
    if hook is not None:
        model.register_comm_hook(None, hook)
    opt = tt_optim.SGD(model.parameters(), lr=0.5)
    x, y = data(rank)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return params(model)


def error_of(call) -> str:
    try:
        call()
    except Exception as error:  # the message is what the test judges
        dist.barrier()
        return f"{type(error).__name__}: {error}"
    dist.barrier()
    return "no error"


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    record: dict = {}
    local = make_model()
    x, y = data(rank)
    F.cross_entropy(local(x), y).backward()
    record["local"] = grads(local)  # this rank's own gradients, before any averaging

    plain = backward_with(rank)
    record["buckets"] = len(plain.reducer.buckets)
    record["default"] = grads(plain)
    record["allreduce_hook"] = grads(backward_with(rank, None, default_hooks.allreduce_hook))
    group = dist.new_group([0, 1])
    record["allreduce_hook_group"] = grads(backward_with(rank, group, default_hooks.allreduce_hook))
    record["fp16"] = grads(backward_with(rank, None, default_hooks.fp16_compress_hook))
    record["bf16"] = grads(backward_with(rank, None, default_hooks.bf16_compress_hook))
    wrapped16 = default_hooks.fp16_compress_wrapper(default_hooks.allreduce_hook)
    record["fp16_wrapper"] = grads(backward_with(rank, None, wrapped16))
    wrapped_bf16 = default_hooks.bf16_compress_wrapper(default_hooks.allreduce_hook)
    record["bf16_wrapper"] = grads(backward_with(rank, None, wrapped_bf16))
    record["trained_default"] = trained(rank)
    record["trained_fp16"] = trained(rank, default_hooks.fp16_compress_hook)
    record.update(custom_hooks(rank))
    record.update(no_sync_and_unused(rank))
    record.update(futures_of_collectives(rank))
    record.update(errors(rank))
    record.update(power_sgd(rank))
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


def custom_hooks(rank: int) -> dict:
    """A hook that sums without dividing and triples; what each call saw, while backward still ran."""
    calls = []
    marker = object()

    def triple(state, bucket):
        first_weight = model_ref[0].module[0].weight
        calls.append({
            "state": state is marker,
            "index": bucket.index(),
            "is_last": bucket.is_last(),
            "sizes": [p.numel() for p in bucket.parameters()],
            "views": all(np.shares_memory(g.array, bucket.buffer().array) for g in bucket.gradients()),
            "shapes_match": [tuple(g.shape) == tuple(p.shape)
                             for g, p in zip(bucket.gradients(), bucket.parameters())],
            "first_layer_pending": first_weight.grad is None,
        })  # fmt: skip
        buffer = bucket.buffer()
        buffer.mul_(3)
        return dist.all_reduce(buffer, async_op=True).get_future().then(lambda fut: fut.value())

    model_ref: list = []
    model = dist.DistributedDataParallel(make_model(), bucket_cap_mb=SMALL)
    model_ref.append(model)
    model.register_comm_hook(marker, triple)
    x, y = data(rank)
    F.cross_entropy(model(x), y).backward()
    tripled, seen, launches = grads(model), list(calls), list(model.reducer.launches)
    buffers = [bucket.buffer for bucket in model.reducer.buckets]
    aliased = any(np.shares_memory(p.grad.array, b) for p in model.parameters() for b in buffers)
    versions = [p.grad._version for p in model.parameters()]
    F.cross_entropy(model(x), y).backward()  # accumulates into the existing .grad: in place, marked
    bumped = [p.grad._version > v for p, v in zip(model.parameters(), versions)]
    return {
        "tripled": tripled, "calls": seen, "launches": launches,
        "grads_alias_buckets": aliased, "second_backward_bumps": bumped,
    }  # fmt: skip


class Branches(nn.Module):
    """Rank 0 uses branch a, rank 1 branch b; ``never`` takes part nowhere."""

    def __init__(self) -> None:
        super().__init__()
        autograd.manual_seed(5)
        self.a, self.b = nn.Linear(FEATURES, 4), nn.Linear(FEATURES, 4)
        self.head, self.never = nn.Linear(4, CLASSES), nn.Linear(FEATURES, 4)

    def forward(self, x, use_a: bool):
        return self.head((self.a if use_a else self.b)(x).tanh())


def no_sync_and_unused(rank: int) -> dict:
    x, y = data(rank)
    result = {}
    for name in ("plain", "hooked"):  # gradient accumulation: two micro-batches under no_sync, one outside
        calls = []

        def counting(state, bucket, calls=calls):
            calls.append(bucket.index())
            return default_hooks.allreduce_hook(state, bucket)

        model = dist.DistributedDataParallel(make_model(), bucket_cap_mb=SMALL)
        if name == "hooked":
            model.register_comm_hook(None, counting)
        with model.no_sync():
            for _ in range(2):
                F.cross_entropy(model(x), y).backward()
        F.cross_entropy(model(x), y).backward()
        result[f"no_sync_{name}"] = grads(model)
        result[f"no_sync_{name}_calls"] = calls
    for name in ("plain", "hooked"):
        model = dist.DistributedDataParallel(Branches(), bucket_cap_mb=SMALL / 2, find_unused_parameters=True)
        if name == "hooked":
            model.register_comm_hook(None, default_hooks.allreduce_hook)
        for _ in range(2):
            model.zero_grad()
            F.cross_entropy(model(x, rank == 0), y).backward()
        used = [p for n, p in model.module.named_parameters() if not n.startswith("never")]
        result[f"unused_{name}"] = [p.grad.numpy().ravel().tolist() for p in used]
        result[f"unused_{name}_never"] = [p.grad is None for p in model.module.never.parameters()]
        buffers = [bucket.buffer for bucket in model.reducer.buckets]  # a grad made by DDP is its own array
        result[f"unused_{name}_alias"] = any(np.shares_memory(p.grad.array, b) for p in used for b in buffers)
    return result


def futures_of_collectives(rank: int) -> dict:
    t = autograd.tensor([float(rank + 1), 10.0])
    work = dist.all_reduce(t, async_op=True)
    future = work.get_future()
    value = future.wait()
    b = autograd.tensor([float(rank)])
    bwork = dist.broadcast(b, src=1, async_op=True)
    bwork.wait()
    late = bwork.get_future()  # asked for after the collective finished
    one = dist.all_reduce(autograd.tensor([1.0]), async_op=True).get_future()
    chained = one.then(lambda f: f.value()[0] * 5)
    pair = [dist.all_reduce(autograd.tensor([float(i)]), async_op=True).get_future() for i in (1, 2)]
    together = collect_all(pair).wait()
    return {
        "future_value_is_tensor_list": isinstance(value, list) and len(value) == 1 and value[0] is t,
        "future_value": value[0].numpy().tolist(),
        "same_future": work.get_future() is future,
        "future_done": future.done(),
        "late_done": late.done(),
        "late_value": late.value()[0].numpy().tolist(),
        "late_is_b": late.value()[0] is b,
        "chained": chained.wait().numpy().tolist(),
        "collected": [f.value()[0].numpy().tolist() for f in together],
        "collected_is_pair": together == pair,
    }


def errors(rank: int) -> dict:
    def twice():
        model = dist.DistributedDataParallel(make_model())
        model.register_comm_hook(None, default_hooks.allreduce_hook)
        model.register_comm_hook(None, default_hooks.allreduce_hook)

    def after_forward():
        model = dist.DistributedDataParallel(make_model())
        x, y = data(rank)
        F.cross_entropy(model(x), y).backward()
        model.register_comm_hook(None, default_hooks.allreduce_hook)

    def after_eval_forward():
        model = dist.DistributedDataParallel(make_model())
        with autograd.no_grad():
            model(data(rank)[0])
        model.register_comm_hook(None, default_hooks.allreduce_hook)

    def boom(state, bucket):
        raise ValueError("boom")

    def not_a_future(state, bucket):
        return bucket.buffer()

    def failing_callback(state, bucket):
        fut = dist.all_reduce(bucket.buffer(), async_op=True).get_future()
        return fut.then(lambda f: 1 / 0)

    def wrong_size(state, bucket):
        fut = Future()
        fut.set_result(autograd.zeros(3))
        return fut

    def two_tensors(state, bucket):
        fut = Future()
        fut.set_result([bucket.buffer(), bucket.buffer()])
        return fut

    def takes_one(bucket):
        return None

    def bad_bucket_annotation(state, bucket: int):
        return None

    def bad_return_annotation(state, bucket) -> int:
        return 0

    def annotated(state, bucket: dist.GradBucket) -> Future[autograd.Tensor]:
        return default_hooks.allreduce_hook(state, bucket)

    return {
        "err_twice": error_of(twice),
        "err_after_forward": error_of(after_forward),
        "err_after_eval_forward": error_of(after_eval_forward),
        "err_raises": error_of(lambda: backward_with(rank, None, boom, cap=25)),
        "err_not_future": error_of(lambda: backward_with(rank, None, not_a_future, cap=25)),
        "err_failing_callback": error_of(lambda: backward_with(rank, None, failing_callback, cap=25)),
        "err_wrong_size": error_of(lambda: backward_with(rank, None, wrong_size, cap=25)),
        "err_two_tensors": error_of(lambda: backward_with(rank, None, two_tensors, cap=25)),
        "err_not_callable": error_of(lambda: backward_with(rank, None, 42)),
        "err_takes_one": error_of(lambda: backward_with(rank, None, takes_one)),
        "err_bucket_annotation": error_of(lambda: backward_with(rank, None, bad_bucket_annotation)),
        "err_return_annotation": error_of(lambda: backward_with(rank, None, bad_return_annotation)),
        "annotated": grads(backward_with(rank, None, annotated)),
    }


def power_sgd(rank: int) -> dict:
    """Two plain steps, then compressed ones; the gradients of each step, this rank's local ones too."""
    result = {}
    x, y = data(rank)
    cases = {
        "rank1": powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=1, start_powerSGD_iter=2),
        "full": powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=8, start_powerSGD_iter=2,
                                            min_compression_rate=0),
        "no_feedback": powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=1, start_powerSGD_iter=1,
                                                   use_error_feedback=False, warm_start=False),
        "rank2_rate2": powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=2, start_powerSGD_iter=2),
        "epsilon": powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=2, start_powerSGD_iter=2,
                                               orthogonalization_epsilon=1e-8, min_compression_rate=1),
    }  # fmt: skip
    cases["one_bucket"] = powerSGD_hook.PowerSGDState(
        None, matrix_approximation_rank=1, start_powerSGD_iter=2
    )
    bumped = []

    def marking(state, bucket):  # powerSGD_hook, recording that its result's in-place write is marked
        before = bucket.buffer()._version
        return powerSGD_hook.powerSGD_hook(state, bucket).then(
            lambda fut: bumped.append(fut.value()._version > before) or fut.value()
        )

    for name, state in [("plain", None), *cases.items()]:
        # one bucket: three matrices of 7, 8 and 5 columns share P and Q's memory
        cap, hidden = (25, 7) if name == "one_bucket" else (SMALL, 8)
        model = dist.DistributedDataParallel(make_model(hidden), bucket_cap_mb=cap)
        if state is not None:
            model.register_comm_hook(state, marking if name == "one_bucket" else powerSGD_hook.powerSGD_hook)
        opt = tt_optim.SGD(model.parameters(), lr=0.5)
        steps, locals_, errors_ = [], [], []
        for _ in range(4):
            local = make_model(hidden)
            for mine, theirs in zip(local.parameters(), model.parameters()):
                mine.array[...] = theirs.array
            F.cross_entropy(local(x), y).backward()
            locals_.append(grads(local))
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            steps.append(grads(model))
            if state is not None and state.use_error_feedback:
                errors_.append(error_gap(model, state, local))
            opt.step()
        result[f"psgd_{name}"] = steps
        result[f"psgd_{name}_local"] = locals_
        result[f"psgd_{name}_error_gap"] = errors_
        result[f"psgd_{name}_shapes"] = [list(p.shape) for p in model.parameters()]
        if state is not None:
            result[f"psgd_{name}_iter"] = state.iter
            result[f"psgd_{name}_stats"] = list(state.compression_stats())
            result[f"psgd_{name}_memory"] = sorted(state.q_memory_dict)
            result[f"psgd_{name}_p_memory"] = sorted(state.p_memory_dict)
            result[f"psgd_{name}_next_seed"] = int(state.rng.integers(1_000_000_000))  # counts the draws
    result["psgd_bumped"] = bumped
    return result


def error_gap(model, state, local) -> float:
    """Largest gap between the hook's kept error and (this rank's input - the reduced gradient), per bucket.

    The input is the local gradient plus the error kept before this step (none at its first
    compressed step, when the kept error starts at zero).
    """
    if not state.error_dict:  # a plain all-reduce step
        return None
    reducer = model.reducer
    gap = 0.0
    mine = list(local.parameters())
    for index, bucket in enumerate(reducer.buckets):
        expected = np.zeros(bucket.buffer.size, np.float32)
        for position, (start, stop) in zip(bucket.indices, bucket.slices):
            local_grad = mine[position].grad.numpy().ravel()
            expected[start:stop] = local_grad - reducer.params[position].grad.numpy().ravel()
        previous = state_errors_before.get((id(state), index))
        if previous is not None:
            expected += previous
        kept = state.error_dict[index]
        gap = max(gap, float(np.abs(kept - expected).max()))
        state_errors_before[(id(state), index)] = kept.copy()
    return gap


state_errors_before: dict = {}


if __name__ == "__main__":
    main(sys.argv[1])
