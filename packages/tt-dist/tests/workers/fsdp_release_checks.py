"""FULL_SHARD's release after forward and gathering again in backward: a section of ``fsdp_checks.py``.

Each unit's ``gather`` is wrapped to count its all-gathers and keep weak references to
the buffers it made, so the record says which buffers are still alive after a forward
and after its backward (a dead weak reference: nothing refers to the buffer, NumPy freed
it), and how many times each unit gathered. One SGD step at lr 1 after the backward
must match the replay's: the gradients computed from the gathered-again parameters are
the replay's.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import weakref

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from fsdp_models import BATCH, FSDP, Block, Head, batch, difference, mlp, part, tied, transformer, whole
from tt_autograd import hooks
from tt_autograd.saved_hooks import disable_saved_tensors_hooks, saved_tensors_hooks
from tt_dist.fsdp import ModuleWrapPolicy, ShardingStrategy


def counted(model) -> tuple[list, list]:
    """Wrap each unit's ``gather``: returns ``(counts, refs)``, per unit (outermost first)."""
    handles = [u._handle for u in FSDP.fsdp_modules(model) if u._handle is not None]
    counts, refs = [0] * len(handles), [[] for _ in handles]

    def gather(index, original, *args):
        full = original(*args)
        counts[index] += 1
        refs[index].append(weakref.ref(full))
        return full

    for index, handle in enumerate(handles):
        handle.gather = functools.partial(gather, index, handle.gather)
    return counts, refs


def alive(refs: list) -> list:
    gc.collect()
    return [[ref() is not None for ref in unit] for unit in refs]


def step(build, inputs, wrap, rank, world, hooks=None) -> dict:
    """One forward, backward and SGD step (lr 1) of FSDP on B/N samples and of the replay on B."""
    reference, model = build(), wrap(build())
    plain, sharded = tt_optim.SGD(reference.parameters(), lr=1.0), tt_optim.SGD(model.parameters(), lr=1.0)
    counts, refs = counted(model)
    x, y = batch(0, inputs)
    loss_fn = nn.MSELoss()
    loss_fn(reference(autograd.tensor(x)), autograd.tensor(y)).backward()
    with hooks if hooks is not None else contextlib.nullcontext():
        loss = loss_fn(model(part(x, rank, world)), part(y, rank, world))
    out = {"after_forward": alive(refs), "gathers_forward": list(counts)}
    leaves = graph_leaves(loss.grad_fn)
    out["stand_ins"] = [len(leaves), sum(bool(np.isnan(leaf.array).all()) for leaf in leaves)]
    del leaves  # (they would keep SHARD_GRAD_OP's buffer after the graph)
    held = [sum(a.nbytes for a in u._handle.held_arrays()) for u in FSDP.fsdp_modules(model) if u._handle]
    shards = [4 * p.numel() for p in model.parameters()]
    out["held_is_shard"] = held == shards
    loss.backward()
    out["after_backward"] = alive(refs)
    out["gathers"] = list(counts)
    plain.step()
    sharded.step()
    out["difference"] = difference(whole(model), whole(reference))
    del loss
    out["after_graph"] = alive(refs)
    return out


def graph_leaves(root) -> list:
    """The leaf tensors the graph under ``root`` sends gradients to (here: the parameters' leaves)."""
    leaves, seen, stack = {}, set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for parent in getattr(node, "parents", None) or ():
            if isinstance(parent, autograd.Tensor):
                leaves[id(parent)] = parent
            elif parent is not None:
                stack.append(parent)
    return list(leaves.values())


class Twice(nn.Module):
    """A unit used twice in one forward (a Head unit called on two inputs)."""

    def __init__(self) -> None:
        super().__init__()
        autograd.manual_seed(3)
        self.head, self.body = Head(5, 5), nn.Linear(5, 5)

    def forward(self, x):
        return self.head(self.body(self.head(x)).tanh())[:, :2]


def frozen_input_gradient(rank: int, world: int) -> dict:
    """A frozen FULL_SHARD unit: released after forward, gathered again for the input's gradient."""
    reference, model = mlp(), mlp()
    for p in [*reference.parameters(), *model.parameters()]:
        p.requires_grad = False
    model = FSDP(model)
    counts, refs = counted(model)
    x = batch(0, (5,))[0]
    xs = autograd.tensor(x, requires_grad=True)
    reference(xs).sum().backward()
    mine = part(x, rank, world)
    mine.requires_grad = True
    loss = model(mine).sum()
    out = {"after_forward": alive(refs)}
    loss.backward()
    per = BATCH // world
    expected = xs.grad.numpy()[rank * per : (rank + 1) * per]
    out["input_grad"] = float(np.abs(mine.grad.numpy() - expected).max())
    out["gathers"] = list(counts)
    out["after_backward"] = alive(refs)
    return out


def hooks_after_backward() -> dict:
    """Per strategy: live multi-grad hooks before a step, after its backward (loss held), after dropping
    the loss; then a second backward through a retained graph (the error's message, or None)."""
    x = autograd.tensor(np.ones((2, 5), np.float32))
    out = {}
    for strategy in ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP, ShardingStrategy.NO_SHARD:
        model = FSDP(mlp(), sharding_strategy=strategy)
        seen = [hooks.watchers[0]]
        loss = model(x).sum()
        loss.backward()
        seen.append(hooks.watchers[0])
        del loss
        gc.collect()
        seen.append(hooks.watchers[0])
        loss = model(x).sum()
        loss.backward(retain_graph=True)
        try:
            loss.backward()
            again = None
        except RuntimeError as error:
            again = str(error)
        out[strategy.name] = {"watchers": seen, "again": again}
    return out


def release(rank: int, world: int) -> dict:
    """What each strategy gathers and keeps in one step; enclosing and disabled saved-tensor hooks."""
    blocks = ModuleWrapPolicy({Block})
    heads = ModuleWrapPolicy({Head})
    out = {}
    for strategy in ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP:
        nested = functools.partial(FSDP, auto_wrap_policy=blocks, sharding_strategy=strategy)
        out[f"nested_{strategy.name}"] = step(transformer, (4, 3), nested, rank, world)
        by_head = functools.partial(FSDP, auto_wrap_policy=heads, sharding_strategy=strategy)
        out[f"tied_{strategy.name}"] = step(tied, (5,), by_head, rank, world)
        out[f"twice_{strategy.name}"] = step(Twice, (5,), by_head, rank, world)
    # the user's enclosing hooks get what FSDP does not keep: every activation, packed and unpacked once
    calls = {"pack": 0, "unpack": 0}

    def pack(tensor):
        calls["pack"] += 1
        return ("mine", tensor)

    def unpack(packed):
        calls["unpack"] += 1
        assert packed[0] == "mine"
        return packed[1]

    wrap = functools.partial(FSDP, auto_wrap_policy=blocks)
    out["enclosing"] = step(transformer, (4, 3), wrap, rank, world, saved_tensors_hooks(pack, unpack))
    out["enclosing_calls"] = [calls["pack"], calls["unpack"]]
    # inside disable_saved_tensors_hooks a unit cannot install its hooks: it keeps its buffer instead
    disabled = disable_saved_tensors_hooks("no hooks here")
    out["disabled"] = step(transformer, (4, 3), wrap, rank, world, disabled)
    out["frozen"] = frozen_input_gradient(rank, world)
    out["hooks"] = hooks_after_backward()
    return out
