"""``tt.func``: PyTorch's ``torch.func`` — function transforms and ``functional_call``.

The transforms (``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``,
``jacfwd``, ``hessian``) are :mod:`tt_autograd.transforms`; ``functional_call``
is :mod:`tt_nn.stateless`; ``vmap`` (vectorising a per-sample function over a batch,
with batching rules, not a loop) is :mod:`tt_autograd.vmap_transform`.

Example (one MAML-style step: the outer gradient goes through the inner update):
    >>> import tinytorch as torch
    >>> layer = torch.nn.Linear(1, 1)
    >>> x, y = torch.tensor([[1.0]]), torch.tensor([[2.0]])
    >>> params = dict(layer.named_parameters())
    >>> inner = torch.nn.functional.mse_loss(torch.func.functional_call(layer, params, x), y)
    >>> grads = torch.autograd.grad(inner, list(params.values()), create_graph=True)
    >>> adapted = {name: p - 0.1 * g for (name, p), g in zip(params.items(), grads)}
    >>> outer = torch.nn.functional.mse_loss(torch.func.functional_call(layer, adapted, x), y)
    >>> outer.backward()
    >>> layer.weight.grad is not None
    True
"""

from __future__ import annotations

from tt_autograd.transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from tt_autograd.vmap_transform import vmap
from tt_nn.stateless import functional_call

from ._unsupported import unsupported as _not_in_tinytorch

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "vjp",
    "vmap",
]


def __getattr__(name: str) -> object:
    """``torch.func.<name>`` that TinyTorch lacks: an error naming it."""
    raise _not_in_tinytorch("torch.func", name, __all__)
