"""Run under ``mpiexec -n 2`` and ``-n 3`` by test_dist_join.py: DDP on uneven inputs inside ``Join``.

Rank r runs ``COUNTS[world][r]`` batches. Every rank also replays the whole job by
hand in NumPy (every rank's batches are known from their seeds): each step, the
gradients of the ranks still training are summed and divided by the world size (or by
how many ranks still train), and SGD updates. Each rank writes ``OUT.<rank>.json``
with its parameters, the hand result and what each case raised.
"""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
import tt_optim

#: batches per rank; for 3 ranks the last to join is rank 1, not the highest rank.
COUNTS = {2: [2, 3], 3: [2, 4, 3]}
LR = 0.1


def batch(rank: int, step: int, micro: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000 * rank + 10 * step + micro)
    return rng.standard_normal((4, 3)), rng.standard_normal((4, 2))


def hand(weight: np.ndarray, bias: np.ndarray, counts: list[int], divide_by_world: bool, micro: int = 1):
    """SGD on the averages of the ranks still training, step by step, as Join promises."""
    weight, bias = weight.copy(), bias.copy()
    for step in range(max(counts)):
        active = [r for r, count in enumerate(counts) if step < count]
        g_weight, g_bias = np.zeros_like(weight), np.zeros_like(bias)
        for rank in active:
            for m in range(micro):
                x, y = batch(rank, step, m)
                d = 2 * (x @ weight.T + bias - y) / y.size
                g_weight += d.T @ x
                g_bias += d.sum(0)
        divisor = len(counts) if divide_by_world else len(active)
        weight -= LR * g_weight / divisor
        bias -= LR * g_bias / divisor
    return weight, bias


def linear_model():
    autograd.manual_seed(0)
    return nn.Linear(3, 2).double()


def train(ddp, optimizer, rank: int, count: int, micro: int = 1, versions: list | None = None) -> None:
    loss_fn = nn.MSELoss()
    for step in range(count):
        for m in range(micro):
            x, y = batch(rank, step, m)
            if m < micro - 1:
                with ddp.no_sync():
                    loss_fn(ddp(autograd.tensor(x)), autograd.tensor(y)).backward()
            else:
                loss_fn(ddp(autograd.tensor(x)), autograd.tensor(y)).backward()
        if versions is not None:
            versions.append(ddp.module.weight.grad._version)
        optimizer.step()
        optimizer.zero_grad()


def params_of(module) -> list[list[float]]:
    return [p.detach().numpy().ravel().tolist() for p in module.parameters()]


def uneven(rank: int, counts: list[int], divide: bool, micro: int = 1) -> dict:
    """One Join over a DDP Linear; the parameters reached, and the hand computation's."""
    ddp = dist.DistributedDataParallel(linear_model())
    start = [p.detach().numpy().copy() for p in ddp.module.parameters()]
    optimizer = tt_optim.SGD(ddp.parameters(), lr=LR)
    with ddp.join(divide_by_initial_world_size=divide):
        assert ddp._join_config.enable and ddp._join_config.is_first_joinable
        versions: list[int] = []
        train(ddp, optimizer, rank, counts[rank], micro, versions)
    weight, bias = hand(start[0], start[1], counts, divide, micro)
    record = {"params": params_of(ddp.module), "hand": [weight.ravel().tolist(), bias.ravel().tolist()]}
    record["enabled_after"] = ddp._join_config.enable
    record["versions"] = versions
    # After the block: an even step is the plain average again (no join traffic, divisor reset).
    before = [p.detach().numpy().copy() for p in ddp.module.parameters()]
    train(ddp, optimizer, rank, 1)
    weight, bias = hand(before[0], before[1], [1] * len(counts), True)
    record["after"] = params_of(ddp.module)
    record["after_hand"] = [weight.ravel().tolist(), bias.ravel().tolist()]
    return record


class Stamp(nn.Module):
    """Records the buffer value each forward receives, then stamps its own rank into the buffer."""

    def __init__(self, rank: int) -> None:
        super().__init__()
        self.rank = rank
        self.linear = nn.Linear(3, 2)
        self.register_buffer("seen", autograd.tensor([-1.0]))
        self.received: list[float] = []

    def forward(self, x):
        self.received.append(float(self.seen.numpy()[0]))
        self.seen.array[...] = self.rank
        return self.linear(x)


def stamps(rank: int, counts: list[int]) -> dict:
    """Whose buffers each forward receives: rank 0's outside a Join, the highest rank training inside."""
    model = Stamp(rank).double()
    ddp = dist.DistributedDataParallel(model)
    optimizer = tt_optim.SGD(ddp.parameters(), lr=LR)
    train(ddp, optimizer, rank, 2)
    outside = list(model.received)
    model.received.clear()
    with ddp.join():
        train(ddp, optimizer, rank, counts[rank])
    return {"outside": outside, "inside": model.received, "device": ddp.join_device}


def reuse(rank: int, counts: list[int]) -> dict:
    """One Join entered twice; a joined rank gets back the .grad it had when it left its loop, each time."""
    ddp = dist.DistributedDataParallel(linear_model())
    optimizer = tt_optim.SGD(ddp.parameters(), lr=LR)
    join = ddp.join()
    record = {"same": [], "params": []}
    for block in range(2):
        with join:
            for step in range(counts[rank]):
                x, y = batch(rank, 10 * block + step)
                optimizer.zero_grad()
                nn.MSELoss()(ddp(autograd.tensor(x)), autograd.tensor(y)).backward()
                optimizer.step()
            left = [p.grad.numpy().copy() for p in ddp.parameters()]
        record["same"].append(all(np.array_equal(a, p.grad.numpy()) for a, p in zip(left, ddp.parameters())))
        record["params"].append(params_of(ddp.module))
    return record


