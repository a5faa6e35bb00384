"""``torch.nn.utils.spectral_norm`` and ``weight_norm``: the older forms, by a forward pre-hook.

Many GAN code bases still call ``torch.nn.utils.spectral_norm(layer)`` rather than
the parametrization (:mod:`tt_nn.parametrizations`). The maths is the same; what
differs is where things live, and so the state dict:

* ``spectral_norm``: the trained weight is the parameter ``weight_orig``; the
  buffers ``weight_u`` and ``weight_v`` hold the power iteration's vectors; a
  forward pre-hook sets the plain attribute ``weight = weight_orig / σ`` before
  every call (one more power-iteration round first, in training, updating ``v``
  then ``u`` as PyTorch's older code does; no rounds at registration).
* ``weight_norm``: the parameters ``weight_g`` and ``weight_v``; the hook sets
  ``weight = g · v / ‖v‖``.

``remove_spectral_norm`` / ``remove_weight_norm`` put a plain ``weight`` parameter
back, holding the current value. Cost per call: the parametrizations' (a few
matrix-vector products, or one norm).

Example:
    >>> from tt_nn import Linear
    >>> layer = spectral_norm(Linear(4, 3))
    >>> sorted(layer.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
"""

from __future__ import annotations

from typing import Any

import tt_autograd as autograd

from .functional import normalize
from .module import Module
from .parameter import Parameter
from .parametrizations import (
    largest_singular_value,
    norm_except_dim,
    output_dim,
    power_iteration,
    weight_as_matrix,
)


class _SpectralNormHook:
    """The pre-hook: ``weight = weight_orig / σ``, σ from ``weight_u``, ``weight_v``."""

    per_replica = True  # it makes the weight from the parameters: nn.DataParallel runs it in every replica

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def compute(self, module: Module, power_steps: bool) -> Any:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = weight_as_matrix(weight, self.dim)
        if power_steps:
            power_iteration(matrix.detach(), u, v, self.n_power_iterations, self.eps, v_first=True)
        return weight / largest_singular_value(matrix, u, v)

    def __call__(self, module: Module, inputs: tuple) -> None:
        object.__setattr__(module, self.name, self.compute(module, module.training))


class _WeightNormHook:
    """The pre-hook: ``weight = weight_g · weight_v / ‖weight_v‖``."""

    per_replica = True  # it makes the weight from the parameters: nn.DataParallel runs it in every replica

    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, dim

    def compute(self, module: Module) -> Any:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: tuple) -> None:
        object.__setattr__(module, self.name, self.compute(module))


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """``module.<name>`` becomes ``<name>_orig / σ`` before every call; returns ``module``."""
    if any(isinstance(h, _SpectralNormHook) and h.name == name for h in module._forward_pre_hooks.values()):
        raise RuntimeError(f"spectral_norm: {name!r} already has a spectral_norm hook; register it once")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    if n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: n_power_iterations must be positive, got {n_power_iterations}")
    if dim is None:
        dim = output_dim(module)
    hook = _SpectralNormHook(name, n_power_iterations, dim % weight.ndim, eps)
    h, w = weight_as_matrix(weight.detach(), hook.dim).shape
    u = normalize(autograd.randn(h, dtype=weight.dtype), dim=0, eps=eps)
    v = normalize(autograd.randn(w, dtype=weight.dtype), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    object.__setattr__(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`: a plain parameter ``<name>`` with the current normalised value."""
    hook = _find(module, name, _SpectralNormHook, "spectral_norm")
    with autograd.no_grad():
        weight = hook.compute(module, power_steps=False)
    for suffix in ("_orig", "_u", "_v"):
        delattr(module, name + suffix)
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(weight.detach()))
    return module


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """``module.<name>`` becomes ``<name>_g · <name>_v / ‖<name>_v‖`` before every call; returns it."""
    if any(isinstance(h, _WeightNormHook) and h.name == name for h in module._forward_pre_hooks.values()):
        raise RuntimeError(f"weight_norm: {name!r} already has a weight_norm hook; register it once")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
    hook = _WeightNormHook(name, dim)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(norm_except_dim(weight.detach(), dim)))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    object.__setattr__(module, name, hook.compute(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`weight_norm`: a plain parameter ``<name>`` with the current value."""
    hook = _find(module, name, _WeightNormHook, "weight_norm")
    with autograd.no_grad():
        weight = hook.compute(module)
    for suffix in ("_g", "_v"):
        delattr(module, name + suffix)
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(weight.detach()))
    return module


def _find(module: Module, name: str, kind: type, op: str) -> Any:
    """Take ``module``'s ``kind`` hook for ``name`` off and return it (a ValueError if there is none)."""
    for hook in list(module._forward_pre_hooks.values()):
        if isinstance(hook, kind) and hook.name == name:
            module._forward_pre_hooks.remove(hook)
            return hook
    raise ValueError(f"remove_{op}: {op} of {name!r} not found in {type(module).__name__}")
