"""The models, data and helpers of the FSDP worker scripts (imported by ``fsdp_checks.py`` and its sections).

Worker scripts run as ``python workers/fsdp_checks.py``, so this directory is on ``sys.path``.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from tt_dist.fsdp import FullyShardedDataParallel

FSDP = FullyShardedDataParallel
STEPS, BATCH = 3, 12


def mlp():
    autograd.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 7), nn.Tanh(), nn.Linear(7, 2))


class Block(nn.Module):
    """A pre-norm transformer block: single-head causal self-attention and an MLP."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm1, self.qkv, self.proj = (
            nn.LayerNorm(width),
            nn.Linear(width, 3 * width, bias=False),
            nn.Linear(width, width),
        )
        self.norm2, self.up, self.down = (
            nn.LayerNorm(width),
            nn.Linear(width, 2 * width),
            nn.Linear(2 * width, width),
        )
        self.width = width

    def forward(self, x):
        q, k, v = self.qkv(self.norm1(x)).split(self.width, dim=-1)
        scores = (q @ k.transpose(-2, -1)) / self.width**0.5
        mask = autograd.tensor(np.triu(np.full((x.shape[1], x.shape[1]), -1e9, np.float32), 1))
        x = x + self.proj((scores + mask).softmax(-1) @ v)
        return x + self.down(self.up(self.norm2(x)).tanh())


class Tiny(nn.Module):
    """Input projection, two blocks, a head: the blocks are units of their own under ModuleWrapPolicy."""

    def __init__(self) -> None:
        super().__init__()
        self.embed, self.blocks, self.head = (
            nn.Linear(3, 5),
            nn.Sequential(Block(5), Block(5)),
            nn.Linear(5, 2),
        )

    def forward(self, x):
        return self.head(self.blocks(self.embed(x))).mean(1)


class Head(nn.Linear):
    """A unit of one parameter (ModuleWrapPolicy({Head}))."""


def tied():
    """Two layers sharing one weight (one range of the root's flat parameter); a one-parameter head unit."""
    autograd.manual_seed(2)
    model = nn.Sequential(nn.Linear(5, 5, bias=False), nn.Tanh(), nn.Linear(5, 5, bias=False), nn.Tanh(),
                          Head(5, 2, bias=False))  # fmt: skip
    model[2].weight = model[0].weight
    return model


def transformer():
    autograd.manual_seed(1)
    return Tiny()


def batch(step: int, inputs: tuple[int, ...]) -> tuple:
    rng = np.random.default_rng(step)
    x = rng.standard_normal((BATCH, *inputs)).astype(np.float32)
    return x, rng.standard_normal((BATCH, 2)).astype(np.float32)


def part(array, rank: int, world: int):
    per = BATCH // world
    return autograd.tensor(array[rank * per : (rank + 1) * per])


def whole(model) -> dict:
    """The whole parameters by unwrapped name (a FULL state dict on every rank)."""
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def difference(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b), (sorted(a), sorted(b))
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


def tensor_bytes(module) -> dict:
    """``{id: bytes}`` of the memory under every tensor a module refers to (tables, attributes, gradients)."""
    found = [*module._parameters.values(), *module._buffers.values()]
    found += [v for v in module.__dict__.values() if isinstance(v, autograd.Tensor)]
    arrays = [t.array for t in found if t is not None] + [
        t.grad.array for t in found if t is not None and t.grad is not None
    ]
    roots = {}
    for array in arrays:
        while array.base is not None:  # a view counts as the memory it views, once
            array = array.base
        roots[id(array)] = array.nbytes
    return roots


def message(case) -> str | None:
    try:
        case()
    except (ValueError, TypeError, NotImplementedError, RuntimeError) as error:
        return f"{type(error).__name__}: {error}"
    return None


class Inner(nn.Sequential):
    """A container the size policy is told not to look into (force_leaf_modules)."""


class Nested(nn.Module):
    """A module whose output is a dict holding a list: the registration finds the graph inside."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(5, 3)

    def forward(self, x):
        return {"out": [self.lin(x)]}


def held_bytes(handle) -> int:
    return sum(a.nbytes for a in handle.held_arrays())


def remember_weight(into: list, module, inputs) -> None:
    """A forward pre-hook: keep a copy of the weight the module's forward is about to use."""
    into.append(module.weight.detach().numpy().copy())
