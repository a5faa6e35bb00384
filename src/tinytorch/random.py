"""``torch.random``: the default generator's seed and state, and ``fork_rng``.

The same functions as at the top level (``tt.manual_seed`` is ``tt.random.manual_seed``);
they live in :mod:`tt_tensor.random`.
"""

from __future__ import annotations

from tt_tensor.random import (
    default_generator,
    fork_rng,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)

__all__ = [
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]
