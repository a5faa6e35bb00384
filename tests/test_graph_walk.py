"""torchviz's walk over ``grad_fn.next_functions`` reaches every parameter of real models, once each.

The walk keeps the nodes it has seen (as torchviz's ``seen`` set does) and collects the
``variable`` of each ``AccumulateGrad`` node; every parameter the loss depends on must be there.
"""

from __future__ import annotations

import pytest
from tt_text.gpt import GPT, GPTConfig
from tt_vision import Conv2d, MaxPool2d

import tinytorch as torch
from tinytorch.autograd.graph import Node


def walk(root):
    seen, stack, variables = {}, [root], []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        assert isinstance(node, Node) and isinstance(node.name(), str)
        if node.name() == "torch::autograd::AccumulateGrad":
            variables.append(node.variable)
        stack.extend(parent for parent, _ in node.next_functions if parent is not None)
    return list(seen.values()), variables


def mlp():
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    return model, torch.nn.functional.cross_entropy(model(torch.randn(4, 6)), torch.tensor([0, 1, 2, 0]))


def cnn():
    model = torch.nn.Sequential(
        Conv2d(3, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 2),
    )
    return model, model(torch.randn(2, 3, 8, 8)).sum()


def gpt():
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=0.1))
    ids = torch.randint(0, 11, (2, 8))
    logits = model(ids[:, :-1])
    return model, torch.nn.functional.cross_entropy(logits.reshape(-1, 11), ids[:, 1:].reshape(-1))


@pytest.mark.parametrize("build", [mlp, cnn, gpt])
def test_the_walk_reaches_every_parameter_once(build):
    torch.manual_seed(0)
    model, loss = build()
    nodes, variables = walk(loss.grad_fn)
    parameters = list(model.parameters())
    assert sorted(map(id, variables)) == sorted(map(id, parameters))
    assert len(nodes) > len(parameters)
