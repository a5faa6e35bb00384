"""Pruning with masks, after ``torch.nn.utils.prune``: the same functions, classes and bookkeeping.

Pruning a parameter ``name`` of a module re-parametrises it, as PyTorch does:

* the original values move to a parameter ``<name>_orig`` (the same
  ``Parameter`` object, so an optimizer built before still holds it);
* a buffer ``<name>_mask`` holds 1 for kept entries and 0 for pruned ones;
* ``<name>`` becomes a plain tensor, recomputed as ``<name>_orig * <name>_mask``
  by a forward pre-hook before every forward pass — an ordinary recorded
  multiplication, so gradients reach ``<name>_orig`` exactly where the mask is 1.

**Amounts** follow PyTorch's rules: a float in ``[0, 1]`` is a fraction
(``round(amount · n)`` of ``n`` candidates, Python's round-half-to-even), a
non-negative int a count (at most ``n``).

**Pruning again composes**: the new method only sees what is still kept — the
unpruned entries (unstructured methods) or the channels not yet removed
(structured ones) — and its mask is multiplied into the old one; PyTorch's
``PruningContainer`` does the same. :func:`remove` makes it permanent:
``<name>`` is a parameter again, holding the masked values.

The methods are small classes with ``compute_mask(t, default_mask)``
(:class:`L1Unstructured`, :class:`RandomUnstructured`, :class:`LnStructured`,
:class:`CustomFromMask`); the functions (:func:`l1_unstructured`, ...) apply
one to a module. Importance scores default to the parameter's own values.

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

import numbers
from collections.abc import Iterable

import numpy as np
from tt_autograd import Tensor, default_generator, from_numpy
from tt_nn import Module


# ----------------------------------------------------------------- amounts
def _validate_amount(op: str, amount) -> None:
    """PyTorch's check at construction: a float in [0, 1] or a non-negative int."""
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"{op}: invalid type for amount: {amount!r}; must be int or float")
    is_count = isinstance(amount, numbers.Integral)
    if (is_count and amount < 0) or (not is_count and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(
            f"{op}: amount={amount} should either be a float in the range [0, 1] or a non-negative integer"
        )


def _count(op: str, amount, candidates: int) -> int:
    """How many of ``candidates`` units ``amount`` asks to prune."""
    if isinstance(amount, numbers.Integral):
        if amount > candidates:
            raise ValueError(
                f"{op}: amount={amount} should be smaller than the number of parameters to prune={candidates}"
            )
        return int(amount)
    return round(float(amount) * candidates)


def _numpy(x) -> np.ndarray:
    """A tensor's array (shared storage, outside the graph) or anything else as an array."""
    return x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)


def _smallest(scores: np.ndarray, k: int) -> np.ndarray:
    """Flat indices of the ``k`` smallest scores (ties: the earlier index first)."""
    return np.argsort(scores.reshape(-1), kind="stable")[:k]


# ----------------------------------------------------------------- methods
class BasePruningMethod:
    """A way to choose a mask: ``compute_mask(t, default_mask)`` for importance scores ``t``.

    ``PRUNING_TYPE`` says how pruning again combines with an earlier mask:
    ``"unstructured"`` methods see the kept entries only (a 1-d array),
    ``"structured"`` ones the kept channels along their ``dim``, ``"global"``
    ones the whole tensor.
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define compute_mask(t, default_mask)")

    @classmethod
    def apply(cls, module: Module, name: str, *args, importance_scores=None, **kwargs) -> BasePruningMethod:
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``; returns the method."""
        method = cls(*args, **kwargs)
        _prune(module, name, method, importance_scores)
        return method


