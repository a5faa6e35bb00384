"""pytest plugin of ``tools/check_curriculum.py``: what every test did, and what failed to collect.

Loaded with ``-p curriculum_report`` (``tools/`` on ``PYTHONPATH``); writes JSON to the
path in ``$TT_CURRICULUM_REPORT`` at the end of the session::

    {"collected": [nodeid, ...],
     "outcomes": {nodeid: "passed" | "failed" | "skipped"},
     "collection_errors": [{"nodeid": ..., "message": ...}]}

A test's outcome is "failed" if any of its phases (setup, call, teardown) failed,
"skipped" if it was skipped (xfail included), else "passed".

Only pass or fail matters here, so Hypothesis (when installed) runs without shrinking
and without its example database: on stubs every property test fails, and shrinking
each failure to a minimal example took minutes for module 01 alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

_collected: list[str] = []
_outcomes: dict[str, str] = {}
_errors: list[dict[str, str]] = []


def pytest_configure(config) -> None:
    try:
        from hypothesis import Phase, settings
    except ImportError:
        return
    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    settings.register_profile("tt-curriculum", phases=phases, database=None)
    settings.load_profile("tt-curriculum")


def pytest_collectreport(report) -> None:
    if report.failed:
        _errors.append({"nodeid": report.nodeid, "message": str(report.longrepr)[-1500:]})


def pytest_collection_finish(session) -> None:
    _collected.extend(item.nodeid for item in session.items)


def pytest_runtest_logreport(report) -> None:
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.skipped and _outcomes.get(report.nodeid) != "failed":
        _outcomes[report.nodeid] = "skipped"
    elif report.when == "call" and report.nodeid not in _outcomes:
        _outcomes[report.nodeid] = "passed"


def pytest_sessionfinish(session, exitstatus) -> None:
    data = {"collected": _collected, "outcomes": _outcomes, "collection_errors": _errors}
    Path(os.environ["TT_CURRICULUM_REPORT"]).write_text(json.dumps(data, indent=1))
