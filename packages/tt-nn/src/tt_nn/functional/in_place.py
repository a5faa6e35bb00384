"""How ``nn.functional`` writes a result into its input: the ``*_`` forms and ``inplace=True``.

Not course material. ``F.relu_(x)``, ``F.relu(x, inplace=True)`` and ``nn.ReLU(inplace=True)(x)``
change ``x`` and return it, as in PyTorch; so do the other activations' and the dropouts'
``inplace=True``. All go through :func:`write_in_place`: the op is computed out of place, then
written back through tt-autograd's one write path (:func:`tt_autograd.in_place.assign`, that of
``Tensor.add_``), so the rules are the tensor's own:

* ``x`` not recorded (it does not require grad, or grad mode is off): the result is written into
  ``x``'s memory, so its views see it, and the memory's version counter is bumped: a graph that
  saved ``x`` for its backward (``w * x`` with ``w`` requiring grad) then refuses to run on the
  changed values, as PyTorch does.
* ``x`` a leaf that requires grad: refused with a ``RuntimeError``, as in PyTorch (do it under
  ``tt.no_grad()``, or use the out-of-place form).
* ``x`` a non-leaf of a graph: the change is recorded: ``x`` takes the result's new array and
  ``grad_fn``, so gradients flow through the activation (what an earlier Function saved keeps its
  values). ``x`` a view (``y[0]``), or a tensor with live views: the base's and the views'
  histories are rewritten as PyTorch's ``CopySlices`` does (:mod:`tt_autograd.view_writes`).

Where TinyTorch differs: PyTorch's in-place kernels save memory (no second activation); here the
result is computed out of place and then written back or adopted, so ``inplace=True`` changes
what the caller sees (the input's values), not the peak memory.

Cost: the out-of-place op's, plus one copy pass when written into memory (not recorded, or a view
family).
"""

from __future__ import annotations

from collections.abc import Callable

from tt_autograd import in_place

from ._checks import tensor_arg


def write_in_place(op: str, input, compute: Callable):  # noqa: A002
    """``compute(input)`` written into ``input`` (module docstring: the three cases); returns ``input``.

    Args:
        op: the name errors use (``"relu_"``, ``"relu(inplace=True)"``).
        input: the tensor to change.
        compute: the out-of-place op, called with ``input``; if it returns ``input`` itself
            (nothing changes), so does this, without a write.
    """
    x = tensor_arg(op, input)
    result = compute(x)  # (recorded only if x requires grad and grad mode is on, as any op)
    if result is x:  # nothing to write (a dropout in eval mode or with p = 0): PyTorch returns the input too
        return x
    return in_place.assign(x, op, result)  # tt-autograd's one write path, that of Tensor.add_
