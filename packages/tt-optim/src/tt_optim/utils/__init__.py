"""``tt_optim.utils``: what PyTorch keeps in ``torch.nn.utils`` for training — gradient clipping.

Example:
    >>> from tt_optim.utils import clip_grad_norm_
    >>> total_norm = clip_grad_norm_(model.parameters(), max_norm=1.0)  # doctest: +SKIP
"""

from __future__ import annotations

from .clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
