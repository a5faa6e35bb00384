"""``torch.cond`` and ``torch.while_loop``: PyTorch's control-flow operators, run eagerly.

In PyTorch they exist so that a compiler (``torch.compile``, ``torch.export``) can
capture a branch or a loop whose choice depends on tensor values. TinyTorch runs
eagerly, as PyTorch itself does outside a compiler: ``cond`` calls the branch the
predicate picks, ``while_loop`` loops in Python, and autograd records whichever ops
ran. The argument checks are PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tt_autograd

__all__ = ["cond", "while_loop"]


def cond(pred: Any, true_fn: Callable, false_fn: Callable, operands: tuple | list = ()) -> Any:
    """``true_fn(*operands)`` if ``pred`` (a bool or 1-element tensor) else ``false_fn(*operands)``."""
    if isinstance(pred, tt_autograd.Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        pred = bool(pred.detach().item())
    elif not isinstance(pred, (bool, int, float)):
        raise RuntimeError(
            f"Expected pred to be bool or single-element tensor, but got {type(pred).__name__}."
        )
    if not isinstance(operands, (tuple, list)):
        raise RuntimeError(f"Expected operands to be a tuple or list, but got {type(operands).__name__}.")
    if not (callable(true_fn) and callable(false_fn)):
        raise RuntimeError("Expected true_fn and false_fn to be callable.")
    return true_fn(*operands) if pred else false_fn(*operands)


def while_loop(cond_fn: Callable, body_fn: Callable, carried_inputs: tuple | list) -> tuple:
    """Run ``carried = body_fn(*carried)`` while ``cond_fn(*carried)``; return the final ``carried`` tuple.

    ``body_fn`` must return as many values as it takes, and ``cond_fn`` a bool or a
    one-element tensor, as in PyTorch.
    """
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"carried_inputs must be a tuple or list, got {type(carried_inputs).__name__}")
    carried = tuple(carried_inputs)
    while _truth(cond_fn(*carried)):
        result = body_fn(*carried)
        result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(result) != len(carried):
            raise RuntimeError(
                f"while_loop: body_fn must return as many values as it takes ({len(carried)}), "
                f"got {len(result)}"
            )
        carried = result
    return carried


def _truth(value: Any) -> bool:
    if isinstance(value, tt_autograd.Tensor):
        if value.numel() != 1:
            raise RuntimeError(
                "while_loop: cond_fn must return a bool or a one-element tensor, got shape "
                f"{tuple(value.shape)}"
            )
        return bool(value.detach().item())
    if isinstance(value, (bool, int)):
        return bool(value)
    raise RuntimeError(
        f"while_loop: cond_fn must return a bool or a one-element tensor, got {type(value).__name__}"
    )
