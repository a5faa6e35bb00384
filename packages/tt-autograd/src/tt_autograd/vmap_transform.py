"""``torch.func.vmap``: run a function written for one sample on a whole batch, vectorised.

``vmap(f)(xs)`` equals ``torch.stack([f(x) for x in xs])``, but ``f`` runs ONCE:
its arguments become :class:`~tt_autograd.batched.BatchedTensor` values (the
batch dim at the front of the physical array, hidden from ``f``'s view of
shapes) and each operation runs on the whole batch through a batching rule
(:mod:`tt_autograd._vmap_rules`). Operations without a rule loop over the
samples with a warning naming them, so nothing is silently wrong.

Transforms compose: ``vmap(grad(loss))`` gives per-sample gradients (``grad``
inside vmap differentiates the physical graph, whose samples are independent,
after batching the arguments it tracks), ``vmap(vjp_fn)`` batches cotangents
(a Jacobian's rows at once, through the recorded backward rules), and
``vmap(vmap(f))`` nests (each level one more leading physical dim).

Example:
    >>> import tt_autograd as autograd
    >>> xs, w = autograd.tensor([[1.0, 2.0], [3.0, 4.0]]), autograd.tensor([1.0, -1.0])
    >>> vmap(lambda x: (x * w).sum())(xs)
    tensor([-1., -1.])
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import tt_tensor
from tt_tensor import random as tt_random
from tt_tensor.checks import normalize_dim
from tt_tensor.tensor import operand

from . import (
    _vmap_index_writes,
    _vmap_methods,
    _vmap_random,
    _vmap_rules,
    _vmap_rules_more,  # noqa: F401  (registers its rules in _vmap_rules.RULES)
    _vmap_rules_nn,  # noqa: F401  (the same)
    function,
    gradients,
)
from ._index_extra_methods import BATCHED_INDEX_ADD, BATCHED_WRITE
from .batched import (
    STATE,
    BatchedTensor,
    aligned,
    levels_of,
    logical_ndim,
    physical,
    union,
    wrap,
)
from .functions.shape import CatFunction, PermuteFunction, ViewFunction
from .tensor import BATCHED_INDEX, Tensor

RANDOMNESS = ("error", "different", "same")


def vmap(
    func: Callable,
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable:
    """``func`` vectorised over a batch dim of its inputs (module docstring).

    Args:
        func: a function of tensors (or tuples/lists/dicts of them) returning tensors.
        in_dims: the batch dim of each positional argument: an int for all, None for an unbatched one,
            or a tuple with one entry per argument (nested like the argument for tuples/lists/dicts).
        out_dims: where the batch dim goes in each output (an int, or a tuple per output; None for an
            output that does not depend on the batch).
        randomness: ``"error"`` (a random operation inside ``func`` raises), ``"different"`` (each
            sample its own draw: dropout, rand, randn, normal, bernoulli, ...), ``"same"`` (one draw,
            shared by the samples).
        chunk_size: run at most this many samples at once (less memory, more calls); None: all at once.

    Cost: one call of ``func`` on batched arrays (``ceil(B / chunk_size)`` calls with chunks).
    """
    if not callable(func):
        raise TypeError(f"vmap: func must be callable, got {type(func).__name__}")
    if randomness not in RANDOMNESS:
        raise RuntimeError(f"vmap: randomness must be one of {RANDOMNESS}, got {randomness!r}")
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0
    ):
        raise ValueError(f"vmap: chunk_size should be None or a positive int, got {chunk_size!r}")
    _check_dims(in_dims, "in_dims")
    _check_dims(out_dims, "out_dims")

    @functools.wraps(func)
    def vectorised(*args: Any, **kwargs: Any) -> Any:
        dims = _in_dims_per_argument(in_dims, args)
        pairs = [(x, d) for x, d in _leaves(args, dims, "in_dims") if d is not None]
        size = _batch_size(pairs)
        if chunk_size is None or chunk_size >= size:
            return _run(func, args, kwargs, dims, out_dims, size, randomness)
        chunks = []
        for start in range(0, size, chunk_size):
            part = _sliced(args, dims, start, min(start + chunk_size, size))
            chunks.append(_run(func, part, kwargs, dims, out_dims, min(chunk_size, size - start), randomness))
        return _joined(chunks, out_dims)

    return vectorised


def _check_dims(dims: Any, name: str) -> None:
    if dims is None or (isinstance(dims, int) and not isinstance(dims, bool)):
        return
    if isinstance(dims, (tuple, list)):
        for d in dims:
            _check_dims(d, name)
        return
    if isinstance(dims, dict):
        for d in dims.values():
            _check_dims(d, name)
        return
    raise ValueError(
        f"vmap: {name} must be an int, None, or a (nested) tuple/list/dict of them matching the "
        f"{'inputs' if name == 'in_dims' else 'outputs'}, got {dims!r}"
    )


def _in_dims_per_argument(in_dims: Any, args: tuple) -> tuple:
    if not args:
        raise ValueError("vmap: got no inputs; func must be called with at least one (batched) argument")
    if not isinstance(in_dims, tuple):
        if isinstance(in_dims, (list, dict)):
            raise ValueError(
                f"vmap: in_dims must be an int, None or a tuple with one entry per positional argument, "
                f"got a {type(in_dims).__name__}"
            )
        return (in_dims,) * len(args)
    if len(in_dims) != len(args):
        raise ValueError(
            f"vmap: in_dims is a tuple of {len(in_dims)} entries but func was called with {len(args)} "
            f"positional argument(s); give one entry per argument: in_dims={in_dims!r}"
        )
    return in_dims


def _leaves(value: Any, dims: Any, name: str) -> list:
    """``(tensor, dim)`` for each tensor in ``value``, ``dims`` nested like it (or one int/None for all)."""
    if isinstance(dims, (tuple, list, dict)) and not isinstance(value, (tuple, list, dict)):
        raise ValueError(
            f"vmap: {name} entry {dims!r} is a container but the value is a {type(value).__name__}"
        )
    if isinstance(value, (tuple, list)):
        if isinstance(dims, (tuple, list)):
            if len(dims) != len(value):
                raise ValueError(
                    f"vmap: {name} entry {dims!r} has {len(dims)} entries for a {type(value).__name__} of "
                    f"{len(value)}; they must match"
                )
            return [pair for v, d in zip(value, dims) for pair in _leaves(v, d, name)]
        return [pair for v in value for pair in _leaves(v, dims, name)]
    if isinstance(value, dict):
        if isinstance(dims, dict):
            return [pair for k, v in value.items() for pair in _leaves(v, dims.get(k), name)]
        return [pair for v in value.values() for pair in _leaves(v, dims, name)]
    if isinstance(value, tt_tensor.Tensor):
        return [(value, dims)]
    if dims is not None and name == "in_dims":
        raise ValueError(
            f"vmap: in_dims={dims!r} for an input of type {type(value).__name__}, which is not a tensor; "
            "use None for inputs that are not tensors"
        )
    return []


def _batch_size(pairs: list) -> int:
    if not pairs:
        raise ValueError(
            "vmap: at least one input must be a tensor with a batch dim (every in_dims entry is None or "
            "names no tensor); there is nothing to map over"
        )
    sizes = []
    for x, d in pairs:
        ndim = x.ndim
        if ndim == 0 or not -ndim <= d < ndim:
            raise ValueError(
                f"vmap: in_dim {d} is out of range for an input of {ndim} dimension(s) (shape "
                f"{tuple(x.shape)}); it must be in [-{ndim}, {ndim})"
            )
        sizes.append(x.shape[d % ndim])
    if len(set(sizes)) > 1:
        raise ValueError(
            f"vmap: expected all tensors to have the same size in the mapped dimension, got sizes {sizes} "
            "for the mapped inputs (in order)"
        )
    return sizes[0]


def _run(func, args, kwargs, dims, out_dims, size, randomness) -> Any:
    level = len(STATE.levels) + 1
    batched = _batched_args(args, dims, level)
    STATE.levels.append((level, size, randomness))
    _install()
    try:
        output = func(*batched, **kwargs)
    finally:
        STATE.levels.pop()
        _install()
    return _unbatched(output, out_dims, level, size)


def _batched_args(value: Any, dims: Any, level: int) -> Any:
    if isinstance(value, (tuple, list)):
        parts = [_batched_args(v, d, level) for v, d in zip(value, _spread(dims, len(value)))]
        return type(value)(parts) if not hasattr(value, "_fields") else type(value)(*parts)
    if isinstance(value, dict):
        return {k: _batched_args(v, _entry(dims, k), level) for k, v in value.items()}
    if dims is None or not isinstance(value, tt_tensor.Tensor):
        return value
    own = levels_of(value)
    axis = len(own) + dims % logical_ndim(value)
    with physical():
        order = list(range(value.array.ndim))
        order.insert(len(own), order.pop(axis))
        if order == sorted(order):
            moved = ViewFunction.apply(value, kernel=tt_tensor.shaping.reshape, args=(value.array.shape,))
        else:
            moved = PermuteFunction.apply(value, axes=tuple(order))
    return wrap(moved, (*own, level))


def _entry(dims: Any, key: Any) -> Any:
    """The dims of a dict's entry ``key``: its own when ``dims`` is a dict, else ``dims`` itself."""
    return dims.get(key) if isinstance(dims, dict) else dims


