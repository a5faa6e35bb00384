"""Module 01: the module-level forms ``tt.exp(x)``, ``tt.sum(x, 1)``, ``tt.cat([...])``, ... against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

X = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]], dtype=np.float32)
Y = np.array([[1.0, 2.0, -2.0], [0.5, 0.25, 4.0]], dtype=np.float32)
P = np.abs(X) + 0.5  # positive, for log and sqrt
B = X > 0
IDX = np.array([[2, 0], [1, 1]])

# (name, arguments after the tensor(s), NumPy reference)
ONE_TENSOR = [
    ("neg", (), lambda: -X),
    ("exp", (), lambda: np.exp(X)),
    ("tanh", (), lambda: np.tanh(X)),
    ("sigmoid", (), lambda: 1 / (1 + np.exp(-X.astype(np.float64)))),
    ("relu", (), lambda: np.maximum(X, 0)),
    ("abs", (), lambda: np.abs(X)),
    ("sign", (), lambda: np.sign(X)),
    ("sin", (), lambda: np.sin(X)),
    ("cos", (), lambda: np.cos(X)),
    ("square", (), lambda: X * X),
    ("floor", (), lambda: np.floor(X)),
    ("ceil", (), lambda: np.ceil(X)),
    ("round", (), lambda: np.round(X)),
    ("clamp", (-1.0, 1.0), lambda: np.clip(X, -1, 1)),
    ("clip", (0.0, None), lambda: np.maximum(X, 0)),
    ("pow", (2,), lambda: X**2),
    ("add", (1.5,), lambda: X + 1.5),
    ("sub", (1.5,), lambda: X - 1.5),
    ("mul", (3,), lambda: X * 3),
    ("div", (4,), lambda: X / 4),
    ("eq", (2.0,), lambda: X == 2.0),
    ("ne", (2.0,), lambda: X != 2.0),
    ("lt", (0.5,), lambda: X < 0.5),
    ("le", (0.5,), lambda: X <= 0.5),
    ("gt", (0.5,), lambda: X > 0.5),
    ("ge", (0.5,), lambda: X >= 0.5),
    ("sum", (1,), lambda: X.sum(1)),
    ("mean", (0, True), lambda: X.mean(0, keepdims=True)),
    ("var", (1,), lambda: X.var(1, ddof=1)),
    ("std", (), lambda: X.std(ddof=1)),
    ("prod", (1,), lambda: X.prod(1)),
    ("norm", (), lambda: np.sqrt((X.astype(np.float64) ** 2).sum())),
    ("amax", (1,), lambda: X.max(1)),
    ("amin", (0,), lambda: X.min(0)),
    ("max", (), lambda: X.max()),
    ("min", (), lambda: X.min()),
    ("argmax", (1,), lambda: X.argmax(1)),
    ("argmin", (), lambda: X.argmin()),
    ("logsumexp", (1,), lambda: np.log(np.exp(X.astype(np.float64)).sum(1))),
    ("cumsum", (1,), lambda: X.cumsum(1)),
    ("reshape", ((3, 2),), lambda: X.reshape(3, 2)),
    ("transpose", (0, 1), lambda: X.T),
    ("permute", ((1, 0),), lambda: X.T),
    ("squeeze", (), lambda: X),
    ("unsqueeze", (1,), lambda: X[:, None]),
    ("flatten", (), lambda: X.reshape(-1)),
    ("flip", (1,), lambda: X[:, ::-1]),
    ("tril", (), lambda: np.tril(X)),
    ("triu", (1,), lambda: np.triu(X, 1)),
]


@pytest.mark.parametrize(("name", "args", "reference"), ONE_TENSOR, ids=[c[0] for c in ONE_TENSOR])
def test_functional_forms_match_numpy(check, name, args, reference):
    expected = np.asarray(reference())
    dtype = (
        tt.bool if expected.dtype == np.bool_ else (tt.int64 if expected.dtype.kind == "i" else tt.float32)
    )
    check(getattr(tt, name)(tt.tensor(X), *args), expected, dtype, rtol=1e-6)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("log", np.log),
        ("sqrt", np.sqrt),
        ("rsqrt", lambda a: 1 / np.sqrt(a)),
        ("reciprocal", lambda a: 1 / a),
    ],
)
def test_functional_forms_of_positive_inputs(check, name, reference):
    check(getattr(tt, name)(tt.tensor(P)), reference(P), tt.float32, rtol=1e-6)


def test_functional_forms_of_two_tensors(check):
    x, y = tt.tensor(X), tt.tensor(Y)
    check(tt.maximum(x, y), np.maximum(X, Y), tt.float32)
    check(tt.minimum(x, y), np.minimum(X, Y), tt.float32)
    check(tt.matmul(x, y.T), X @ Y.T, tt.float32, rtol=1e-6)
    check(tt.mm(x, y.T), X @ Y.T, tt.float32, rtol=1e-6)
    check(tt.bmm(x.unsqueeze(0), y.T.unsqueeze(0)), (X @ Y.T)[None], tt.float32, rtol=1e-6)
    check(tt.dot(x[0], y[0]), X[0] @ Y[0], tt.float32, rtol=1e-6)
    check(tt.where(tt.tensor(B), x, y), np.where(B, X, Y), tt.float32)
    check(tt.cat([x, y], 1), np.concatenate([X, Y], 1), tt.float32)
    check(tt.concatenate([x, y]), np.concatenate([X, Y]), tt.float32)
    check(tt.stack([x, y], 2), np.stack([X, Y], 2), tt.float32)
    check(tt.gather(x, 1, tt.tensor(IDX)), np.take_along_axis(X, IDX, 1), tt.float32)
    check(tt.index_select(x, 1, tt.tensor([2, 2])), X[:, [2, 2]], tt.float32)
    check(tt.masked_fill(x, tt.tensor(B), 0.0), np.where(B, 0, X), tt.float32)
    assert tt.allclose(x, x + 1e-7) and not tt.allclose(x, y)
    assert tt.equal(x, tt.tensor(X)) and not tt.equal(x, y)


def test_functional_logic(check):
    b = tt.tensor(B)
    check(tt.logical_not(b), ~B, tt.bool)
    check(tt.all(b, 1), B.all(1), tt.bool)
    check(tt.any(b), B.any(), tt.bool)
    special = np.array([np.nan, np.inf, 1.0], dtype=np.float32)
    check(tt.isnan(tt.tensor(special)), np.isnan(special), tt.bool)
    check(tt.isfinite(tt.tensor(special)), np.isfinite(special), tt.bool)


def test_functional_pieces(check):
    x = tt.tensor(X)
    for piece, want in zip(tt.split(x, 2, 1), np.split(X, [2], 1)):
        check(piece, want, tt.float32)
    for piece, want in zip(tt.chunk(x, 3, 1), np.split(X, 3, 1)):
        check(piece, want, tt.float32)
    for piece, want in zip(tt.unbind(x), X):
        check(piece, want, tt.float32)


def test_functional_forms_accept_python_data(check):
    check(tt.exp([0.0, 1.0]), np.exp([0.0, 1.0]), tt.float32)
    check(tt.sum([[1, 2], [3, 4]], 0), np.array([4, 6]), tt.int64)


def test_functional_max_with_dim_returns_values_and_indices(check):
    values, indices = tt.max(tt.tensor(X), 1)
    check(values, X.max(1), tt.float32)
    check(indices, X.argmax(1), tt.int64)
    values, indices = tt.min(tt.tensor(X), dim=0, keepdim=True)
    check(values, X.min(0, keepdims=True), tt.float32)
    check(indices, X.argmin(0, keepdims=True), tt.int64)
