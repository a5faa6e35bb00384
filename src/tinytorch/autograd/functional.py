"""``tinytorch.autograd.functional``: Jacobians, Hessians and their products (``torch.autograd.functional``).

Example:
    >>> import tinytorch as torch
    >>> torch.autograd.functional.hessian(lambda x: (x**3).sum(), torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
"""

from __future__ import annotations

from tt_autograd.functional_ad import hessian, hvp, jacobian, jvp, vhp, vjp

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
