"""Broadcasting arithmetic: forward with tt-tensor's kernels, backward reduced by ``unbroadcast``.

Each gradient is computed only for the inputs that need it
(``ctx.needs_input_grad``), so ``x @ W`` with a data ``x`` costs one GEMM in
backward, not two.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import pointwise

from ..forward_ad import result_of, symmetric_jvp
from ..function import Function, unbroadcast
from ..higher_order import backward_slopes, sum_to


def _shape(value: object) -> tuple[int, ...]:
    """The shape of an operand: an array's, or () for a Python scalar."""
    return value.shape if isinstance(value, np.ndarray) else ()


def _spread(shapes: tuple, *terms: np.ndarray | None) -> np.ndarray:
    """A forward-mode rule's tangent (``tt_autograd.forward_ad``): the sum of the inputs' terms (None for
    an input without tangent), broadcast to the output's shape."""
    total = sum(term for term in terms if term is not None)
    return np.broadcast_to(total, np.broadcast_shapes(*shapes))


def _spread_graph(ctx: Function, *terms: object) -> object:
    """A ``graph_jvp``'s tangent (recorded, ``tt_autograd.forward_ad``): the sum of the inputs' terms
    (tensors; None for an input without tangent), expanded to the output's shape."""
    return sum(term for term in terms if term is not None).expand(*result_of(ctx).shape)


class AddFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a + b (module 01's pointwise.binary), remembering both shapes for backward.
        ctx.shapes = (_shape(a), _shape(b))
        return pointwise.binary("add", np.add, a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad to each input that needs it, reduced to its shape (§ How it is built, "One unbroadcast").
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad, ctx.shapes[0]) if need_a else None,
            unbroadcast(grad, ctx.shapes[1]) if need_b else None,
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (
            sum_to(grad, ctx.shapes[0]) if need_a else None,
            sum_to(grad, ctx.shapes[1]) if need_b else None,
        )

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        return _spread(ctx.shapes, tangent_a, tangent_b)

    @staticmethod
    def graph_jvp(ctx, tangent_a, tangent_b):
        return _spread_graph(ctx, tangent_a, tangent_b)


class SubFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a - b, remembering both shapes for backward.
        ctx.shapes = (_shape(a), _shape(b))
        return pointwise.binary("sub", np.subtract, a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad to a, -grad to b, each reduced to its input's shape (unbroadcast), only where needed.
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad, ctx.shapes[0]) if need_a else None,
            unbroadcast(-grad, ctx.shapes[1]) if need_b else None,
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (
            sum_to(grad, ctx.shapes[0]) if need_a else None,
            sum_to(-grad, ctx.shapes[1]) if need_b else None,
        )

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        return _spread(ctx.shapes, tangent_a, None if tangent_b is None else -tangent_b)

    @staticmethod
    def graph_jvp(ctx, tangent_a, tangent_b):
        return _spread_graph(ctx, tangent_a, None if tangent_b is None else -tangent_b)


class MulFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a * b, saving both for backward.
        ctx.save_for_backward(a, b)
        return pointwise.binary("mul", np.multiply, a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad * b to a and grad * a to b, each unbroadcast to its input's shape, only where needed.
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * b, _shape(a)) if need_a else None,
            unbroadcast(grad * a, _shape(b)) if need_b else None,
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_t, b_t = ctx.input_tensor(0, a), ctx.input_tensor(1, b)
        return (
            sum_to(grad * b_t, _shape(a)) if need_a else None,
            sum_to(grad * a_t, _shape(b)) if need_b else None,
        )

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        return _spread(
            (_shape(a), _shape(b)),
            None if tangent_a is None else tangent_a * b,
            None if tangent_b is None else a * tangent_b,
        )

    @staticmethod
    def graph_jvp(ctx, tangent_a, tangent_b):  # ta · b + a · tb, recorded
        a, b = ctx.saved_tensors
        return _spread_graph(
            ctx,
            None if tangent_a is None else tangent_a * ctx.input_tensor(1, b),
            None if tangent_b is None else ctx.input_tensor(0, a) * tangent_b,
        )


class DivFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a / b with module 01's division rules (a may be the
        #   Python scalar of 3 / t); save b and the output.
        out = pointwise.true_divide(a, b) if isinstance(a, np.ndarray) else pointwise.rtrue_divide(b, a)
        ctx.save_for_backward(b, out)
        ctx.shapes = (_shape(a), _shape(b))
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: d/da = grad / b and d/db = -grad * out / b, each unbroadcast, only where needed.
        b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b
        return (
            unbroadcast(grad_a, ctx.shapes[0]) if need_a else None,
            unbroadcast(-grad_a * out, ctx.shapes[1]) if need_b else None,
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / ctx.input_tensor(1, b)
        return (
            sum_to(grad_a, ctx.shapes[0]) if need_a else None,
            sum_to(-grad_a * ctx.output_tensor(out), ctx.shapes[1]) if need_b else None,
        )

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        b, out = ctx.saved_tensors
        return _spread(
            ctx.shapes,
            None if tangent_a is None else tangent_a / b,
            None if tangent_b is None else -tangent_b * out / b,
        )

    @staticmethod
    def graph_jvp(ctx, tangent_a, tangent_b):  # (ta - tb · out) / b, recorded
        b, out = ctx.saved_tensors
        b_t = ctx.input_tensor(1, b)
        return _spread_graph(
            ctx,
            None if tangent_a is None else tangent_a / b_t,
            None if tangent_b is None else -tangent_b * ctx.output_tensor(out) / b_t,
        )


class NegFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a):
        # BEGIN SOLUTION 02
        # TODO: -a.
        return np.negative(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: -grad.
        return (-grad,)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (-grad,)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class PowFunction(Function):
    """``a ** b`` where either side may be a tensor or a scalar."""

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a ** b (either may be the scalar); save a, b and the output.
        out = pointwise.power(a, b) if isinstance(a, np.ndarray) else pointwise.binary("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: d/da = grad * b * a**(b - 1), d/db = grad * out * log(a), each unbroadcast, only where needed.
        # HINT: PyTorch's rules: d/da is 0 where b == 0 (even at a == 0); for d/db take log(a) as 0 at a == 0.
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            # b * a**(b-1) is 0 where b == 0, even at a == 0 (where it would be 0 * inf), as in PyTorch
            with np.errstate(divide="ignore", invalid="ignore"):
                local = b * np.power(a, b - 1)
            if np.any(np.equal(b, 0)):
                local = np.where(np.equal(b, 0), 0, local)
            grad_a = unbroadcast(grad * local, _shape(a))
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), np.where(a == 0, 0.0, np.nan))
            grad_b = unbroadcast(grad * out * log_a, _shape(b))
        return grad_a, grad_b
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        a, b, _ = ctx.saved_tensors
        slope_a, slope_b = _pow_slopes(ctx, *ctx.needs_input_grad)
        return (
            None if slope_a is None else sum_to(grad * slope_a, _shape(a)),
            None if slope_b is None else sum_to(grad * slope_b, _shape(b)),
        )

    @staticmethod
    def graph_jvp(ctx, tangent_a, tangent_b):  # ta · ∂out/∂a + tb · ∂out/∂b, the slopes recorded
        slope_a, slope_b = _pow_slopes(ctx, tangent_a is not None, tangent_b is not None)
        return _spread_graph(
            ctx,
            None if slope_a is None else tangent_a * slope_a,
            None if slope_b is None else tangent_b * slope_b,
        )

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):  # backward's conventions: 0 where b == 0, log(a) read as 0 at a == 0
        a, b, out = ctx.saved_tensors
        term_a = term_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if tangent_a is not None:
                term_a = tangent_a * np.where(np.equal(b, 0), 0.0, b * np.power(a, b - 1))
            if tangent_b is not None:
                positive = np.greater(a, 0)
                log_a = np.where(
                    positive, np.log(np.where(positive, a, 1.0)), np.where(np.equal(a, 0), 0.0, np.nan)
                )
                term_b = tangent_b * out * log_a
        return _spread((_shape(a), _shape(b)), term_a, term_b)


