"""Run under ``mpiexec -n 2`` by test_dist_ddp_model_checks.py: DDP on replicas built differently.

Each case builds a model that differs between the ranks, wraps it, and records
what ``DistributedDataParallel`` raised on this rank (or that it wrapped the
model). Without the check the job hangs or MPI fails with its own words.
Each rank writes ``OUT.<rank>.json``.
"""

from __future__ import annotations

import json
import sys

import tt_autograd
import tt_dist as dist
import tt_nn as nn


def models(rank: int) -> dict[str, nn.Module]:
    """One model per case; rank 1's differs from rank 0's except in ``same``."""
    extra = [nn.Linear(4, 4)] if rank == 1 else []
    return {
        "same": nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)),
        "width": nn.Linear(4, 3 if rank == 0 else 2),
        "extra_layer": nn.Sequential(nn.Linear(4, 4), *extra),
        "missing_layer": nn.Sequential(nn.Linear(4, 4), *([nn.Linear(4, 4)] if rank == 0 else [])),
        "dtype": nn.Linear(4, 3).double() if rank == 1 else nn.Linear(4, 3),
        "buffer": nn.BatchNorm1d(3 if rank == 0 else 5, affine=False),
        "renamed": nn.Sequential(*([nn.Identity()] if rank == 1 else []), nn.Linear(4, 3)),
    }


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    record = {}
    for case, model in models(rank).items():
        try:
            dist.DistributedDataParallel(model)
            record[case] = "wrapped"
        except RuntimeError as error:
            record[case] = str(error)
        dist.barrier()  # the ranks stay in step after an error
    for init_sync in (False, True):  # replicas built with each rank's own seed
        tt_autograd.manual_seed(rank)
        model = nn.Linear(3, 2)
        dist.DistributedDataParallel(model, init_sync=init_sync)
        record[f"init_sync_{init_sync}"] = model.weight.detach().numpy().tolist()
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


if __name__ == "__main__":
    main(sys.argv[1])