def _spread(dims: Any, count: int) -> list:
    return list(dims) if isinstance(dims, (tuple, list)) else [dims] * count


def _unbatched(output: Any, out_dims: Any, level: int, size: int) -> Any:
    if isinstance(output, (tuple, list)):
        if isinstance(out_dims, (tuple, list)) and len(out_dims) != len(output):
            raise ValueError(
                f"vmap: out_dims={out_dims!r} has {len(out_dims)} entries but func returned "
                f"{len(output)} outputs; they must match"
            )
        parts = [_unbatched(o, d, level, size) for o, d in zip(output, _spread(out_dims, len(output)))]
        return type(output)(*parts) if hasattr(output, "_fields") else type(output)(parts)
    if isinstance(output, dict):
        return {k: _unbatched(v, _entry(out_dims, k), level, size) for k, v in output.items()}
    if not isinstance(output, tt_tensor.Tensor):
        if out_dims is None:
            return output
        raise ValueError(
            "vmap: func must only return tensors (or tuples/lists/dicts of them), got "
            f"{type(output).__name__}; for an output that is not batched, set its out_dims entry to None"
        )
    own = levels_of(output)
    if out_dims is None:
        if level in own:
            raise ValueError(
                "vmap: out_dims=None for an output that depends on the batch (it is batched); give it an "
                "int out_dim"
            )
        return output
    if isinstance(out_dims, (tuple, list, dict)):
        raise ValueError(f"vmap: out_dims entry {out_dims!r} is a container for a tensor output")
    rest = tuple(x for x in own if x != level)
    ndim = logical_ndim(output)
    dim = normalize_dim("vmap out_dims", out_dims, ndim + 1)
    with physical():
        if level not in own:  # an output that does not depend on the batch: every sample's is the same
            output = aligned(output, (*rest, level), {**_sizes(output), level: size}, ndim, expand=True)
            own = (*rest, level)
        order = list(range(output.array.ndim))
        order.insert(len(rest) + dim, order.pop(own.index(level)))
        result = PermuteFunction.apply(output, axes=tuple(order))
    return wrap(result, rest)


