"""``torch.utils.data.dataloader``: where PyTorch defines ``DataLoader`` (minGPT imports it from here)."""

from __future__ import annotations

from tt_optim.data import DataLoader, default_collate, default_convert, get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
