"""``tt.nn`` gathers every layer whichever package defines it, by plain imports (DESIGN.md)."""

from __future__ import annotations

import numpy as np
import tt_autograd
import tt_nn
import tt_text
import tt_vision

import tinytorch as torch  # a PyTorch script with its import changed


def test_layers_and_functions_from_every_package_are_in_tt_nn():
    assert torch.nn.Conv2d is tt_vision.Conv2d and torch.nn.BatchNorm2d is tt_vision.BatchNorm2d
    assert torch.nn.Embedding is tt_text.Embedding
    assert torch.nn.MultiheadAttention is tt_text.MultiheadAttention
    assert torch.nn.Linear is tt_nn.Linear
    assert torch.nn.functional.cross_entropy is tt_nn.functional.cross_entropy
    assert torch.nn.functional.conv2d is tt_vision.functional.conv2d
    assert torch.nn.functional.scaled_dot_product_attention is tt_text.functional.scaled_dot_product_attention
    assert torch.nn.init.kaiming_uniform_ is tt_nn.init.kaiming_uniform_
    assert set(torch.nn.__all__) >= {"Conv2d", "Embedding", "Linear", "functional", "init", "utils"}


def test_a_pytorch_style_cnn_step_runs_through_the_meta_package():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, kernel_size=3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 10),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,))
    losses = []
    for _ in range(5):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(p.grad is not None for p in model.parameters()), "every parameter must get a gradient"
    assert losses[-1] < losses[0] and np.isfinite(losses).all()


def test_torch_nn_utils_prune_is_tt_perfs_pruning_and_runs_pytorchs_workflow():
    import tt_perf.compression.pruning as pruning

    import tinytorch.nn.utils.prune as prune

    assert prune.l1_unstructured is pruning.l1_unstructured and prune.remove is pruning.remove
    torch.manual_seed(0)
    layer = torch.nn.Linear(5, 4)
    prune.l1_unstructured(layer, name="weight", amount=0.25)  # 5 of 20 weights, the smallest |w|
    mask = layer.weight_mask.numpy()
    original = layer.weight_orig.detach().numpy()
    assert mask.sum() == 15
    assert np.abs(original[mask == 0]).max() <= np.abs(original[mask == 1]).min()
    layer(torch.ones(2, 5)).sum().backward()  # the gradient reaches weight_orig only where kept
    assert np.all(layer.weight_orig.grad.numpy()[mask == 0] == 0)
    assert np.all(layer.weight_orig.grad.numpy()[mask == 1] != 0)
    prune.remove(layer, "weight")
    assert {name for name, _ in layer.named_parameters()} == {"weight", "bias"}
    np.testing.assert_array_equal(layer.weight.detach().numpy(), original * mask)


def test_torch_utils_checkpoint_sequential_gives_the_plain_runs_gradients_dropout_included():
    from tinytorch.utils.checkpoint import checkpoint, checkpoint_sequential

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.GELU(), torch.nn.Dropout(0.3),
        torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3),
    )  # fmt: skip
    x = torch.randn(4, 6, requires_grad=True)
    state = torch.get_rng_state()
    plain = model(x)
    plain.sum().backward()
    expected = [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]
    model.zero_grad()
    x.grad = None
    torch.set_rng_state(state)  # the same dropout mask in the forward pass, and (restored) in the rerun
    out = checkpoint_sequential(model, 2, x, use_reentrant=False)
    np.testing.assert_array_equal(out.detach().numpy(), plain.detach().numpy())
    out.sum().backward()
    for got, want in zip([p.grad.numpy() for p in model.parameters()] + [x.grad.numpy()], expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    model.zero_grad()
    checkpoint(model, torch.randn(4, 6), use_reentrant=False).sum().backward()  # no input requires grad
    assert all(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0 for p in model.parameters())


def test_torch_nn_utils_parametrizations_orthogonal_trains_with_an_optimizer():
    from tinytorch.nn.utils.parametrizations import orthogonal

    assert orthogonal is tt_nn.parametrizations.orthogonal
    assert torch.linalg.householder_product.__wrapped__ is tt_autograd.linalg.householder_product  # (out=)
    torch.manual_seed(0)
    orth_linear = orthogonal(torch.nn.Linear(20, 40))  # PyTorch's documented example
    optimizer = torch.optim.Adam(orth_linear.parameters(), lr=0.05)
    x, y = torch.randn(16, 20), torch.randn(16, 40)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = ((orth_linear(x) - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    q = orth_linear.weight
    assert torch.dist(q.T @ q, torch.eye(20)).item() < 1e-5 and losses[-1] < losses[0]
