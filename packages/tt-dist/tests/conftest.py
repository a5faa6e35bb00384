"""Shared fixtures for tt-dist's tests (module 21).

``mpirun(script, *args, n=2)`` runs ``packages/tt-dist/tests/workers/<script>``
under ``mpiexec -n n`` with this interpreter, and returns the finished
process (stdout, stderr, returncode). The ranks inherit the environment
(``PYTHONPATH`` included, so a mutation run's copy of the sources is the one
they import) with one BLAS thread each: two ranks on two cores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WORKERS = Path(__file__).resolve().parent / "workers"


def mpiexec() -> str:
    """The ``mpiexec`` beside this interpreter (the ``mpich`` wheel's), else the one on ``PATH``."""
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.fail(
            "module 21's tests need MPI: no mpiexec beside this Python or on PATH; install tt-dist's "
            "dependencies (`pip install -e packages/tt-dist` brings mpi4py and the mpich wheel)"
        )
    return found


@pytest.fixture(scope="session")
def mpirun():
    def run(script: str, *args: str, n: int = 2, timeout: float = 120.0) -> subprocess.CompletedProcess:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        command = [mpiexec(), "-n", str(n), sys.executable, str(WORKERS / script), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)

    return run
