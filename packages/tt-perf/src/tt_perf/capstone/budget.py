"""What a deployed model must meet (``Budget``) and what a model measures (``Measurement``).

A budget is a set of limits, each optional: accuracy at least ``min_accuracy``
or at most ``max_accuracy_drop`` below the starting model, size at most
``max_size_bytes`` (or ``min_size_ratio`` times smaller than the start),
latency at most ``max_latency_ms`` (or ``min_speedup`` times faster). The
relative forms are what a capstone usually states: "four times smaller, twice
as fast, at most one point of accuracy lost".

Example:
    >>> budget = Budget(max_accuracy_drop=0.01, min_size_ratio=4.0)
    >>> start = Measurement("float32", accuracy=0.84, size_bytes=400_000, latency_ms=2.0)
    >>> budget.violations(Measurement("int8", 0.835, 100_000, 1.9), start)
    []
    >>> budget.violations(Measurement("int8", 0.82, 100_000, 1.9), start)
    ['accuracy 82.00% is 2.00 points below the start (84.00%); the budget allows 1.00']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Measurement:
    """One model, measured: test accuracy (0–1), size in bytes, p90 single-sample latency in ms.

    ``speedup``, when given, is the start's p90 over this model's, both timed
    in the same interleaved rounds (:func:`~tt_perf.capstone.paired_latency_ms`):
    the ratio the budget judges, immune to the machine's load drifting
    between two separate measurements. Without it the ratio of the two
    ``latency_ms`` is used. ``median_speedup`` (reported, never judged) is
    the median over those rounds of the start's time over this model's: what
    the model itself gains where a loaded machine's preemptions set every p90.
    """

    name: str
    accuracy: float
    size_bytes: int
    latency_ms: float
    speedup: float | None = None
    median_speedup: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Budget:
    """Limits a model must meet; ``None`` means "no limit". Relative limits compare with the start."""

    min_accuracy: float | None = None
    max_accuracy_drop: float | None = None
    max_size_bytes: int | None = None
    min_size_ratio: float | None = None
    max_latency_ms: float | None = None
    min_speedup: float | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and value < 0:
                raise ValueError(f"Budget: {name} must be non-negative, got {value}")
        for name in ("min_size_ratio", "min_speedup"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"Budget: {name} is a ratio and must be positive, got {value}")

    def violations(self, candidate: Measurement, start: Measurement) -> list[str]:
        """Every limit ``candidate`` breaks, as sentences; an empty list means it meets the budget."""
        # BEGIN SOLUTION 20
        # TODO: one sentence per limit the candidate breaks (minimum accuracy, accuracy drop from the start,
        #   size, latency, each absolute or relative to the start); an empty list when it meets the budget.
        problems = []
        if self.min_accuracy is not None and candidate.accuracy < self.min_accuracy:
            problems.append(
                f"accuracy {candidate.accuracy:.2%} is below the required {self.min_accuracy:.2%}"
            )
        drop = start.accuracy - candidate.accuracy
        if self.max_accuracy_drop is not None and drop > self.max_accuracy_drop + 1e-12:
            problems.append(
                f"accuracy {candidate.accuracy:.2%} is {drop * 100:.2f} points below the start "
                f"({start.accuracy:.2%}); the budget allows {self.max_accuracy_drop * 100:.2f}"
            )
        if self.max_size_bytes is not None and candidate.size_bytes > self.max_size_bytes:
            problems.append(f"size {candidate.size_bytes:,} B exceeds {self.max_size_bytes:,} B")
        ratio = start.size_bytes / candidate.size_bytes
        if self.min_size_ratio is not None and ratio < self.min_size_ratio:
            problems.append(
                f"size is {ratio:.2f}x smaller than the start; the budget asks {self.min_size_ratio}x"
            )
        if self.max_latency_ms is not None and candidate.latency_ms > self.max_latency_ms:
            problems.append(f"latency {candidate.latency_ms:.3f} ms exceeds {self.max_latency_ms} ms")
        speedup = candidate.speedup
        if speedup is None:
            speedup = start.latency_ms / candidate.latency_ms
        if self.min_speedup is not None and speedup < self.min_speedup:
            problems.append(
                f"latency is {speedup:.2f}x faster than the start; the budget asks {self.min_speedup}x"
            )
        return problems
        # END SOLUTION

    def describe(self) -> str:
        """The limits in words, e.g. ``"accuracy drop <= 1.00 points, >= 3.5x smaller"``."""
        words = {
            "min_accuracy": lambda v: f"accuracy >= {v:.2%}",
            "max_accuracy_drop": lambda v: f"accuracy drop <= {v * 100:.2f} points",
            "max_size_bytes": lambda v: f"size <= {v:,} B",
            "min_size_ratio": lambda v: f">= {v}x smaller",
            "max_latency_ms": lambda v: f"latency <= {v} ms",
            "min_speedup": lambda v: f">= {v}x faster",
        }
        limits = [say(getattr(self, name)) for name, say in words.items() if getattr(self, name) is not None]
        return ", ".join(limits) or "no limits"

    def keeps_quality(self, candidate: Measurement, start: Measurement) -> bool:
        """Whether ``candidate`` meets the accuracy limits alone (what a pass may never give up)."""
        quality = Budget(min_accuracy=self.min_accuracy, max_accuracy_drop=self.max_accuracy_drop)
        return not quality.violations(candidate, start)
