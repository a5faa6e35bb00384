"""PyTorch-style custom Functions on tensors (custom_function.py): ctx, outputs, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.custom_function import Function, FunctionCtx, Variable, once_differentiable
from tt_autograd.gradcheck import gradcheck, gradgradcheck
from tt_autograd.gradients import grad


def leaf(values=(0.5, -1.0, 2.0)):
    return autograd.tensor(list(values), dtype=autograd.float64, requires_grad=True)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Scale(Function):  # a keyword argument with a default; a non-tensor input
    @staticmethod
    def forward(ctx, x, k=2.0):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class Square(Function):  # forward without ctx, and setup_context
    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def test_one_output_is_recorded_with_the_ctx_as_its_node():
    x = leaf()
    y = Exp.apply(x)
    assert isinstance(y.grad_fn, FunctionCtx) and y.grad_fn.name() == "ExpBackward"
    assert y.grad_fn.needs_input_grad == (True,)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()), rtol=1e-15)


@pytest.mark.parametrize("function", [Exp, Square])
def test_backward_in_tensor_operations_has_second_derivatives(function):
    assert gradcheck(function.apply, [leaf()])
    assert gradgradcheck(function.apply, [leaf()])


def test_forward_runs_without_recording_and_saved_outputs_are_the_outputs():
    seen = []

    class Peek(Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 3
            seen.append(y.grad_fn)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            seen.append(y.grad_fn)
            return g * 3

    y = Peek.apply(leaf())
    y.sum().backward()
    assert seen[0] is None and seen[1] is y.grad_fn


def test_arguments_bind_by_name_with_defaults():
    x = leaf()
    Scale.apply(x, k=5.0).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]
    x.grad = None
    Scale.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_nothing_is_recorded_without_grad():
    x = leaf()
    with autograd.no_grad():
        y = Exp.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    assert Exp.apply(autograd.tensor([1.0])).grad_fn is None


class Two(Function):
    @staticmethod
    def forward(ctx, x, materialize):
        ctx.set_materialize_grads(materialize)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        ctx.received = (g1, g2)
        total = (0 if g1 is None else g1 * 2) + (0 if g2 is None else g2 * 3)
        return total, None


@pytest.mark.parametrize("materialize", [True, False])
def test_several_outputs_and_an_unused_one(materialize):
    x = leaf()
    a, b = Two.apply(x, materialize)
    assert a.grad_fn.name() == b.grad_fn.name() == "TwoBackward"
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    g1, g2 = a.grad_fn.received  # the node's attributes read through an output's grad_fn
    assert g1.tolist() == [1.0, 1.0, 1.0]
    assert (g2 is None) if not materialize else g2.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    a, b = Two.apply(x, materialize)
    (a.sum() + (b * b).sum()).backward()  # both, and b twice through one node
    np.testing.assert_allclose(x.grad.numpy(), 2 + 18 * x.detach().numpy(), rtol=1e-15)


def test_several_outputs_have_second_derivatives():
    assert gradgradcheck(lambda x: (lambda a, b: a * b)(*Two.apply(x, True)), [leaf()])


class ArgMax(Function):
    @staticmethod
    def forward(ctx, x):
        index = x.argmax()
        ctx.mark_non_differentiable(index)
        ctx.save_for_backward(x, index)
        return x.max(), index

    @staticmethod
    def backward(ctx, g_value, g_index):
        ctx.index_grad = g_index
        x, index = ctx.saved_tensors
        out = autograd.zeros(x.shape, dtype=x.dtype)
        out[index] = g_value
        return out


def test_non_differentiable_outputs_get_no_gradient_and_zeros_in_backward():
    x = leaf()
    value, index = ArgMax.apply(x)
    assert not index.requires_grad and value.requires_grad and index.grad_fn is None
    value.backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]
    assert value.grad_fn.index_grad.tolist() == 0


class Double(Function):  # writes its input in place
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_mark_dirty_makes_the_input_the_output():
    x = leaf()
    y = x * 1
    z = Double.apply(y)
    assert z is y and y.grad_fn.name() == "DoubleBackward"
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0] and y.tolist() == [1.0, -2.0, 4.0]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        Double.apply(leaf())


def test_an_input_returned_as_it_is_is_a_new_tensor_on_it():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = leaf()
    y = Identity.apply(x)
    assert y is not x and x.grad_fn is None and np.shares_memory(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]


def test_once_differentiable_backward_refuses_a_second_derivative():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert not autograd.is_grad_enabled()
            return 3 * x * x * g

    x = leaf()
    (first,) = grad(Cube.apply(x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(first.detach().numpy(), 3 * x.detach().numpy() ** 2)
    with pytest.raises(NotImplementedError, match="marked with @once_differentiable"):
        first.sum().backward()


def test_a_broadcast_gradient_is_summed_to_the_inputs_shape_and_cast_to_its_dtype():
    class Wide(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return (g * autograd.ones(4, 3, dtype=autograd.float32)).float()

    x = leaf()
    Wide.apply(x).backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0] and x.grad.dtype == autograd.float64


@pytest.mark.parametrize(
    "returned, message",
    [
        (lambda g: (g,), r"returned an incorrect number of gradients \(expected 2, got 1\)"),
        (lambda g: (g, None, g), r"returned an incorrect number of gradients \(expected 2, got 3\)"),
        (lambda g: (g.expand(2, 3)[:, :2], None), r"invalid gradient at index 0 - got \[2, 2\] but expected"),
        (lambda g: (g.numpy(), None), "returned a gradient of type ndarray for input 0"),
    ],
)
def test_wrong_gradients_are_named(returned, message):
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return returned(g)

    with pytest.raises((RuntimeError, TypeError), match=message):
        Wrong.apply(leaf(), 2.0).sum().backward()


def test_extra_none_gradients_are_allowed():
    class Extra(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    x = leaf()
    Extra.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_saved_tensors_are_checked_and_freed():
    x = leaf()
    y = x * 1
    out = Square.apply(y)
    y.add_(1)
    with pytest.raises(RuntimeError, match="saved tensor 0 has been modified by an in-place operation"):
        out.sum().backward()
    out = Exp.apply(x)
    out.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()
    with pytest.raises(TypeError, match="save_for_backward can only save tensors or None, got float"):
        FunctionCtx().save_for_backward(1.5)


def test_legacy_calls_are_refused_and_variable_is_every_tensor():
    with pytest.raises(RuntimeError, match="non-static forward method is deprecated"):
        Exp(leaf())
    t = autograd.tensor([1.0, 2.0])
    v = Variable(t, requires_grad=True)
    assert isinstance(t, Variable) and v is not t and v.requires_grad and not t.requires_grad
    assert np.shares_memory(v.detach().numpy(), t.numpy())
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1, 2])


def test_a_constant_saved_and_written_in_place_is_caught_by_its_version():
    x, scale = leaf(), autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)

    class Times(Function):
        @staticmethod
        def forward(ctx, x, s):
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, g):
            _, s = ctx.saved_tensors
            return g * s, None

    scale.add_(0)  # written before forward: version 1 when saved, and that is no error
    Times.apply(x, scale).sum().backward()
    out = Times.apply(x, scale)
    scale.mul_(2)  # the same array, a new version
    with pytest.raises(RuntimeError, match="TimesBackward: saved tensor 1 has been modified by an in-place"):
        out.sum().backward()


def test_saved_tensors_read_after_backward_freed_them():
    y = Exp.apply(leaf())
    y.sum().backward()
    with pytest.raises(
        RuntimeError, match="directly access saved tensors after they have already been freed"
    ):
        y.grad_fn.saved_tensors  # noqa: B018


def test_a_float_output_marked_non_differentiable_and_a_single_integer_output():
    class WithMask(Function):
        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(mask)
            return x * 2, mask

        @staticmethod
        def backward(ctx, g, g_mask):
            return g * 2

    out, mask = WithMask.apply(leaf())
    assert out.requires_grad and not mask.requires_grad and mask.grad_fn is None

    class Index(Function):
        @staticmethod
        def forward(ctx, x):
            return x.argmax()

        @staticmethod
        def backward(ctx, g):
            return None

    index = Index.apply(leaf())
    assert not index.requires_grad and index.grad_fn is None


def test_none_for_an_input_that_requires_grad_means_no_gradient():
    class First(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, None

    a, b = leaf(), leaf()
    First.apply(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 1.0] and b.grad is None


def test_a_gradient_reaches_an_intermediate_input_in_its_dtype():
    class Half(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 0.5

        @staticmethod
        def backward(ctx, g):
            return g.double() * 0.5  # float64 for a float32 input

    x = leaf()
    y = x.float()
    dtypes = []
    y.register_hook(lambda g: dtypes.append(g.dtype))
    Half.apply(y).sum().backward()
    assert dtypes == [autograd.float32] and x.grad.tolist() == [0.5, 0.5, 0.5]


def test_needs_input_grad_and_one_node_class_per_function():
    seen = []

    class Record(Function):
        @staticmethod
        def forward(ctx, x, constant, number):
            seen.append(ctx.needs_input_grad)
            return x * constant * number

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    x = leaf()
    Record.apply(x, autograd.tensor([2.0], dtype=autograd.float64), 3.0)
    assert seen == [(True, False, False)]
    assert type(Exp.apply(x).grad_fn) is type(Exp.apply(x).grad_fn)


def test_keyword_arguments_with_setup_context_and_defaults_skipped():
    class Affine(Function):
        @staticmethod
        def forward(x, scale=2.0, shift=0.0):
            return x * scale + shift

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.scale = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.scale, None, None

    x = leaf()
    out = Affine.apply(x, shift=1.0)  # scale takes its default, shift is given by name
    assert out.tolist() == [2.0, -1.0, 5.0]
    out.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_a_plain_tt_tensor_input_is_a_constant():
    import tt_tensor

    x = leaf()
    out = Scale.apply(x, 3.0)
    plain = Exp.apply(tt_tensor.tensor([0.0]))  # (a tt-tensor tensor has no requires_grad)
    assert plain.tolist() == [1.0] and out.requires_grad


def test_output_nodes_delegate_to_their_node_and_refuse_what_they_lack():
    a, _ = Two.apply(leaf(), True)
    assert a.grad_fn.user is Two
    assert not hasattr(a.grad_fn, "__wrapped__")
    with pytest.raises(AttributeError, match="no_such"):
        a.grad_fn.no_such  # noqa: B018
    from tt_autograd.custom_function import _OutputFunction

    with pytest.raises(AttributeError, match="user"):  # not linked yet: no recursion into parents
        _OutputFunction().user  # noqa: B018


def test_a_function_without_forward_or_backward_says_so():
    class Nothing(Function):
        pass

    with pytest.raises(NotImplementedError, match="You must implement the forward function"):
        Nothing.apply(leaf())

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp method"):
        NoBackward.apply(leaf()).sum().backward()
