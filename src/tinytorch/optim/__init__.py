"""``tt.optim``: optimizers and learning-rate schedules, like ``torch.optim`` (from tt-optim).

Example:
    >>> import tinytorch as tt
    >>> optimizer = tt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)  # doctest: +SKIP
    >>> scheduler = tt.optim.lr_scheduler.StepLR(optimizer, step_size=10)  # doctest: +SKIP
    >>> ema = tt.optim.swa_utils.AveragedModel(model)  # doctest: +SKIP
"""

from __future__ import annotations

from tt_optim import (
    ASGD,
    LBFGS,
    SGD,
    Adadelta,
    Adafactor,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Muon,
    NAdam,
    Optimizer,
    RAdam,
    RMSprop,
    Rprop,
)

from . import lr_scheduler, swa_utils

__all__ = [
    "ASGD",
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "LBFGS",
    "Muon",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "lr_scheduler",
    "swa_utils",
]
