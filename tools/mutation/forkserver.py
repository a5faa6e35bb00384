"""A fork server for pytest runs: the interpreter, pytest, NumPy and hypothesis start once.

Run as a script in a repository copy (``python forkserver.py``, cwd = the copy,
``PYTHONPATH`` = its ``packages/*/src``), it imports the heavy, never-mutated
modules and then serves one JSON request per stdin line,
``{"args": [...], "env": {...}, "log": path, "timeout": seconds or null}``: it
forks, the child runs ``pytest.main(args)`` with its output in ``log``, and it
answers ``{"code": exit code or null on timeout, "seconds": wall time}``. The
packages under test are imported only in the children, so each sees the mutant
written just before. A child that runs over its timeout is killed with its
process group. POSIX only; the caller falls back to one subprocess per run.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def serve() -> None:
    import numpy  # noqa: F401  (imported once, shared by every child)
    import pytest

    try:
        import hypothesis  # noqa: F401
    except ImportError:
        pass
    sys.path[0] = os.getcwd()  # the copy's root, where the pytest plugin lies, not this folder
    for line in sys.stdin:
        request = json.loads(line)
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: run pytest once and leave without cleanup handlers
            code = 3
            try:
                os.setpgid(0, 0)
                os.environ.update(request["env"])
                log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(log, 1)
                os.dup2(log, 2)
                code = int(pytest.main(request["args"]))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        code = _wait(pid, None if request["timeout"] is None else start + request["timeout"])
        sys.stdout.write(json.dumps({"code": code, "seconds": time.perf_counter() - start}) + "\n")
        sys.stdout.flush()


def _wait(pid: int, deadline: float | None) -> int | None:
    """The child's exit code, or None once it was killed for running past ``deadline``."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if deadline is not None and time.perf_counter() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return None
        time.sleep(0.005)


if __name__ == "__main__":
    serve()
