"""pytest plugin of ``tito module test``: each test's outcome and the one line that explains it.

``tito`` runs the module's tests in a subprocess with this folder on ``PYTHONPATH``
and ``-p tito_report``; at the end of the session the plugin writes JSON to the
path in ``$TITO_REPORT``::

    {"collected": [nodeid, ...],
     "outcomes": {nodeid: "passed" | "failed" | "skipped"},
     "failures": [{"nodeid", "test": "file:line", "where": "file:line", "message"}],
     "collection_errors": [{"nodeid", "message"}],
     "duration_s": float}

``where`` is the line that raised (the learner's stub, or the test's assert);
``message`` is the exception's message (its first three lines, joined), never a traceback, so
``tito`` can print a short report. Hypothesis, when installed, runs without
shrinking and without its example database: the learner needs to know *that*
a property fails and which input broke it, in seconds, not a minimal example
found after minutes.

A test's outcome is "failed" if any of its phases (setup, call, teardown) failed,
"skipped" if it was skipped (xfail included), else "passed". The curriculum check
(``tools/check_curriculum.py``) reads the same report.

Standard library only: it runs inside the learner's test process.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

_started = time.perf_counter()
_collected: list[str] = []
_outcomes: dict[str, str] = {}
_failures: list[dict[str, str]] = []
_errors: list[dict[str, str]] = []


def pytest_configure(config) -> None:
    try:
        from hypothesis import Phase, settings
    except ImportError:
        return
    settings.register_profile("tito", phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None)
    settings.load_profile("tito")


def _crash(report) -> tuple[str, str]:
    """(``file:line``, one-line message) of the exception behind a failed report."""
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    if crash is None:
        text = str(report.longrepr).strip().splitlines()
        return "", (text[-1] if text else "failed")
    message = [line.strip() for line in crash.message.strip().splitlines() if line.strip()]
    return f"{crash.path}:{crash.lineno}", (" · ".join(message[:3]) if message else "failed")


def pytest_collectreport(report) -> None:
    if report.failed:
        where, message = _crash(report)
        _errors.append({"nodeid": report.nodeid, "where": where, "message": message})


def pytest_collection_finish(session) -> None:
    _collected.extend(item.nodeid for item in session.items)


def pytest_runtest_logreport(report) -> None:
    if report.failed:
        if _outcomes.get(report.nodeid) != "failed":
            where, message = _crash(report)
            path, line, _ = report.location
            test = f"{path}:{(line or 0) + 1}"
            _failures.append({"nodeid": report.nodeid, "test": test, "where": where, "message": message})
        _outcomes[report.nodeid] = "failed"
    elif report.skipped and _outcomes.get(report.nodeid) != "failed":
        _outcomes[report.nodeid] = "skipped"
    elif report.when == "call" and report.nodeid not in _outcomes:
        _outcomes[report.nodeid] = "passed"


def pytest_sessionfinish(session, exitstatus) -> None:
    data = {
        "collected": _collected,
        "outcomes": _outcomes,
        "failures": _failures,
        "collection_errors": _errors,
        "duration_s": round(time.perf_counter() - _started, 2),
    }
    Path(os.environ["TITO_REPORT"]).write_text(json.dumps(data, indent=1))
