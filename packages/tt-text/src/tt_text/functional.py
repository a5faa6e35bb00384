"""tt-text's functional forms, named as in ``torch.nn.functional``.

``embedding``, ``scaled_dot_product_attention`` and ``multi_head_attention_forward``, plus
``packed_self_attention`` (multi-head self-attention on a fused QKV projection), which PyTorch
does not have.

The meta-package gathers these into ``tinytorch.nn.functional`` with every
other package's functional forms.
"""

from __future__ import annotations

from .embedding import embedding
from .embedding_bag import embedding_bag
from .multihead_functional import multi_head_attention_forward
from .sdpa import packed_self_attention, scaled_dot_product_attention

__all__ = [
    "embedding",
    "embedding_bag",
    "multi_head_attention_forward",
    "packed_self_attention",
    "scaled_dot_product_attention",
]
