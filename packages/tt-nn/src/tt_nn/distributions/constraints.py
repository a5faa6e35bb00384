"""Constraints: the sets a parameter or a value must lie in, and how to test membership.

Each constraint checks a NumPy array and answers element-wise (``check``) and
prints under PyTorch's name (``GreaterThan(lower_bound=0.0)``), so validation
errors read like PyTorch's. ``event_dim`` says how many rightmost dims one
member spans (a probability vector is one member of ``simplex``). ``hint``
is the sentence a validation error ends with: how to get a valid value.

Only what the distributions here need; ``torch.distributions.constraints``
has more (and transforms between them, which TinyTorch lacks).
"""

from __future__ import annotations

import functools

import numpy as np
import tt_autograd


class Constraint:
    """A set of values. ``check(array)`` gives a bool array over the array's batch dims; ``check(tensor)``
    a bool tensor, as PyTorch's (each subclass's ``check`` is written for arrays and wrapped)."""

    event_dim = 0
    is_discrete = False
    hint = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "check" in cls.__dict__:
            cls.check = _taking_tensors(cls.__dict__["check"])

    def check(self, value: np.ndarray) -> np.ndarray:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__[1:]}()"


def _taking_tensors(check):
    """``check`` that also takes a tensor: its values in (detached), a bool tensor out."""

    @functools.wraps(check)
    def checked(self, value):
        if isinstance(value, tt_autograd.Tensor):
            return tt_autograd.Tensor.from_array(np.asarray(check(self, value.detach().numpy())))
        return check(self, value)

    return checked


class _Real(Constraint):
    hint = "a real number (NaN is not)"

    def check(self, value: np.ndarray) -> np.ndarray:
        return value == value  # False for NaN only


class _IndependentReal(Constraint):
    """Real vectors (``IndependentConstraint(Real(), 1)``): every entry along the last dim is not NaN."""

    event_dim = 1
    hint = "a tensor with no NaN"

    def check(self, value: np.ndarray) -> np.ndarray:
        return (value == value).all(axis=-1)

    def __repr__(self) -> str:
        return "IndependentConstraint(Real(), 1)"


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: float) -> None:
        self.lower_bound = lower_bound
        self.hint = f"values above {lower_bound} (for a learned one, e.g. softplus(raw) + 1e-5)"

    def check(self, value: np.ndarray) -> np.ndarray:
        return value > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def __init__(self, lower_bound: float) -> None:
        self.lower_bound = lower_bound
        self.hint = f"values at least {lower_bound}"

    def check(self, value: np.ndarray) -> np.ndarray:
        return value >= self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    """Below a bound that may be an array (``Uniform``'s ``low < high``)."""

    def __init__(self, upper_bound: object, name: str = "the upper bound") -> None:
        self.upper_bound = upper_bound
        self.hint = f"values below {name}"

    def check(self, value: np.ndarray) -> np.ndarray:
        return value < np.asarray(self.upper_bound)

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    """The closed interval ``[lower_bound, upper_bound]`` (bounds may be arrays)."""

    def __init__(self, lower_bound: object, upper_bound: object) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound
        self.hint = f"values in [{lower_bound}, {upper_bound}]"

    def check(self, value: np.ndarray) -> np.ndarray:
        return (np.asarray(self.lower_bound) <= value) & (value <= np.asarray(self.upper_bound))

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(_Interval):
    is_discrete = True

    def __init__(self, lower_bound: int, upper_bound: int) -> None:
        super().__init__(lower_bound, upper_bound)
        self.hint = f"whole numbers from {lower_bound} to {upper_bound} (category indices)"

    def check(self, value: np.ndarray) -> np.ndarray:
        return (value % 1 == 0) & super().check(value)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Boolean(Constraint):
    is_discrete = True
    hint = "0 or 1"

    def check(self, value: np.ndarray) -> np.ndarray:
        return (value == 0) | (value == 1)


class _Simplex(Constraint):
    """Probability vectors along the last dim: non-negative entries that sum to 1 (to 1e-6)."""

    event_dim = 1
    hint = "non-negative probabilities (each row is divided by its sum, so it must be positive)"

    def check(self, value: np.ndarray) -> np.ndarray:
        return (value >= 0).all(axis=-1) & (np.abs(value.sum(axis=-1) - 1) < 1e-6)


