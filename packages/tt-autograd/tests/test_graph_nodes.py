"""The Node API of ``grad_fn``: ``name()``, ``next_functions``, ``AccumulateGrad``, ``metadata``, ``Node``.

Expected names and structures are PyTorch 2.13's for the same expressions (checked there).
"""

from __future__ import annotations

import gc

import numpy as np
import tt_autograd as autograd
from tt_autograd.graph import TORCH_NAMES, AccumulateGrad, Node, node_name


def leaf(data):
    return autograd.tensor(data, requires_grad=True)


def test_names_are_pytorch_s():
    x, w = leaf([1.0, -2.0, 3.0]), leaf([0.5, 1.0, 2.0])
    cases = {
        "MulBackward0": x * w,
        "SumBackward0": x.sum(),
        "ExpBackward0": x.exp(),
        "ReluBackward0": x.relu(),
        "DivBackward0": x / w,
        "SubBackward0": x - w,
        "NegBackward0": -x,
        "AbsBackward0": x.abs(),
        "MeanBackward0": x.mean(),
        "ViewBackward0": x.reshape(3, 1),
        "MmBackward0": x.reshape(1, 3) @ w.reshape(3, 1),
        "CatBackward0": autograd.cat([x, w]),
    }
    for expected, result in cases.items():
        assert result.grad_fn.name() == expected
    assert repr((x * w).grad_fn) == "<MulBackward0>"
    assert "grad_fn=<SumBackward0>" in repr(x.sum())


def test_a_name_comes_from_the_table_or_the_stem_and_a_user_s_function_keeps_its_class_name():
    class ReLUFunction(autograd.Function):  # a table stem, defined outside the tt_* packages
        pass

    class MyExp(autograd.Function):
        pass

    assert node_name(ReLUFunction) == "ReLUFunctionBackward"  # a user's class: PyTorch's rule
    assert MyExp().name() == "MyExpBackward"
    ours = type("ReLUFunction", (autograd.Function,), {"__module__": "tt_autograd.functions.unary"})
    assert node_name(ours) == TORCH_NAMES["ReLU"] == "ReluBackward0"
    plain = type("Log1pFunction", (autograd.Function,), {"__module__": "tt_autograd.functions.unary"})
    assert node_name(plain) == "Log1pBackward0"


def test_next_functions_pair_each_input_with_its_node_leaf_node_or_none():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    c = autograd.tensor([5.0, 6.0])
    y = (x * w).sum()
    ((mul, nr),) = y.grad_fn.next_functions
    assert nr == 0 and mul.name() == "MulBackward0"
    (ax, nx), (aw, nw) = mul.next_functions
    assert (nx, nw) == (0, 0)
    assert isinstance(ax, AccumulateGrad) and ax.variable is x and aw.variable is w
    assert ax.name() == "torch::autograd::AccumulateGrad" and ax.next_functions == ()
    scaled = x * c  # a constant tensor input: (None, 0), as in PyTorch
    assert scaled.grad_fn.next_functions[1] == (None, 0)
    assert scaled.grad_fn.next_functions[0][0].variable is x
    shifted = x * 2 + 1
    assert shifted.grad_fn.next_functions[1] == (None, 0)
    assert shifted.grad_fn.next_functions[0][0] is shifted.grad_fn.next_functions[0][0]


def test_a_leaf_has_one_accumulate_grad_node_while_it_is_held():
    x = leaf([1.0, 2.0])
    first = (x * 2).grad_fn.next_functions[0][0]
    assert (x.exp()).grad_fn.next_functions[0][0] is first
    assert repr(first) == "<AccumulateGrad>"
    first.metadata["mark"] = 1
    del first
    gc.collect()  # nobody holds the node: a new one is made, as PyTorch does
    again = (x * 2).grad_fn.next_functions[0][0]
    assert again.variable is x and isinstance(again, AccumulateGrad) and again.metadata == {}


def test_isinstance_node_and_metadata_dict():
    x = leaf([1.0])
    y = x * 2
    assert isinstance(y.grad_fn, Node) and isinstance(y.grad_fn.next_functions[0][0], Node)
    assert not isinstance(x, Node) and not isinstance(object(), Node)
    assert y.grad_fn.metadata == {}
    y.grad_fn.metadata["step"] = 3
    assert y.grad_fn.metadata == {"step": 3} and y.grad_fn.metadata is y.grad_fn.metadata
    acc = y.grad_fn.next_functions[0][0]
    acc.metadata["seen"] = True
    assert acc.metadata == {"seen": True} and (x * 3).grad_fn.next_functions[0][0].metadata == {"seen": True}


def walk(root):
    """torchviz's walk: every node reachable through next_functions, each once."""
    seen, stack, leaves = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            leaves.append(node.variable)
        for parent, _ in node.next_functions:
            if parent is not None:
                stack.append(parent)
    return seen, leaves


def test_a_walk_over_next_functions_reaches_every_leaf_once():
    rng = np.random.default_rng(0)
    w1, b1 = leaf(rng.normal(size=(4, 3))), leaf(rng.normal(size=(3,)))
    w2 = leaf(rng.normal(size=(3, 2)))
    x = autograd.tensor(rng.normal(size=(5, 4)))
    hidden = (x @ w1 + b1).relu()
    loss = ((hidden @ w2).tanh() * (hidden @ w2)).sum() + (w1 * w1).sum()
    seen, leaves = walk(loss.grad_fn)
    assert sorted(id(t) for t in leaves) == sorted(id(t) for t in (w1, b1, w2))
    assert len(leaves) == 3  # w1 is reached along two paths, through one AccumulateGrad node
    assert len(seen) > 8


def test_a_node_made_by_apply_without_grad_has_no_next_functions():
    assert autograd.Function().next_functions == ()
