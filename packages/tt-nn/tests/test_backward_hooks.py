"""Module backward hooks (``tt_nn.backward_hooks``): ``register_full_backward_hook`` and its pre hook.

Expected gradients are worked out by hand for a Linear layer (``grad_input = grad_output · W``); the
behaviours (what each hook sees, replacing gradients, no input requiring grad, positional arguments
that are not tensors) follow PyTorch 2.13's, compared in a scratch run.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn

W = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])


def linear():
    layer = nn.Linear(3, 2)
    layer.weight.array = W.astype(np.float32)
    layer.bias.array = np.array([0.1, -0.2], dtype=np.float32)
    return layer


def values(tensors):
    return [None if t is None else t.detach().numpy().tolist() for t in tensors]


def test_the_hooks_see_the_output_and_input_gradients():
    layer, seen = linear(), []
    layer.register_full_backward_pre_hook(lambda m, grad_output: seen.append(("pre", values(grad_output))))
    layer.register_full_backward_hook(lambda m, gi, go: seen.append(("full", values(gi), values(go))))
    x = autograd.tensor([[1.0, -1.0, 2.0]], requires_grad=True)
    (layer(x) * autograd.tensor([[2.0, 3.0]])).sum().backward()
    grad_output = [[2.0, 3.0]]
    grad_input = (np.array(grad_output) @ W).tolist()  # [-1, 5.5, 12]
    assert seen == [("pre", [grad_output]), ("full", [grad_input], [grad_output])]
    np.testing.assert_allclose(x.grad.numpy(), grad_input)
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.array(grad_output).T @ [[1.0, -1.0, 2.0]])


def test_returned_tuples_replace_the_gradients():
    layer = linear()
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10.0,))
    x = autograd.tensor([[1.0, -1.0, 2.0]], requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 10.0 * (np.ones((1, 2)) @ W))
    np.testing.assert_allclose(layer.weight.grad.numpy(), [[1.0, -1.0, 2.0]] * 2)  # its own: unchanged
    silenced = linear()
    silenced.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 0.0,))
    x = autograd.tensor([[1.0, -1.0, 2.0]], requires_grad=True)
    silenced(x).sum().backward()
    assert not x.grad.numpy().any() and not silenced.weight.grad.numpy().any()
    broken = linear()
    broken.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match=r"returned 2 gradient\(s\) where the module has 1"):
        broken(autograd.ones(1, 3, requires_grad=True)).sum().backward()


def test_a_replacement_of_the_wrong_shape_is_named_with_both_shapes():
    for register, name, side, shape in (
        ("register_full_backward_hook", "full backward hook", "input", r"\(1, 3\)"),
        ("register_full_backward_pre_hook", "full backward pre hook", "output", r"\(1, 2\)"),
    ):
        layer = linear()
        getattr(layer, register)(lambda m, *grads: (autograd.ones(7),))
        with pytest.raises(
            RuntimeError, match=rf"{name} returned a gradient of shape \(7,\) for {side} 0 of shape {shape}"
        ):
            layer(autograd.ones(1, 3, requires_grad=True)).sum().backward()


def test_without_an_input_requiring_grad_the_hook_fires_from_the_output_side():
    layer, seen = linear(), []
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, values(go))))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        layer(autograd.ones(1, 3)).sum().backward()
    assert seen == [((None,), [[[1.0, 1.0]]])]
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.ones((2, 3)))


def test_positional_arguments_that_are_not_tensors_and_outputs_unused_get_none():
    class Two(nn.Module):
        def forward(self, a, k, b):
            return a * k + b.sin(), (a * b).sum()

    module, seen = Two(), []
    module.register_full_backward_hook(lambda m, gi, go: seen.append((values(gi), values(go))))
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    b = autograd.tensor([0.5, 1.0], requires_grad=True)
    first, _ = module(a, 3.0, b)
    first.sum().backward()
    (grad_input, grad_output) = seen[0]
    assert grad_input[1] is None and grad_output[1] is None  # as PyTorch: the second output was not used
    np.testing.assert_allclose(grad_input[0], [3.0, 3.0])
    np.testing.assert_allclose(grad_input[2], np.cos([0.5, 1.0]))


def test_a_pre_hook_sees_none_for_an_unused_output_and_may_give_it_a_gradient():
    class Two(nn.Module):
        def forward(self, a, b):
            return a * 3.0 + b.sin(), (a * b).sum()

    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    b = autograd.tensor([0.5, 1.0], requires_grad=True)
    module, seen = Two(), []
    handle = module.register_full_backward_pre_hook(lambda m, go: seen.append(values(go)))
    module(a, b)[1].backward()  # only the second output is used
    assert seen == [[None, 1.0]]
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 1.0])

    # a replacement for the unused slot reaches the inputs (PyTorch 2.13: a.grad = 3 + 5 b)
    a.grad = None
    handle.remove()
    module.register_full_backward_pre_hook(lambda m, go: (go[0], autograd.tensor(5.0)))
    module(a, b)[0].sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [5.5, 8.0])


def test_a_pre_hook_changing_a_used_output_keeps_the_unused_one_at_zero():
    class Two(nn.Module):
        def forward(self, a):
            return a * 2.0, (a * 3.0).to(autograd.float64)

    a = autograd.tensor([1.0, 4.0], requires_grad=True)
    module, seen = Two(), []
    module.register_full_backward_pre_hook(lambda m, go: (go[0] * 10.0, None))
    module.register_full_backward_hook(lambda m, gi, go: seen.append(values(go)))
    module(a)[0].sum().backward()
    assert seen == [[[10.0, 10.0], None]]
    np.testing.assert_allclose(a.grad.numpy(), [20.0, 20.0])


def test_the_unused_output_is_found_again_on_each_backward_pass():
    class Two(nn.Module):
        def forward(self, a):
            return a * 2.0, a * 3.0

    a = autograd.tensor([1.0], requires_grad=True)
    module, seen = Two(), []
    module.register_full_backward_hook(lambda m, gi, go: seen.append(values(go)))
    first, second = module(a)
    first.sum().backward(retain_graph=True)
    second.sum().backward(retain_graph=True)
    (first + second).sum().backward()
    assert seen == [[[1.0], None], [None, [1.0]], [[1.0], [1.0]]]


def test_removed_hooks_stop_and_no_grad_calls_skip_them():
    layer, seen = linear(), []
    handle = layer.register_full_backward_hook(lambda m, gi, go: seen.append(1))
    pre = layer.register_full_backward_pre_hook(lambda m, go: seen.append(2))
    x = autograd.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    layer(x).sum().backward()
    with autograd.no_grad():
        assert tuple(layer(x).shape) == (1, 2)
    handle.remove()
    pre.remove()
    layer(x).sum().backward()
    assert seen == [2, 1]


def test_several_inputs_of_two_dtypes_a_bare_tensor_returned_and_outputs_without_grad():
    class Mix(nn.Module):
        def forward(self, a, b):
            return a * b.to(autograd.float32)

    module, dtypes = Mix(), []
    module.register_full_backward_hook(lambda m, gi, go: dtypes.extend(g.dtype for g in gi))
    module.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2.0, gi[1] * 3.0))
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    b = autograd.tensor([3.0, 4.0], dtype=autograd.float64, requires_grad=True)
    module(a, b).sum().backward()
    assert a.grad.dtype == autograd.float32 and b.grad.dtype == autograd.float64
    assert dtypes == [autograd.float32, autograd.float64]  # each input's gradient in its own dtype
    np.testing.assert_allclose(a.grad.numpy(), [6.0, 8.0])  # 2 · b
    np.testing.assert_allclose(b.grad.numpy(), [3.0, 6.0])  # 3 · a
    bare = linear()
    bare.register_full_backward_hook(lambda m, gi, go: gi[0] * 0.0)  # one tensor, not a tuple
    x = autograd.tensor(np.ones((2, 3)), dtype=autograd.float32, requires_grad=True)
    bare(x).sum().backward()
    assert not x.grad.numpy().any()

    class Index(nn.Module):
        def forward(self, x):
            return x.argmax()

    counted = Index()
    counted.register_full_backward_hook(lambda m, gi, go: None)
    assert counted(autograd.tensor([1.0, 3.0, 2.0], requires_grad=True)).item() == 1


def test_second_derivatives_pass_through_a_hooked_module():
    layer = nn.Linear(3, 2).double()
    layer.register_full_backward_hook(lambda m, gi, go: None)
    x = autograd.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    assert autograd.gradgradcheck(lambda x: layer(x).tanh(), [x])


def test_keyword_arguments_reach_forward_but_not_grad_input():
    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    module, seen = Scaled(), []
    module.register_full_backward_hook(lambda m, gi, go: seen.append(values(gi)))
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    out = module(x, scale=3.0)
    np.testing.assert_allclose(out.detach().numpy(), [3.0, 6.0])
    out.sum().backward()
    assert seen == [[[3.0, 3.0]]]  # one entry: the positional x
    with autograd.no_grad():
        np.testing.assert_allclose(module(x, scale=2.0).numpy(), [2.0, 4.0])
