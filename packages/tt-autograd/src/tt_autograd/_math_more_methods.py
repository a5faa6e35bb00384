"""More of PyTorch's ``Tensor`` math beyond the exercises: ``float_power``, ``fmax``, ``cov``, ``addmv``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that file one sitting
long). ``__all__`` lists the ``torch.<name>`` function forms defined here (the top level picks
them up through ``tt_autograd``).

Every differentiable method here is a composition of recorded Tensor ops (``pow``, ``where``,
``matmul``, ``mean``, ...), so its gradients of every order come from theirs; ``nextafter``,
``frexp``, ``histogram``, the bitwise ops and the random fills have no gradient (their results
never require grad). The NumPy kernels of the last three groups live in
:mod:`tt_autograd._math_more_kernels`.

The in-place forms (``addmm_``, ``deg2rad_``, ``cauchy_``, ...) follow PyTorch: the result must keep
``self``'s shape and be castable to its dtype (no float into an int tensor); a leaf that requires
grad refuses outside ``no_grad``; a tensor that is part of a graph takes the recorded result's
``grad_fn`` (as ``add_`` does, :mod:`tt_autograd._inplace_methods`).

``lgamma``, ``digamma``, ``erf``, ... are not Tensor methods here: by design tt-autograd's Tensor
does not import tt-nn's special functions (``tt.special``).
"""

from __future__ import annotations

import math
import warnings
from collections import namedtuple

import numpy as np
import tt_tensor
from tt_tensor import bitwise as tt_bitwise
from tt_tensor import pointwise
from tt_tensor.checks import check_bool, check_number, check_tensor, normalize_dim
from tt_tensor.dtypes import from_numpy_dtype, get_default_dtype, result_type
from tt_tensor.tensor import operand

from . import _math_more_kernels as kernels
from .functions.complex import ComplexFunction

__all__: list[str] = [
    "float_power",
    "ldexp",
    "ldexp_",
    "fmax",
    "fmin",
    "logaddexp2",
    "nextafter",
    "frexp",
    "deg2rad",
    "deg2rad_",
    "rad2deg",
    "rad2deg_",
    "cov",
    "corrcoef",
    "aminmax",
    "vdot",
    "addmv",
    "addmv_",
    "addr",
    "addbmm",
    "histogram",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
]

AminmaxResult = namedtuple("aminmax", ["min", "max"])
FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])
HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])

LN2 = math.log(2.0)
DEG = math.pi / 180.0


def _operand(value: object) -> object:
    """A tensor's array, or a number as PyTorch's weak scalar."""
    return value.array if isinstance(value, tt_tensor.Tensor) else operand(value)


def _name(dtype: object) -> str:
    return from_numpy_dtype(np.dtype(dtype)).name


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """PyTorch's result dtype of the inputs (a 0-d one counts less), or the default float dtype when that
    is not a float."""
    dtype = arrays[0].dtype if len(arrays) == 1 else result_type(*arrays)
    return dtype if dtype.kind == "f" else get_default_dtype().numpy