class _UnstructuredByScore(BasePruningMethod):
    """Prune the ``amount`` entries of smallest :meth:`scores` (what the unstructured methods share)."""

    OP = "prune"

    def __init__(self, amount) -> None:
        _validate_amount(self.OP, amount)
        self.amount = amount

    def scores(self, t: np.ndarray) -> np.ndarray:
        """What ranks the entries: the smallest ``amount`` of them are pruned."""
        raise NotImplementedError(f"{type(self).__name__} must define scores(t)")

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        k = _count(self.OP, self.amount, t.size)
        # BEGIN SOLUTION 16
        # TODO: default_mask with the k lowest-scoring entries set to 0 (k from amount: _smallest finds them).
        mask = default_mask.copy()
        mask.reshape(-1)[_smallest(self.scores(t), k)] = 0
        return mask
        # END SOLUTION


class L1Unstructured(_UnstructuredByScore):
    """Prune the ``amount`` entries of smallest absolute value."""

    OP = "l1_unstructured"

    def scores(self, t: np.ndarray) -> np.ndarray:
        return np.abs(t)


class RandomUnstructured(_UnstructuredByScore):
    """Prune ``amount`` entries chosen uniformly at random (a baseline; ``tt.manual_seed`` fixes it)."""

    OP = "random_unstructured"

    def scores(self, t: np.ndarray) -> np.ndarray:
        return default_generator.numpy.random(t.shape)


class LnStructured(BasePruningMethod):
    """Prune the ``amount`` slices along ``dim`` of smallest L-``n`` norm (``dim=0``: output channels).

    ``n`` is any order ``np.linalg.norm`` takes for vectors (1, 2, ``np.inf``, ...) or ``"fro"`` (= 2).
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim: int = -1) -> None:
        _validate_amount("ln_structured", amount)
        self.amount, self.n, self.dim = amount, 2 if n == "fro" else n, dim

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        if not -t.ndim <= self.dim < t.ndim:
            raise IndexError(f"ln_structured: dim {self.dim} is out of range for a tensor of shape {t.shape}")
        dim = self.dim % t.ndim
        k = _count("ln_structured", self.amount, t.shape[dim])
        # BEGIN SOLUTION 16
        # TODO: zero the k slices along dim with the smallest L_n norm:
        #   a per-slice keep vector broadcast along dim.
        slices = np.moveaxis(t, dim, 0).reshape(t.shape[dim], -1)
        norms = np.linalg.norm(slices, ord=self.n, axis=1)
        keep = np.ones(t.shape[dim], dtype=default_mask.dtype)
        keep[_smallest(norms, k)] = 0
        shape = [1] * t.ndim
        shape[dim] = -1
        return default_mask * keep.reshape(shape)
        # END SOLUTION


class CustomFromMask(BasePruningMethod):
    """Prune where a given ``mask`` is 0 (combined with any earlier mask)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask) -> None:
        self.mask = _numpy(mask)

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        if self.mask.shape != default_mask.shape:
            raise ValueError(
                f"custom_from_mask: mask of shape {self.mask.shape} for a tensor of shape "
                f"{default_mask.shape}"
            )
        return default_mask * (self.mask != 0)


class Identity(BasePruningMethod):
    """Prune nothing: the re-parametrisation with an all-ones mask."""

    PRUNING_TYPE = "global"

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        return default_mask


# ----------------------------------------------------------------- the re-parametrisation
class _PruningHook:
    """The forward pre-hook of a pruned parameter: ``<name> = <name>_orig * <name>_mask``."""

    per_replica = True  # it makes the weight from the parameters: nn.DataParallel runs it in every replica

    def __init__(self, name: str) -> None:
        self._tensor_name = name

    def __call__(self, module: Module, inputs: tuple) -> None:
        name = self._tensor_name
        setattr(module, name, getattr(module, name + "_orig") * getattr(module, name + "_mask"))


def _hook_of(module: Module, name: str) -> _PruningHook | None:
    return next(
        (
            h
            for h in module._forward_pre_hooks.values()
            if isinstance(h, _PruningHook) and h._tensor_name == name
        ),
        None,
    )