class _OneHot(Constraint):
    """One-hot vectors along the last dim: 0s and a single 1."""

    event_dim = 1
    is_discrete = True
    hint = "one-hot vectors (0s and a single 1 along the last dim)"

    def check(self, value: np.ndarray) -> np.ndarray:
        return ((value == 0) | (value == 1)).all(axis=-1) & (value.sum(axis=-1) == 1)


real = _Real()
real_vector = _IndependentReal()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
boolean = _Boolean()
simplex = _Simplex()
one_hot = _OneHot()
less_than = _LessThan
interval = _Interval
integer_interval = _IntegerInterval


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices with a positive diagonal (a Cholesky factor)."""

    event_dim = 2
    hint = "a lower-triangular matrix with a positive diagonal (e.g. tt.linalg.cholesky of a covariance)"

    def check(self, value: np.ndarray) -> np.ndarray:
        lower = (np.tril(value) == value).all(axis=(-2, -1))
        return lower & (np.diagonal(value, axis1=-2, axis2=-1) > 0).all(axis=-1)


class _PositiveDefinite(Constraint):
    """Symmetric matrices whose eigenvalues are all positive."""

    event_dim = 2
    hint = "a symmetric positive-definite matrix (e.g. A @ A.mT + eps * I)"

    def check(self, value: np.ndarray) -> np.ndarray:
        symmetric = np.isclose(value, np.swapaxes(value, -2, -1), atol=1e-6).all(axis=(-2, -1))
        with np.errstate(invalid="ignore"):
            # eigvalsh reads one triangle only: asymmetric (or NaN) matrices are replaced by I first
            safe = np.where(symmetric[..., None, None], value, np.eye(value.shape[-1]))
            return symmetric & (np.linalg.eigvalsh(safe) > 0).all(axis=-1)


class _CorrCholesky(Constraint):
    """Lower Cholesky factors of correlation matrices: ``lower_cholesky`` with rows of unit length.

    A row's norm may miss 1 by ``10 n eps`` (``eps`` of the value's float dtype), PyTorch's tolerance.
    """

    event_dim = 2
    hint = "the lower Cholesky factor of a correlation matrix (positive diagonal, each row of norm 1)"

    def check(self, value: np.ndarray) -> np.ndarray:
        dtype = value.dtype if np.issubdtype(value.dtype, np.floating) else np.float64
        tolerance = float(np.finfo(dtype).eps) * value.shape[-1] * 10
        unit_rows = (np.abs(np.linalg.norm(value, axis=-1) - 1) <= tolerance).all(axis=-1)
        return _LowerCholesky().check(value) & unit_rows


lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
corr_cholesky = _CorrCholesky()


class _IndependentConstraint(Constraint):
    """``base`` holding for every entry of the ``reinterpreted_batch_ndims`` rightmost dims."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims
        self.hint = base_constraint.hint

    def check(self, value: np.ndarray) -> np.ndarray:
        dims = tuple(range(-self.reinterpreted_batch_ndims, 0))
        return self.base_constraint.check(value).all(axis=dims)

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


independent = _IndependentConstraint


class _IntegerGreaterThan(Constraint):
    """Whole numbers at least ``lower_bound`` (counts)."""

    is_discrete = True

    def __init__(self, lower_bound: int) -> None:
        self.lower_bound = lower_bound
        self.hint = f"whole numbers at least {lower_bound} (counts)"

    def check(self, value: np.ndarray) -> np.ndarray:
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


nonnegative_integer = _IntegerGreaterThan(0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq


class _HalfOpenInterval(_Interval):
    """The interval ``[lower_bound, upper_bound)``."""

    def check(self, value: np.ndarray) -> np.ndarray:
        return (np.asarray(self.lower_bound) <= value) & (value < np.asarray(self.upper_bound))

    def __repr__(self) -> str:
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


half_open_interval = _HalfOpenInterval


class _Multinomial(Constraint):
    """Count vectors along the last dim: non-negative entries summing to at most ``upper_bound``."""

    event_dim = 1
    is_discrete = True

    def __init__(self, upper_bound: int) -> None:
        self.upper_bound = upper_bound
        self.hint = f"non-negative counts along the last dim summing to at most {upper_bound}"

    def check(self, value: np.ndarray) -> np.ndarray:
        return (value >= 0).all(axis=-1) & (value.sum(axis=-1) <= self.upper_bound)


multinomial = _Multinomial
