"""In-place operations on tensors that may require grad: ``add_``, ``zero_``, ``copy_``, ``clamp_``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``). Writing into a leaf that requires
grad would change what a recorded backward reads, so outside ``no_grad`` it is refused, as in PyTorch
(optimizers write under ``no_grad``). Writing into a tensor that is part of a graph (a non-leaf), or
with an operand that requires grad, is recorded instead, as PyTorch records it: the tensor takes the
out-of-place result's new array and ``grad_fn`` (:meth:`InPlaceGradMixin._adopt`, the one path every
in-place mixin writes through), and ``retain_grad()`` follows the new version. A fill (``zero_``,
``fill_``, ``copy_``, ``uniform_``, ...) passes a zero gradient to the values it overwrote, and
``copy_``/``fill_`` pass theirs to a source that requires grad. Into a view, or a tensor with views,
the base's history is rewritten too (:mod:`tt_autograd.view_writes`). ``resize_`` and ``set_``
change which memory the tensor reads.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor import pointwise
from tt_tensor.dtypes import from_numpy_dtype
from tt_tensor.indexing import key_of
from tt_tensor.memory_formats import check_format
from tt_tensor.storage import as_strided_view, storage_of
from tt_tensor.tensor import operand

from . import forward_ad, tensor_hooks, view_writes
from .functions.index_extra import PutFunction
from .functions.indexing import written_value
from .grad_mode import _state

#: ``set_()`` called without a source (``set_(None)`` is refused, as PyTorch's).
NO_SOURCE = object()


class InPlaceGradMixin(tt_tensor.Tensor):
    """tt-tensor's in-place methods, checked and recorded for autograd."""

    #: The tensor whose memory this view shares (PyTorch's ``Tensor._base``), or None: set by view ops
    #: (:mod:`tt_autograd.view_writes`); an in-place op on the view rewrites the base's history.
    _base = None

    def _is_view(self) -> bool:
        """Whether this tensor is a view of another (PyTorch's ``Tensor._is_view()``)."""
        return self._base is not None

    def detach(self) -> tt_tensor.Tensor:
        """The same memory as a new tensor outside any gradient history; not a view (no ``_base``), as
        PyTorch's, but it follows a recorded in-place write into its memory (which moves the memory,
        :mod:`tt_autograd.view_writes`): it reads the new values, and a recorded write into it reaches
        the tensor it came from (whose history stays as it was, as PyTorch's)."""
        return view_writes.link_alias(super().detach(), self)

    @property
    def data(self) -> tt_tensor.Tensor:
        """The same memory as a new tensor outside any history: :meth:`detach`'s alias."""
        return view_writes.link_alias(tt_tensor.Tensor.data.fget(self), self)

    @data.setter
    def data(self, value: tt_tensor.Tensor) -> None:
        tt_tensor.Tensor.data.fset(self, value)

    def __getstate__(self) -> dict:
        """Pickling and copying keep the tensor, not its ties to other tensors' memory: no ``_base``,
        no weak references to views (which cannot be pickled); the copy is a tensor of its own."""
        state = self.__dict__.copy()
        for tie in ("_base", "_views", "_view_in_no_grad", "_aliased", "_multi_output"):
            state.pop(tie, None)
        return state

    def _check_inplace(self, op: str) -> None:
        """Refuse writing into a leaf that requires grad while grad mode is on (PyTorch's rule)."""
        if _state.enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"{op}: in-place operation on a leaf tensor that requires grad; do it under tt.no_grad() (as "
                "optimizers do) or use the out-of-place form"
            )

    def _recording(self, *operands: object) -> bool:
        """Whether an in-place op on this tensor with ``operands`` is recorded (grad mode on, and this
        tensor or an operand requires grad), or forward-AD (one of them carries a tangent)."""
        recorded = _state.enabled and (self._requires_grad or any(map(_requires_grad, operands)))
        return recorded or forward_ad.dual_among(self, *operands)

    def _check_write_back(self, op: str, shape: tuple, dtype: np.dtype, cast: bool = True) -> None:
        """The one check of every in-place op: a result of ``shape`` and ``dtype`` must fit in this tensor
        (its shape; PyTorch's cast rule unless ``cast`` is False: no float into integers, only bool
        into bool)."""
        target = self.array.dtype
        if tuple(shape) == tuple(self.shape):
            if not cast or not (
                (dtype.kind == "f" and target.kind in "iub")
                or (dtype.kind != "b" and target.kind == "b")
                or (dtype.kind == "c" and target.kind != "c")
            ):
                return
            problem = f"result type {_name(dtype)} can't be cast to the desired output type {_name(target)}"
        else:
            problem = f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(shape)}"
        raise RuntimeError(
            f"{op}: {problem}: the result (shape {list(shape)}, {_name(dtype)}) can't be written back into "
            f"self (shape {list(self.shape)}, {_name(target)}); use the out-of-place "
            f"{op.rstrip('_')}() instead"
        )

    def _adopt(self, op: str, result: tt_tensor.Tensor, cast: bool = True) -> tt_tensor.Tensor:
        """Write ``result`` (``op``'s out-of-place result) into this tensor, after the one shape/dtype
        check. Not recorded: into the memory every view shares (a version bump). Recorded: this tensor
        takes ``result``'s new array (what a Function saved stays as it was) and its ``grad_fn``; a
        view, or a tensor with live views, moves with them to new memory and the base's and every
        view's history are rewritten (:mod:`tt_autograd.view_writes`, PyTorch's ``CopySlices``).
        Refused (grad mode on): a leaf that requires grad."""
        self._check_inplace(op)
        _check_batched_write(op, self, result)
        self._check_write_back(op, result.shape, result.array.dtype, cast)
        if _state.enabled and self._requires_grad and result.grad_fn is None:
            # a result autograd does not differentiate (eq_, ...): a zero gradient, as PyTorch's
            result = type(self)._where(
                np.zeros(self.shape, bool), self, result.array.astype(self.array.dtype)
            )
        family = forward_ad.active() and view_writes.needs_write_through(self)
        if family and forward_ad.dual_among(self, result, *view_writes.members(self)):
            if getattr(self, "_levels", None):
                raise RuntimeError(
                    f"{op}: in-place operation on a view (or a tensor with views) of a dual tensor inside "
                    f"vmap (jacfwd); use the out-of-place form ({op.rstrip('_')})"
                )
            return view_writes.with_tangents(self, result, lambda: self._adopt_write(op, result, cast))
        return self._adopt_write(op, result, cast)

    def _adopt_write(self, op: str, result: tt_tensor.Tensor, cast: bool) -> tt_tensor.Tensor:
        """:meth:`_adopt`'s write of ``result``, checked: into the memory, or recorded."""
        forward_ad.adopt(self, result)  # (a dual result: its tangent is now this tensor's)
        if result.grad_fn is None or self.array.dtype.kind not in "fc":  # (integers, bools: no gradient)
            return self._overwrite(op, result.array)
        if view_writes.needs_write_through(self):  # a view, or a base with views: PyTorch's aliasing
            if getattr(self, "_levels", None):
                raise RuntimeError(
                    f"{op}: in-place operation on a view (or a tensor with views) inside vmap; use the "
                    f"out-of-place form ({op.rstrip('_')})"
                )
            with forward_ad.untangented():  # (the family's tangents: view_writes.with_tangents)
                return view_writes.write_through(self, op, result)
        self.array = result.array.astype(self.array.dtype, copy=False)
        self._take_history(result)
        return self

    def _take_history(self, result: tt_tensor.Tensor) -> None:
        """``self`` is now ``result``'s version in the graph (a recorded in-place op, which gives ``self``
        ``result``'s new array); ``retain_grad()`` follows it. Shared by every in-place mixin."""
        previous = self.grad_fn
        self.grad_fn, self._requires_grad = result.grad_fn, True
        if previous is not None:
            tensor_hooks.move_retained(previous, self.grad_fn)

    def _inplace(self, op: str, ufunc: np.ufunc, other: object) -> tt_tensor.Tensor:
        method = _METHODS[ufunc]
        _check_batched_write(op, self, other)
        if self._recording(other):
            return self._adopt(op, getattr(self, method)(other))  # the recorded op, out of place
        try:
            return super()._inplace(op, ufunc, other)  # tt-tensor's kernel, into the memory views share
        except (TypeError, RuntimeError):
            try:  # the kernel refused: the one message when it is the write-back that failed
                result = getattr(tt_tensor.Tensor, method)(self, other)
            except Exception:  # noqa: BLE001  (the operand itself is wrong: the kernel's error says so)
                result = None
            if result is not None:
                self._check_write_back(op, result.shape, result.array.dtype)
            raise

    def _update(self, op: str, method: str, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        """tt-tensor's ``op`` (``addcmul_``, ``lerp_``, ...); in a graph, recorded as ``method``."""
        if self._recording(*args, *kwargs.values()):
            return self._write_back(op, method, args, kwargs)
        return getattr(tt_tensor.Tensor, op)(self, *args, **kwargs)

    def _fill(self, op: str, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        """tt-tensor's fill ``op`` (``zero_``, ``fill_``, ``copy_``, the random ones); recorded in a graph
        as ``where(False, self, values)``: no gradient to the old values, a source's to the source."""
        operands = (*args, *kwargs.values())
        if not self._recording(*operands):
            return getattr(tt_tensor.Tensor, op)(self, *args, **kwargs)
        fresh = getattr(tt_tensor.Tensor, op)(self.detach().clone(), *args, **kwargs)  # the values, checked
        source = next((v for v in operands if _requires_grad(v) or forward_ad.dual_among(v)), fresh.array)
        return self._adopt(op, type(self)._where(np.zeros(self.shape, bool), self, source), cast=False)

    def add_(self, other: object, *, alpha: float = 1) -> tt_tensor.Tensor:
        """In place ``self += alpha * other``; recorded in a graph."""
        alpha = _alpha("add_", self, other, alpha)
        return self._inplace("add_", np.add, other if alpha == 1 else _scaled(other, alpha))

    def sub_(self, other: object, *, alpha: float = 1) -> tt_tensor.Tensor:
        """In place ``self -= alpha * other``; recorded in a graph."""
        pointwise.check_subtraction("sub_", self, other)  # (bools: PyTorch's refusal)
        alpha = _alpha("sub_", self, other, alpha)
        return self._inplace("sub_", np.subtract, other if alpha == 1 else _scaled(other, alpha))

    def div_(self, other: object, *, rounding_mode: str | None = None) -> tt_tensor.Tensor:
        """In place ``self /= other``, or :meth:`div`'s ``rounding_mode``; recorded in a graph."""
        if rounding_mode is None:
            return self._inplace("div_", np.true_divide, other)
        return self._write_back("div_", "div", (other,), {"rounding_mode": rounding_mode})

    def addcmul_(self, tensor1: object, tensor2: object, *, value: float = 1) -> tt_tensor.Tensor:
        """In place ``self += value * tensor1 * tensor2``; recorded in a graph."""
        return self._update("addcmul_", "addcmul", tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1: object, tensor2: object, *, value: float = 1) -> tt_tensor.Tensor:
        """In place ``self += value * tensor1 / tensor2``; recorded in a graph."""
        return self._update("addcdiv_", "addcdiv", tensor1, tensor2, value=value)

    def lerp_(self, end: object, weight: object) -> tt_tensor.Tensor:
        """In place ``self += weight * (end - self)``; recorded in a graph."""
        return self._update("lerp_", "lerp", end, weight)

    def __setitem__(self, key: object, value: object) -> None:
        if not self._recording(value):
            super().__setitem__(key, value)
            return
        tt_tensor.Tensor.__setitem__(self.detach().clone(), key, value)  # the key and value, checked
        values = value if _requires_grad(value) or forward_ad.dual_among(value) else operand(value)
        key = key_of(key)
        values = written_value(values, key, self.ndim)  # (PyTorch's order of dims: functions/indexing.py)
        result = PutFunction.apply(self, values, key=key, accumulate=False)
        self._adopt("index assignment", result)  # (of self's dtype: put writes into a copy of self)

    def zero_(self) -> tt_tensor.Tensor:
        return self._fill("zero_")

    def fill_(self, value: float) -> tt_tensor.Tensor:
        return self._fill("fill_", value)

    def copy_(self, other: object, non_blocking: bool = False) -> tt_tensor.Tensor:
        return self._fill("copy_", other, non_blocking)

    def uniform_(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        return self._fill("uniform_", *args, **kwargs)

    def normal_(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        return self._fill("normal_", *args, **kwargs)

    def bernoulli_(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        return self._fill("bernoulli_", *args, **kwargs)

    def clamp_(self, min: object = None, max: object = None) -> tt_tensor.Tensor:  # noqa: A002
        return self._write_back("clamp_", "clamp", (min, max), {})

    def masked_fill_(self, mask: tt_tensor.Tensor, value: float) -> tt_tensor.Tensor:
        return self._write_back("masked_fill_", "masked_fill", (mask, value), {})

    # ----------------------------------------------------------------- storage: resize_, set_
    def resize_(self, *sizes: int, memory_format: object = None) -> tt_tensor.Tensor:
        """This tensor with shape ``sizes``, row-major, over the start of its memory (PyTorch's).

        Elements kept: the first ``numel`` of its storage from where it starts; memory that is
        too small is replaced by a new block holding the old elements first, the rest
        uninitialised (``np.empty``), as PyTorch's. Refused for a tensor that requires grad.
        Cost: O(1) when the memory is large enough, else one copy.
        """
        shape = _sizes("resize_", sizes)
        _check_resize_format("resize_", memory_format, len(shape))
        if self._requires_grad:
            raise RuntimeError("resize_: cannot resize variables that require grad; resize a detach()ed copy")
        count = int(np.prod(shape, dtype=np.int64))
        try:
            memory, start = storage_of(self.array)
        except RuntimeError:  # (not one row-major block: its values, row-major, as the old elements)
            memory, start = np.ascontiguousarray(self.array).reshape(-1), 0
        if count > memory.size - start:
            grown = np.empty(count, dtype=self.array.dtype)
            kept = memory[start:]
            grown[: kept.size] = kept
            memory, start = grown, 0
        self.array = memory[start : start + count].reshape(shape)
        return self

    def resize_as_(self, other: tt_tensor.Tensor, memory_format: object = None) -> tt_tensor.Tensor:
        """:meth:`resize_` to ``other``'s shape."""
        if not isinstance(other, tt_tensor.Tensor):
            raise TypeError(f"resize_as_: the template must be a tensor, got {type(other).__name__}")
        return self.resize_(*tuple(other.shape), memory_format=memory_format)

    def set_(self, source: object = NO_SOURCE, storage_offset: int = 0, size=None, stride=None):
        """This tensor shares ``source``'s memory: its shape and strides, or ``size``/``stride`` from
        ``storage_offset`` of it (elements, as ``as_strided``); no source: an empty tensor. Same
        dtype only (PyTorch's rule); refused for a leaf that requires grad in grad mode."""
        self._check_inplace("set_")
        if source is NO_SOURCE:
            self.array = np.empty((0,), dtype=self.array.dtype)
            return self
        if not isinstance(source, tt_tensor.Tensor):
            raise TypeError(f"set_: source must be a tensor, got {type(source).__name__}")
        if source.array.dtype != self.array.dtype:
            raise RuntimeError(
                f"set_: expected a source of this tensor's dtype {_name(self.array.dtype)}, got "
                f"{_name(source.array.dtype)}; convert it with .to() first"
            )
        if size is None:
            self.array = source.array.view()
        else:
            size = _sizes("set_", (size,))
            stride = tuple(int(n) for n in stride) if stride is not None else _row_major(size)
            self.array = as_strided_view(source.array, size, stride, int(storage_offset))
        return self


_METHODS = {np.add: "add", np.subtract: "sub", np.multiply: "mul", np.true_divide: "div"}


def _requires_grad(value: object) -> bool:
    return bool(getattr(value, "requires_grad", False))  # (numbers, arrays and tt-tensor's plain tensors: no)


def _name(dtype: np.dtype) -> str:
    return from_numpy_dtype(np.dtype(dtype)).name


def _alpha(op: str, target: object, value: object, alpha: object) -> object:
    """``alpha`` of ``add_``/``sub_``, checked and converted by :func:`tt_tensor.pointwise.check_alpha`."""
    if type(alpha) is int and alpha == 1:
        return alpha
    return pointwise.check_alpha(
        op, target, value if isinstance(value, tt_tensor.Tensor) else operand(value), alpha
    )


def _scaled(value: object, alpha: float) -> object:
    """``alpha * value`` for ``add_``/``sub_``: recorded for a tensor, else with tt-tensor's promotion."""
    return value * alpha if isinstance(value, tt_tensor.Tensor) else pointwise.scale(operand(value), alpha)


def _check_batched_write(op: str, target: object, result: object) -> None:
    """Inside vmap, an in-place op writes a result batched over the vmap levels of the target only."""
    if set(getattr(result, "_levels", ())) - set(getattr(target, "_levels", ())):
        raise RuntimeError(
            f"vmap: {op}(self, *extra_args) is not possible because there exists a Tensor `other` in "
            "extra_args that has more elements than `self`. This happened due to `other` being vmapped "
            "over but `self` not being vmapped over in a vmap. Please try to use out-of-place operators "
            "instead of inplace arithmetic."
        )


def _sizes(op: str, sizes: tuple) -> tuple[int, ...]:
    """``resize_(2, 3)`` or ``resize_((2, 3))``: the shape, checked (non-negative ints)."""
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise RuntimeError(f"{op}: sizes must be non-negative ints, got {list(shape)}")
    return tuple(int(n) for n in shape)


def _row_major(size: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides (elements) of ``size``."""
    strides, step = [], 1
    for n in reversed(size):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _check_resize_format(op: str, memory_format: object, ndim: int) -> None:
    """``resize_``'s ``memory_format``: None or ``contiguous_format`` (row-major, what it makes); PyTorch's
    own refusals (a rank that does not fit, ``preserve_format``) kept, and its restriding to
    ``channels_last`` refused by name rather than ignored."""
    if memory_format is None or memory_format is tt_tensor.contiguous_format:
        return
    check_format(op, memory_format, ndim)
    if memory_format is tt_tensor.preserve_format:
        raise RuntimeError(f"{op}: unsupported memory format preserve_format (PyTorch refuses it too)")
    raise RuntimeError(
        f"{op}: memory_format {memory_format} is not available; TinyTorch resizes row-major "
        "(contiguous_format); call .contiguous(memory_format=...) on the result"
    )
