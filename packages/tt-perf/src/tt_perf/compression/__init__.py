"""Module 16 — compression: pruning, structured channel removal, distillation, low rank.

* :mod:`~tt_perf.compression.pruning` — masks after ``torch.nn.utils.prune``:
  ``l1_unstructured``, ``random_unstructured``, ``ln_structured``,
  ``global_unstructured``, ``custom_from_mask``, ``identity``, ``remove``,
  ``is_pruned``, the method classes (``L1Unstructured``, ...), and
  ``sparsity``;
* :mod:`~tt_perf.compression.channels` — ``shrink_channels`` / ``keep_channels``:
  whole convolution channels removed and the next layer narrowed (faster,
  not just sparser);
* :mod:`~tt_perf.compression.distillation` — ``distillation_loss`` (Hinton) and
  ``distillation_step`` (one training step of a student against a teacher);
* :mod:`~tt_perf.compression.sparse` — CSR storage of pruned weights
  (``to_sparse_csr``, ``CSRTensor``, ``sparse_mm``) and inference layers
  ``SparseLinear`` / ``SparseConv2d`` swapped in by ``to_sparse``;
* :mod:`~tt_perf.compression.low_rank` — ``low_rank_linear``, ``choose_rank``.
"""

from __future__ import annotations

from .channels import keep_channels, shrink_channels
from .distillation import distillation_loss, distillation_step
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
from .sparse import CSRTensor, SparseConv2d, SparseLinear, sparse_mm, to_sparse, to_sparse_csr

__all__ = [
    "BasePruningMethod",
    "CSRTensor",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "RandomUnstructured",
    "choose_rank",
    "custom_from_mask",
    "distillation_loss",
    "distillation_step",
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
    "SparseConv2d",
    "SparseLinear",
    "sparse_mm",
    "sparsity",
    "to_sparse",
    "to_sparse_csr",
]
