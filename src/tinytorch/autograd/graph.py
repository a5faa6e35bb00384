"""``tinytorch.autograd.graph``: PyTorch's ``torch.autograd.graph`` over tt-autograd.

``Node`` (every ``grad_fn``, and the ``AccumulateGrad`` node of a leaf, for ``isinstance``);
``saved_tensors_hooks(pack_hook, unpack_hook)``, ``save_on_cpu()`` and
``disable_saved_tensors_hooks(message)`` (what a node saves for backward, and how it is
kept); ``register_multi_grad_hook(tensors, fn, mode="all")``; ``increment_version(tensor)``.

Example:
    >>> import tinytorch as torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> y = (x * 2).sum()
    >>> y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()
    ('SumBackward0', 'MulBackward0')
"""

from __future__ import annotations

from tt_autograd.graph import Node, increment_version
from tt_autograd.multi_grad_hook import register_multi_grad_hook
from tt_autograd.saved_hooks import disable_saved_tensors_hooks, save_on_cpu, saved_tensors_hooks

__all__ = [
    "Node",
    "disable_saved_tensors_hooks",
    "increment_version",
    "register_multi_grad_hook",
    "save_on_cpu",
    "saved_tensors_hooks",
]
