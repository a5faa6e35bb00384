"""Milestone 05's GPT under ``nn.DataParallel``: the whole batch's loss and gradients, from threads."""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from tt_text import GPT, GPTConfig


def test_gpt_gradients_under_data_parallel_equal_the_whole_batch():
    tt_tensor.manual_seed(0)
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16, gelu_approximate="tanh")
    model = GPT(config).to(dtype=autograd.float64)
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 11, (5, 8))
    targets = autograd.tensor(rng.integers(0, 11, 5 * 8))

    def loss_of(net):
        return nn.functional.cross_entropy(net(ids).reshape(-1, 11), targets)

    loss = loss_of(model)
    loss.backward()
    expected = {name: p.grad.array.copy() for name, p in model.named_parameters()}
    model.zero_grad()
    parallel_loss = loss_of(nn.DataParallel(model, device_ids=[0, 1]))
    np.testing.assert_allclose(float(parallel_loss), float(loss), rtol=1e-12)
    parallel_loss.backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.array, expected[name], rtol=1e-9, atol=1e-12, err_msg=name)
