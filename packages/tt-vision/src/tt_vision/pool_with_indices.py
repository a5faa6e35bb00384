"""PyTorch's ``F.*_with_indices`` forms: a max pool's values and the positions of its maxima, always both.

Each is the pool called with ``return_indices=True`` (``max_pool1d/3d``,
``adaptive_max_pool1d/2d/3d``), with PyTorch's signature; their ``return_indices`` argument
(default False, as PyTorch's) is accepted and ignored, as PyTorch's is.
``max_pool2d_with_indices`` is the 2-d max pool's own kernel (:mod:`tt_vision.max_pool_indices`).

Example:
    >>> import tt_autograd as autograd
    >>> values, indices = adaptive_max_pool1d_with_indices(autograd.tensor([[[1.0, 5.0, 4.0, 3.0]]]), 2)
    >>> values.numpy().tolist(), indices.numpy().tolist()
    ([[[5.0, 4.0]]], [[[1, 2]]])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from .adaptive_max_pool import adaptive_max_pool2d
from .pooling_1d import adaptive_max_pool1d, max_pool1d
from .pooling_3d import adaptive_max_pool3d, max_pool3d


def _with_indices(pool: Callable) -> Callable:
    """``pool`` with ``return_indices=True`` forced, under ``pool``'s own signature (PyTorch's: the
    same parameters, ``return_indices=False`` last and ignored). Cost: one ``Signature.bind`` per call."""
    signature = inspect.signature(pool)
    name = f"{pool.__name__}_with_indices"

    def form(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{name}: {error}") from None
        bound.arguments["return_indices"] = True
        return pool(*bound.args, **bound.kwargs)

    form.__name__ = form.__qualname__ = name
    form.__doc__ = f"``{pool.__name__}(..., return_indices=True)``: values and positions of the maxima."
    form.__signature__ = signature
    return form


max_pool1d_with_indices = _with_indices(max_pool1d)
max_pool3d_with_indices = _with_indices(max_pool3d)
adaptive_max_pool1d_with_indices = _with_indices(adaptive_max_pool1d)
adaptive_max_pool2d_with_indices = _with_indices(adaptive_max_pool2d)
adaptive_max_pool3d_with_indices = _with_indices(adaptive_max_pool3d)
