"""Writing an out-of-place result into a tensor, as the tensor's own in-place ops do.

For code outside tt-autograd that computes an in-place op out of place — ``nn.functional``'s
``relu_`` and ``inplace=True`` (:mod:`tt_nn.functional.in_place`) — and must then write it back
with exactly the rules of ``Tensor.add_`` & co. There is one write path, the tensor's
(``InPlaceGradMixin._adopt`` in ``_inplace_methods.py``); this module is its public door:

* not recorded (grad mode off, or neither tensor nor result requires grad): the result is
  written into the tensor's memory (its views see it; the version counter is bumped);
* recorded: a leaf that requires grad is refused; otherwise the tensor takes the result's
  array and ``grad_fn`` (``retain_grad()`` follows), and a view, or a tensor with live views,
  rewrites the base's and the views' histories (:mod:`tt_autograd.view_writes`);
* the result's shape and dtype must fit the tensor (PyTorch's cast rule: no float into an
  integer tensor); forward-mode tangents and ``vmap``'s batched tensors follow the same rules.

Cost: one copy pass into the memory when not recorded; nothing beyond a few checks when recorded.
"""

from __future__ import annotations

import tt_tensor


def assign(tensor: tt_tensor.Tensor, op: str, result: tt_tensor.Tensor) -> tt_tensor.Tensor:
    """Write ``result`` (``op``'s out-of-place result) into ``tensor``; return ``tensor``.

    Args:
        tensor: a tt-autograd :class:`~tt_autograd.Tensor`, the one being changed in place.
        op: the name errors use (``"relu_"``, ``"dropout(inplace=True)"``).
        result: the out-of-place result, of ``tensor``'s shape and a dtype it can hold.

    Raises:
        RuntimeError: a leaf that requires grad while grad mode is on, or a result that does not
            fit (each message names ``op``, the shapes and dtypes, and the fix).
    """
    return tensor._adopt(op, result)
