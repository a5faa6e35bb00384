"""``ReduceLROnPlateau.step(metrics, epoch)``: PyTorch 2.13 still takes the deprecated ``epoch`` (with a
UserWarning) and sets ``last_epoch`` to it (tools/parity/sweep_signatures.py found it refused). The
figures are PyTorch 2.13's: patience 0, factor 0.5, metrics 1, 2, 3 with epoch 7 at the second."""

from __future__ import annotations

import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim import SGD
from tt_optim.lr_scheduler_extra import ReduceLROnPlateau


def test_epoch_sets_last_epoch_with_a_warning_and_the_reduction_follows_the_metrics():
    optimizer = SGD([nn.Parameter(autograd.ones(1))], lr=1.0)
    scheduler = ReduceLROnPlateau(optimizer, patience=0, factor=0.5)
    scheduler.step(1.0)
    assert (scheduler.last_epoch, optimizer.param_groups[0]["lr"]) == (1, 1.0)
    with pytest.warns(UserWarning, match="epoch argument is deprecated") as caught:
        scheduler.step(2.0, 7)
    assert caught[0].filename == __file__  # (stacklevel: the warning points at the caller's line)
    assert (scheduler.last_epoch, optimizer.param_groups[0]["lr"]) == (7, 0.5)
    scheduler.step(3.0)
    assert (scheduler.last_epoch, optimizer.param_groups[0]["lr"]) == (8, 0.25)
    assert scheduler.get_last_lr() == [0.25]
