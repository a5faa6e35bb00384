"""PyTorch's ``Tensor`` aliases, in-place variants and queries beyond the exercises: ``exp_``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that file one sitting
long). ``__all__`` lists the ``torch.<name>`` function forms defined here (the top level picks
them up through ``tt_autograd``).

**Aliases** (``multiply``, ``divide``, ``arccos``, ``clip``, ...: the ``ALIASES`` table) and the
in-place variants call their target through :func:`call_as`, so an error names the method the user
called (``multiply: unsupported operand ...``, ``exp_() takes 1 positional argument ...``).

**In-place variants** (``x.exp_()``, ``x.atan2_(y)``, ``x.eq_(0)``, ...) are made by one rule,
:meth:`AliasGradMixin._write_back`, from the out-of-place method of the same name: compute
``x.exp()``, then write it into ``x`` through the one in-place path of every mixin,
``InPlaceGradMixin._adopt`` (into ``x``'s memory: every view of ``x`` sees it, the version counter
moves) and return ``x``, with PyTorch's checks: the result must keep ``x``'s shape and be castable
to ``x``'s dtype (no float into an integer tensor, only bool into bool), one message for both
(``exp_: output with shape [2] doesn't match the broadcast shape [2, 2]: the result (...) can't be
written back into self (...); use the out-of-place exp() instead``). With grad mode on:

* a leaf that requires grad is refused, as in PyTorch (do it under ``no_grad``);
* a non-leaf, or any tensor when an operand requires grad, is recorded: ``x`` takes the
  out-of-place result's array and ``grad_fn`` (as ``add_`` does); ``retain_grad()`` follows the
  new version. A result that autograd does not differentiate (``eq_``, ``logical_not_``) passes a
  zero gradient back, as PyTorch's does;
* writing into a *view* (or into a tensor that has views) rewrites the base's history and every
  view's, as PyTorch's ``CopySlices`` does (:mod:`tt_autograd.view_writes`): views taken before
  the write read the new values and differentiate them.

The shape-changing ones (``squeeze_``, ``unsqueeze_``, ``t_``, ``transpose_``, ``swapaxes_``,
``swapdims_``) make ``x`` a view of its own memory with the new shape.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import tt_tensor
from tt_tensor import versions
from tt_tensor.checks import check_tensor
from tt_tensor.memory_formats import checked_or_none
from tt_tensor.tensor import operand

from . import tensor_hooks

#: ``name_`` writes ``name``'s result back into the tensor (see the module docstring).
ELEMENTWISE_INPLACE = (
    "abs absolute acos acosh arccos arccosh arcsin arcsinh arctan arctan2 arctanh asin asinh atan atan2 "
    "atanh ceil cos cosh exp exp2 expm1 fix floor frac log log10 log1p log2 logit neg negative reciprocal "
    "relu round rsqrt sigmoid sign sgn sin sinh sqrt square tan tanh trunc nan_to_num hypot copysign fmod "
    "lcm gcd heaviside xlogy pow clamp_max clamp_min clip cumsum cumprod tril triu eq ne lt le gt ge "
    "greater greater_equal less less_equal not_equal logical_and logical_not logical_or logical_xor "
    "divide multiply subtract true_divide floor_divide remainder"
).split()
#: ``name_`` makes the tensor a view of its own memory with ``name``'s shape.
SHAPE_INPLACE = ("squeeze", "unsqueeze", "t", "transpose", "swapaxes", "swapdims")
#: alias: the method it calls, with the same arguments (errors name the alias: :func:`call_as`).
ALIASES = {
    "absolute": "abs",
    "negative": "neg",
    "multiply": "mul",
    "subtract": "sub",
    "divide": "div",
    "true_divide": "div",  # without a rounding mode (_FIXED)
    "floor_divide": "div",  # rounding_mode="floor"
    "greater": "gt",
    "greater_equal": "ge",
    "less": "lt",
    "less_equal": "le",
    "not_equal": "ne",
    "swapdims": "transpose",
    "ndimension": "dim",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "arctan2": "atan2",
    "fix": "trunc",
    "clip": "clamp",
    "moveaxis": "movedim",
    "ger": "outer",
    "nelement": "numel",
}

#: the keyword arguments an alias fixes (a caller's own value for one is refused by the alias's name)
_FIXED = {"true_divide": {"rounding_mode": None}, "floor_divide": {"rounding_mode": "floor"}}


def call_as(name: str, target: str, method: Callable, args: tuple, kwargs: dict) -> object:
    """``method(*args, **kwargs)`` (the method ``target``) for the method ``name`` the user called: an
    error that names ``target`` (``"mul: ..."``, Python's ``"Tensor.exp() takes 1 positional argument
    ..."``) names ``name`` instead, as PyTorch's messages name the method called. Every alias and every
    made in-place variant calls through here."""
    try:
        return method(*args, **kwargs)
    except (TypeError, ValueError, RuntimeError, IndexError) as error:
        if error.args and isinstance(error.args[0], str):
            pattern = rf"^(?:\w+\.)*(?:{re.escape(target)}|{re.escape(name)})(?=\(\)|:)"
            error.args = (re.sub(pattern, name, error.args[0], count=1), *error.args[1:])
        raise


class AliasGradMixin(tt_tensor.Tensor):
    """See the module docstring."""

    # ----------------------------------------------------------------- the in-place rule
    def _write_back(self, op: str, method: str, args: tuple, kwargs: dict) -> tt_tensor.Tensor:
        """``self.<method>(*args, **kwargs)`` written into ``self``, with PyTorch's in-place rules."""
        return self._adopt(op, call_as(op, method, getattr(self, method), args, kwargs))

    def _reshape_in_place(self, op: str, method: str, args: tuple, kwargs: dict) -> tt_tensor.Tensor:
        """``self`` becomes ``self.<method>(*args, **kwargs)``: a view of its memory with the new shape."""
        self._check_inplace(op)
        result = call_as(op, method, getattr(self, method), args, kwargs)
        self.array = result.array
        versions.bump(self.array)
        if result.grad_fn is not None:
            self._take_history(result)
        return self

    # ----------------------------------------------------------------- aliases beyond the ALIASES table
    def positive(self) -> tt_tensor.Tensor:
        """This tensor itself (``+x``); refused for bool tensors, as in PyTorch."""
        if self.array.dtype == np.bool_:
            raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported")
        return self

    def remainder(self, other: object) -> tt_tensor.Tensor:
        """``self % other``, with the sign of ``other`` (Python's ``%``)."""
        return self % other

    def _rounded_division(self, other: object, rounding_mode: object) -> tt_tensor.Tensor:
        """:meth:`div` with a rounding mode: ``"floor"`` rounds down, ``"trunc"`` toward zero (piecewise
        constant: zero gradient); integer inputs keep an integer result; integer division by zero raises."""
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(
                "div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"{rounding_mode!r}"
            )
        numerator, denominator = self.array, np.asarray(operand(other))
        if np.result_type(numerator, denominator) == np.bool_:
            raise NotImplementedError(
                f"div: rounding_mode={rounding_mode!r} is not implemented for bool tensors"
            )
        floor = self // other  # recorded with a zero gradient, as PyTorch's for both modes
        if rounding_mode == "floor":
            return floor
        if "f" in (numerator.dtype.kind, denominator.dtype.kind):  # PyTorch's values: trunc(a / b)
            divisor = other.detach() if isinstance(other, tt_tensor.Tensor) else other
            values = self.detach().div(divisor).trunc().array
            return type(self)._where(
                np.zeros(values.shape, bool), floor, values
            )  # (trunc's 0 * 1/b: NaN at 0)
        inexact = (np.remainder(numerator, denominator) != 0) & ((numerator < 0) != (denominator < 0))
        return floor + inexact.astype(floor.array.dtype)  # floor rounds negative quotients one too low

    def ravel(self) -> tt_tensor.Tensor:
        """The elements as one dimension: ``reshape(-1)`` (a view when the layout allows)."""
        return self.reshape(-1)

    def adjoint(self) -> tt_tensor.Tensor:
        """The conjugate transpose of the last two dimensions (a real tensor's: the transpose)."""
        return self._matrix_transpose("tensor.adjoint()")

    @property
    def mH(self) -> tt_tensor.Tensor:  # noqa: N802  (PyTorch's name)
        """The conjugate transpose, for matrices and batches of them (as :meth:`adjoint`)."""
        return self._matrix_transpose("tensor.mH")

    @property
    def H(self) -> tt_tensor.Tensor:  # noqa: N802  (PyTorch's name)
        """The conjugate transpose of a matrix (2-D only; a 0-D tensor is itself, with PyTorch's warning)."""
        if self.ndim == 0:
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", stacklevel=2)
            return self
        if self.ndim != 2:
            hint = ". For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor{hint}"
            )
        return self.transpose(0, 1).conj()

    def _matrix_transpose(self, op: str) -> tt_tensor.Tensor:
        if self.ndim < 2:
            raise RuntimeError(
                f"{op} is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor."
            )
        return self.transpose(-2, -1).conj()

    # ----------------------------------------------------------------- queries (real tensors on the CPU)
    @property
    def nbytes(self) -> int:
        """Bytes of the elements: ``numel() * element_size()``."""
        return self.array.size * self.array.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element (as :meth:`element_size`)."""
        return self.array.itemsize

    @property
    def is_cpu(self) -> bool:
        """Always True: TinyTorch tensors live on the CPU."""
        return True

    @property
    def is_cuda(self) -> bool:
        """Always False: TinyTorch has no CUDA device."""
        return False

    def get_device(self) -> int:
        """``-1``: PyTorch's device index of a CPU tensor."""
        return -1

    def is_signed(self) -> bool:
        """Whether the dtype has negative values: floats and int8..int64, not uint8 or bool."""
        return self.array.dtype.kind in "fic"

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor; more or fewer elements are refused, as in PyTorch."""
        if self.array.size != 1:
            amount = "no values" if self.array.size == 0 else "more than one value"
            raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {amount} is ambiguous")
        return bool(self.array.reshape(-1)[0])

    def is_same_size(self, other: tt_tensor.Tensor) -> bool:
        """Whether ``other`` (a tensor) has this tensor's shape."""
        return self.shape == check_tensor("is_same_size", other, "other").shape

    def is_inference(self) -> bool:
        """False: TinyTorch's ``inference_mode`` turns grad off but makes ordinary tensors."""
        return False

    def is_neg(self) -> bool:
        """False: TinyTorch has no lazy negation bit."""
        return False

    def resolve_neg(self) -> tt_tensor.Tensor:
        """This tensor itself (no lazy negation to resolve)."""
        return self

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf (False for leaves)."""
        if self.grad_fn is None:
            return False
        reference = tensor_hooks.retained_of(self.grad_fn)
        return reference is not None and reference() is self

    def byte(self, *, memory_format: object = tt_tensor.preserve_format) -> tt_tensor.Tensor:
        """Convert to uint8 (laid out in ``memory_format``)."""
        return self.to(tt_tensor.uint8, memory_format=checked_or_none("byte", memory_format, self.ndim))

    def char(self, *, memory_format: object = tt_tensor.preserve_format) -> tt_tensor.Tensor:
        """Convert to int8 (laid out in ``memory_format``)."""
        return self.to(tt_tensor.int8, memory_format=checked_or_none("char", memory_format, self.ndim))

    def short(self, *, memory_format: object = tt_tensor.preserve_format) -> tt_tensor.Tensor:
        """Convert to int16 (laid out in ``memory_format``)."""
        return self.to(tt_tensor.int16, memory_format=checked_or_none("short", memory_format, self.ndim))


def _elementwise_inplace(name: str) -> Callable:
    def method(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        return self._write_back(f"{name}_", name, args, kwargs)

    method.__doc__ = f"In place: ``self.{name}(...)`` written into this tensor; returns it."
    return method


def _shape_inplace(name: str) -> Callable:
    def method(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:  # squeeze_(dim=0), as PyTorch
        return self._reshape_in_place(f"{name}_", name, args, kwargs)

    method.__doc__ = f"In place: this tensor takes the shape of ``self.{name}(...)`` (a view of its memory)."
    return method


def _alias(name: str) -> Callable:
    target, fixed = ALIASES[name], _FIXED.get(name, {})

    def method(self, *args: object, **kwargs: object) -> object:
        for keyword in fixed.keys() & kwargs.keys():
            raise TypeError(f"{name}() got an unexpected keyword argument {keyword!r}")
        return call_as(name, target, getattr(self, target), args, {**kwargs, **fixed})

    method.__doc__ = f"Alias of :meth:`{target}`."
    return method


for _name, _made_name, _make in [
    *((n, f"{n}_", _elementwise_inplace) for n in ELEMENTWISE_INPLACE),
    *((n, f"{n}_", _shape_inplace) for n in SHAPE_INPLACE),
    *((n, n, _alias) for n in ALIASES),
]:
    _method = _make(_name)
    _method.__name__ = _made_name
    _method.__qualname__ = f"AliasGradMixin.{_made_name}"
    setattr(AliasGradMixin, _made_name, _method)


# ----------------------------------------------------------------- torch.<name> function forms
FUNCTION_FORMS = (
    "absolute divide multiply subtract true_divide floor_divide remainder greater greater_equal less "
    "less_equal not_equal negative positive swapdims ravel adjoint sgn is_signed is_nonzero "
    "is_same_size is_inference is_neg get_device resolve_neg "
    "abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ ceil_ "
    "clamp_max_ clamp_min_ clip_ cos_ cosh_ exp2_ exp_ expm1_ fix_ floor_ frac_ gcd_ lcm_ log10_ log1p_ "
    "log2_ log_ logit_ nan_to_num_ neg_ negative_ reciprocal_ relu_ round_ rsqrt_ sigmoid_ sin_ sinh_ "
    "sqrt_ square_ tan_ tanh_ trunc_ xlogy_"
).split()


def _function_form(name: str) -> Callable:
    def function(input: object, *args: object, **kwargs: object) -> object:  # noqa: A002  (PyTorch's name)
        return getattr(check_tensor(name, input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(input, ...)``: ``input.{name}(...)``."
    return function


globals().update({_name: _function_form(_name) for _name in FUNCTION_FORMS})
__all__ = [*FUNCTION_FORMS]