def _sizes(value: Any) -> dict:
    return union((value,))[1]


def _sliced(args: Any, dims: Any, start: int, stop: int) -> Any:
    if isinstance(args, (tuple, list)):
        parts = [_sliced(v, d, start, stop) for v, d in zip(args, _spread(dims, len(args)))]
        return type(args)(*parts) if hasattr(args, "_fields") else type(args)(parts)
    if isinstance(args, dict):
        return {k: _sliced(v, _entry(dims, k), start, stop) for k, v in args.items()}
    if dims is None or not isinstance(args, tt_tensor.Tensor):
        return args
    return args[(slice(None),) * (dims % args.ndim) + (slice(start, stop),)]  # (indexing batches)


def _joined(chunks: list, out_dims: Any) -> Any:
    first = chunks[0]
    if isinstance(first, (tuple, list)):
        parts = [_joined([c[i] for c in chunks], d) for i, d in enumerate(_spread(out_dims, len(first)))]
        return type(first)(*parts) if hasattr(first, "_fields") else type(first)(parts)
    if isinstance(first, dict):
        return {k: _joined([c[k] for c in chunks], _entry(out_dims, k)) for k in first}
    if out_dims is None or not isinstance(first, tt_tensor.Tensor):
        return first
    return CatFunction.apply(*chunks, dim=normalize_dim("vmap", out_dims, first.ndim))


