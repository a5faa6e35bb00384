"""``cdist`` for tt-autograd tensors: tt-tensor's function, recorded (``functions/distance.py``).

It replaces ``tt_tensor.functional_extra.cdist`` in this package's namespace
(``torch.cdist`` has no method form to override).
"""

from __future__ import annotations

from .functions.distance import CdistFunction


def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distance between each row of ``x1`` ``(*B, P, M)`` and each of ``x2`` ``(*B, R, M)``.

    Shape: ``(*B, P, R)``. Differentiable in both (0 at distance 0, as PyTorch);
    see :func:`tt_tensor.functional_extra.cdist` for ``compute_mode`` and the cost.

    Example:
        >>> import tt_autograd as autograd
        >>> cdist(autograd.tensor([[0.0, 0.0]]), autograd.tensor([[3.0, 4.0]]))
        tensor([[5.]])
    """
    return CdistFunction.apply(x1, x2, p=p, compute_mode=compute_mode)
