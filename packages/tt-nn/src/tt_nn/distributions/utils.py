"""Helpers the distributions share: parameters made tensors of one shape, and probs <-> logits.

``broadcast_all`` turns numbers and tensors into tensors of one common shape
(numbers take the dtype of the first tensor given, else the default dtype), as
``torch.distributions.utils.broadcast_all``. ``probs_to_logits`` clamps
probabilities away from 0 and 1 by the dtype's machine epsilon before the
log, so a zero probability gives a large negative logit, not ``-inf`` (PyTorch's
convention: entropies and KLs of such distributions stay finite).
"""

from __future__ import annotations

import numbers

import numpy as np
import tt_autograd as autograd


def broadcast_all(*values: object, op: str = "broadcast_all") -> tuple[autograd.Tensor, ...]:
    """Each value as a tensor, all expanded to their common broadcast shape (differentiably).

    ``op`` (a distribution's name) starts the error message for a value that is neither.

    Example:
        >>> loc, scale = broadcast_all(autograd.zeros(3), 1.0)
        >>> scale.shape
        tt.Size([3])
    """
    dtype = next((v.dtype for v in values if isinstance(v, autograd.Tensor)), autograd.get_default_dtype())
    tensors = []
    for value in values:
        if isinstance(value, autograd.Tensor):
            tensors.append(value)
        elif isinstance(value, numbers.Number):
            tensors.append(autograd.tensor(value, dtype=dtype))
        else:
            raise TypeError(
                f"{op}: expected tensors or numbers, got {type(value).__name__}; "
                "wrap arrays and lists in tt.tensor(...)"
            )
    return autograd.broadcast_tensors(*tensors)


def temperature_tensor(name: str, temperature: object, dtype: object) -> autograd.Tensor:
    """A relaxed distribution's ``temperature``: a tensor as given, or a number made a tensor of ``dtype``."""
    if isinstance(temperature, autograd.Tensor):
        return temperature
    if isinstance(temperature, numbers.Real) and not isinstance(temperature, bool):
        return autograd.tensor(float(temperature), dtype=dtype)
    raise TypeError(f"{name}: temperature must be a number or a tensor, got {type(temperature).__name__}")


def epsilon(dtype: object) -> float:
    """The machine epsilon of a float ``dtype`` (``torch.finfo(dtype).eps``)."""
    return float(np.finfo(dtype.numpy).eps)


def clamp_probs(probs: autograd.Tensor) -> autograd.Tensor:
    """``probs`` clamped to ``[eps, 1 - eps]`` (eps of its dtype): ``log p`` and ``log1p(-p)`` stay finite."""
    eps = epsilon(probs.dtype)
    return probs.clamp(min=eps, max=1.0 - eps)


def probs_to_logits(probs: autograd.Tensor, is_binary: bool = False) -> autograd.Tensor:
    """Logits of probabilities: ``log p`` (categorical) or ``log p - log(1 - p)`` (binary), after clamping."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


def logits_to_probs(logits: autograd.Tensor, is_binary: bool = False) -> autograd.Tensor:
    """Probabilities of logits: ``sigmoid`` (binary) or ``softmax`` over the last dim (categorical)."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(dim=-1)


def binary_probs_or_logits(
    name: str, probs: object, logits: object
) -> tuple[str, autograd.Tensor, autograd.Tensor]:
    """``(given, probs, logits)`` from exactly one of a binary distribution's ``probs`` / ``logits``.

    ``given`` names the one passed (PyTorch keeps it as the distribution's parameter); the
    other is derived from it, so gradients reach whichever was given.
    """
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: pass either probs or logits, but not both (and not neither)")
    if probs is not None:
        (probs,) = broadcast_all(probs, op=name)
        return "probs", probs, probs_to_logits(probs, is_binary=True)
    (logits,) = broadcast_all(logits, op=name)
    return "logits", logits_to_probs(logits, is_binary=True), logits
