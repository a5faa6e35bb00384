"""Figures of tt-perf that need matplotlib (the ``plot`` extra, installed by ``nox -s tests``).

Kept out of the ``test_NN_*`` files: a module's own session installs NumPy and
pytest only, and a missing optional dependency must fail a test, not skip it.
"""

from __future__ import annotations

from tt_perf.benchmarking import ParetoPoint, plot_pareto


def test_plot_pareto_writes_a_png(tmp_path):
    points = [ParetoPoint(name, a, t, s) for name, a, t, s in
              [("fp32", 0.99, 4.0, 4e5), ("int8", 0.985, 2.0, 1e5), ("worse", 0.98, 3.0, 2e5)]]  # fmt: skip
    path = plot_pareto(points, tmp_path / "pareto.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
