"""Module 16 — compression: pruning, structured channel removal, distillation, low rank.

* :mod:`~tt_perf.compression.pruning` — masks after ``torch.nn.utils.prune``:
  ``l1_unstructured``, ``random_unstructured``, ``ln_structured``,
  ``global_unstructured``, ``custom_from_mask``, ``identity``, ``remove``,
  ``is_pruned``, the method classes (``L1Unstructured``, ...), and
  ``sparsity``;
* :mod:`~tt_perf.compression.channels` — ``shrink_channels`` / ``keep_channels``:
  whole convolution channels removed and the next layer narrowed (faster,
  not just sparser);
* :mod:`~tt_perf.compression.distillation` — ``distillation_loss`` (Hinton);
* :mod:`~tt_perf.compression.low_rank` — ``low_rank_linear``, ``choose_rank``.
"""

from __future__ import annotations

from .channels import keep_channels, shrink_channels
from .distillation import distillation_loss
from .low_rank import choose_rank, low_rank_linear
from .pruning import (
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
    sparsity,
)

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "RandomUnstructured",
    "choose_rank",
    "custom_from_mask",
    "distillation_loss",
    "global_unstructured",
    "identity",
    "is_pruned",
    "keep_channels",
    "l1_unstructured",
    "ln_structured",
    "low_rank_linear",
    "random_unstructured",
    "remove",
    "shrink_channels",
    "sparsity",
]
