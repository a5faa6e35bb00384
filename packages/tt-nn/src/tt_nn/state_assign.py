"""``load_state_dict(..., assign=True)``: the module takes the checkpoint's tensors instead of copying them.

Not course material (module 04's ``load_state_dict`` copies in place). As PyTorch's ``assign=True``: the
same checks first (missing and unexpected keys under ``strict``, every shape), nothing changed unless all
pass; then each parameter becomes a ``Parameter`` over the checkpoint tensor's memory (a ``Parameter``
given is kept), with the ``requires_grad`` of the one it replaces, and each buffer is the checkpoint's
tensor itself. The checkpoint's dtype is kept (no cast) and the replaced tensors are left as they were (an
optimizer built before still holds them: build it after loading). Used to fill a model built on the meta
device, or to load another dtype without a copy. Cost: no copy; one walk over the state dict.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tt_autograd import Tensor

from .parameter import Parameter


def assign_state_dict(module: Any, state_dict: dict[str, Any], strict: bool) -> tuple[list[str], list[str]]:
    """Check ``state_dict`` against ``module``'s, then make its tensors the module's; returns
    ``(missing_keys, unexpected_keys)``. Raises one ``RuntimeError`` naming every problem."""
    own = module.state_dict(keep_vars=True)
    missing = [key for key in own if key not in state_dict]
    unexpected = [key for key in state_dict if key not in own]
    shapes = {key: tuple(np.shape(state_dict[key])) for key in own if key in state_dict}
    wrong = [
        f"{key}: the checkpoint has shape {shape}, the model {tuple(own[key].shape)}"
        for key, shape in shapes.items()
        if shape != tuple(own[key].shape)
    ]
    problems = [f"missing keys: {', '.join(missing)}"] if strict and missing else []
    problems += [f"unexpected keys: {', '.join(unexpected)}"] if strict and unexpected else []
    problems += ["shape mismatches: " + "; ".join(wrong)] if wrong else []
    if problems:
        raise RuntimeError(
            f"load_state_dict for {type(module).__name__} (assign=True): " + " | ".join(problems)
        )
    for key in shapes:
        path, _, name = key.rpartition(".")
        owner = module.get_submodule(path)
        value = state_dict[key]
        value = value if isinstance(value, Tensor) else Tensor.from_array(np.asarray(value))
        if name in owner._parameters:
            requires_grad = owner._parameters[name].requires_grad
            if isinstance(value, Parameter):
                value.requires_grad = requires_grad
            else:
                value = Parameter(value, requires_grad=requires_grad)
            owner._parameters[name] = value
        else:
            owner._buffers[name] = value
    return missing, unexpected
