"""``parameters_to_vector`` and ``vector_to_parameters``, as ``torch.nn.utils``'.

All of a model's parameters as one flat vector and back: what second-order
methods, weight averaging by hand and evolution strategies work on.
"""

from __future__ import annotations

from collections.abc import Iterable

import tt_autograd as autograd
from tt_autograd import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor holding every parameter, flattened, in order (differentiable: a ``cat`` of views).

    Cost: one copy of every parameter.
    """
    parameters = list(_tensors("parameters_to_vector", parameters))
    flat = [p.reshape(-1) for p in parameters]
    if not flat:
        raise ValueError("parameters_to_vector: no parameters given")
    return autograd.cat(flat)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Set each parameter's ``.data`` to its slice of ``vec`` (the inverse of :func:`parameters_to_vector`).

    The parameters become views of ``vec``'s data, as in PyTorch; ``vec`` must
    hold exactly as many values as the parameters.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    parameters = list(_tensors("vector_to_parameters", parameters))
    needed = sum(p.numel() for p in parameters)
    if needed != vec.numel():
        raise ValueError(
            f"vector_to_parameters: vec has {vec.numel()} values but the parameters hold {needed}"
        )
    pointer = 0
    for p in parameters:
        count = p.numel()
        p.data = vec[pointer : pointer + count].view_as(p).data
        pointer += count


def _tensors(op: str, parameters: object) -> Iterable[Tensor]:
    """Each of ``parameters`` (an iterable of tensors, or one tensor), checked to be a tensor."""
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        items = list(parameters)
    except TypeError:
        raise TypeError(
            f"{op}: parameters must be an iterable of tensors, got {type(parameters).__name__}"
        ) from None
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(f"{op}: parameters[{i}] must be a tensor, got {type(item).__name__}")
    return items
