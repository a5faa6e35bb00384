"""Magnitude pruning with a mask, after ``torch.nn.utils.prune``: the same functions and bookkeeping.

Pruning a parameter ``name`` of a module re-parametrises it, as PyTorch does:

* the original values move to a new parameter ``<name>_orig`` (still trained);
* a buffer ``<name>_mask`` holds 1 for kept entries and 0 for pruned ones;
* ``<name>`` becomes a plain tensor, recomputed as ``<name>_orig * <name>_mask``
  by a forward pre-hook before every forward pass — an ordinary recorded
  multiplication, so gradients reach ``<name>_orig`` exactly where the mask is 1.

Pruning again composes: the new amount applies to the entries still kept,
and already-pruned ones are never chosen again. :func:`remove` makes it
permanent: ``<name>`` becomes a parameter holding the masked values again.

``amount`` is a fraction in ``[0, 1]`` (of the entries — or channels — still
kept) or a whole number of them.

Example:
    >>> import tt_nn as nn
    >>> layer = nn.Linear(4, 3)
    >>> _ = l1_unstructured(layer, "weight", amount=0.5)
    >>> sorted(n for n, _ in layer.named_parameters()), sorted(n for n, _ in layer.named_buffers())
    (['bias', 'weight_orig'], ['weight_mask'])
    >>> int(layer.weight_mask.numpy().sum())
    6
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from tt_autograd import Tensor
from tt_nn import Module, Parameter


def _count(amount: float | int, available: int, op: str) -> int:
    """How many of ``available`` units ``amount`` asks for."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise TypeError(f"{op}: amount must be a float in [0, 1] or an int, got {amount!r}")
    if isinstance(amount, float):
        if not 0.0 <= amount <= 1.0:
            raise ValueError(f"{op}: a fractional amount must lie in [0, 1], got {amount}")
        return int(round(amount * available))
    if not 0 <= amount <= available:
        raise ValueError(f"{op}: cannot prune {amount} of the {available} units still kept")
    return amount


def _recompute(name: str):
    def hook(module: Module, inputs: tuple) -> None:
        original, mask = getattr(module, f"{name}_orig"), getattr(module, f"{name}_mask")
        object.__setattr__(module, name, original * mask)

    return hook


def is_pruned(module: Module) -> bool:
    """Whether any parameter of ``module`` (or of its children) is re-parametrised by pruning."""
    return any(name.endswith("_mask") for name, _ in module.named_buffers())


def _mask_of(module: Module, name: str) -> np.ndarray:
    """The current mask of ``name`` (all ones if it was never pruned)."""
    if hasattr(module, f"{name}_mask") and f"{name}_orig" in module._parameters:
        return module._buffers[f"{name}_mask"].numpy().copy()
    parameter = module._parameters.get(name)
    if parameter is None:
        raise AttributeError(f"prune: {type(module).__name__} has no parameter {name!r}")
    return np.ones(parameter.shape, dtype=np.float32)


def _values(module: Module, name: str) -> np.ndarray:
    """The unmasked values of ``name``: ``<name>_orig`` once pruned, else the parameter itself."""
    original = module._parameters.get(f"{name}_orig")
    return (original if original is not None else module._parameters[name]).detach().numpy()


def apply_mask(module: Module, name: str, mask: np.ndarray) -> Module:
    """Re-parametrise ``module.<name>`` with ``mask`` (combined with an existing mask) — the common step."""
    # BEGIN SOLUTION 16
    if f"{name}_orig" not in module._parameters:  # first pruning of this parameter
        original = module._parameters.pop(name)
        module.register_parameter(f"{name}_orig", original)
        module.register_buffer(f"{name}_mask", Tensor._from_array(np.ones(original.shape, np.float32)))
        module._prune_hooks = getattr(module, "_prune_hooks", {})
        module._prune_hooks[name] = module.register_forward_pre_hook(_recompute(name))
    combined = module._buffers[f"{name}_mask"].numpy() * mask
    module._buffers[f"{name}_mask"] = Tensor._from_array(combined.astype(np.float32))
    _recompute(name)(module, ())
    return module
    # END SOLUTION


