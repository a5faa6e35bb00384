"""``tt.nn.utils.prune``: PyTorch's ``torch.nn.utils.prune``, from tt-perf (module 16, compression).

Pruning a parameter re-parametrises it as PyTorch does: ``<name>_orig`` (the
parameter), ``<name>_mask`` (a buffer) and ``<name>`` recomputed as their
product before every forward pass; :func:`remove` makes it permanent. The
implementation and its rules (amounts, composing prunes) are in
:mod:`tt_perf.compression.pruning`.

Example:
    >>> import tinytorch as torch
    >>> import tinytorch.nn.utils.prune as prune
    >>> layer = torch.nn.Linear(4, 3)
    >>> _ = prune.l1_unstructured(layer, "weight", amount=0.5)
    >>> int(layer.weight_mask.sum())
    6
"""

from __future__ import annotations

from tt_perf.compression.pruning import (
    BasePruningMethod,
    CustomFromMask,
    Identity,
    L1Unstructured,
    LnStructured,
    RandomUnstructured,
    custom_from_mask,
    global_unstructured,
    identity,
    is_pruned,
    l1_unstructured,
    ln_structured,
    random_unstructured,
    remove,
)

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_unstructured",
    "remove",
]
