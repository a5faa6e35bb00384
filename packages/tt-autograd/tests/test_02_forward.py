"""Module 02: recording the graph must not change the results.

``gradcheck`` checks a gradient against *the forward that was run*; it cannot
see a forward that is itself wrong. So every differentiable op is run here on
tensors that require grad (the recording path) and compared with the same
computation written directly in NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

A = np.array([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]])
B = np.array([[1.0, 2.0, 0.5], [0.25, 4.0, 1.5]])  # positive, for log/sqrt/div
M = np.array([[1.0, -2.0], [0.5, 1.5], [2.0, 0.25]])
V = np.array([0.5, -1.0, 2.0])


def _softmax_lse(a, axis):
    shift = a.max(axis=axis, keepdims=True)
    return np.log(np.exp(a - shift).sum(axis=axis)) + shift.squeeze(axis)


# name: (tt_autograd function of (a, b), NumPy function of (a, b)); a is A, b is B.
CASES = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "add alpha": (lambda a, b: a.add(b, alpha=3), lambda a, b: a + 3 * b),
    "broadcast": (lambda a, b: a * b[0], lambda a, b: a * b[0]),
    "pow scalar": (lambda a, b: b**1.5, lambda a, b: b**1.5),
    "pow 2": (lambda a, b: a**2, lambda a, b: a**2),
    "rpow": (lambda a, b: 2.0**a, lambda a, b: 2.0**a),
    "pow tensor": (lambda a, b: b**a, lambda a, b: b**a),
    "neg": (lambda a, b: -a, lambda a, b: -a),
    "rsub": (lambda a, b: 2 - a, lambda a, b: 2 - a),
    "rdiv": (lambda a, b: 2 / b, lambda a, b: 2 / b),
    "array mul": (lambda a, b: V * a, lambda a, b: V * a),
    "matmul": (lambda a, b: a @ autograd.tensor(M, dtype=autograd.float64), lambda a, b: a @ M),
    "matmul vec": (lambda a, b: a @ autograd.tensor(V, dtype=autograd.float64), lambda a, b: a @ V),
    "vec matmul": (lambda a, b: autograd.tensor(V[:2], dtype=autograd.float64) @ a, lambda a, b: V[:2] @ a),
    "batched matmul": (lambda a, b: a.reshape(2, 1, 3) @ b.T, lambda a, b: a.reshape(2, 1, 3) @ b.T),
    "exp": (lambda a, b: a.exp(), lambda a, b: np.exp(a)),
    "log": (lambda a, b: b.log(), lambda a, b: np.log(b)),
    "sqrt": (lambda a, b: b.sqrt(), lambda a, b: np.sqrt(b)),
    "reciprocal": (lambda a, b: b.reciprocal(), lambda a, b: 1 / b),
    "abs": (lambda a, b: a.abs(), lambda a, b: np.abs(a)),
    "sin": (lambda a, b: a.sin(), lambda a, b: np.sin(a)),
    "cos": (lambda a, b: a.cos(), lambda a, b: np.cos(a)),
    "tanh": (lambda a, b: a.tanh(), lambda a, b: np.tanh(a)),
    "sigmoid": (lambda a, b: a.sigmoid(), lambda a, b: 1 / (1 + np.exp(-a))),
    "relu": (lambda a, b: a.relu(), lambda a, b: np.maximum(a, 0)),
    "clamp": (lambda a, b: a.clamp(-1.0, 1.0), lambda a, b: np.clip(a, -1.0, 1.0)),
    "clamp min": (lambda a, b: a.clamp(min=0.3), lambda a, b: np.maximum(a, 0.3)),
    "clamp tensor": (lambda a, b: a.clamp(-b, b * 0.5), lambda a, b: np.minimum(np.maximum(a, -b), b * 0.5)),
    "maximum": (lambda a, b: a.maximum(b), lambda a, b: np.maximum(a, b)),
    "minimum": (lambda a, b: a.minimum(b), lambda a, b: np.minimum(a, b)),
    "where": (lambda a, b: autograd.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
    "sum": (lambda a, b: a.sum(), lambda a, b: a.sum()),
    "sum dim": (lambda a, b: a.sum(1, keepdim=True), lambda a, b: a.sum(1, keepdims=True)),
    "mean": (lambda a, b: a.mean(0), lambda a, b: a.mean(0)),
    "var": (lambda a, b: a.var(1), lambda a, b: a.var(1, ddof=1)),
    "var c0": (lambda a, b: a.var(correction=0), lambda a, b: a.var()),
    "std": (lambda a, b: a.std(0), lambda a, b: a.std(0, ddof=1)),
    "max": (lambda a, b: a.max(), lambda a, b: a.max()),
    "max dim": (lambda a, b: a.max(1).values, lambda a, b: a.max(1)),
    "min dim": (lambda a, b: a.min(0, keepdim=True).values, lambda a, b: a.min(0, keepdims=True)),
    "amax": (lambda a, b: a.amax(0), lambda a, b: a.max(0)),
    "amin": (lambda a, b: a.amin((0, 1)), lambda a, b: a.min()),
    "logsumexp": (lambda a, b: a.logsumexp(1), lambda a, b: _softmax_lse(a, 1)),
    "prod": (lambda a, b: a.prod(1), lambda a, b: a.prod(1)),
    "norm": (lambda a, b: a.norm(), lambda a, b: np.linalg.norm(a)),
    "norm 1": (lambda a, b: a.norm(1, dim=1), lambda a, b: np.abs(a).sum(1)),
    "norm 3": (lambda a, b: a.norm(3, dim=0), lambda a, b: (np.abs(a) ** 3).sum(0) ** (1 / 3)),
    "cumsum": (lambda a, b: a.cumsum(1), lambda a, b: a.cumsum(1)),
    "reshape": (lambda a, b: a.reshape(3, 2), lambda a, b: a.reshape(3, 2)),
    "flatten": (lambda a, b: a.flatten(), lambda a, b: a.ravel()),
    "unsqueeze": (lambda a, b: a.unsqueeze(1), lambda a, b: a[:, None]),
    "squeeze": (lambda a, b: a[:1].squeeze(0), lambda a, b: a[0]),
    "transpose": (lambda a, b: a.transpose(0, 1), lambda a, b: a.T),
    "permute": (lambda a, b: a.unsqueeze(0).permute(2, 0, 1), lambda a, b: a[None].transpose(2, 0, 1)),
    "T": (lambda a, b: a.T, lambda a, b: a.T),
    "mT": (lambda a, b: a.unsqueeze(0).mT, lambda a, b: np.swapaxes(a[None], -1, -2)),
    "expand": (lambda a, b: a[:1].expand(3, 3), lambda a, b: np.broadcast_to(a[:1], (3, 3))),
    "repeat": (lambda a, b: a.repeat(2, 1), lambda a, b: np.tile(a, (2, 1))),
    "flip": (lambda a, b: a.flip(1), lambda a, b: a[:, ::-1]),
    "cat": (lambda a, b: autograd.cat([a, b], 1), lambda a, b: np.concatenate([a, b], 1)),
    "stack": (lambda a, b: autograd.stack([a, b], 2), lambda a, b: np.stack([a, b], 2)),
    "split": (lambda a, b: a.split([1, 2], dim=1)[1], lambda a, b: a[:, 1:]),
    "chunk": (lambda a, b: a.chunk(2, dim=1)[0], lambda a, b: a[:, :2]),
    "unbind": (lambda a, b: a.unbind(1)[2], lambda a, b: a[:, 2]),
    "getitem": (lambda a, b: a[1, 1::2], lambda a, b: a[1, 1::2]),
    "getitem array": (lambda a, b: a[[1, 1, 0]], lambda a, b: a[[1, 1, 0]]),
    "getitem mask": (lambda a, b: a[a > 0], lambda a, b: a[a > 0]),
    "gather": (
        lambda a, b: a.gather(1, autograd.tensor([[2, 0], [1, 1]])),
        lambda a, b: a[[[0], [1]], [[2, 0], [1, 1]]],
    ),
    "index_select": (lambda a, b: a.index_select(1, autograd.tensor([2, 2])), lambda a, b: a[:, [2, 2]]),
    "masked_fill": (lambda a, b: a.masked_fill(a < 0, 9.0), lambda a, b: np.where(a < 0, 9.0, a)),
    "tril": (lambda a, b: a.tril(), lambda a, b: np.tril(a)),
    "triu": (lambda a, b: a.triu(1), lambda a, b: np.triu(a, 1)),
    "clone": (lambda a, b: a.clone(), lambda a, b: a),
    "contiguous": (lambda a, b: a.T.contiguous(), lambda a, b: a.T),
    "double float": (lambda a, b: a.float().double(), lambda a, b: a.astype(np.float32).astype(np.float64)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_forward_matches_numpy(name, check):
    tt_fn, np_fn = CASES[name]
    a = autograd.tensor(A, dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor(B, dtype=autograd.float64, requires_grad=True)
    result = tt_fn(a, b)
    check(result, np_fn(A, B), rtol=1e-12, atol=1e-12)
    assert result.requires_grad, f"{name}: the result of a recorded op must require grad"


@pytest.mark.parametrize("name", ["add", "matmul", "sigmoid", "var", "logsumexp", "getitem array", "cat"])
def test_forward_is_the_same_with_and_without_recording(name):
    tt_fn, _ = CASES[name]
    recorded = tt_fn(autograd.tensor(A, requires_grad=True), autograd.tensor(B, requires_grad=True))
    with autograd.no_grad():
        plain = tt_fn(autograd.tensor(A, requires_grad=True), autograd.tensor(B, requires_grad=True))
    assert recorded.grad_fn is not None and plain.grad_fn is None
    assert recorded.dtype == plain.dtype
    np.testing.assert_array_equal(recorded.detach().numpy(), plain.numpy())


def test_float32_stays_float32_through_recorded_ops():
    x = autograd.tensor(A, dtype=autograd.float32, requires_grad=True)
    y = ((x * 0.5 + 1) ** 2).exp().mean(0) @ autograd.tensor(V, dtype=autograd.float32) + np.float64(0.5)
    assert y.dtype == autograd.float32
    y.backward()
    assert x.grad.dtype == autograd.float32


def test_each_gradient_has_the_dtype_of_its_tensor():
    """Mixed float32/float64 graphs compute in float64, yet x.grad keeps x's dtype, as in PyTorch."""
    x = autograd.tensor(V, dtype=autograd.float32, requires_grad=True)
    w = autograd.tensor(B[0], dtype=autograd.float64, requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype == autograd.float32 and w.grad.dtype == autograd.float64
    np.testing.assert_allclose(x.grad.numpy(), B[0], rtol=1e-7)
    np.testing.assert_allclose(w.grad.numpy(), V.astype(np.float32), rtol=1e-7)


def test_integer_inputs_are_refused_like_tt_tensors():
    """var/std/mean of an integer tensor are refused, as tt-tensor's (and PyTorch's) are."""
    for t in (autograd.tensor([[1, 2, 4], [3, 5, 9]]), tt_tensor.tensor([[1, 2, 4], [3, 5, 9]])):
        for op in ("var", "std", "mean"):
            with pytest.raises(RuntimeError, match="floating point (or|and) complex"):
                getattr(t, op)(1)
