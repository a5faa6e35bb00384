"""``torch.distributed.algorithms.ddp_comm_hooks``: hooks for ``DistributedDataParallel.register_comm_hook``.

:mod:`~tt_dist.algorithms.ddp_comm_hooks.default_hooks` has PyTorch's default
ones: the plain all-reduce, and all-reduces of float16 or bfloat16 copies;
:mod:`~tt_dist.algorithms.ddp_comm_hooks.powerSGD_hook` PowerSGD's low-rank compression.
"""

from . import default_hooks, powerSGD_hook

__all__ = ["default_hooks", "powerSGD_hook"]
