"""FULL_SHARD's release after forward on the common layers: nothing in their graph keeps the gathered buffer.

FSDP's FULL_SHARD (``tt_dist.fsdp.reshard``) frees a unit's gathered parameters after its
forward: the saved-tensor hooks replace every saved view of the buffer by where it lies.
A Function that kept a parameter (or an array made from it) as an attribute of its node,
not through ``save_for_backward``, would keep the buffer, or a copy of it, alive until
backward, unseen by the hooks. Here each layer's parameters are laid in one flat buffer as
FSDP lays them, its forward runs under the hooks (one process: "gathering again" copies the
flat array), and after the release a weak reference to the buffer must be dead, the graph
must hold no array as a node attribute (``saved_hooks.census``), and backward, which gathers
once more, must give the gradients of the same layer run without the hooks.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from tt_autograd import Tensor
from tt_autograd.saved_hooks import census
from tt_dist.fsdp.reshard import Gathered, release_after_forward

import tinytorch as torch

nn = torch.nn


class Info:
    """Where a parameter lies in the flat buffer (the fields ``Gathered.regather`` reads)."""

    def __init__(self, slot: int, offset: int, numel: int, shape: tuple) -> None:
        self.slot, self.offset, self.numel, self.shape, self.first = slot, offset, numel, shape, True


class OneRank:
    """A unit's handle without MPI: ``gather`` returns a copy of the flat buffer, counted."""

    def __init__(self, flat: np.ndarray, infos: list) -> None:
        self.flat, self.infos, self.gathers = flat, infos, 0

    def gather(self, what: str) -> np.ndarray:
        self.gathers += 1
        return self.flat.copy()


def flatten(module):
    """Point ``module``'s parameters at leaves viewing one flat buffer; returns (buffer, leaves, infos)."""
    named = list(module.named_parameters())
    full = np.concatenate([p.detach().numpy().ravel() for _, p in named])
    leaves, infos, offset = {}, [], 0
    for slot, (name, param) in enumerate(named):
        leaf = Tensor.from_array(full[offset : offset + param.numel()].reshape(param.shape))
        leaf.requires_grad = True
        *path, attribute = name.split(".")
        owner = module.get_submodule(".".join(path))
        owner._parameters[attribute] = None
        object.__setattr__(owner, attribute, leaf)  # as FlatParamHandle.unshard sets them
        leaves[slot] = leaf
        infos.append(Info(slot, offset, param.numel(), tuple(param.shape)))
        offset += param.numel()
    return full, leaves, infos


def first(output):
    return output[0] if isinstance(output, tuple) else output


LAYERS = {
    "Linear": (lambda: nn.Linear(6, 3), lambda: (torch.randn(4, 6, requires_grad=True),)),
    "Embedding": (lambda: nn.Embedding(10, 4), lambda: (torch.tensor([[1, 2], [3, 3]]),)),
    "LayerNorm": (lambda: nn.LayerNorm(6), lambda: (torch.randn(4, 6, requires_grad=True),)),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3), lambda: (torch.randn(2, 3, 8, requires_grad=True),)),
    "Conv2d": (lambda: nn.Conv2d(4, 4, 3, padding=1, groups=2), lambda: (torch.randn(2, 4, 6, 6),)),
    "ConvTranspose2d": (
        lambda: nn.ConvTranspose2d(3, 4, 3, stride=2),
        lambda: (torch.randn(2, 3, 5, 5, requires_grad=True),),
    ),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda: (torch.randn(2, 3, 4, 4),)),
    "MultiheadAttention": (
        lambda: nn.MultiheadAttention(6, 2, batch_first=True),
        lambda: (torch.randn(1, 4, 6),) * 3,
    ),
    "LSTM": (lambda: nn.LSTM(6, 5, batch_first=True), lambda: (torch.randn(2, 3, 6),)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_nothing_keeps_the_gathered_buffer_after_forward(name):
    build, inputs = LAYERS[name]
    torch.manual_seed(0)
    plain, args = build(), inputs()
    first(plain(*args)).square().sum().backward()
    expected = [p.grad.numpy().copy() for p in plain.parameters()]
    torch.manual_seed(0)
    module = build()
    full, leaves, infos = flatten(module)
    handle = OneRank(full.copy(), infos)
    gathered = Gathered(handle, full, leaves)
    with release_after_forward(gathered) as releasing:
        loss = first(module(*args)).square().sum()
    assert releasing is True
    counts = census(loss.grad_fn)
    assert counts["attributes"] == 0, f"{name}: node attributes not seen by the hooks: {counts['holders']}"
    buffer = weakref.ref(full)
    del full
    gathered.release()
    gc.collect()
    assert buffer() is None, f"{name}: something in the graph still refers to the gathered buffer"
    loss.backward()
    assert handle.gathers == (name != "Embedding")  # once more; Embedding's backward reads indices only
    for slot, want in enumerate(expected):
        np.testing.assert_allclose(leaves[slot].grad.numpy(), want, rtol=1e-5, atol=1e-6)
