"""``tt.nn.utils``: gradient clipping (``torch.nn.utils``), from tt-optim."""

from __future__ import annotations

from tt_optim.utils import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
