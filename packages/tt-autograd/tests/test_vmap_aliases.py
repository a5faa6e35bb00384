"""vmap of the alias methods (``multiply``, ``arccos``, ``clip``, ``greater``, ...), of the methods
written with other methods (``tile``, ``broadcast_to``, ``split_with_sizes``, ``narrow_copy``, ...)
and of the linear-algebra methods whose Functions have batching rules (``cholesky``, ``svd``, ...).

An alias calls its target, so under vmap it must reach the target's batching rule, not the
per-sample loop (the loop's warning is an error here); so must a composite method. Values and
per-sample gradients against the loop, through the ``vmap_agrees`` fixture.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

B = 3
GEN = np.random.default_rng(3031)


def floats(*shape, low=-0.9, high=0.9):
    return autograd.tensor(GEN.uniform(low, high, shape), dtype=autograd.float64)


UNARY = {  # name: (call, input)
    "arccos": (lambda a: a.arccos(), floats(B, 4)),
    "arcsinh": (lambda a: a.arcsinh(), floats(B, 4)),
    "arctanh": (lambda a: a.arctanh(), floats(B, 4)),
    "clip": (lambda a: a.clip(-0.5, 0.2), floats(B, 4)),
    "negative": (lambda a: a.negative() * a, floats(B, 4)),
    "fix": (lambda a: (a * 3).fix() * a, floats(B, 4)),
    "swapdims": (lambda a: a.swapdims(0, 1) * 2, floats(B, 2, 3)),
    "tile": (lambda a: a.tile(2, 1, 2), floats(B, 2, 3)),
    "broadcast_to": (lambda a: a.broadcast_to((4, 2, 3)) * 2, floats(B, 1, 3)),
    "split_with_sizes": (lambda a: a.split_with_sizes([1, 2], dim=1)[1] ** 2, floats(B, 2, 3)),
    "unsafe_chunk": (lambda a: a.unsafe_chunk(2, dim=-1)[0] * 3, floats(B, 2, 4)),
    "unsafe_split": (lambda a: a.unsafe_split(1)[1] ** 2, floats(B, 2, 3)),
    "narrow_copy": (lambda a: a.narrow_copy(1, 1, 2) ** 2, floats(B, 2, 3)),
    "dsplit": (lambda a: a.dsplit(2)[1] * 2, floats(B, 2, 3, 4)),
}

BINARY = {
    "multiply": lambda a, b: a.multiply(b),
    "subtract": lambda a, b: a.subtract(b, alpha=2),
    "divide": lambda a, b: a.divide(b + 2),
    "arctan2": lambda a, b: a.arctan2(b),
    "ger": lambda a, b: a[0].ger(b[0]),
}

COMPARISONS = ["greater", "greater_equal", "less", "less_equal", "not_equal"]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_aliases_and_composites_take_the_rules(name, vmap_agrees):
    call, x = UNARY[name]
    vmap_agrees(call, x, argnums=0)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_aliases_take_the_rules(name, vmap_agrees):
    vmap_agrees(BINARY[name], floats(B, 2, 3), floats(B, 2, 3), argnums=(0, 1))
    vmap_agrees(BINARY[name], floats(B, 2, 3), floats(2, 3), in_dims=(0, None), argnums=0)


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparison_aliases_take_the_rules(name, vmap_agrees):
    x, y = floats(B, 4), floats(4, B)
    y[:, 0] = x[0]  # (ties, where greater and greater_equal differ)
    vmap_agrees(lambda a, b: getattr(a, name)(b), x, y, in_dims=(0, 1))


def test_ndimension_is_the_logical_one(vmap_agrees):
    vmap_agrees(lambda a: a * a.ndimension(), floats(B, 2, 3))


def spd(*batch):
    """Symmetric positive definite 3x3 matrices (well conditioned)."""
    a = GEN.standard_normal((*batch, 3, 3))
    return autograd.tensor(a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3))


LINALG = {  # name: (call, inputs, in_dims, argnums of the gradient check or None)
    "cholesky": (lambda a: a.cholesky(), [spd(B)], 0, 0),
    "cholesky_upper": (lambda a: a.cholesky(upper=True), [spd(B)], 0, 0),
    "cholesky_inverse": (lambda a: a.cholesky().cholesky_inverse(), [spd(B)], 0, 0),
    "cholesky_solve": (lambda b, a: b.cholesky_solve(a.cholesky()), [floats(B, 3, 2), spd(B)], 0, (0, 1)),
    "logdet": (lambda a: a.logdet(), [spd(B)], 0, 0),
    "slogdet": (lambda a: a.slogdet()[1] * a.slogdet()[0], [spd(B)], 0, 0),
    "pinverse": (lambda a: a.pinverse(), [spd(B)], 0, 0),
    "matrix_exp": (lambda a: (a * 0.1).matrix_exp(), [spd(B)], 0, 0),
    "matrix_power": (lambda a: a.matrix_power(3), [spd(B)], 0, 0),
    "matrix_power_inverse": (lambda a: a.matrix_power(-2), [spd(B)], 0, 0),
    "qr": (lambda a: a.qr()[1], [spd(B)], 0, 0),
    "svd": (lambda a: a.svd()[1], [spd(B)], 0, 0),
    "lu": (lambda a: a.lu()[0], [spd(B)], 0, None),
    "lu_solve": (lambda b, a: b.lu_solve(*a.lu()), [floats(B, 3, 2), spd(B)], 0, 0),
    "triangular_solve": (
        lambda b, a: b.triangular_solve(a.cholesky())[0],
        [floats(B, 3, 2), spd(B)],
        0,
        (0, 1),
    ),
    "shared_matrix": (lambda b, a: b.cholesky_solve(a.cholesky()), [floats(B, 3, 2), spd()], (0, None), 0),
    "bitwise_not": (lambda a: (a > 0).bitwise_not(), [floats(B, 4)], 0, None),
    "sum_to_size": (lambda a: a.sum_to_size(1, 3), [floats(B, 2, 3)], 0, 0),
}


@pytest.mark.filterwarnings("ignore:torch.triangular_solve is deprecated")
@pytest.mark.parametrize("name", sorted(LINALG))
def test_linalg_and_other_methods_take_their_functions_rules(name, vmap_agrees):
    call, inputs, in_dims, argnums = LINALG[name]
    vmap_agrees(call, *inputs, in_dims=in_dims, argnums=argnums)
