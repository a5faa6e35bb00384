"""``backward(inputs=...)`` and ``autograd.grad``'s materialize_grads / is_grads_batched / only_inputs.

Expected values are worked out by hand from the product rule (and were checked against PyTorch 2.13
in a scratch run); each test names the PyTorch behaviour it pins.
"""

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import backward, grad


def _leaves():
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    b = autograd.tensor([3.0, 4.0], requires_grad=True)
    return a, b


def test_only_the_inputs_get_a_grad():
    a, b = _leaves()
    unused = autograd.tensor([5.0], requires_grad=True)
    z = (a * b * 2.0).sum()
    z.backward(inputs=[a, unused])
    assert a.grad.tolist() == [6.0, 8.0]  # d/da of 2ab = 2b
    assert b.grad is None and unused.grad is None  # not asked for; not reached


def test_a_single_tensor_and_accumulation():
    a, b = _leaves()
    z = (a * b).sum()
    z.backward(inputs=a, retain_graph=True)
    z.backward(inputs=a)
    assert a.grad.tolist() == [6.0, 8.0]  # b, added twice
    assert b.grad is None


def test_an_intermediate_input_gets_its_grad_and_the_leaves_below_do_not():
    a, b = _leaves()
    y = a * b
    (y * 3.0).sum().backward(inputs=[y])
    assert y.grad.tolist() == [3.0, 3.0]
    assert a.grad is None and b.grad is None


def test_the_graph_is_freed_unless_retained():
    a, b = _leaves()
    z = (a * b).sum()
    z.backward(inputs=[b])
    with pytest.raises(RuntimeError, match="retain_graph"):
        z.backward(inputs=[b])


def test_a_gradient_seed_and_a_leaf_output():
    a, b = _leaves()
    (a * b).backward(autograd.tensor([1.0, -1.0]), inputs=[b])
    assert b.grad.tolist() == [1.0, -2.0]  # seed * a
    a.backward(autograd.tensor([2.0, 3.0]), inputs=[a])
    assert a.grad.tolist() == [2.0, 3.0]


def test_hooks_run_tensor_hook_first_then_post_accumulate():
    a, b = _leaves()
    a.register_hook(lambda g: g * 10.0)
    seen = []
    a.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [30.0, 40.0]
    assert seen == [[30.0, 40.0]]


def test_create_graph_gives_a_differentiable_grad():
    a = autograd.tensor([2.0, 3.0], requires_grad=True)
    (a**3).sum().backward(inputs=[a], create_graph=True)
    assert a.grad.tolist() == [12.0, 27.0]  # 3 a^2
    assert a.grad.requires_grad
    (second,) = grad(a.grad.sum(), a)
    assert second.tolist() == [12.0, 18.0]  # 6 a


def test_bad_inputs_are_named():
    a, b = _leaves()
    z = (a * b).sum()
    with pytest.raises(RuntimeError, match="inputs= cannot be empty"):
        z.backward(inputs=[])
    with pytest.raises(RuntimeError, match=r"inputs\[1\] \(shape \(1,\)\) does not require grad"):
        z.backward(inputs=[a, autograd.tensor([1.0])])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a tensor, got float"):
        z.backward(inputs=[1.0])
    assert a.grad is None  # nothing was written before the refusal


def test_autograd_backward_with_inputs_and_grad_variables():
    a, b = _leaves()
    backward([(a * b).sum(), (a * a).sum()], inputs=[b])
    assert a.grad is None and b.grad.tolist() == [1.0, 2.0]
    backward([a * b], grad_variables=[autograd.tensor([1.0, 0.0])], inputs=[a])
    assert a.grad.tolist() == [3.0, 0.0]
    with pytest.raises(RuntimeError, match="grad_tensors or its old name grad_variables, not both"):
        backward([a * b], [autograd.ones(2)], grad_variables=[autograd.ones(2)])


