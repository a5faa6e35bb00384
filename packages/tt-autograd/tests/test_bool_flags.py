"""Flag arguments take a Python bool only, as PyTorch 2.13's argument parser (each form run on torch 2.13
in a scratch script): a NumPy bool, an int or ``None`` given as ``requires_grad``, ``keepdim``,
``upper``, ``hermitian``, ... is a ``TypeError`` naming the op and the argument (``requires_grad =``
of a non-bool: PyTorch's ``RuntimeError``). Before, they were read by their truth. The same calls with
``True`` and ``False`` still work (checked on values derivable by hand). Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_autograd import anomaly, linalg
from tt_tensor.checks import bool_args

X = np.array([[3.0, 4.0], [0.0, 5.0]], dtype=np.float32)
EYE = np.eye(2, dtype=np.float32)

#: (op named in the message, argument, call taking the flag).
FLAGS = [
    ("requires_grad_", "requires_grad", lambda v: autograd.tensor([1.0]).requires_grad_(v)),
    ("tensor", "requires_grad", lambda v: autograd.Tensor([1.0], requires_grad=v)),
    ("zeros", "requires_grad", lambda v: autograd.zeros(2, requires_grad=v)),
    ("randn", "requires_grad", lambda v: autograd.randn(2, requires_grad=v)),
    ("full", "requires_grad", lambda v: autograd.full((2,), 1.0, requires_grad=v)),
    ("linalg.norm", "keepdim", lambda v: linalg.norm(autograd.tensor(X), keepdim=v)),
    ("linalg.vector_norm", "keepdim", lambda v: linalg.vector_norm(autograd.tensor(X), keepdim=v)),
    ("linalg.matrix_norm", "keepdim", lambda v: linalg.matrix_norm(autograd.tensor(X), keepdim=v)),
    ("norm", "keepdim", lambda v: autograd.tensor(X).norm(dim=0, keepdim=v)),
    ("norm", "keepdim", lambda v: autograd.norm(autograd.tensor(X), dim=0, keepdim=v)),
    ("linalg.svd", "full_matrices", lambda v: linalg.svd(autograd.tensor(X), full_matrices=v)),
    ("svd", "some", lambda v: autograd.tensor(X).svd(some=v)),
    ("svd", "compute_uv", lambda v: autograd.svd(autograd.tensor(X), compute_uv=v)),
    ("linalg.pinv", "hermitian", lambda v: linalg.pinv(autograd.tensor(EYE), hermitian=v)),
    ("linalg.matrix_rank", "hermitian", lambda v: linalg.matrix_rank(autograd.tensor(EYE), hermitian=v)),
    ("linalg.cholesky", "upper", lambda v: linalg.cholesky(autograd.tensor(EYE), upper=v)),
    ("cholesky", "upper", lambda v: autograd.tensor(EYE).cholesky(upper=v)),
    ("cholesky", "upper", lambda v: autograd.cholesky(autograd.tensor(EYE), upper=v)),
    ("linalg.solve", "left", lambda v: linalg.solve(autograd.tensor(EYE), autograd.ones(2, 2), left=v)),
    (
        "cholesky_solve",
        "upper",
        lambda v: autograd.cholesky_solve(autograd.ones(2, 1), autograd.tensor(EYE), v),
    ),
    ("cholesky_solve", "upper", lambda v: autograd.ones(2, 1).cholesky_solve(autograd.tensor(EYE), upper=v)),
    ("linalg.lu_factor", "pivot", lambda v: linalg.lu_factor(autograd.tensor(X), pivot=v)),
    ("set_grad_enabled", "mode", lambda v: autograd.set_grad_enabled(v).__exit__()),
    ("set_detect_anomaly", "mode", lambda v: anomaly.set_detect_anomaly(v).__exit__()),
    ("set_detect_anomaly", "check_nan", lambda v: anomaly.set_detect_anomaly(False, v).__exit__()),
]
TRIANGULAR = [("upper", {}), ("left", {"upper": True}), ("unitriangular", {"upper": True})]


@pytest.mark.parametrize(("op", "name", "call"), FLAGS, ids=[f"{op}-{name}" for op, name, _ in FLAGS])
def test_a_flag_that_is_not_a_python_bool_is_refused(op, name, call):
    for junk, kind in ((np.True_, "numpy.bool"), (np.False_, "numpy.bool"), (1, "int"), (None, "NoneType")):
        with pytest.raises(TypeError, match=rf"^{op}: argument '{name}' must be bool, got {kind}"):
            call(junk)
    for flag in (True, False) if op != "linalg.lu_factor" else (True,):  # (pivot=False: not implemented)
        call(flag)  # (the bools themselves pass)


@pytest.mark.parametrize(("name", "others"), TRIANGULAR)
def test_solve_triangular_flags(name, others):
    a, b = autograd.tensor([[2.0, 0.0], [0.0, 4.0]]), autograd.tensor([[2.0], [4.0]])
    with pytest.raises(
        TypeError, match=f"linalg.solve_triangular: argument '{name}' must be bool, got numpy.bool"
    ):
        linalg.solve_triangular(a, b, **{**others, name: np.True_})
    assert linalg.solve_triangular(a, b, upper=True).tolist() == [[1.0], [1.0]]


def test_the_flags_still_do_what_they_say():
    x = autograd.tensor(X)
    assert linalg.vector_norm(x, keepdim=True).shape == (1, 1)
    assert linalg.vector_norm(x, keepdim=False).item() == pytest.approx(np.sqrt(50.0))
    assert x.norm(dim=0, keepdim=True).tolist() == [[3.0, pytest.approx(np.sqrt(41.0))]]
    assert autograd.tensor([1.0]).requires_grad_(True).requires_grad
    assert not autograd.tensor([1.0]).requires_grad_(False).requires_grad
    assert autograd.zeros(2, requires_grad=True).requires_grad and not autograd.zeros(2).requires_grad
    assert autograd.Tensor([1.0], requires_grad=True).requires_grad
    assert not autograd.Tensor([1.0], requires_grad=False).requires_grad
    assert linalg.cholesky(autograd.tensor([[4.0, 2.0], [2.0, 5.0]]), upper=True).tolist() == [
        [2.0, 1.0],
        [0.0, 2.0],
    ]
    with autograd.set_grad_enabled(False):
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    with anomaly.set_detect_anomaly(True, check_nan=False):
        assert anomaly.is_anomaly_enabled() and not anomaly.is_anomaly_check_nan_enabled()
    assert not anomaly.is_anomaly_enabled() and anomaly.is_anomaly_check_nan_enabled()


def test_setting_requires_grad_to_a_non_bool_is_pytorch_s_runtime_error():
    x = autograd.tensor([1.0])
    for junk, kind in ((np.True_, "numpy.bool"), (1, "int"), (None, "NoneType")):
        with pytest.raises(RuntimeError, match=f"requires_grad must be a bool, got {kind}"):
            x.requires_grad = junk
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad


def test_tensor_level_flags():
    a = tt_tensor.tensor([1.0, float("nan")])
    with pytest.raises(TypeError, match="isclose: argument 'equal_nan' must be bool, got numpy.bool"):
        a.isclose(a, equal_nan=np.True_)
    assert a.isclose(a, equal_nan=True).tolist() == [True, True]
    x = tt_tensor.tensor([[1.0, 3.0], [2.0, 4.0]])
    for op in ("quantile", "nanquantile"):
        with pytest.raises(TypeError, match=f"{op}: argument 'keepdim' must be bool, got numpy.bool"):
            getattr(x, op)(0.5, 0, np.True_)
        assert getattr(x, op)(0.5, 0, True).tolist() == [[1.5, 3.5]]
    edges = tt_tensor.tensor([1.0, 2.0])
    for name in ("right", "out_int32"):
        with pytest.raises(TypeError, match=f"searchsorted: argument '{name}' must be bool, got int"):
            tt_tensor.searchsorted(edges, x, **{name: 1})
        with pytest.raises(TypeError, match=f"bucketize: argument '{name}' must be bool, got numpy.bool"):
            tt_tensor.bucketize(x, edges, **{name: np.True_})
    assert tt_tensor.bucketize(tt_tensor.tensor([2.0]), edges, right=True).tolist() == [2]
    assert tt_tensor.bucketize(tt_tensor.tensor([2.0]), edges, right=False).tolist() == [1]


def test_bool_args_checks_by_position_and_by_name_and_passes_values_through():
    @bool_args("f", "b", "c")
    def f(a, b=False, c=False):
        return a, b, c

    assert f(np.True_) == (np.True_, False, False)  # (only the named arguments are checked)
    assert f(1, True, c=True) == (1, True, True)
    with pytest.raises(TypeError, match="f: argument 'b' must be bool, got int 1"):
        f(0, 1)
    with pytest.raises(TypeError, match="f: argument 'c' must be bool, got numpy.bool"):
        f(0, c=np.False_)
