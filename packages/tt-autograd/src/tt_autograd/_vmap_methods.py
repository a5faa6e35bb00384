"""vmap: the methods a :class:`~tt_autograd.batched.BatchedTensor` answers itself.

tt-autograd's differentiable methods reach ``Function.apply``, where the batching
rules take over (:mod:`tt_autograd._vmap_rules`); tt-tensor's own methods work on
the array directly, so here each gets a batched form: element-wise ones
(comparisons, logic) align their operands, dim-taking ones (argmax, max(dim), sort,
argsort, topk, kthvalue, mode, median(dim), cummax, cummin, logcumsumexp, diagonal,
trace) shift the dim, element-wise methods of one tensor (nan_to_num, square, frexp,
...) run on the physical array, products (dot, mv, mm, bmm) check the logical ranks
then matmul, the indexed writes (index_copy, index_fill, index_put) run as they are
(a batched index: :mod:`tt_autograd._vmap_index_writes`), the random ones (bernoulli,
multinomial, the in-place fills uniform_, normal_, ...) follow vmap's randomness,
addmm/addmv/addr/addbmm/baddbmm check one sample then compose batched ops, reductions over
dims (all, any, count_nonzero, nanmean) shift them, composites of batched methods (narrow,
rot90, diff, cov, kron, dist, renorm, ...: VECTORISED) run as they are, histc and histogram and
tt-tensor's functions computed on arrays (isin, searchsorted, bucketize, unravel_index; tt-text's
embedding_bag) have forms of their own (:mod:`tt_autograd._vmap_search`,
:mod:`tt_autograd._vmap_embedding_bag`), allclose and equal (one Python bool) refuse, and every other
tt-tensor method loops over the samples with a warning.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import tt_tensor
from tt_tensor.checks import normalize_dim, normalize_dims
from tt_tensor.indexing import key_of
from tt_tensor.tensor import operand

from . import _vmap_embedding_bag, _vmap_random, _vmap_rules_nn, _vmap_search
from ._alias_methods import ALIASES
from .batched import STATE, BatchedTensor, _tensors, aligned, logical_ndim, per_sample, physical, union, wrap
from .functions.indexing import GetItemFunction, index
from .functions.shape import PermuteFunction
from .tensor import Tensor


def _dim_method(name: str) -> Callable:
    """A method of tt-tensor taking ``dim`` (argmax, ...): the dim shifted past the batch dims."""
    original = getattr(Tensor, name)

    def method(self, dim: Any = None, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return original(self, dim, *args, **kwargs)
        lead, ndim = len(self._levels), self.ndim
        with physical():
            if dim is None or ndim == 0:  # a 0-d sample's dim 0 (or -1) is the sample itself
                if dim is not None:
                    normalize_dim(name, dim, ndim)  # (0-d: dims 0 and -1 are the sample itself)
                source = self.reshape(*self.array.shape[:lead], -1) if ndim else self.unsqueeze(-1)
                out = original(source, lead, *args, **kwargs)
            else:
                out = original(self, normalize_dim(name, dim, ndim) + lead, *args, **kwargs)
        return _rewrapped(out, self._levels)

    return method


def _elementwise_method(name: str) -> Callable:
    """A tt-tensor element-wise method (comparisons, logic): operands aligned, then run physically."""
    original = getattr(Tensor, name)

    def method(self, *others: Any, **named: Any) -> Any:
        if STATE.physical:
            return original(self, *others, **named)
        values = (self, *others, *named.values())  # (an operand given by keyword: other=)
        levels, sizes = union(values)
        ndim = max(logical_ndim(v) for v in values if isinstance(v, tt_tensor.Tensor))
        line = lambda v: aligned(v, levels, sizes, ndim) if type(v) is BatchedTensor else v  # noqa: E731
        with physical():
            out = original(*map(line, (self, *others)), **{k: line(v) for k, v in named.items()})
        return wrap(out, levels)

    return method


def _looping_method(name: str) -> Callable:
    original = getattr(Tensor, name)

    def method(self, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return original(self, *args, **kwargs)
        return per_sample(f"Tensor.{name}", lambda *a, **k: original(*a, **k), (self, *args), kwargs)

    return method


def getitem(self, key: Any) -> Any:
    """``x[key]`` while a vmap runs: a batched index tensor alone on a plain tensor (an embedding's
    lookup) is one physical index; other keys with a batched index loop over the samples."""
    keys = key if isinstance(key, tuple) else (key,)
    if STATE.physical or not any(type(k) is BatchedTensor for k in keys):
        return _plain_getitem(self, key)  # (a batched self: GetItem's rule shifts the key)
    if type(self) is not BatchedTensor and type(key) is BatchedTensor and key.dtype != tt_tensor.bool:
        with physical():
            out = GetItemFunction.apply(self, key=key_of(key))
        return wrap(out, key._levels)
    return per_sample("indexing with a batched index", _plain_getitem, (self, key), {})


def index_add(self, dim: int, index: Any, source: Any, alpha: float) -> Any:
    """``x.index_add(dim, index, source, alpha=...)`` while a vmap runs: an unbatched index is the op's
    own (PutFunction's rule batches it); a batched one is scatter_add of ``source`` with the index
    expanded along the source's other dims (from a 0-d or a refused sample: the loop, the op's error)."""
    if STATE.physical or type(index) is not BatchedTensor:
        return self._index_add(dim, index, source, alpha)
    if self.ndim == 0 or index.ndim > 1 or not isinstance(source, tt_tensor.Tensor):
        return per_sample("Tensor.index_add", Tensor._index_add, (self, dim, index, source, alpha), {})
    axis = normalize_dim("index_add", dim, self.ndim)
    count = index.numel()
    expected = (*self.shape[:axis], count, *self.shape[axis + 1 :])
    positions = index.array
    in_range = ((positions >= 0) & (positions < self.shape[axis])).all()
    if tuple(source.shape) != expected or not in_range or source.dtype != self.dtype:
        return per_sample("Tensor.index_add", Tensor._index_add, (self, dim, index, source, alpha), {})
    where = index.reshape(*(count if d == axis else 1 for d in range(self.ndim))).expand(*expected)
    if alpha != 1:  # (an integer tensor takes alpha's integer part, as the op)
        source = source * (alpha if self.dtype.is_floating_point else int(alpha))
    return self.scatter_add(axis, where, source)


def _plain_getitem(x: Any, key: Any) -> Any:
    return index(x, key)


def _sorting(name: str, position: int) -> Callable:
    """sort, argsort, topk, kthvalue, mode, median(dim), nanmedian(dim): the dim (argument ``position``
    after self; default -1) shifted past the batch dims, both results batched (a 0-d sample loops).
    ``median``/``nanmedian`` without a dim (over all elements) are their own Function, with its own
    rule; an input the op refuses loops, so the error is the op's own, naming the dim as given."""
    original = getattr(Tensor, name)

    def method(self, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return original(self, *args, **kwargs)
        given = len(args) > position
        if name in NO_DEFAULT_DIM and not given and "dim" not in kwargs:
            return original(self, *args, **kwargs)  # (median: of all elements; the others: their error)
        if self.ndim == 0:
            return per_sample(f"Tensor.{name}", original, (self, *args), kwargs)
        axis = normalize_dim(name, args[position] if given else kwargs.get("dim", -1), self.ndim)
        shifted, named = list(args), dict(kwargs)
        if given:
            shifted[position] = axis + len(self._levels)
        else:
            named["dim"] = axis + len(self._levels)
        try:
            with physical():
                out = original(self, *shifted, **named)
        except (RuntimeError, IndexError):
            return per_sample(f"Tensor.{name}", original, (self, *args), kwargs)
        return _rewrapped(out, self._levels)

    return method


def _physical_method(name: str) -> Callable:
    """An element-wise method of one tensor (PHYSICAL): run on the physical array, whose every element
    is some sample's; a tensor among the other arguments loops."""
    original = getattr(Tensor, name)

    def method(self, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return original(self, *args, **kwargs)
        if any(True for _ in _tensors((args, kwargs))):
            return per_sample(f"Tensor.{name}", original, (self, *args), kwargs)
        with physical():
            out = original(self, *args, **kwargs)
        return _rewrapped(out, self._levels)

    return method


def _reduction(name: str) -> Callable:
    """A reduction over ``dim`` (None, an int or a tuple: REDUCTIONS) run on the physical array with its
    dims normalised against the sample and shifted past the batch dims (None: every logical dim)."""
    original = getattr(Tensor, name)

    def method(self, dim: Any = None, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return original(self, dim, *args, **kwargs)
        lead, axes = len(self._levels), normalize_dims(name, dim, self.ndim)
        axes = tuple(range(self.ndim)) if axes is None else axes
        with physical():
            out = original(self, tuple(a + lead for a in axes), *args, **kwargs)
        return wrap(out, self._levels)

    return method


def _add_product(name: str, product: Callable) -> Callable:
    """addmm, addmv, addr, addbmm, baddbmm (``beta * self + alpha * product(a, b)``) of floating-point
    tensors: the op first runs on zeros of the samples' shapes (its checks and errors), then the sum is
    composed of batched ops; other dtypes loop."""
    original = getattr(Tensor, name)
    first, second = list(inspect.signature(original).parameters)[1:3]  # (mat1, mat2; vec1, vec2; ...)

    def method(self, *args: Any, **named: Any) -> Any:
        if STATE.physical:
            return original(self, *args, **named)
        beta, alpha = named.get("beta", 1), named.get("alpha", 1)
        operands = {k: v for k, v in named.items() if k not in ("beta", "alpha")}
        given = dict(zip((first, second), args))
        if len(args) > 2 or set(operands) - {first, second} or set(given) & set(operands):
            return original(self, *args, **named)  # (the op's TypeError)
        given.update(operands)
        if len(given) < 2:
            return original(self, *args, **named)
        a, b = given.get(first), given.get(second)
        values = (self, a, b)
        if not all(isinstance(v, Tensor) and v.dtype.is_floating_point for v in values):
            return per_sample(f"Tensor.{name}", original, values, {"beta": beta, "alpha": alpha})
        samples = [Tensor.from_array(np.zeros(v.shape, dtype=v.array.dtype)) for v in values]
        original(*samples, beta=beta, alpha=alpha)  # (one sample's checks: ranks, sizes, broadcasting)
        out = product(a, b) * alpha if alpha != 1 else product(a, b)
        return out if beta == 0 else out + (self if beta == 1 else self * beta)

    return method


def _rewrapped(out: Any, levels: tuple) -> Any:
    """A method's result (a tensor, or a tuple or named tuple of them) batched over ``levels``."""
    if isinstance(out, tuple):
        parts = [wrap(o, levels) for o in out]
        return type(out)(*parts) if hasattr(out, "_fields") else tuple(parts)
    return wrap(out, levels)


def _diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
    """``diagonal``: dims shifted past the batch dims (the diagonal goes last, behind them)."""
    if STATE.physical:
        return Tensor.diagonal(self, offset, dim1, dim2)
    if self.ndim < 2:  # (the op's own error)
        return per_sample("Tensor.diagonal", Tensor.diagonal, (self, offset, dim1, dim2), {})
    lead = len(self._levels)
    d1, d2 = (normalize_dim("diagonal", d, self.ndim) + lead for d in (dim1, dim2))
    with physical():
        out = Tensor.diagonal(self, offset, d1, d2)
    return wrap(out, self._levels)


def _trace(self) -> Any:
    """``trace`` of a matrix sample: its diagonal's sum (other ranks loop, for the op's own error)."""
    if STATE.physical or self.ndim != 2:
        return Tensor.trace(self) if STATE.physical else per_sample("Tensor.trace", Tensor.trace, (self,), {})
    return self.diagonal().sum(-1)


def _product(name: str, ranks: tuple) -> Callable:
    """dot, mv, mm, bmm: the ranks checked on the logical shapes, then matmul (which has a rule)."""

    def method(self, other: Any) -> Any:
        if STATE.physical:
            return getattr(Tensor, name)(self, other)
        other_rank = other.ndim if isinstance(other, tt_tensor.Tensor) else np.ndim(operand(other))
        if (self.ndim, other_rank) != ranks:
            other_shape = tuple(other.shape) if isinstance(other, tt_tensor.Tensor) else np.shape(other)
            raise RuntimeError(
                f"{name}: expected {ranks[0]}-D and {ranks[1]}-D tensors, got shapes {tuple(self.shape)} and "
                f"{other_shape}"
            )
        return self.matmul(other)

    return method


def _index_select(self, dim: int, index: Any) -> Any:
    if STATE.physical or type(index) is BatchedTensor or self.ndim == 0:
        if STATE.physical:
            return Tensor.index_select(self, dim, index)
        return per_sample("Tensor.index_select", Tensor.index_select, (self, dim, index), {})
    axis = normalize_dim("index_select", dim, self.ndim) + len(self._levels)
    with physical():
        out = Tensor.index_select(self, axis, index)
    return wrap(out, self._levels)


def _masked_fill(self, mask: Any, value: Any) -> Any:
    return tt_tensor.where(
        mask, value if isinstance(value, tt_tensor.Tensor) else self.new_full((), value), self
    )


ELEMENTWISE_METHODS = (
    "eq ne lt le gt ge __eq__ __ne__ __lt__ __le__ __gt__ __ge__ logical_and logical_or logical_xor "
    "logical_not __and__ __or__ __xor__ __invert__ isnan isinf isfinite signbit fmax fmin nextafter ldexp "
    "remainder gcd lcm bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift "
    "floor_divide true_divide clamp_min clamp_max isclose"
).split()
DIM_METHODS = "argmax argmin".split()
#: Methods taking a dim (at this position after self, or as ``dim=``), run with it shifted (``_sorting``).
SORTING = {"sort": 0, "argsort": 0, "topk": 1, "kthvalue": 1, "mode": 0, "median": 0, "nanmedian": 0}
SORTING.update(cummax=0, cummin=0, logcumsumexp=0)
#: Methods of SORTING whose dim has no default -1 (median: all elements; the others require it).
NO_DEFAULT_DIM = {"median", "nanmedian", "cummax", "cummin", "logcumsumexp"}
#: Element-wise methods of one tensor (numbers for the other arguments) run on the physical array.
PHYSICAL = set(
    """nan_to_num square rsqrt frac fix deg2rad rad2deg negative positive absolute sgn angle isneginf
    isposinf isreal logit conj conj_physical resolve_conj resolve_neg frexp""".split()
)
#: Reductions over ``dim`` (None, an int or a tuple) that tt-tensor computes on the array (``_reduction``).
REDUCTIONS = "all any count_nonzero nanmean".split()
#: ``beta * self + alpha * product(a, b)`` methods (``_add_product``).
ADD_PRODUCTS = {
    "addmm": lambda a, b: a.matmul(b),
    "baddbmm": lambda a, b: a.matmul(b),
    "addmv": lambda a, b: a.matmul(b),
    "addr": lambda a, b: a.outer(b),
    "addbmm": lambda a, b: a.matmul(b).sum(0),
}
#: Methods that run vectorised as they are: they reach ``Function.apply`` (where the rules take over)
#: with logical arguments, or compose other such methods, or read only metadata.
VECTORISED = set(
    """add sub mul div pow neg matmul exp log sqrt reciprocal abs sin cos tanh sigmoid relu floor ceil round
    sign clamp maximum minimum where clone contiguous sum mean var std prod amax amin logsumexp cumsum norm
    softmax log_softmax reshape view squeeze unsqueeze flatten transpose swapaxes t expand repeat flip split
    chunk tril triu view_as reshape_as expand_as type_as to type double float half detach requires_grad_
    log1p expm1 log2 log10 exp2 sinh cosh tan asin acos atan asinh acosh atanh atan2 hypot logaddexp xlogy
    copysign fmod is_floating_point is_complex is_signed element_size dim size numel nelement retain_grad
    backward register_hook gather scatter scatter_add long int bool byte char short roll take_along_dim
    index_add index_add_ index_copy index_copy_ index_fill index_fill_ index_put index_put_ msort cumprod
    diag det inverse
    narrow unbind rot90 flipud fliplr diagflat ravel movedim moveaxis swapdims tensor_split hsplit vsplit
    unflatten select diff take nansum aminmax cov corrcoef kron cross inner tensordot lerp addcmul addcdiv
    logaddexp2 float_power heaviside quantile nanquantile unfold diag_embed trunc adjoint outer dist
    renorm split_with_sizes unsafe_split unsafe_chunk unsafe_split_with_sizes narrow_copy broadcast_to tile
    dsplit cholesky cholesky_inverse cholesky_solve logdet slogdet pinverse matrix_exp matrix_power qr svd lu
    lu_solve triangular_solve bitwise_not sum_to_size""".split()
)
#: In-place forms written as their out-of-place op, then adopted (checked) into the tensor.
INPLACE = set("add_ sub_ mul_ div_ pow_ clamp_ exp_ log_ sqrt_ abs_ neg_ tanh_ sigmoid_ relu_".split())
#: In-place random fills, under the vmaps' randomness.
RANDOM_FILLS = "uniform_ normal_ bernoulli_ random_ exponential_ cauchy_ log_normal_ geometric_".split()
#: Methods that make a new unbatched tensor (a sample's constant): run on the plain class.
PLAIN = set("new_zeros new_ones new_full new_empty new_tensor".split())


def _inplace_method(name: str) -> Callable:
    def method(self, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return getattr(Tensor, name)(self, *args, **kwargs)
        return self._adopt(name, getattr(self, name[:-1])(*args, **kwargs))

    return method


def _refused_inplace(name: str) -> Callable:
    def method(self, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return getattr(Tensor, name)(self, *args, **kwargs)
        raise RuntimeError(
            f"vmap: the in-place {name} on a batched tensor has no batching rule; use its out-of-place form "
            f"({name.rstrip('_')}) inside func"
        )

    return method


def _refused_bool(name: str, instead: str) -> Callable:
    """allclose, equal: one Python bool for all of the tensors, which cannot be batched (PyTorch's vmap
    refuses them too, with an error naming no alternative). The method of a batched tensor; its
    batched form (``refused_bool_form``) serves a plain tensor's method given a batched one."""

    def method(self, *args: Any, **kwargs: Any) -> Any:
        return refused_bool_form(name, instead)(getattr(Tensor, name), self, *args, **kwargs)

    return method


def refused_bool_form(name: str, instead: str) -> Callable:
    """The batched form (tt-tensor's ``batchable`` protocol) of allclose/equal: refuse, unless physical."""

    def form(function: Callable, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return function(*args, **kwargs)
        raise RuntimeError(
            f"vmap: {name}() returns one Python bool, which vmap cannot batch: each sample may give a "
            "different answer, and using it is data-dependent control flow (PyTorch's vmap refuses it "
            f"too); write it with tensor operations, e.g. {instead}, a batched bool tensor"
        )

    return form


def _plain_method(name: str) -> Callable:
    def method(self, *args: Any, **kwargs: Any) -> Any:
        with physical():
            return getattr(Tensor, name)(self, *args, **kwargs)

    return method


def _random_method(name: str) -> Callable:
    """``bernoulli``/``multinomial``: drawn under the vmaps' randomness (:mod:`tt_autograd._vmap_random`)."""
    original = getattr(Tensor, name)

    def method(self, *args: Any, **kwargs: Any) -> Any:
        return _vmap_random.draw(original, (self, *args), kwargs)

    return method


def _random_fill(name: str) -> Callable:
    """``uniform_``, ``normal_``, ...: filled under the vmaps' randomness (:func:`_vmap_random.fill`)."""
    original = getattr(Tensor, name)
    return lambda self, *args, **kwargs: _vmap_random.fill(original, self, args, kwargs)


def _setitem(self, key: Any, value: Any) -> None:
    """``x[key] = value``: the key gets the batch dims in front; a batched value is aligned to the
    selected region (``value`` batched over levels ``x`` is not: vmap's in-place error)."""
    if STATE.physical:
        return Tensor.__setitem__(self, key, value)
    keys = key if isinstance(key, tuple) else (key,)
    if any(type(k) is BatchedTensor for k in keys):
        raise RuntimeError(
            "vmap: x[index] = value with a batched index has no batching rule; use torch.where"
        )
    levels, sizes = union((self, value))
    if levels != self._levels:
        self._adopt("__setitem__", value)  # raises vmap's error
    if type(value) is BatchedTensor:
        region = np.empty(self.shape, dtype=np.bool_)[keys].ndim
        value = aligned(value, levels, sizes, region)
    with physical():
        Tensor.__setitem__(self, (*(slice(None),) * len(levels), *keys), value)
    return None


def install() -> None:
    """Give :class:`BatchedTensor` its methods (once, on import of the vmap transform): the batched
    forms above; every other public method loops over the samples (warning), in-place ones refuse."""
    for name in ELEMENTWISE_METHODS:
        setattr(BatchedTensor, name, _elementwise_method(name))
    for name in DIM_METHODS:
        setattr(BatchedTensor, name, _dim_method(name))
    for name, ranks in (("dot", (1, 1)), ("mv", (2, 1)), ("mm", (2, 2)), ("bmm", (3, 3))):
        setattr(BatchedTensor, name, _product(name, ranks))
    for name in INPLACE:
        setattr(BatchedTensor, name, _inplace_method(name))
    for name in PLAIN:
        setattr(BatchedTensor, name, _plain_method(name))
    for name in ("bernoulli", "multinomial"):
        setattr(BatchedTensor, name, _random_method(name))
    for name in RANDOM_FILLS:
        setattr(BatchedTensor, name, _random_fill(name))
    BatchedTensor.__setitem__ = _setitem
    refused = {
        "allclose": "torch.isclose(a, b, rtol, atol).all()",
        "equal": "(a == b).all() for tensors of one shape",
    }
    for name, instead in refused.items():
        setattr(BatchedTensor, name, _refused_bool(name, instead))
    for name, position in SORTING.items():
        setattr(BatchedTensor, name, _sorting(name, position))
    for name in PHYSICAL:
        setattr(BatchedTensor, name, _physical_method(name))
    for name in REDUCTIONS:
        setattr(BatchedTensor, name, _reduction(name))
    for name, product in ADD_PRODUCTS.items():
        setattr(BatchedTensor, name, _add_product(name, product))
    BatchedTensor._batched_functions = {
        **{name: refused_bool_form(name, instead) for name, instead in refused.items()},
        **_vmap_search.FORMS,
        "embedding_bag": _vmap_embedding_bag.batched_form,
        "batch_norm": _vmap_rules_nn.batch_norm_form,
    }
    BatchedTensor.histc, BatchedTensor.histogram = _vmap_search.histc, _vmap_search.histogram
    BatchedTensor.diagonal = _diagonal
    BatchedTensor.trace = _trace
    BatchedTensor.index_select = _index_select
    BatchedTensor.masked_fill = _masked_fill
    BatchedTensor.copy_ = _copy_
    BatchedTensor.permute = _permute
    BatchedTensor.max = _extreme("max")
    BatchedTensor.min = _extreme("min")
    for name in dir(Tensor):
        attr = inspect.getattr_static(Tensor, name)
        if name.startswith("_") or name in VECTORISED or name in ALIASES or name in BatchedTensor.__dict__:
            continue  # (an alias calls its target, whose rule then runs)
        if inspect.isfunction(attr):
            setattr(BatchedTensor, name, (_refused_inplace if name.endswith("_") else _looping_method)(name))


def _copy_(self, source: Any) -> Any:
    """``copy_`` of a batched tensor: ``source``'s values (a sample's or shared by all, broadcast to the
    sample's shape) written in through the one in-place path, as ``where(False, self, source)`` (the
    tensor's own recorded form: no gradient to the old values, the source's to the source)."""
    if STATE.physical:
        return Tensor.copy_(self, source)
    return self._adopt("copy_", self.where(self.new_zeros(self.shape, dtype=bool), source), cast=False)


def _permute(self, *dims: Any) -> Any:
    if STATE.physical:
        return Tensor.permute(self, *dims)
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    tt_tensor.shaping.permute(np.empty(self.shape, dtype=np.bool_), dims)  # the error of a wrong order
    return PermuteFunction.apply(self, axes=tuple(normalize_dim("permute", d, self.ndim) for d in dims))


def _extreme(op: str) -> Callable:
    original = getattr(Tensor, op)
    by_dim = _dim_method(op)

    def method(self, dim: Any = None, keepdim: bool = False) -> Any:
        if STATE.physical:
            return original(self, dim, keepdim) if dim is not None else original(self)
        if isinstance(dim, tt_tensor.Tensor):
            return self.maximum(dim) if op == "max" else self.minimum(dim)
        if dim is None:
            return getattr(self, "amax" if op == "max" else "amin")()
        return by_dim(self, dim, keepdim)

    return method
