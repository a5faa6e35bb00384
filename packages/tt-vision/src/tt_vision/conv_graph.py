"""``conv2d``'s recorded backward, for higher-order gradients (``create_graph=True``).

The fast kernels of :mod:`tt_vision._conv` compute the gradients on NumPy
arrays. For a gradient that must be differentiated again (a gradient penalty
on a convolutional critic, a Hessian-vector product of a CNN's loss), the
convolution is rebuilt from recorded operations, each with its own recorded
backward::

    columns = unfold(x)                          (N, C·kh·kw, L)   UnfoldFunction
    out     = W (G, C_out/G, C/G·kh·kw) @ columns (N, G, …, L)     MatMulFunction
              reshaped to (N, C_out, H_out, W_out)

and its gradient with respect to the input and the weight is taken from that
graph with ``autograd.grad(..., create_graph=True)``; the bias gets the
recorded sum of ``grad``. ``unfold`` and ``fold`` are each other's backward,
so the pair stays closed under differentiation (:mod:`tt_vision.folding`).

Cost: one im2col and one GEMM to rebuild the output, then the recorded
backward of both (a col2im and two GEMMs): about a forward and a backward of
the plain kernels, without their Winograd and thin-layer shortcuts.
"""

from __future__ import annotations

from tt_autograd.gradients import grad as autograd_grad

from ._layout import from_nhwc
from .folding import UnfoldFunction, block_counts


def conv2d_from_columns(x, weight, geometry):
    """``conv2d(x, weight)`` (no bias) from recorded ops: ``unfold``, a grouped matmul, reshapes."""
    kernel, stride, pads, dilation, groups = geometry
    n, c = x.shape[:2]
    c_out = weight.shape[0]
    columns = UnfoldFunction.apply(x, geometry=(kernel, stride, pads, dilation, 1))  # (N, C·kh·kw, L)
    per_group = columns.reshape(n, groups, columns.shape[1] // groups, columns.shape[2])
    out = weight.reshape(groups, c_out // groups, -1) @ per_group  # (N, G, C_out/G, L)
    return out.reshape(n, c_out, *block_counts(tuple(x.shape[2:]), geometry))


def conv2d_graph_backward(ctx, grad):
    """``Conv2dFunction.graph_backward``: the gradients of x, weight and bias, recorded."""
    xh, weight = ctx.saved_tensors
    need_x, need_w, need_b = ctx.needs_input_grad
    x, w = ctx.input_tensor(0, from_nhwc(xh)), ctx.input_tensor(1, weight)
    wanted = [t for t, need in ((x, need_x), (w, need_w)) if need]
    found = iter(())
    if wanted:
        out = conv2d_from_columns(x, w, ctx.geometry)
        found = iter(autograd_grad(out, wanted, grad_outputs=grad, create_graph=True, allow_unused=True))
    return (
        next(found) if need_x else None,
        next(found) if need_w else None,
        grad.sum(dim=(0, 2, 3)) if need_b else None,
    )