def _state(module: Module, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The unmasked values of ``module.<name>`` and its current mask (None if it was never pruned)."""
    if _hook_of(module, name) is not None:
        return module._parameters[name + "_orig"].detach().numpy(), module._buffers[name + "_mask"].numpy()
    parameter = module._parameters.get(name)
    if parameter is None:
        raise AttributeError(
            f"prune: {type(module).__name__} has no parameter {name!r}; its parameters are "
            f"{[n for n, p in module._parameters.items() if p is not None]}"
        )
    return parameter.detach().numpy(), None


def _combine(method: BasePruningMethod, t: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The new mask when ``method`` prunes a tensor already masked by ``mask`` (PyTorch's container rule)."""
    # BEGIN SOLUTION 16
    # TODO: PyTorch's container rule for pruning an already masked tensor: an unstructured method sees
    #   only the entries still kept, a structured one only the channels still alive along dim.
    new = mask.copy()
    if method.PRUNING_TYPE == "unstructured":  # only the entries still kept
        kept = mask == 1
        new[kept] = method.compute_mask(t[kept], mask[kept])
    elif method.PRUNING_TYPE == "structured":  # only the channels still alive along dim
        dim = method.dim % t.ndim
        others = tuple(i for i in range(t.ndim) if i != dim)
        alive = np.flatnonzero(mask.sum(axis=others) != 0)
        index = tuple(alive if i == dim else slice(None) for i in range(t.ndim))
        new[index] = method.compute_mask(t[index], mask[index])
    else:
        new = method.compute_mask(t, mask)
    return new
    # END SOLUTION


def _reparametrize(module: Module, name: str, mask: np.ndarray) -> None:
    """Install (or update) ``<name>_orig``, ``<name>_mask`` and the hook, then recompute ``<name>``."""
    # BEGIN SOLUTION 16
    # TODO: the first time: move the parameter to <name>_orig, add the <name>_mask buffer and the forward
    #   pre-hook (§ How it is built, pruning.py); every time: store the mask and recompute <name>.
    if _hook_of(module, name) is None:  # first pruning of this parameter
        original = module._parameters.pop(name)
        module.register_parameter(name + "_orig", original)
        module.register_buffer(name + "_mask", from_numpy(np.ones_like(original.detach().numpy())))
        module.register_forward_pre_hook(_PruningHook(name))
    module._buffers[name + "_mask"].numpy()[...] = mask
    _hook_of(module, name)(module, ())
    # END SOLUTION


def _prune(module: Module, name: str, method: BasePruningMethod, importance_scores=None) -> Module:
    values, mask = _state(module, name)
    scores = values if importance_scores is None else _numpy(importance_scores)
    if scores.shape != values.shape:
        raise ValueError(
            f"prune: importance_scores of shape {scores.shape} for parameter {name!r} of shape {values.shape}"
        )
    if mask is None:
        new = method.compute_mask(scores, np.ones(values.shape, dtype=values.dtype))
    else:
        new = _combine(method, scores, mask)
    _reparametrize(module, name, new)
    return module


# ----------------------------------------------------------------- the functions
def identity(module: Module, name: str) -> Module:
    """Re-parametrise ``module.<name>`` with an all-ones mask (prunes nothing)."""
    Identity.apply(module, name)
    return module


def l1_unstructured(module: Module, name: str, amount, importance_scores=None) -> Module:
    """Prune the ``amount`` kept entries of ``module.<name>`` with the smallest absolute value (or score)."""
    L1Unstructured.apply(module, name, amount, importance_scores=importance_scores)
    return module


def random_unstructured(module: Module, name: str, amount) -> Module:
    """Prune ``amount`` kept entries of ``module.<name>`` chosen at random."""
    RandomUnstructured.apply(module, name, amount)
    return module


def ln_structured(module: Module, name: str, amount, n, dim: int, importance_scores=None) -> Module:
    """Prune the ``amount`` kept slices along ``dim`` with the smallest L-``n`` norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module: Module, name: str, mask) -> Module:
    """Prune ``module.<name>`` where ``mask`` is 0."""
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(
    parameters: Iterable[tuple[Module, str]], pruning_method, importance_scores=None, **kwargs
):
    """Prune across several tensors at once: the smallest scores of all of them together.

    Args:
        parameters: ``(module, name)`` pairs.
        pruning_method: an unstructured method class, e.g. :class:`L1Unstructured`.
        importance_scores: optional ``{(module, name): scores}``; default: the current values.
        kwargs: the method's arguments, e.g. ``amount=0.5``.

    Example: ``global_unstructured([(conv, "weight"), (fc, "weight")], L1Unstructured, amount=0.5)``.
    """
    pairs = list(parameters)
    if not pairs or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise TypeError(
            "global_unstructured: parameters must be a non-empty iterable of (module, name) pairs"
        )
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            f'global_unstructured: only "unstructured" methods are supported; {pruning_method.__name__} '
            f"is {method.PRUNING_TYPE!r}"
        )
    importance_scores = importance_scores or {}
    states = [_state(module, name) for module, name in pairs]
    scores, masks = [], []
    for (module, name), (values, mask) in zip(pairs, states):
        score = importance_scores.get((module, name), values if mask is None else values * mask)
        scores.append(_numpy(score).astype(np.float64).reshape(-1))
        masks.append(np.ones(values.size) if mask is None else mask.reshape(-1).astype(np.float64))
    all_scores, all_masks = np.concatenate(scores), np.concatenate(masks)
    # BEGIN SOLUTION 16
    # TODO: score all the tensors together, prune the smallest across them (_combine), and give each tensor
    #   its slice of the joint mask (custom_from_mask).
    final = _combine(method, all_scores, all_masks)
    start = 0
    for (module, name), (values, _) in zip(pairs, states):
        custom_from_mask(module, name, final[start : start + values.size].reshape(values.shape))
        start += values.size
    # END SOLUTION


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent: a parameter again (the same object), masked values."""
    hook = _hook_of(module, name)
    if hook is None:
        raise ValueError(
            f"remove: parameter {name!r} of {type(module).__name__} has to be pruned before pruning "
            "can be removed"
        )
    # BEGIN SOLUTION 16
    # TODO: make the pruning permanent: <name>_orig back as <name> (the same object) with the masked values
    #   written into it, the mask buffer and the hook removed.
    original = module._parameters.pop(name + "_orig")
    mask = module._buffers.pop(name + "_mask")
    module._forward_pre_hooks.remove(hook)
    module.__dict__.pop(name, None)
    values = original.detach().numpy()  # the parameter's own storage
    np.multiply(values, mask.numpy(), out=values, casting="unsafe")
    module.register_parameter(name, original)
    return module
    # END SOLUTION


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or any module inside it has a pruned parameter (PyTorch's ``prune.is_pruned``)."""
    return any(
        isinstance(hook, _PruningHook) for m in module.modules() for hook in m._forward_pre_hooks.values()
    )


def sparsity(module: Module) -> dict[str, float]:
    """Fraction of zeros in every parameter of ``module`` as the forward pass sees it, and ``"global"``.

    A pruned parameter counts by its masked values (``<name>``, not ``<name>_orig``).
    """
    report, zeros, total = {}, 0, 0
    for path, child in module.named_modules():
        pruned = {h._tensor_name for h in child._forward_pre_hooks.values() if isinstance(h, _PruningHook)}
        originals = {name + "_orig" for name in pruned}
        names = [n for n, p in child._parameters.items() if p is not None and n not in originals]
        for name in names + sorted(pruned):
            values = getattr(child, name).detach().numpy()
            report[f"{path}.{name}" if path else name] = float(np.mean(values == 0))
            zeros, total = zeros + int(np.count_nonzero(values == 0)), total + values.size
    report["global"] = zeros / max(total, 1)
    return report
