"""``tt.utils.checkpoint``: activation checkpointing, as ``torch.utils.checkpoint`` (from tt-autograd).

``checkpoint(fn, *args)`` keeps only ``fn``'s inputs for backward and runs it
again there; ``checkpoint_sequential(model, segments, x)`` does it for runs of
an ``nn.Sequential``. How and what it costs: :mod:`tt_autograd.checkpoint`.
"""

from __future__ import annotations

from tt_autograd.checkpoint import checkpoint, checkpoint_sequential

__all__ = ["checkpoint", "checkpoint_sequential"]
