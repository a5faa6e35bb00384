"""Run under ``mpiexec -n 2`` by test_dist_ddp_buffer_sync.py: which buffers DDP syncs, and when.

PyTorch 2.13's rule: ``broadcast_buffers=False`` (deprecated) syncs the buffers neither at
construction nor in forward; ``forward_sync_buffers=False`` still syncs them at construction; by
default both. Each rank gives a BatchNorm's ``running_mean`` its own value before wrapping, records
it after construction, sets it again and records it after an evaluation-mode forward (which does
not update it). Each rank writes ``OUT.<rank>.json``.
"""

from __future__ import annotations

import json
import sys
import warnings

import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn

CASES = {"default": {}, "broadcast_buffers=False": {"broadcast_buffers": False}}
CASES["forward_sync_buffers=False"] = {"forward_sync_buffers": False}
CASES["both"] = {"broadcast_buffers": False, "forward_sync_buffers": True}


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    record = {}
    for case, options in CASES.items():
        norm = nn.BatchNorm1d(2)
        norm.running_mean.fill_(float(rank + 1))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ddp = dist.DistributedDataParallel(norm, **options)
        after_init = norm.running_mean.numpy().tolist()
        norm.running_mean.fill_(float(rank + 10))
        ddp.eval()
        ddp(autograd.ones(3, 2))
        record[case] = {
            "init": after_init,
            "forward": norm.running_mean.numpy().tolist(),
            "flag": ddp.forward_sync_buffers,
            "warnings": [str(w.category.__name__) for w in caught],
        }
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
