"""LambdaLR / MultiplicativeLR state dicts: a callable object's attributes are saved and restored.

PyTorch's rule (checked against PyTorch 2.13 in a scratch run): a plain function is saved as None,
a callable object as a copy of its ``__dict__``, put back into the new scheduler's object on load.
"""

from __future__ import annotations

import json

import tt_nn as nn
import tt_optim as optim
from tt_autograd import zeros


class Warmup:
    def __init__(self, steps: int) -> None:
        self.steps, self.calls = steps, 0

    def __call__(self, epoch: int) -> float:
        self.calls += 1
        return min(1.0, (epoch + 1) / self.steps)


def _lambda_lr(*functions):
    sgd = optim.SGD([{"params": [nn.Parameter(zeros(1))]} for _ in functions], lr=1.0)
    return sgd, optim.lr_scheduler.LambdaLR(sgd, list(functions))


def test_a_callable_objects_attributes_travel_with_the_state_dict():
    sgd, scheduler = _lambda_lr(Warmup(4), lambda epoch: 0.5)
    for _ in range(3):
        sgd.step()
        scheduler.step()
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"steps": 4, "calls": 4}, None]
    json.dumps(state)  # plain data
    fresh = Warmup(10)
    _, resumed = _lambda_lr(fresh, lambda epoch: 0.25)
    resumed.load_state_dict(state)
    assert (fresh.steps, fresh.calls) == (4, 4) and resumed.last_epoch == 3
    assert resumed.get_lr() == [1.0, 0.25]  # the new lambda is kept: functions are not data
    assert state["lr_lambdas"][0] is not fresh.__dict__  # a copy, not the object's own dict


def test_multiplicative_lr_saves_its_object_too():
    sgd = optim.SGD([nn.Parameter(zeros(1))], lr=1.0)
    scheduler = optim.lr_scheduler.MultiplicativeLR(sgd, Warmup(2))
    assert scheduler.state_dict()["lr_lambdas"] == [{"steps": 2, "calls": 0}]
