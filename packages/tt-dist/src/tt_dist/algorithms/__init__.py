"""``torch.distributed.algorithms``: training algorithms built on the collectives (DDP's comm hooks)."""
