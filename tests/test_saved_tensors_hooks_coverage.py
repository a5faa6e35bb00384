"""Which saved arrays ``torch.autograd.graph.saved_tensors_hooks`` sees, on an MLP and a GPT training step.

A counting pack hook must be called once per array saved with ``save_for_backward`` on the
step's graph (``saved_hooks.census`` walks it through ``next_functions``), the gradients must
equal the step's without hooks (unpack hands back what backward needs), and the arrays a
Function keeps as ``ctx`` attributes (not routed through the hooks) are counted, not assumed:
``benchmarks/saved_tensor_hooks.py`` prints the figures the autograd chapter quotes.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_autograd.saved_hooks import census
from tt_text.gpt import GPT, GPTConfig

import tinytorch as torch


def mlp_step():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    x, target = torch.randn(5, 8), torch.randint(0, 4, (5,))
    return model, lambda: torch.nn.functional.cross_entropy(model(x), target)


def gpt_step():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16))
    idx = torch.randint(0, 11, (2, 8))
    return model, lambda: torch.nn.functional.cross_entropy(
        model(idx[:, :-1]).reshape(-1, 11), idx[:, 1:].reshape(-1)
    )


@pytest.mark.parametrize("make", [mlp_step, gpt_step])
def test_every_save_for_backward_array_goes_through_the_pack_hook(make):
    model, step = make()
    plain = step()
    plain.backward()
    expected = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    packed, unpacked = [], [0]

    def pack(tensor):
        packed.append(tensor.shape)
        return tensor.clone()  # a real copy: backward must read what unpack returns

    def unpack(tensor):
        unpacked[0] += 1
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        loss = step()
    counts = census(loss.grad_fn)
    assert len(packed) == counts["hooked"] > 0
    loss.backward()
    assert unpacked[0] >= len(packed)
    for parameter, want in zip(model.parameters(), expected):
        np.testing.assert_allclose(parameter.grad.numpy(), want, rtol=1e-6, atol=1e-7)
    assert counts["nodes"] > 3
