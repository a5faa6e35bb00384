"""Checking Functions' forward-mode rules: their ``jvp`` and ``graph_jvp`` against the generic rule.

What: :func:`check_jvp_rules` is to a forward-mode rule what :func:`~tt_autograd.gradcheck` is to a
``backward``: it runs ``f`` (whose operations include ``functions``) with float64 dual inputs and
checks, raising ``AssertionError`` that names the failing check:

1. the recorded rule (``graph_jvp``, or a symmetric op's ``graph_backward`` on the tangent): with every
   primal and tangent requiring grad, the tangent of ``f`` and the gradients of ``⟨tangent, w⟩`` (random
   ``w``) with respect to all primals and tangents equal the generic rule's, the double vjp of
   ``graph_backward`` (what ran with the ``functions``' ``jvp`` and ``graph_jvp`` removed), while the
   double vjp is made to raise: a rule that cuts a path or gets a term wrong differs, and a rule
   missing cannot pass unseen;
2. that tangent equals float64 central differences of ``f`` along the tangents;
3. the one-pass rule (``jvp`` on arrays, or ``graph_jvp`` where there is none): with nothing
   requiring grad, the tangent is the same.

:func:`forward_over_reverse` runs a Hessian-vector product the way those rules serve it (a tangent
through a recorded gradient computation) and reports which Functions still took the double vjp and
how many Function calls the pass made: what a test of a model's rules asserts.

Why: a rule is a second formula for a derivative the double vjp already gives exactly; the three
checks are what every rule's tests need (tt-autograd's, tt-nn's and tt-text's use this one copy).

Cost: ``f`` six times, two recorded backward passes, the double vjp once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from . import forward_ad
from .grad_mode import no_grad
from .gradients import grad
from .tensor import Tensor


def check_jvp_rules(
    f: Callable,
    shapes: Sequence[tuple],
    functions: Sequence[type],
    *,
    seed: int = 0,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> None:
    """Check the forward rules of ``functions`` as ``f`` (of float64 tensors of ``shapes``, each dual)
    runs them (module docstring); inputs and tangents uniform in [-1, 1) from ``seed``."""
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1, 1, s) for s in shapes]
    tangent_values = [rng.uniform(-1, 1, s) for s in shapes]
    with no_grad():
        out_shape = f(*_tensors(values)).shape
    weights = _tensors([rng.uniform(-1, 1, out_shape)])[0]
    removed = [(cls, name, None) for cls in functions for name in ("jvp", "graph_jvp")]
    with _replaced(removed):
        expected = _tangent_and_gradients(f, values, tangent_values, weights)
    with _replaced([(forward_ad, "double_vjp", _refusing("the double vjp ran"))]):
        found = _tangent_and_gradients(f, values, tangent_values, weights)
    names = ["the tangent"] + [f"d⟨tangent, w⟩/d primal {i}" for i in range(len(shapes))]
    names += [f"d⟨tangent, w⟩/d tangent {i}" for i in range(len(shapes))]
    for name, a, b in zip(names, found, expected):
        if (a is None) != (b is None):
            raise AssertionError(f"check_jvp_rules: {name}: the rules give {a}, the double vjp {b}")
        if b is not None:
            _close(a, b, rtol, atol, f"{name} from the recorded rules vs the double vjp")
    h = 1e-6
    with no_grad():
        up, down = (f(*_tensors([v + step * t for v, t in zip(values, tangent_values)])) for step in (h, -h))
    _close(found[0], (up - down) / (2 * h), 1e-6, 1e-8, "the tangent vs central differences")
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(_tensors(values), _tensors(tangent_values))]
        own = forward_ad.unpack_dual(f(*duals)).tangent
    _close(own, found[0], rtol, atol, "the tangent of the one-pass rules vs the recorded ones")


def _tensors(arrays: list) -> list:
    return [Tensor.from_array(np.asarray(a, dtype=np.float64)) for a in arrays]


def _tangent_and_gradients(f: Callable, values: list, tangent_values: list, weights: Tensor) -> tuple:
    primals = [t.requires_grad_() for t in _tensors(values)]
    tangents = [t.requires_grad_() for t in _tensors(tangent_values)]
    with forward_ad.dual_level():
        out = forward_ad.unpack_dual(f(*[forward_ad.make_dual(p, t) for p, t in zip(primals, tangents)]))
    if out.tangent is None or not out.tangent.requires_grad:
        raise AssertionError("check_jvp_rules: the tangent of a function of tensors requiring grad must too")
    found = grad((out.tangent * weights).sum(), primals + tangents, allow_unused=True)
    return (out.tangent.detach(), *found)


def _close(a: Tensor, b: Tensor, rtol: float, atol: float, what: str) -> None:
    try:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    except AssertionError as error:
        raise AssertionError(f"check_jvp_rules: {what} differ:{error}") from None


def _refusing(message: str) -> Callable:
    def refuse(*_: object) -> None:
        raise AssertionError(f"check_jvp_rules: {message}")

    return refuse


@contextmanager
def _replaced(changes: list) -> Iterator[None]:
    """Each ``(owner, name, value)`` set for the while, then put back (deleted if the owner had none)."""
    kept = [(owner, name, owner.__dict__.get(name, _MISSING)) for owner, name, _ in changes]
    try:
        for owner, name, value in changes:
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in reversed(kept):
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


_MISSING = object()


def forward_over_reverse(gradient: Callable, x: Tensor, v: Tensor) -> tuple[Tensor, int, list[type]]:
    """``d/dε gradient(x + ε v)`` at ε = 0 in forward mode over ``gradient``'s recorded reverse pass.

    ``gradient`` maps a point (requiring grad) to the gradient of a scalar there, recorded
    (``tt_autograd.gradients.grad``), so this is the Hessian-vector product ``H v``.

    Returns:
        the product (detached, ``x``'s shape), the number of Function calls the pass made
        (``tracing.record_calls``), and the Function classes that took the double vjp on the way
        (empty when every op on the path has a recorded rule, ``graph_jvp``).
    """
    from .tracing import record_calls

    used: list[type] = []
    double_vjp = forward_ad.double_vjp

    def counted(cls: type, *args: object) -> object:
        used.append(cls)
        return double_vjp(cls, *args)

    with _replaced([(forward_ad, "double_vjp", counted)]), forward_ad.dual_level(), record_calls() as calls:
        point = forward_ad.make_dual(x.detach().requires_grad_(), v)
        tangent = forward_ad.unpack_dual(gradient(point)).tangent
    return tangent.detach(), len(calls), used