def buffers(rank: int, counts: list[int]) -> dict:
    """BatchNorm's buffers: taken from a rank still training each step, then from the last joiner."""
    autograd.manual_seed(0)
    ddp = dist.DistributedDataParallel(nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).double())
    optimizer = tt_optim.SGD(ddp.parameters(), lr=LR)
    loss_fn = nn.MSELoss()
    with ddp.join():
        for step in range(counts[rank]):
            x, y = batch(rank, step)
            loss_fn(ddp(autograd.tensor(x)), autograd.tensor(y)).backward()
            optimizer.step()
            optimizer.zero_grad()
    bn = ddp.module[1]
    return {
        "tracked": int(bn.num_batches_tracked.numpy()),
        "running_mean": bn.running_mean.numpy().tolist(),
        "params": params_of(ddp.module),
    }


def no_buffer_broadcast(rank: int, counts: list[int]) -> dict:
    """broadcast_buffers=False: each rank keeps its own statistics, nothing is broadcast for them."""
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).double()
    ddp = dist.DistributedDataParallel(model, broadcast_buffers=False)
    optimizer = tt_optim.SGD(ddp.parameters(), lr=LR)
    with ddp.join():
        train(ddp, optimizer, rank, counts[rank])
    return {"tracked": int(model[1].num_batches_tracked.numpy()), "params": params_of(model)}


def throw(rank: int, counts: list[int]) -> dict:
    ddp = dist.DistributedDataParallel(linear_model())
    optimizer = tt_optim.SGD(ddp.parameters(), lr=LR)
    done = 0
    try:
        with ddp.join(throw_on_early_termination=True):
            for step in range(counts[rank]):
                x, y = batch(rank, step)
                nn.MSELoss()(ddp(autograd.tensor(x)), autograd.tensor(y)).backward()
                optimizer.step()
                optimizer.zero_grad()
                done += 1
        return {"raised": None, "done": done}
    except RuntimeError as error:
        return {"raised": str(error), "done": done, "enabled_after": ddp._join_config.enable}


class Branches(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(3, 2)
        self.unused = nn.Linear(3, 2)

    def forward(self, x):
        return self.used(x)


def unused(rank: int, counts: list[int]) -> dict:
    autograd.manual_seed(0)
    model = Branches().double()
    ddp = dist.DistributedDataParallel(model, find_unused_parameters=True)
    optimizer = tt_optim.SGD(ddp.parameters(), lr=LR)
    start = [p.detach().numpy().copy() for p in model.used.parameters()]
    with ddp.join(divide_by_initial_world_size=False):
        for step in range(counts[rank]):
            x, y = batch(rank, step)
            nn.MSELoss()(ddp(autograd.tensor(x)), autograd.tensor(y)).backward()
            optimizer.step()
            optimizer.zero_grad()
    weight, bias = hand(start[0], start[1], counts, False)
    return {
        "params": params_of(model.used),
        "hand": [weight.ravel().tolist(), bias.ravel().tolist()],
        "unused_grad": [p.grad is None for p in model.unused.parameters()],
    }


def errors(rank: int) -> dict:
    found = {}

    class Plain(dist.Joinable):
        def __init__(self, group=None, call_init=True) -> None:
            if call_init:
                super().__init__()
            self.group = group

        def join_hook(self, **kwargs):
            return dist.JoinHook()

        @property
        def join_device(self):
            return "cpu"

        @property
        def join_process_group(self):
            return self.group

    other = dist.new_group(list(range(dist.get_world_size())))
    cases = {
        "empty": lambda: dist.Join([]),
        "not_joinable": lambda: dist.Join([nn.Linear(2, 2)]),
        "two_groups": lambda: dist.Join([Plain(), Plain(other)]),
        "no_init": lambda: dist.Join.notify_join_context(Plain(call_init=False)),
    }
    for name, case in cases.items():
        try:
            case()
            found[name] = None
        except (ValueError, TypeError, RuntimeError) as error:
            found[name] = f"{type(error).__name__}: {error}"
    # A hook that does nothing: the generic machinery alone, with a Joinable of the user's.
    plain = Plain()
    with dist.Join([plain]) as join:
        for _ in range(COUNTS[dist.get_world_size()][rank]):
            work = dist.Join.notify_join_context(plain)
            assert work is not None and work.wait()
    found["plain_enabled_after"] = plain._join_config.enable
    found["disabled_notify"] = dist.Join.notify_join_context(plain)
    with dist.Join([plain], enable=False):
        found["disabled_context"] = dist.Join.notify_join_context(plain)
    found["enter_returns_self"] = join is not None
    # A skew of more than 1000 iterations: the joined rank warns once (PyTorch's threshold); of 1000, not.
    for skew in (1000, 1001):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with dist.Join(joinable for joinable in [plain]):  # any iterable
                for _ in range(0 if rank == 0 else skew):
                    dist.Join.notify_join_context(plain)
        found[f"warned_{skew}"] = [str(warning.message) for warning in caught]
    return found


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    counts = COUNTS[world]
    record = {
        "by_world": uneven(rank, counts, True),
        "by_active": uneven(rank, counts, False),
        "rank0_last": uneven(rank, counts[::-1], True),
        "stamps": stamps(rank, counts),
        "reuse": reuse(rank, counts),
        "no_sync": uneven(rank, counts, True, micro=2),
        "buffers": buffers(rank, counts),
        "no_buffer_broadcast": no_buffer_broadcast(rank, counts),
        "throw": throw(rank, counts),
        "unused": unused(rank, counts),
        "errors": errors(rank),
    }
    dist.barrier()
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


if __name__ == "__main__":
    main(sys.argv[1])