def _pow_slopes(ctx: PowFunction, need_a: bool, need_b: bool) -> tuple:
    """``a ** b``'s partial derivatives as recorded tensors (None where not needed), with backward's
    conventions: ``b · a**(b - 1)`` is 0 where ``b == 0`` (exponent 1 there keeps the next derivative
    finite); ``a**b · log(a)`` reads ``log(a)`` as 0 at ``a == 0`` and NaN below."""
    a, b, out = ctx.saved_tensors
    a_t, b_t = ctx.input_tensor(0, a), ctx.input_tensor(1, b)
    slope_a = slope_b = None
    with np.errstate(divide="ignore", invalid="ignore"):
        if need_a:
            zero = np.equal(b, 0)
            slope_a = _masked(b_t * a_t ** _masked(b_t - 1, zero, 1.0), zero, 0.0)
        if need_b:
            positive = np.greater(a, 0)
            edge = np.where(np.equal(a, 0), 0.0, np.nan)
            slope_b = ctx.output_tensor(out) * _masked(_log(_masked(a_t, ~positive, 1.0)), ~positive, edge)
    return slope_a, slope_b


class MaximumFunction(Function):
    """Element-wise max; where both are equal the gradient is split evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: elementwise maximum or minimum (ctx.op, ctx.ufunc); save both inputs.
        ctx.save_for_backward(a, b)
        return pointwise.binary(ctx.op, ctx.ufunc, a, b)
        # END SOLUTION

    op, ufunc = "maximum", np.maximum

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: the gradient goes to the winner; on a tie it is split half and half, as in PyTorch.
        a, b = ctx.saved_tensors
        wins = (a > b) if ctx.op == "maximum" else (a < b)
        share = np.where(wins, 1.0, np.where(a == b, 0.5, 0.0)).astype(grad.dtype)
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * share, _shape(a)) if need_a else None,
            unbroadcast(grad * (1 - share), _shape(b)) if need_b else None,
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # the shares are constants: a max is piecewise linear
        a, b = ctx.saved_tensors
        wins = (a > b) if ctx.op == "maximum" else (a < b)
        share = np.where(wins, 1.0, np.where(a == b, 0.5, 0.0)).astype(grad.array.dtype)
        need_a, need_b = ctx.needs_input_grad
        return (
            sum_to(grad * share, _shape(a)) if need_a else None,
            sum_to(grad * (1 - share), _shape(b)) if need_b else None,
        )

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):  # the winner's tangent; on a tie the mean of both (backward's shares)
        a, b = ctx.saved_tensors
        wins = (a > b) if ctx.op == "maximum" else (a < b)
        share = np.where(wins, 1.0, np.where(a == b, 0.5, 0.0))
        return _spread(
            (_shape(a), _shape(b)),
            None if tangent_a is None else tangent_a * share,
            None if tangent_b is None else tangent_b * (1 - share),
        )


class MinimumFunction(MaximumFunction):
    op, ufunc = "minimum", np.minimum


class WhereFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, condition, x, y):
        # BEGIN SOLUTION 02
        # TODO: where(condition, x, y); save the condition and the shapes of x and y.
        ctx.save_for_backward(condition)
        ctx.shapes = (_shape(x), _shape(y))
        return pointwise.where(condition, x, y)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad where condition to x, grad elsewhere to y (0 in the other
        #   places), each unbroadcast; the condition gets None.
        (condition,) = ctx.saved_tensors
        _, need_x, need_y = ctx.needs_input_grad
        zero = grad.dtype.type(0)
        return (
            None,
            unbroadcast(np.where(condition, grad, zero), ctx.shapes[0]) if need_x else None,
            unbroadcast(np.where(condition, zero, grad), ctx.shapes[1]) if need_y else None,
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        _, need_x, need_y = ctx.needs_input_grad
        return (
            None,
            sum_to(grad.where(condition, 0.0), ctx.shapes[0]) if need_x else None,
            sum_to(grad.where(negated(condition), 0.0), ctx.shapes[1]) if need_y else None,
        )

    @staticmethod
    def jvp(ctx, tangent_condition, tangent_x, tangent_y):  # (the bool condition has no tangent)
        (condition,) = ctx.saved_tensors
        picked = np.where(
            condition, 0.0 if tangent_x is None else tangent_x, 0.0 if tangent_y is None else tangent_y
        )
        return np.broadcast_to(picked, result_of(ctx).shape)

    @staticmethod
    def graph_jvp(ctx, tangent_condition, tangent_x, tangent_y):  # jvp's selection, recorded
        (condition,) = ctx.saved_tensors
        return _spread_graph(
            ctx,
            None if tangent_x is None else tangent_x.where(condition, 0.0),
            None if tangent_y is None else tangent_y.where(negated(condition), 0.0),
        )


class ClampFunction(Function):
    """Clamp to scalar bounds; the gradient passes where ``min <= a <= max``, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, min=None, max=None):  # noqa: A002
        # BEGIN SOLUTION 02
        # TODO: clamp(a, min, max); save a and the bounds.
        ctx.save_for_backward(a)
        ctx.bounds = (min, max)
        return pointwise.clamp(a, min, max)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad where min <= a <= max, 0 outside (the bound itself counts as inside, as in PyTorch).
        (a,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        return (np.where(inside, grad, grad.dtype.type(0)),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # grad times backward's 0/1 mask, a constant: clamp is piecewise linear
        return (grad * backward_slopes(ctx, grad),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class ClampBoundsFunction(Function):
    """Clamp to tensor bounds ``low``/``high`` (either may be None), with PyTorch's gradient rule.

    The value is ``minimum(maximum(a, low), high)`` (NaN anywhere gives NaN; where ``low > high``
    the result is ``high``). Each element's gradient goes to the one input its value came from:
    ``a`` where ``low <= a <= high``; ``low`` where ``a < low < high`` (strictly below ``high``);
    ``high`` where ``a > high`` or ``high < low``. So at a tie the input ``a`` gets it (``maximum``
    would split it in halves), and where ``low == high`` with ``a`` outside nobody does, as in
    PyTorch 2.13. Cost: one pass forward; backward one masked copy per input.
    """

    @staticmethod
    def forward(ctx, a, low, high):
        out = a if low is None else pointwise.binary("clamp", np.maximum, a, low)  # PyTorch's result dtype
        out = out if high is None else pointwise.binary("clamp", np.minimum, out, high)
        with np.errstate(invalid="ignore"):  # NaN compares False: no gradient goes there
            if low is None:
                masks = (a <= high, None, a > high)
            elif high is None:
                masks = (a >= low, a < low, None)
            else:
                masks = ((a >= low) & (a <= high), (a < low) & (low < high), (a > high) | (high < low))
        ctx.masks = masks
        ctx.shapes = (np.shape(a), np.shape(low), np.shape(high))
        return out

    @staticmethod
    def backward(ctx, grad):
        zero = grad.dtype.type(0)
        return tuple(
            unbroadcast(np.where(mask, grad, zero), shape) if need else None
            for mask, shape, need in zip(ctx.masks, ctx.shapes, ctx.needs_input_grad)
        )

    @staticmethod
    def graph_backward(ctx, grad):  # the masks are constants: clamp is piecewise linear
        return tuple(
            sum_to(grad.where(mask, 0.0), shape) if need else None
            for mask, shape, need in zip(ctx.masks, ctx.shapes, ctx.needs_input_grad)
        )

    @staticmethod
    def jvp(ctx, *tangents):  # each element takes the tangent of the input backward's masks give it to
        return _spread(
            ctx.shapes,
            *(None if t is None else np.where(mask, t, 0.0) for mask, t in zip(ctx.masks, tangents)),
        )

    @staticmethod
    def graph_jvp(ctx, *tangents):
        return _spread_graph(
            ctx, *(None if t is None else t.where(mask, 0.0) for mask, t in zip(ctx.masks, tangents))
        )


def _masked(value: object, mask: object, fill: object) -> object:
    """``fill`` where ``mask``, ``value`` elsewhere; ``value`` is a tensor or a constant."""
    if not np.any(mask):
        return value
    if hasattr(value, "grad_fn"):
        return value.where(negated(mask), fill)
    return np.where(mask, fill, value)


def negated(mask: object) -> np.ndarray:
    """``~mask`` as an array, also when 0-d (NumPy gives a scalar then, which ``where`` would take for a
    Python bool)."""
    return np.asarray(np.logical_not(mask))


def _log(value: object) -> object:
    return value.log() if hasattr(value, "grad_fn") else np.log(value)
