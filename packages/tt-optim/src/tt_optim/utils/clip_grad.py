"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, as in ``torch.nn.utils``.

PyTorch 2.6 split ``clip_grad_norm_`` in two, ``get_total_norm`` (the norm of
any tensors) then ``clip_grads_with_norm_`` (scale by a given norm), so a
distributed or scaled loop can combine norms in between; both are here, the
first computed by ``clip_grad_norm_`` itself (one implementation of the norm),
as is the deprecated ``clip_grad_norm`` (no underscore), which warns.

``clip_grad_norm_`` treats all the gradients as one long vector: it computes
that vector's norm (the norm of the per-tensor norms) and, if it exceeds
``max_norm``, scales every gradient by ``max_norm / (norm + 1e-6)``, so the
direction of the step is kept and only its length is capped. It returns the
norm *before* clipping, which is worth logging: a growing norm is an early
sign of divergence. Both functions work in place on ``p.grad``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from types import SimpleNamespace

import numpy as np
from tt_autograd import Tensor

from ..optimizer import check_hyperparameters


def _gradients(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad.array for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients in place so their total ``norm_type``-norm is at most ``max_norm``.

    Args:
        parameters: a tensor or an iterable of tensors (e.g. ``model.parameters()``).
        max_norm: the largest total norm allowed.
        norm_type: the p of the p-norm (``float("inf")`` for the largest absolute value).
        error_if_nonfinite: raise if the total norm is NaN or infinite
            (otherwise the gradients become NaN, as in PyTorch).
        foreach: PyTorch's choice of kernel (multi-tensor or per tensor) for the same values;
            accepted and changes nothing (there is one NumPy path).

    Returns:
        The total norm of the gradients before clipping, as a 0-d tensor.

    Example:
        >>> loss.backward()  # doctest: +SKIP
        >>> norm = clip_grad_norm_(model.parameters(), max_norm=1.0)  # doctest: +SKIP
        >>> optimizer.step()  # doctest: +SKIP
    """
    if isinstance(norm_type, str) and norm_type.strip().lower() in ("inf", "+inf", "infinity"):
        norm_type = math.inf  # PyTorch takes the string 'inf' too (it calls float(norm_type))
    check_hyperparameters("clip_grad_norm_", max_norm=max_norm, norm_type=norm_type)
    # BEGIN SOLUTION 06
    # TODO: the total norm of all gradients as one vector; if above max_norm, scale every gradient in place
    #   by max_norm / (total + 1e-6); return the total (§ How it is built, "Gradient clipping").
    # HINT: p = inf is the largest |g|; a NaN/inf total with error_if_nonfinite is an error.
    grads = _gradients(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor.from_array(np.array(0.0, dtype=np.float32))
    if norm_type == math.inf:
        norms = [np.max(np.abs(g)) if g.size else g.dtype.type(0) for g in grads]
        total = np.max(np.stack(norms))
    elif norm_type == 2.0:
        norms = [np.sqrt(np.dot(g.ravel(), g.ravel())) for g in grads]
        total = np.sqrt(np.dot(np.stack(norms), np.stack(norms)))
    else:
        norms = [np.sum(np.abs(g) ** norm_type) ** (1.0 / norm_type) for g in grads]
        total = np.sum(np.stack(norms) ** norm_type) ** (1.0 / norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, so they "
            "cannot be clipped; set error_if_nonfinite=False to scale them anyway (they become NaN)"
        )
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= coefficient
    return Tensor.from_array(np.asarray(total))
    # END SOLUTION


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``, in place (``foreach``: as
    :func:`clip_grad_norm_`'s, accepted and changes nothing)."""
    # BEGIN SOLUTION 06
    # TODO: clamp every gradient element to [-clip_value, clip_value] in place (np.clip with out=).
    clip_value = float(clip_value)
    for g in _gradients(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
    # END SOLUTION


class _NoLimit(float):
    """A ``max_norm`` no total reaches: ``max_norm / (total + 1e-6)`` is inf even for an inf or NaN total,
    so ``clip_grad_norm_`` multiplies every gradient by exactly 1."""

    def __truediv__(self, other: object) -> float:
        return math.inf


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` taken as one vector (the norm of their norms), a 0-d tensor.

    As ``torch.nn.utils.get_total_norm``; pass the gradients: ``get_total_norm([p.grad for p in ps])``.
    ``foreach`` is accepted and changes nothing (there is one NumPy path).
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for number, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"get_total_norm: tensors[{number}] is a {type(tensor).__name__}, not a Tensor")
    holders = [SimpleNamespace(grad=tensor) for tensor in tensors]  # clip_grad_norm_ reads .grad
    return clip_grad_norm_(holders, _NoLimit(math.inf), norm_type, error_if_nonfinite)


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor | float,
    foreach: bool | None = None,
) -> None:
    """Scale the gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``, ``total_norm`` given.

    As ``torch.nn.utils.clip_grads_with_norm_``: the second half of :func:`clip_grad_norm_`,
    after :func:`get_total_norm`. ``foreach`` is accepted and changes nothing.
    """
    check_hyperparameters("clip_grads_with_norm_", max_norm=max_norm)
    grads = _gradients(parameters)
    if not grads:
        return
    total = np.asarray(total_norm.detach().numpy() if isinstance(total_norm, Tensor) else total_norm)
    coefficient = np.minimum(float(max_norm) / (total + 1e-6), 1.0)  # NaN stays NaN, as torch.clamp
    for g in grads:
        g *= coefficient


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated (as in PyTorch): warns, then :func:`clip_grad_norm_`."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)
