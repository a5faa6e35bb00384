"""``gradcheck``: compare autograd's gradients with float64 central differences.

For a function ``f`` of tensors, the check reduces the output to a scalar
with fixed random weights, ``L = sum(w * f(x))``, computes ``dL/dx`` by
``backward()``, and compares it element by element with
``(L(x + eps) - L(x - eps)) / (2 eps)``. Random weights make every output
element matter, so a wrong gradient cannot cancel out in a plain sum.

Complex tensors (PyTorch's rule): a complex output ``out`` enters the loss as
``Re(conj(w) * out)`` with complex weights ``w``, so its real and imaginary
parts both count; a complex input is perturbed along its real part and along
its imaginary part, and the gradient compared is ``dL/dx + i dL/dy``
(:mod:`tt_autograd.complex_grad`'s convention).

Cost: two evaluations of ``f`` per input element (four for a complex one), so keep inputs small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .grad_mode import enable_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytical gradient disagrees with the numerical one."""


def _outputs(result: object) -> list[Tensor]:
    return list(result) if isinstance(result, (tuple, list)) else [result]  # type: ignore[list-item]


def gradcheck(
    fn: Callable[..., object],
    inputs: Sequence[Tensor] | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s gradients with respect to every input that requires grad.

    Args:
        fn: maps the input tensors to a tensor (or a tuple of tensors).
        inputs: a tensor or a sequence of tensors; those with
            ``requires_grad=True`` are checked and must be float64.
        eps: finite-difference step.
        atol, rtol: allowed error ``|analytical - numerical| <= atol + rtol * |numerical|``.
        raise_exception: raise :class:`GradcheckError` on failure (else return False).

    Returns:
        True if every gradient matches.
    """
    return _compare(fn, inputs, eps, atol, rtol, raise_exception, seed, recorded=False)


def _compare(fn, inputs, eps, atol, rtol, raise_exception, seed, recorded: bool) -> bool:
    """:func:`gradcheck`; with ``recorded``, the analytical side is ``backward(create_graph=True)``'s."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for i in checked:
        if inputs[i].array.dtype not in (np.float64, np.complex128):
            raise ValueError(
                f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64 or complex128 "
                "(use x.double(), or x.to(complex128))"
            )
    for i in checked:  # contiguous, so a flat view perturbs it (np.ascontiguousarray would make 0-d 1-d)
        array = np.asarray(inputs[i].array)  # (a NumPy scalar becomes a 0-d array, writable)
        inputs[i].array = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    rng = np.random.default_rng(seed)
    with enable_grad():
        outputs = _outputs(fn(*inputs))
    weights = [_weights(rng, out) for out in outputs]

    def loss() -> float:
        with enable_grad():  # as PyTorch: fn may take gradients itself (a first derivative, checked again)
            outs = _outputs(fn(*inputs))
            return float(sum(np.sum(np.real(np.conj(w) * out.array)) for w, out in zip(weights, outs)))

    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    with enable_grad():
        total = sum(
            (out * Tensor(np.conj(w))).real.sum() for w, out in zip(weights, outputs) if out.requires_grad
        )
    if isinstance(total, Tensor):
        total.backward(create_graph=recorded)

    for i in checked:
        x = inputs[i]
        analytical = np.zeros(x.shape) if x.grad is None else x.grad.array
        numerical = np.zeros(x.shape, dtype=x.array.dtype)
        flat = x.array.reshape(-1)  # a view: perturbing it perturbs x
        steps = (1, 1j) if x.array.dtype.kind == "c" else (1,)  # along the real, then the imaginary part
        for k in range(flat.size):
            original = flat[k]
            for step in steps:
                flat[k] = original + step * eps
                plus = loss()
                flat[k] = original - step * eps
                minus = loss()
                flat[k] = original
                numerical.reshape(-1)[k] += step * (plus - minus) / (2 * eps)
        error = np.abs(analytical - numerical)
        bad = ~(error <= atol + rtol * np.abs(numerical))  # written so that NaN counts as wrong
        if bad.any():
            flat_index = int(np.argmax(np.where(bad, np.nan_to_num(error, nan=np.inf), -1)))
            where = tuple(int(n) for n in np.unravel_index(flat_index, x.shape))
            name = getattr(fn, "__name__", repr(fn))
            name += " (backward with create_graph=True)" if recorded else ""
            message = (
                f"gradcheck: wrong gradient of {name} for input {i} (shape {x.shape}) at index {where}: "
                f"autograd gave {analytical[where]:.6g}, central differences give {numerical[where]:.6g} "
                f"({int(bad.sum())} of {bad.size} elements differ; max error {error.max():.3g}; both are "
                "gradients of sum(w * output) for fixed random weights w)"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(
    fn: Callable[..., object],
    inputs: Sequence[Tensor] | Tensor,
    grad_outputs: Sequence[Tensor] | Tensor | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s first and second derivatives as the recorded backward computes them.

    First, :func:`gradcheck` with the gradients of ``backward(create_graph=True)``
    (:mod:`tt_autograd.higher_order`): each Function's ``graph_backward`` is its
    own implementation of the first derivative, so it is compared with central
    differences too. Then the first derivatives ``autograd.grad(fn(*inputs),
    inputs, grad_outputs, create_graph=True)``, with random float64
    ``grad_outputs`` unless given, are checked the same way: their gradients
    from the recorded graph against central differences of them. An input the
    outputs do not depend on counts as a zero first derivative.

    Cost: a gradcheck, then two first-derivative passes per input element.
    """
    from .gradients import grad

    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    with enable_grad():
        outputs = [out for out in _outputs(fn(*inputs)) if out.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor(_normal(rng, out)) for out in outputs]
    weights = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)

    def first_derivatives(*xs: Tensor) -> tuple[Tensor, ...]:
        wanted = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        with enable_grad():  # it needs a graph, whatever mode the caller is in
            outs = [out for out in _outputs(fn(*xs)) if out.requires_grad]
            grads = grad(outs, wanted, grad_outputs=weights, create_graph=True, allow_unused=True)
        return tuple(
            Tensor(np.zeros(x.shape, dtype=x.array.dtype)) if g is None else g for x, g in zip(wanted, grads)
        )

    first_derivatives.__name__ = f"the first derivatives of {getattr(fn, '__name__', repr(fn))}"
    if not _compare(fn, inputs, eps, atol, rtol, raise_exception, seed, recorded=True):
        return False
    return gradcheck(first_derivatives, inputs, eps, atol, rtol, raise_exception, seed)


def _weights(rng: np.random.Generator, out: Tensor) -> np.ndarray:
    """Random weights of magnitude 0.5 to 1.5 and random sign; complex (both parts) for a complex output."""
    weights = rng.uniform(0.5, 1.5, size=out.shape) * rng.choice([-1.0, 1.0], size=out.shape)
    if out.array.dtype.kind == "c":
        imaginary = rng.uniform(0.5, 1.5, size=out.shape) * rng.choice([-1.0, 1.0], size=out.shape)
        weights = weights + 1j * imaginary
    return weights


def _normal(rng: np.random.Generator, out: Tensor) -> np.ndarray:
    """Standard normal values of ``out``'s shape; complex ones for a complex output."""
    values = rng.standard_normal(out.shape)
    return values + 1j * rng.standard_normal(out.shape) if out.array.dtype.kind == "c" else values