def l1_unstructured(module: Module, name: str, amount: float | int) -> Module:
    """Prune the ``amount`` kept entries of ``module.<name>`` with the smallest absolute value."""
    mask, values = _mask_of(module, name), _values(module, name)
    # BEGIN SOLUTION 16
    kept = np.flatnonzero(mask.reshape(-1))
    k = _count(amount, kept.size, "l1_unstructured")
    order = kept[np.argsort(np.abs(values.reshape(-1)[kept]), kind="stable")[:k]]
    new = np.ones(mask.size, dtype=np.float32)
    new[order] = 0
    return apply_mask(module, name, new.reshape(mask.shape))
    # END SOLUTION


def random_unstructured(module: Module, name: str, amount: float | int, seed: int | None = None) -> Module:
    """Prune ``amount`` kept entries chosen uniformly at random (a baseline for magnitude pruning)."""
    mask = _mask_of(module, name)
    kept = np.flatnonzero(mask.reshape(-1))
    k = _count(amount, kept.size, "random_unstructured")
    new = np.ones(mask.size, dtype=np.float32)
    new[np.random.default_rng(seed).choice(kept, size=k, replace=False)] = 0
    return apply_mask(module, name, new.reshape(mask.shape))


def ln_structured(module: Module, name: str, amount: float | int, n: float = 2, dim: int = 0) -> Module:
    """Prune whole slices along ``dim`` (output channels for ``dim=0``) with the smallest L-``n`` norm."""
    mask, values = _mask_of(module, name), _values(module, name)
    # BEGIN SOLUTION 16
    axes = tuple(i for i in range(values.ndim) if i != dim % values.ndim)
    norms = np.sum(np.abs(values * mask) ** n, axis=axes) ** (1 / n)
    alive = np.flatnonzero(mask.sum(axis=axes) > 0)
    k = _count(amount, alive.size, "ln_structured")
    drop = alive[np.argsort(norms[alive], kind="stable")[:k]]
    shape = [1] * values.ndim
    shape[dim % values.ndim] = -1
    slices = np.ones(values.shape[dim % values.ndim], dtype=np.float32)
    slices[drop] = 0
    return apply_mask(module, name, np.broadcast_to(slices.reshape(shape), values.shape))
    # END SOLUTION


def global_unstructured(parameters: Iterable[tuple[Module, str]], amount: float | int) -> None:
    """Prune the ``amount`` smallest-magnitude entries across all ``(module, name)`` pairs together."""
    pairs = list(parameters)
    masks = [_mask_of(m, n) for m, n in pairs]
    values = []
    for (module, name), mask in zip(pairs, masks):
        values.append(np.where(mask > 0, np.abs(_values(module, name)), np.inf).reshape(-1))
    scores = np.concatenate(values)
    k = _count(amount, int(np.isfinite(scores).sum()), "global_unstructured")
    chosen = np.zeros(scores.size, dtype=bool)
    chosen[np.argsort(scores, kind="stable")[:k]] = True
    start = 0
    for (module, name), mask in zip(pairs, masks):
        part = chosen[start : start + mask.size].reshape(mask.shape)
        start += mask.size
        apply_mask(module, name, (~part).astype(np.float32))


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent: a plain parameter again, holding the masked values."""
    if f"{name}_orig" not in module._parameters:
        raise ValueError(f"remove: parameter {name!r} of {type(module).__name__} is not pruned")
    original = module._parameters.pop(f"{name}_orig")
    mask = module._buffers.pop(f"{name}_mask")
    module._prune_hooks.pop(name).remove()
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(Tensor._from_array(original.detach().numpy() * mask.numpy())))
    return module


def sparsity(module: Module) -> dict[str, float]:
    """Fraction of zeros in every weight-like tensor of ``module`` (pruned or not), and ``"global"``."""
    report, zeros, total = {}, 0, 0
    for path, child in module.named_modules():
        for name in list(child._parameters) + [
            n[: -len("_mask")] for n in child._buffers if n.endswith("_mask")
        ]:
            if name.endswith("_orig") or child._parameters.get(name, 0) is None:
                continue
            values = getattr(child, name).detach().numpy()
            key = f"{path}.{name}" if path else name
            report[key] = float(np.mean(values == 0))
            zeros, total = zeros + int(np.sum(values == 0)), total + values.size
    report["global"] = zeros / max(total, 1)
    return report