# ----------------------------------------------------------------- hooks into the framework
class _RandomGuard:
    """The default generator's NumPy generator while a vmap with randomness="error" runs: any draw
    raises, naming the TinyTorch call that drew (and, with "different", draws outside a batched op)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        modes = [r for *_, r in STATE.levels]
        if "error" not in modes and STATE.physical:
            return getattr(self.inner, name)
        op = _calling_op()
        if "error" in modes:
            raise RuntimeError(f"{_vmap_random.ERROR} (the random operation: {op})")
        if op.endswith("_()"):  # an in-place fill of an unbatched tensor (a batched one's is a rule)
            raise RuntimeError(f"{_vmap_random.INPLACE_UNBATCHED} (the random operation: {op})")
        raise RuntimeError(
            f"vmap: random operation {op} with randomness='different' is not supported: TinyTorch draws one "
            "value per sample in dropout and the random tensor functions (rand, randn, normal, bernoulli, "
            "...); draw the batch's values outside func and pass them in (in_dims=0), or use "
            "randomness='same'"
        )


def _calling_op() -> str:
    """The outermost TinyTorch function on the stack (the user's call), e.g. ``randn``."""
    for frame in traceback.extract_stack():  # (outermost first; this file's own frames are skipped)
        path = frame.filename.replace("\\", "/")
        inside = re.search(r"/(tt_[a-z]+|tinytorch)/", path) and not path.endswith("/vmap_transform.py")
        if (
            inside
            and frame.name not in ("make", "wrapper", "method", "checked", "function", "wrapped", "inner")
            and not frame.name.startswith("_")
        ):
            return f"{frame.name}()"
    return "(a random draw)"


def _install() -> None:
    """Turn the hooks on while a vmap runs (and off when the last ends): Function.apply's rules,
    autograd.grad's batched path, indexing, index_add and the other indexed writes with batched
    indices, the random tensor functions' randomness, the random-number guard."""
    active = bool(STATE.levels)
    function._BATCH_HOOK[:] = [_vmap_rules.batched_apply] if active else []
    gradients.BATCHED_GRAD[:] = [batched_grad] if active else []
    BATCHED_INDEX[:] = [_vmap_methods.getitem] if active else []
    BATCHED_INDEX_ADD[:] = [_vmap_methods.index_add] if active else []
    BATCHED_WRITE[:] = [_vmap_index_writes.indexed_write] if active else []
    tt_random.DRAW_HOOK[:] = [_vmap_random.draw] if active else []
    generator = tt_random.default_generator
    guarded = isinstance(generator.numpy, _RandomGuard)
    wanted = active and any(r != "same" for *_, r in STATE.levels)
    if wanted and not guarded:
        generator.numpy = _RandomGuard(generator.numpy)
    elif guarded and not wanted:
        generator.numpy = generator.numpy.inner


def batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    """``autograd.grad`` on batched values, or None when none is batched (the ordinary pass runs).

    Outputs computed inside vmap: the physical graph's samples are independent, so one physical
    backward pass from a seed of ones gives each sample's gradient (the inputs must be batched over
    the outputs' levels: ``grad`` batches the arguments it tracks). Outputs computed outside vmap with
    batched cotangents (``vmap(vjp_fn)``): the recorded backward pass, whose operations are batched.
    """
    if STATE.physical:
        return None
    outputs = tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    seeds = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    seeds = tuple(seeds) if isinstance(seeds, (tuple, list)) else (seeds,)
    if not any(type(t) is BatchedTensor for t in (*outputs, *inputs, *seeds)):
        return None
    if not any(type(o) is BatchedTensor for o in outputs):
        hook, gradients.BATCHED_GRAD[:] = gradients.BATCHED_GRAD[:], []
        try:  # the recorded pass: its operations are batched by the rules
            found = gradients.grad(outputs, inputs, seeds, retain_graph, True, allow_unused=allow_unused)
        finally:
            gradients.BATCHED_GRAD[:] = hook
        return found if create_graph else tuple(None if g is None else g.detach() for g in found)
    levels, sizes = union(outputs)
    for position, x in enumerate(inputs):
        if levels_of(x) != levels:
            raise RuntimeError(
                f"vmap: autograd.grad of outputs batched over vmap levels {levels} with respect to input "
                f"{position}, batched over {levels_of(x)}; differentiate inside vmap with torch.func.grad "
                "(which batches what it differentiates), not torch.autograd.grad"
            )
    physical_seeds = []
    for output, seed in zip(outputs, seeds):
        if seed is None and output.numel() != 1:
            raise RuntimeError(
                f"autograd.grad: grad can be implicitly created only for one-element outputs, got shape "
                f"{tuple(output.shape)}; pass grad_outputs= a tensor of that shape"
            )
        shape = output.array.shape
        if seed is None:
            physical_seeds.append(Tensor.from_array(np.ones(shape, dtype=output.array.dtype)))
        elif type(seed) is BatchedTensor:
            physical_seeds.append(aligned(seed, levels, sizes, logical_ndim(output), expand=True))
        else:
            array = np.broadcast_to(np.asarray(operand(seed), dtype=output.array.dtype), shape)
            physical_seeds.append(Tensor.from_array(np.ascontiguousarray(array)))
    with physical():
        found = gradients.grad(
            outputs, inputs, physical_seeds, retain_graph, create_graph, allow_unused=allow_unused
        )
    return tuple(None if g is None else wrap(g if type(g) is Tensor else g.detach(), levels) for g in found)


def batch_everywhere(value: Any) -> Any:
    """``value`` batched over every running vmap level (expanded where it is not): what ``grad`` and the
    other transforms track inside vmap, so each sample has its own leaf (per-sample gradients)."""
    if not STATE.levels or STATE.physical or not isinstance(value, tt_tensor.Tensor):
        return value
    levels = tuple(level for level, *_ in STATE.levels)
    sizes = {level: size for level, size, _ in STATE.levels}
    full = aligned(value, levels, sizes, logical_ndim(value), expand=True)
    if full is not value:
        with physical():
            full = full.clone()
    return wrap(full, levels)


_vmap_methods.install()