def test_materialize_grads_gives_zeros_of_the_input():
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    unused = autograd.tensor([[1.0, 2.0, 3.0]], dtype=autograd.float64, requires_grad=True)
    da, du = grad((a * 2.0).sum(), [a, unused], materialize_grads=True)
    assert da.tolist() == [2.0, 2.0]
    assert du.shape == (1, 3) and du.dtype == autograd.float64 and not du.numpy().any()
    (alone,) = grad((a * 2.0).sum(), unused, materialize_grads=True)  # one tensor, not a list
    assert alone.shape == (1, 3) and not alone.numpy().any()
    with pytest.raises(ValueError, match="allow_unused must be True or left out"):
        grad((a * 2.0).sum(), [a, unused], allow_unused=False, materialize_grads=True)


def test_is_grads_batched_gives_each_rows_vector_jacobian_product():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x  # Jacobian diag(2x)
    rows = autograd.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    (jac,) = grad(y, x, rows, retain_graph=True, is_grads_batched=True)
    np.testing.assert_array_equal(jac.numpy(), [[2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [2.0, 4.0, 6.0]])
    w = autograd.tensor([2.0, 3.0], requires_grad=True)
    dx, dw = grad(
        [y.sum(), (w * 5.0).sum()],
        [x, w],
        [autograd.ones(4), autograd.ones(4)],
        retain_graph=True,
        is_grads_batched=True,
    )
    assert dx.shape == (4, 3) and dw.shape == (4, 2)
    np.testing.assert_array_equal(dx.numpy(), np.tile([2.0, 4.0, 6.0], (4, 1)))
    np.testing.assert_array_equal(dw.numpy(), np.full((4, 2), 5.0))
    unused = autograd.tensor([1.0], requires_grad=True)
    assert grad(y, [unused, x], rows, retain_graph=True, is_grads_batched=True, allow_unused=True)[0] is None
    (_, zeros) = grad(y, [x, unused], rows, is_grads_batched=True, materialize_grads=True)
    assert zeros.shape == (3, 1) and not zeros.numpy().any()
    with pytest.raises(RuntimeError, match="retain_graph"):  # freed by that pass, as retain_graph says
        grad(y, x, rows, is_grads_batched=True)
    with pytest.raises(ValueError, match="needs grad_outputs"):
        grad(y.sum(), x, is_grads_batched=True)


def test_only_inputs_false_warns_and_is_ignored():
    a, b = _leaves()
    with pytest.warns(UserWarning, match="only_inputs is deprecated") as caught:
        (da,) = grad((a * b).sum(), a, only_inputs=False)
    assert caught[0].filename == __file__
    assert da.tolist() == [3.0, 4.0] and b.grad is None


def test_grad_keeps_pytorchs_positional_order():
    a, b = _leaves()
    unused = autograd.tensor([1.0], requires_grad=True)
    # (outputs, inputs, grad_outputs, retain_graph, create_graph, only_inputs, allow_unused)
    found = grad((a * b).sum(), [a, unused], None, None, False, True, True)
    assert found[1] is None


def test_autograd_backward_keeps_the_graph_between_its_tensors_and_frees_it_after():
    a, b = _leaves()
    y = a * b
    backward([y.sum(), (y * 2.0).sum()])  # the second needs the graph the first walked
    assert a.grad.tolist() == [9.0, 12.0]  # 3b
    with pytest.raises(RuntimeError, match="retain_graph"):
        backward(y.sum())
    z = a * b
    backward(z.sum(), retain_graph=True)
    backward(z.sum())  # kept by the first call
    assert a.grad.tolist() == [15.0, 20.0]


def test_create_graph_keeps_the_graph_by_default_and_bad_seeds_are_named():
    a, b = _leaves()
    y = (a * b).sum()
    backward(y, create_graph=True)
    backward(y)  # retain_graph defaulted to create_graph
    assert a.grad.tolist() == [6.0, 8.0]
    with pytest.raises(
        RuntimeError, match=r"backward: an output \(shape \(2,\)\) does not require grad and has no"
    ):
        autograd.tensor([1.0, 2.0]).backward(autograd.ones(2))
    with pytest.raises(RuntimeError, match=r"autograd.grad: an output \(shape \(\)\) does not require grad"):
        grad(autograd.tensor(1.0), a)
    with pytest.raises(
        RuntimeError, match=r"backward: gradient of shape \(3,\) for an output of shape \(2,\)"
    ):
        (a * b).backward(autograd.ones(3))
