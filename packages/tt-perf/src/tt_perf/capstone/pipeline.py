"""``optimize``: apply optimisation passes one after another, keep each only if quality holds.

The capstone's loop is the one a systems engineer runs by hand: measure the
starting model; try a pass (fold batch norm, prune, quantize, ...) on a
*copy*; measure the result; keep it if accuracy is still within the budget,
otherwise throw it away and try the next pass on the last good model; stop
as soon as every limit of the budget is met (further passes would only risk
accuracy). The report lists every stage — kept or not, and why — so the
result can be audited, and says whether the final model meets the budget.

A pass is ``(name, function)`` where ``function(model) -> model`` may change
the copy it is given in place or return a new model.

Example:
    >>> import numpy as np, tt_autograd as autograd, tt_nn as nn
    >>> model = nn.Linear(8, 2)
    >>> halve = ("float16 weights", lambda m: m)  # a stand-in pass that changes nothing
    >>> report = optimize(model, [halve], evaluate=lambda m: 0.9, example=autograd.zeros(1, 8),
    ...                   budget=Budget(max_accuracy_drop=0.01), repeats=3)
    >>> report.met, [s.kept for s in report.stages]
    (True, [])
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tt_nn import Module

from .budget import Budget, Measurement
from .measure import measure

Pass = tuple[str, Callable[[Module], Module]]


@dataclass
class Stage:
    """One pass tried: its measurement, whether it was kept, and the reason if not."""

    measurement: Measurement
    kept: bool
    reason: str = ""


@dataclass
class CapstoneReport:
    """The start, every stage tried, the final model and whether it meets the budget."""

    budget: Budget
    start: Measurement
    stages: list[Stage] = field(default_factory=list)
    model: Module | None = None

    @property
    def final(self) -> Measurement:
        """The measurement of the last kept stage (the start if none was kept)."""
        kept = [s.measurement for s in self.stages if s.kept]
        return kept[-1] if kept else self.start

    @property
    def violations(self) -> list[str]:
        return self.budget.violations(self.final, self.start)

    @property
    def met(self) -> bool:
        return not self.violations

    def table(self) -> str:
        """An aligned text table: accuracy, size, latency and the ratios against the start."""
        rows = [("stage", "kept", "accuracy", "size", "smaller", "p90 latency", "faster", "note")]
        for stage in [Stage(self.start, True, "start"), *self.stages]:
            m = stage.measurement
            rows.append(
                (
                    m.name,
                    "yes" if stage.kept else "no",
                    f"{m.accuracy:.2%}",
                    f"{m.size_bytes / 1024:,.1f} KiB",
                    f"{self.start.size_bytes / m.size_bytes:.2f}x",
                    f"{m.latency_ms:.3f} ms",
                    f"{self.start.latency_ms / m.latency_ms:.2f}x",
                    stage.reason,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)

    def to_dict(self) -> dict:
        return {
            "start": self.start.to_dict(),
            "stages": [dict(s.measurement.to_dict(), kept=s.kept, reason=s.reason) for s in self.stages],
            "final": self.final.to_dict(),
            "met": self.met,
            "violations": self.violations,
        }


def optimize(
    model: Module,
    passes: Sequence[Pass],
    evaluate: Callable[[Module], float],
    example: object,
    budget: Budget,
    repeats: int = 50,
    stop_when_met: bool = True,
) -> CapstoneReport:
    """Apply ``passes`` in order to copies of ``model``, keeping those that keep quality within ``budget``.

    Args:
        model: the starting model (never modified).
        passes: ``(name, function)`` pairs; ``function(copy_of_model) -> model``.
        evaluate: accuracy of a model in [0, 1] (the same data for every stage).
        example: one input of batch 1, for the latency measurement.
        budget: the limits; accuracy limits decide whether a pass is kept.
        repeats: forward passes per latency measurement.
        stop_when_met: stop trying passes once the whole budget is met.

    Returns:
        a :class:`CapstoneReport`; ``report.model`` is the final model.

    Cost: one evaluation and ``repeats`` forward passes per stage, plus a deep copy of the model.
    """
    # BEGIN SOLUTION 20
    # TODO: apply each pass to a copy of the current model, measure it, keep it if it stays within the
    #   budget's accuracy, record every step in the report (§ How it is built, pipeline.py).
    # HINT: a pass that does not return a Module is an error naming the pass; stop early when met if asked.
    start = measure(model, "start", evaluate, example, repeats)
    report = CapstoneReport(budget, start, model=model)
    current = model
    for name, apply in passes:
        if stop_when_met and report.met:
            break
        candidate = apply(copy.deepcopy(current))
        if not isinstance(candidate, Module):
            raise TypeError(f"optimize: pass {name!r} returned {type(candidate).__name__}, not a Module")
        result = measure(candidate, name, evaluate, example, repeats)
        if budget.keeps_quality(result, start):
            report.stages.append(Stage(result, kept=True))
            current = candidate
        else:
            lost = budget.violations(result, start)
            reason = next(p for p in lost if "accuracy" in p)
            report.stages.append(Stage(result, kept=False, reason=reason))
    report.model = current
    return report
    # END SOLUTION