class MathMoreGradMixin(tt_tensor.Tensor):
    """See the module docstring."""

    # ------------------------------------------------------------ in place
    def _mm_adopt(self, op: str, result: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """Make ``self`` hold ``result`` as PyTorch's in-place ``op`` does (the one in-place path)."""
        return self._adopt(op, result)

    # ------------------------------------------------------------ element-wise
    def float_power(self, exponent: object) -> tt_tensor.Tensor:
        """``self ** exponent`` computed in float64, whatever the dtypes (as PyTorch)."""
        if isinstance(exponent, tt_tensor.Tensor):
            exponent = exponent.double()
        else:
            exponent = check_number("float_power", "exponent", exponent)
        return self.double().pow(exponent)

    def float_power_(self, exponent: object) -> tt_tensor.Tensor:
        if self.array.dtype != np.float64:
            raise RuntimeError(
                f"float_power_: the base given to float_power_ has dtype {_name(self.array.dtype)} but the "
                "operation's result requires dtype float64"
            )
        return self._mm_adopt("float_power_", self.float_power(exponent))

    def ldexp(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """``self * 2 ** other``; integer inputs give the default float dtype."""
        check_tensor("ldexp", other, "other")
        dtype = from_numpy_dtype(_float_dtype(self.array, other.array))
        return self.to(dtype) * (2.0 ** other.to(dtype))

    def ldexp_(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        return self._mm_adopt("ldexp_", self.ldexp(other))

    def _mm_pick(self, op: str, other: tt_tensor.Tensor, wins: np.ufunc) -> tt_tensor.Tensor:
        """``self`` where ``wins(self, other)`` or ``other`` is NaN, else ``other`` (promoted dtype): the
        gradient goes to the one chosen, to ``self`` on ties (as PyTorch's)."""
        check_tensor(op, other, "other")
        dtype = from_numpy_dtype(result_type(self.array, other.array))
        a, b = self.to(dtype), other.to(dtype)
        keep = wins(a.array, b.array) | np.isnan(b.array)
        return a.where(self.from_array(keep), b)

    def fmax(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """Element-wise maximum that ignores a NaN (NaN only where both are)."""
        return self._mm_pick("fmax", other, np.greater_equal)

    def fmin(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """Element-wise minimum that ignores a NaN (NaN only where both are)."""
        return self._mm_pick("fmin", other, np.less_equal)

    def logaddexp2(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """``log2(2 ** self + 2 ** other)``, without overflow (float tensors only)."""
        check_tensor("logaddexp2", other, "other")
        dtype = from_numpy_dtype(kernels.check_float_result("logaddexp2", self.array, other.array))
        return (self.to(dtype) * LN2).logaddexp(other.to(dtype) * LN2) / LN2

    def nextafter(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """The next float after ``self`` towards ``other`` (float tensors; no gradient)."""
        check_tensor("nextafter", other, "other")
        return self.from_array(kernels.nextafter(self.array, other.array))

    def nextafter_(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        return self._mm_adopt("nextafter_", self.detach().nextafter(other))

    def frexp(self) -> FrexpResult:
        """``(mantissa, exponent)`` with ``self = mantissa * 2 ** exponent``, ``0.5 <= |mantissa| < 1``."""
        if self.array.dtype.kind != "f":
            raise TypeError(f"frexp: only supports floating-point dtypes, got {_name(self.array.dtype)}")
        _, exponent = np.frexp(self.array)
        # mantissa = self * 2**-exponent, recorded so it has PyTorch's gradient 2**-exponent; the power
        # is applied in two exact halves, since 2**-exponent alone overflows for subnormal inputs
        half = exponent // 2
        one = np.ones((), self.array.dtype)
        mantissa = self * np.ldexp(one, -half) * np.ldexp(one, half - exponent)
        return FrexpResult(mantissa, self.from_array(exponent.astype(np.int32)))

    def deg2rad(self) -> tt_tensor.Tensor:
        """Degrees to radians; integer tensors give the default float dtype."""
        return self.to(from_numpy_dtype(_float_dtype(self.array))) * DEG

    def deg2rad_(self) -> tt_tensor.Tensor:
        return self._mm_adopt("deg2rad_", self.deg2rad())

    def rad2deg(self) -> tt_tensor.Tensor:
        """Radians to degrees; integer tensors give the default float dtype."""
        return self.to(from_numpy_dtype(_float_dtype(self.array))) * (1 / DEG)

    def rad2deg_(self) -> tt_tensor.Tensor:
        return self._mm_adopt("rad2deg_", self.rad2deg())

    # ------------------------------------------------------------ statistics
    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:
        """``(min, max)`` over ``dim`` (all elements for ``None``): ``amin`` and ``amax``'s values and
        gradients (spread evenly over ties)."""
        keepdim = check_bool("aminmax", "keepdim", keepdim)
        if dim is None:
            if self.array.size == 0:
                raise RuntimeError(
                    "aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                    "identity."
                )
            low, high = self.amin(), self.amax()
            if keepdim:
                shape = (1,) * self.ndim
                low, high = low.reshape(shape), high.reshape(shape)
            return AminmaxResult(low, high)
        dim = normalize_dim("aminmax", dim, self.ndim)
        if self.ndim and self.shape[dim] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {dim} to have non-zero size.")
        if self.array.size == 0:  # empty along another dim: empty results
            low, high = (f(self.array, axis=dim, keepdims=keepdim) for f in (np.amin, np.amax))
            return AminmaxResult(self.from_array(low), self.from_array(high))
        return AminmaxResult(self.amin(dim, keepdim), self.amax(dim, keepdim))

    def cov(self, *, correction: int = 1, fweights=None, aweights=None) -> tt_tensor.Tensor:
        """The covariance matrix of the variables in the rows of ``self`` (a vector is one variable),
        observations in the columns; ``fweights`` (integer repeat counts) and ``aweights`` (float
        importance weights) weigh the observations, as ``torch.cov``."""
        if self.ndim > 2:
            raise RuntimeError(
                f"cov(): expected input to have two or fewer dimensions but got an input with {self.ndim} "
                "dimensions"
            )
        x = self.reshape(1, -1) if self.ndim < 2 else self
        if not x.is_complex():  # (complex variables stay complex: their covariance is Hermitian)
            x = x.to(from_numpy_dtype(_float_dtype(x.array)))
        observations = x.shape[1]
        weights = None
        for name, given, kind in (("fweights", fweights, "iu"), ("aweights", aweights, "f")):
            if given is None:
                continue
            kernels.check_weights(name, check_tensor("cov", given, name).array, kind, observations)
            weights = given if weights is None else weights * given
        if weights is None:
            total, mean = observations, x.mean(1, keepdim=True)
        else:  # float64 weights make a float64 result, as PyTorch's promotion does
            total = weights.sum()
            mean = (x * weights).sum(1, keepdim=True) / total
        if weights is not None and correction != 0 and aweights is not None:
            norm = total - correction * (weights * aweights).sum() / total
        else:
            norm = total - correction
        if float(norm) <= 0:
            warnings.warn(
                "cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                "observations.",
                stacklevel=2,
            )
            norm = norm * 0  # as PyTorch: a division by zero, inf or NaN
        centred = x - mean
        weighted = centred if weights is None else centred * weights
        result = weighted.matmul(centred.transpose(0, 1).conj()) / norm
        return result.squeeze()

    def corrcoef(self) -> tt_tensor.Tensor:
        """Pearson correlation coefficients of the rows of ``self`` (``cov`` normalised), clipped to
        ``[-1, 1]`` (complex: the real and imaginary parts each, as PyTorch); a constant row gives NaN."""
        c = self.cov()
        if c.ndim == 0:
            return c / c
        std = c.diagonal().real.sqrt()
        c = c / std.unsqueeze(1) / std.unsqueeze(0)
        if c.is_complex():
            return ComplexFunction.apply(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
        return c.clamp(-1, 1)

    def histogram(self, bins: object = 100, *, range=None, weight=None, density: bool = False):  # noqa: A002
        """``(hist, bin_edges)`` of the values of ``self``: ``bins`` equal bins over ``range`` (default the
        min and max), or the given edges; ``weight`` weighs each value; ``density`` normalises to a
        density. No gradient. Edges that decrease are refused (PyTorch counts with them regardless)."""
        density = check_bool("histogram", "density", density)
        hist, edges = kernels.histogram(self.array, bins, range, weight, density)
        return HistogramResult(self.from_array(hist), self.from_array(edges))

    # ------------------------------------------------------------ products
    def _mm_beta_alpha(self, op: str, factor, product: tt_tensor.Tensor, beta: float, alpha: float):
        """``beta * self + alpha * product``; ``self`` broadcasts to the product's shape and is ignored
        (NaN included) when ``beta`` is 0. ``factor``: the product's first factor, whose dtype it had
        (``addbmm``'s sum of bools would be an integer)."""
        shape = tuple(product.shape)
        if np.broadcast_shapes(tuple(self.shape), shape) != shape:
            raise RuntimeError(f"{op}: the input of shape {tuple(self.shape)} does not broadcast to {shape}")
        beta, alpha = pointwise.check_scales(op, self, factor, beta=beta, alpha=alpha)
        if self.array.dtype == np.bool_ and product.array.dtype == np.bool_:  # (addr's only)
            return self.from_array((self.array & bool(beta)) | (product.array & bool(alpha)))
        if alpha != 1:
            product = product * alpha
        if beta == 0:
            return product
        return product + (self if beta == 1 else self * beta)

    def addmv(self, mat, vec, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        """``beta * self + alpha * (mat @ vec)`` for a matrix ``mat`` and a vector ``vec``."""
        kernels.check_product("addmv", self.array, mat, vec, (2, 1))
        return self._mm_beta_alpha("addmv", mat, mat.matmul(vec), beta, alpha)

    def addmv_(self, mat, vec, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        return self._mm_adopt("addmv_", self.addmv(mat, vec, beta=beta, alpha=alpha))

    def addr(self, vec1, vec2, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        """``beta * self + alpha * outer(vec1, vec2)``."""
        kernels.check_product("addr", self.array, vec1, vec2, (1, 1))
        product = vec1.outer(vec2)  # bools: a logical and
        return self._mm_beta_alpha("addr", vec1, product, beta, alpha)

    def addr_(self, vec1, vec2, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        return self._mm_adopt("addr_", self.addr(vec1, vec2, beta=beta, alpha=alpha))

    def addbmm(self, batch1, batch2, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        """``beta * self + alpha * sum_b(batch1[b] @ batch2[b])`` for 3-D batches of matrices."""
        kernels.check_product("addbmm", self.array, batch1, batch2, (3, 3))
        return self._mm_beta_alpha("addbmm", batch1, batch1.matmul(batch2).sum(0), beta, alpha)

    def addbmm_(self, batch1, batch2, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        return self._mm_adopt("addbmm_", self.addbmm(batch1, batch2, beta=beta, alpha=alpha))

    def addmm_(self, mat1, mat2, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        return self._mm_adopt("addmm_", self.addmm(mat1, mat2, beta=beta, alpha=alpha))

    def baddbmm_(self, batch1, batch2, *, beta: float = 1, alpha: float = 1) -> tt_tensor.Tensor:
        return self._mm_adopt("baddbmm_", self.baddbmm(batch1, batch2, beta=beta, alpha=alpha))

    def vdot(self, other: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """``Σ conj(self) * other`` of two 1-D tensors of one dtype (real tensors: ``dot``)."""
        check_tensor("vdot", other, "other")
        kernels.check_dot("vdot", self.array, other.array)
        return (self.conj() * other).sum()

    # ------------------------------------------------------------ bitwise (integer and bool tensors)
    def bitwise_and(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(
            tt_bitwise.bitwise("bitwise_and", np.bitwise_and, self.array, _operand(other), (other,))
        )

    def bitwise_or(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(
            tt_bitwise.bitwise("bitwise_or", np.bitwise_or, self.array, _operand(other), (other,))
        )

    def bitwise_xor(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(
            tt_bitwise.bitwise("bitwise_xor", np.bitwise_xor, self.array, _operand(other), (other,))
        )

    def bitwise_not(self) -> tt_tensor.Tensor:
        return self.from_array(tt_bitwise.invert("bitwise_not", self.array))

    def bitwise_left_shift(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(kernels.shift("bitwise_left_shift", self.array, _operand(other)))

    def bitwise_right_shift(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(kernels.shift("bitwise_right_shift", self.array, _operand(other)))

    def bitwise_and_(self, other: object) -> tt_tensor.Tensor:
        return self._mm_adopt("bitwise_and_", self.bitwise_and(other))

    def bitwise_or_(self, other: object) -> tt_tensor.Tensor:
        return self._mm_adopt("bitwise_or_", self.bitwise_or(other))

    def bitwise_xor_(self, other: object) -> tt_tensor.Tensor:
        return self._mm_adopt("bitwise_xor_", self.bitwise_xor(other))

    def bitwise_not_(self) -> tt_tensor.Tensor:
        return self._mm_adopt("bitwise_not_", self.bitwise_not())

    def bitwise_left_shift_(self, other: object) -> tt_tensor.Tensor:
        return self._mm_adopt("bitwise_left_shift_", self.bitwise_left_shift(other))

    def bitwise_right_shift_(self, other: object) -> tt_tensor.Tensor:
        return self._mm_adopt("bitwise_right_shift_", self.bitwise_right_shift(other))

    def __lshift__(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(kernels.shift("<<", self.array, _operand(other)))

    def __rshift__(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(kernels.shift(">>", self.array, _operand(other)))

    def __rlshift__(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(kernels.shift("<<", _operand(other), self.array))

    def __rrshift__(self, other: object) -> tt_tensor.Tensor:
        return self.from_array(kernels.shift(">>", _operand(other), self.array))

    # in place, as PyTorch's (without these, Python would rebind ``x &= y`` to a new tensor)
    __iand__, __ior__, __ixor__ = bitwise_and_, bitwise_or_, bitwise_xor_
    __ilshift__, __irshift__ = bitwise_left_shift_, bitwise_right_shift_

    def __ifloordiv__(self, other: object) -> tt_tensor.Tensor:  # (x //= y: floor_divide_, in place)
        return self.floor_divide_(other)

    def __imod__(self, other: object) -> tt_tensor.Tensor:
        return self.remainder_(other)

    def __ipow__(self, other: object) -> tt_tensor.Tensor:
        return self.pow_(other)

    # ------------------------------------------------------------ random fills (no gradient)
    def _mm_fill(self, op: str, values: np.ndarray) -> tt_tensor.Tensor:
        # in a graph: no gradient to the values overwritten, as PyTorch's
        # (cast: random_ on a bool tensor draws int64 0/1, written as bools)
        return self._adopt(op, type(self)._where(np.zeros(self.shape, bool), self, values), cast=False)

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> tt_tensor.Tensor:
        """In place: Cauchy samples ``median + sigma * tan(pi * (u - 1/2))`` (float tensors)."""
        values = kernels.cauchy(self.shape, self.array.dtype, median, sigma, generator)
        return self._mm_fill("cauchy_", values)

    def exponential_(self, lambd: float = 1.0, *, generator=None) -> tt_tensor.Tensor:
        """In place: exponential samples of rate ``lambd`` (mean ``1 / lambd``; float tensors)."""
        values = kernels.exponential(self.shape, self.array.dtype, lambd, generator)
        return self._mm_fill("exponential_", values)

    def geometric_(self, p: float, *, generator=None) -> tt_tensor.Tensor:
        """In place: the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
        return self._mm_fill("geometric_", kernels.geometric(self.shape, self.array.dtype, p, generator))

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None) -> tt_tensor.Tensor:
        """In place: ``exp`` of normal samples of ``mean`` and ``std`` (float tensors)."""
        values = kernels.log_normal(self.shape, self.array.dtype, mean, std, generator)
        return self._mm_fill("log_normal_", values)

    def random_(self, *args: object, generator=None, **kwargs: object) -> tt_tensor.Tensor:
        """In place: integers drawn uniformly from ``[from, to)``: ``random_()`` (from 0 to the largest
        value the dtype holds exactly), ``random_(to)``, ``random_(from, to)``."""
        bounds = dict(zip(("from", "to"), (0, *args) if len(args) == 1 else args))
        bounds.update({"from" if key == "from_" else key: value for key, value in kwargs.items()})
        if len(args) > 2 or not set(bounds) <= {"from", "to"}:
            raise TypeError(
                f"random_: expected random_(), random_(to) or random_(from, to), got {args} {kwargs}"
            )
        for name, value in zip(("to",) if len(args) == 1 else ("from", "to"), args):
            check_number("random_", name, value)  # positional bounds are numbers (keyword to=None: default)
        values = kernels.random_integers(
            self.shape, self.array.dtype, bounds.get("from", 0), bounds.get("to"), generator
        )
        return self._mm_fill("random_", values)

    def bernoulli(self, p: float | None = None, *, generator=None) -> tt_tensor.Tensor:
        """1 with probability ``self`` (element-wise; or ``p`` everywhere), else 0, in ``self``'s dtype."""
        if self.array.dtype.kind != "f":
            raise TypeError(f"bernoulli: not implemented for {_name(self.array.dtype)} (float tensors only)")
        chance = self.array if p is None else check_number("bernoulli", "p", p)
        return self.from_array(
            tt_tensor.random.bernoulli("bernoulli", self.shape, self.array.dtype, chance, generator)
        )


# ---------------------------------------------------------------- function forms (torch.<name>)
def _method(name: str, doc_of: str = ""):
    def function(input, *args, **kwargs):  # noqa: A002
        return getattr(check_tensor(name, input), doc_of or name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}``: ``input.{doc_of or name}(...)``."
    return function


def float_power(input, exponent):  # noqa: A002
    """``torch.float_power``: ``input ** exponent`` in float64; ``input`` may be a number."""
    if not isinstance(input, tt_tensor.Tensor):
        return check_tensor("float_power", exponent, "exponent").double().__rpow__(float(input))
    return input.float_power(exponent)


ldexp, ldexp_, fmax, fmin = _method("ldexp"), _method("ldexp_"), _method("fmax"), _method("fmin")
logaddexp2, nextafter, frexp = _method("logaddexp2"), _method("nextafter"), _method("frexp")
deg2rad, deg2rad_, rad2deg, rad2deg_ = (
    _method("deg2rad"),
    _method("deg2rad_"),
    _method("rad2deg"),
    _method("rad2deg_"),
)
cov, corrcoef, aminmax, vdot = _method("cov"), _method("corrcoef"), _method("aminmax"), _method("vdot")
addmv, addmv_, addr, addbmm = _method("addmv"), _method("addmv_"), _method("addr"), _method("addbmm")
histogram = _method("histogram")
bitwise_not = _method("bitwise_not")


def _bitwise(name: str, reflected: str):
    """``torch.<name>(input, other)``, where ``input`` may be a number when ``other`` is a tensor."""

    def function(input, other):  # noqa: A002
        if not isinstance(input, tt_tensor.Tensor) and isinstance(other, tt_tensor.Tensor):
            return getattr(other, reflected)(input)
        return getattr(check_tensor(name, input), name)(other)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}``: ``input.{name}(other)``; ``input`` may be a number."
    return function


bitwise_and, bitwise_or = _bitwise("bitwise_and", "bitwise_and"), _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")
bitwise_left_shift = _bitwise("bitwise_left_shift", "__rlshift__")
bitwise_right_shift = _bitwise("bitwise_right_shift", "__rrshift__")
