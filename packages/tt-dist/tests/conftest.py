"""Shared fixtures for tt-dist's tests (module 21).

``mpirun(script, *args, n=2)`` runs ``packages/tt-dist/tests/workers/<script>``
under ``mpiexec -n n`` with this interpreter, and returns the finished
process (stdout, stderr, returncode). The ranks inherit the environment
(``PYTHONPATH`` included, so a mutation run's copy of the sources is the one
they import) with one BLAS thread each: two ranks on two cores.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
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


def remove_abandoned_segments(older_than: float = 5.0) -> list[Path]:
    """Remove MPICH's shared-memory segments that an aborted job left behind; return them.

    A job that ends in ``MPI_Abort`` (the abort-on-error and timeout tests) never reaches
    ``MPI_Finalize``, so the ``/dev/shm/mpich_shm_*`` segments its ranks made stay, each a few MB
    of RAM, run after run. A segment is abandoned when no running process maps or holds it open
    and it is older than ``older_than`` seconds (a job still starting has just made and maps its
    own): the other tests' jobs, running at the same time under xdist, keep theirs.
    """
    shm = Path("/dev/shm")
    segments = sorted(shm.glob("mpich_shm_*")) if shm.is_dir() else []
    if not segments:
        return []
    in_use: set[str] = set()
    for process in Path("/proc").glob("[0-9]*"):
        try:
            in_use.update(line.rsplit(" ", 1)[-1] for line in (process / "maps").read_text().splitlines()
                          if "/dev/shm/mpich_shm_" in line)  # fmt: skip
            in_use.update(os.readlink(fd) for fd in (process / "fd").iterdir())
        except OSError:  # (a process that ended meanwhile, or one we may not read)
            continue
    now = time.time()
    abandoned = []
    for segment in segments:
        try:
            if str(segment) not in in_use and now - segment.stat().st_mtime > older_than:
                segment.unlink()
                abandoned.append(segment)
        except OSError:  # (removed by another test meanwhile)
            continue
    return abandoned


def remove_abandoned_topology_files(older_than: float = 10.0) -> list[Path]:
    """Remove the topology files MPICH's launcher left in ``/tmp`` after aborted jobs; return them.

    ``mpiexec`` (hydra) writes the machine's hwloc topology to ``/tmp/hydra_hwloc_xmlfile_*`` (a
    fixed directory: ``TMPDIR`` is not read) for its proxies, and deletes it when the job ends, but
    not after ``MPI_Abort``: 5 kB per aborted job, run after run. Proxies read the file once, when
    they start (well within ``older_than`` seconds, even on a loaded machine), so an older one is no
    longer needed even if its job is still running (deleting it under a running job was tried: the
    job ends normally). Called after each job that did not exit 0 and when the test session ends
    (the aborts of a run come close together: the first calls find their files still young).
    """
    now = time.time()
    abandoned = []
    for topology in sorted(Path("/tmp").glob("hydra_hwloc_xmlfile_*")):
        try:
            if topology.stat().st_uid == os.getuid() and now - topology.stat().st_mtime > older_than:
                topology.unlink()
                abandoned.append(topology)
        except OSError:  # (removed by another test meanwhile)
            continue
    return abandoned


def pytest_sessionfinish(session, exitstatus):
    remove_abandoned_topology_files()


@pytest.fixture(scope="session")
def mpirun():
    def run(script: str, *args: str, n: int = 2, timeout: int = 60) -> subprocess.CompletedProcess:
        """Run the worker; past ``timeout`` seconds the whole job is killed and the test fails.

        A hung job (ranks waiting in mismatched collectives, say) must not outlive the test:
        ``MPIEXEC_TIMEOUT`` makes MPICH's launcher end it, and the launcher runs in its own
        process group, which is killed as a whole if it has not.
        """
        one_thread = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "TINYTORCH_NUM_THREADS": "1"}
        env = {**os.environ, **one_thread, "MPIEXEC_TIMEOUT": str(timeout)}
        command = [mpiexec(), "-n", str(n), sys.executable, str(WORKERS / script), *args]
        job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)  # fmt: skip
        try:
            stdout, stderr = job.communicate(timeout=timeout + 10)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            stdout, stderr = job.communicate()
            pytest.fail(f"mpiexec -n {n} {script} did not finish in {timeout} s:\n{stdout}\n{stderr}")
        finally:
            if job.returncode != 0:
                remove_abandoned_segments()
                remove_abandoned_topology_files()
        return subprocess.CompletedProcess(command, job.returncode, stdout, stderr)

    return run


@pytest.fixture(scope="session", params=[2, 3], ids=["2 ranks", "3 ranks"])
def fsdp_ranks(request, mpirun, tmp_path_factory):
    """Each rank's record of ``workers/fsdp_checks.py`` under ``mpiexec -n 2`` and ``-n 3`` (one run each).

    Shared by ``test_dist_fsdp.py`` and ``test_dist_fsdp_release.py``.
    """
    n = request.param
    out = tmp_path_factory.mktemp(f"fsdp{n}") / "out"
    done = mpirun("fsdp_checks.py", str(out), n=n, timeout=180)
    assert done.returncode == 0, f"mpiexec -n {n} fsdp_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return [json.loads(out.with_name(f"out.{rank}.json").read_text()) for rank in range(n)]
