"""Bags of embeddings: ``EmbeddingBag`` sums, averages or max-pools the rows of each bag of ids.

Not course material: it sits next to module 11's :class:`~tt_text.Embedding`.
``embedding_bag(ids, weight, offsets, mode="mean")`` equals
``embedding(ids, weight)`` followed by a reduction over each bag, without
keeping the gathered rows for backward. Bags are given as a 2-D input (one
bag of ``N`` ids per row) or as a 1-D input cut at ``offsets`` (bag ``b`` is
``ids[offsets[b]:offsets[b + 1]]``), so bags may differ in size or be empty
(an empty bag gives zeros). Ids equal to ``padding_idx`` are left out of
their bag (not counted by ``"mean"``).

Everything is vectorised over the bags: the reductions are one
``np.add.reduceat`` / ``np.maximum.reduceat`` over the non-empty bags, and the
weight's gradient is one ``np.bincount`` over ``(row, column)`` cells (a
scatter-add without ``np.add.at``'s slowness). ``"max"`` sends each column's
gradient to the row that held the bag's maximum there (its first position on
ties, as PyTorch).

PyTorch's ``max_norm``, ``scale_grad_by_freq`` and ``sparse`` options are not
supported (``Embedding`` has none of them either): they raise ``NotImplementedError``.
Its gradient cannot be differentiated again, in every mode and for
``per_sample_weights``, as PyTorch 2.13's (``_embedding_bag_backward`` and
``_embedding_bag_per_sample_weights_backward`` have no derivative): a
``create_graph=True`` pass computes it, and differentiating it raises, saying so.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor
from tt_autograd.higher_order import delayed_error_gradients
from tt_nn import Module, Parameter
from tt_tensor import numpy_generator
from tt_tensor.checks import check_count
from tt_tensor.functional import batchable

from .embedding import renorm_rows

MODES = ("sum", "mean", "max")


class EmbeddingBagFunction(Function):
    """``(B, D)``: per bag, the sum, mean or max of ``weight[rows]`` (scaled by ``per_sample_weights``)."""

    @staticmethod
    def forward(ctx, weight, per_sample_weights, rows, bag_of, kept, num_bags, mode):
        counts = np.bincount(bag_of, minlength=num_bags)  # ids per bag (padding left out)
        filled = counts > 0
        starts = (np.cumsum(counts) - counts)[filled]
        gathered = weight[rows]  # (K, D): the kept ids' rows, bag after bag
        scale = None if per_sample_weights is None else per_sample_weights[kept].astype(weight.dtype)
        if scale is not None:
            gathered *= scale[:, None]
        out = np.zeros((num_bags, weight.shape[1]), dtype=weight.dtype)
        if mode == "max" and rows.size:
            top = np.maximum.reduceat(gathered, starts, axis=0)
            out[filled] = top
            holds_top = gathered == np.repeat(top, counts[filled], axis=0)
            position = np.where(holds_top, np.arange(rows.size)[:, None], rows.size)
            ctx.top_rows = rows[np.minimum.reduceat(position, starts, axis=0)]  # (filled bags, D)
        elif rows.size:
            total = np.add.reduceat(gathered, starts, axis=0)
            if mode == "mean":
                total /= counts[filled][:, None]
            out[filled] = total
        ctx.save_for_backward(weight, per_sample_weights)
        ctx.rows, ctx.bag_of, ctx.kept, ctx.counts = rows, bag_of, kept, counts
        ctx.scale, ctx.mode = scale, mode
        return out

    @staticmethod
    def backward(ctx, grad):
        weight, per_sample_weights = ctx.saved_tensors
        weight_grad = sample_grad = None
        if ctx.needs_input_grad[0]:
            weight_grad = _scattered(ctx, grad, weight.shape).astype(weight.dtype)
        if per_sample_weights is not None and ctx.needs_input_grad[1]:
            sample_grad = np.zeros_like(per_sample_weights)
            sample_grad[ctx.kept] = (grad[ctx.bag_of] * weight[ctx.rows]).sum(1)
        return weight_grad, sample_grad

    @staticmethod
    def graph_backward(ctx, grad):  # no higher-order gradients, as in PyTorch (see the module docstring)
        return delayed_error_gradients(
            ctx,
            grad,
            "create_graph=True: embedding_bag's gradient cannot be differentiated again, as in PyTorch "
            "(its _embedding_bag_backward has no derivative, in every mode and for per_sample_weights); "
            "write the bags as embedding(ids, weight) followed by a sum, mean or amax over each bag, "
            "which can be",
        )


def _scattered(ctx, grad: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The weight's gradient: each bag's gradient added to the rows that made it, by one bincount."""
    vocabulary, dim = shape
    if ctx.mode == "max":  # each column's gradient to the row that held the maximum
        targets = ctx.top_rows if ctx.rows.size else ctx.rows[:, None]
        contributions = grad[ctx.counts > 0]
    else:  # every kept id gets its bag's gradient, scaled
        targets, contributions = ctx.rows[:, None], grad[ctx.bag_of]
        if ctx.mode == "mean":
            contributions = contributions / ctx.counts[ctx.bag_of][:, None]
        if ctx.scale is not None:
            contributions = contributions * ctx.scale[:, None]
    cells = (targets * dim + np.arange(dim)).ravel()  # (row, column) cells, flattened
    return np.bincount(cells, weights=contributions.ravel(), minlength=vocabulary * dim).reshape(shape)


# ----------------------------------------------------------------- argument handling


def _ids(op: str, value: object, name: str) -> np.ndarray:
    array = np.asarray(getattr(value, "array", value))
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be integers (e.g. int64), got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def _bag_starts(op: str, ids: np.ndarray, offsets, include_last_offset: bool) -> tuple[np.ndarray, int]:
    """Each bag's start in the flat ids, and where the last bag ends."""
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{op}: with a 2-D input (B, N) every row is a bag, so offsets has to be None; got offsets"
            )
        return np.arange(ids.shape[0]) * ids.shape[1], ids.size
    if offsets is None:
        raise ValueError(f"{op}: a 1-D input needs offsets, the start of each bag (e.g. tensor([0, 3, 5]))")
    starts = _ids(op, offsets, "offsets")
    if starts.ndim != 1 or starts.size < 1 + include_last_offset:
        raise ValueError(f"{op}: offsets has to be a 1-D tensor of bag starts, got shape {starts.shape}")
    if starts[0] != 0:
        raise ValueError(f"{op}: offsets[0] has to be 0 (the first bag starts the input), got {starts[0]}")
    if np.any(np.diff(starts) < 0) or starts[-1] > ids.size:
        raise ValueError(
            f"{op}: offsets must be non-decreasing and at most the input's length {ids.size}, got {starts}"
        )
    if include_last_offset:
        return starts[:-1], starts[-1]
    return starts, ids.size


@batchable  # (vmap: batched ids or offsets, which this reads as arrays, have a batched form)
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq=False,  # noqa: A002
                  mode: str = "mean", sparse: bool = False, per_sample_weights=None,
                  include_last_offset: bool = False, padding_idx: int | None = None):  # fmt: skip
    """The sum, mean or max of the embeddings of each bag of ids, like ``torch.nn.functional.embedding_bag``.

    Args:
        input: integer ids, ``(B, N)`` (B bags of N ids) or 1-D with ``offsets``.
        weight: the ``(num_embeddings, D)`` table.
        offsets: for a 1-D input, the start of each bag (``offsets[0] == 0``, non-decreasing).
        mode: ``"sum"``, ``"mean"`` (default) or ``"max"`` (per column).
        per_sample_weights: with ``mode="sum"`` only, a float weight per id (the input's shape);
            the bag is ``sum_i w_i * weight[id_i]``. It receives a gradient too.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: an id left out of every bag (negative counts from the end).
        max_norm, norm_type: rows read whose norm exceeds ``max_norm`` are rescaled in the weight first
            (as :func:`~tt_text.embedding.embedding`); scale_grad_by_freq, sparse: not supported.

    Shape:
        output ``(B, D)``. Cost: a gather and a reduceat forward; a bincount over ``K * D`` cells backward.

    Example:
        >>> ids, offsets = tt.tensor([1, 2, 4, 5, 4]), tt.tensor([0, 2])  # doctest: +SKIP
        >>> embedding_bag(ids, weight, offsets, mode="sum").shape  # bags ids[0:2], ids[2:5]  # doctest: +SKIP
        (2, D)
    """
    op = "embedding_bag"
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: scale_grad_by_freq and sparse are not supported in TinyTorch")
    if mode not in MODES:
        raise ValueError(f"{op}: mode has to be one of 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"{op}: per_sample_weights is only supported for mode='sum' (got mode={mode!r})"
        )
    ids = _ids(op, input, "input")
    if ids.ndim not in (1, 2):
        raise ValueError(f"{op}: input has to be 1-D or 2-D, got {ids.ndim} dims")
    vocabulary = weight.shape[0]
    if ids.size and (ids.min() < 0 or ids.max() >= vocabulary):
        bad = ids[(ids < 0) | (ids >= vocabulary)].flat[0]
        raise IndexError(f"{op}: index {bad} is out of range for an embedding of {vocabulary} rows")
    if max_norm is not None:
        renorm_rows(weight, ids, max_norm, norm_type)
    starts, end = _bag_starts(op, ids, offsets, include_last_offset)
    flat = ids.reshape(-1)
    bag_of = np.repeat(
        np.arange(starts.size), np.diff(np.append(starts, end))
    )  # ids past `end` are in no bag
    kept = np.arange(bag_of.size)
    if padding_idx is not None:
        padding_idx = padding_idx + vocabulary if padding_idx < 0 else padding_idx
        kept = kept[flat[: bag_of.size] != padding_idx]
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != ids.shape:
            raise ValueError(
                f"{op}: per_sample_weights of shape {tuple(per_sample_weights.shape)} must have the input's "
                f"shape {ids.shape}"
            )
        per_sample_weights = per_sample_weights.reshape(-1)
    return EmbeddingBagFunction.apply(
        weight,
        per_sample_weights,
        rows=flat[kept],
        bag_of=bag_of[kept],
        kept=kept,
        num_bags=starts.size,
        mode=mode,
    )


class EmbeddingBag(Module):
    """A table of ``num_embeddings`` vectors, read back as one sum, mean or max per bag of ids.

    Like ``torch.nn.EmbeddingBag``: ``EmbeddingBag(V, D, mode="sum")(ids, offsets)``
    equals ``Embedding(V, D)`` reduced over each bag, faster and without the ``(K, D)`` gathered rows kept.

    Args:
        num_embeddings: number of rows (the vocabulary size).
        embedding_dim: size of each vector.
        mode: ``"sum"``, ``"mean"`` (default) or ``"max"``.
        include_last_offset: ``offsets`` ends with the end of the last bag.
        padding_idx: a row initialised to zeros, left out of every bag (so it gets no gradient).
        max_norm, norm_type: rows read whose norm exceeds ``max_norm`` are rescaled in the weight first
            (as :func:`~tt_text.embedding.embedding`); scale_grad_by_freq, sparse: not supported.
        _weight: an initial ``(num_embeddings, embedding_dim)`` weight instead of N(0, 1) draws.

    Shape:
        input ``(B, N)``, or ``(K,)`` with offsets ``(B,)`` (``(B + 1,)`` with include_last_offset);
        per_sample_weights the input's shape; output ``(B, embedding_dim)``.

    Example:
        >>> bag = EmbeddingBag(10, 3, mode="sum")  # doctest: +SKIP
        >>> bag(tt.tensor([1, 2, 4, 5, 4, 3, 2, 9]), tt.tensor([0, 4])).shape  # doctest: +SKIP
        (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False, _weight=None,
                 include_last_offset: bool = False, padding_idx: int | None = None, device: object = None,
                 dtype: object = None) -> None:  # fmt: skip
        super().__init__()
        if device is not None and str(device) != "cpu":
            raise RuntimeError(
                f"EmbeddingBag: device {device!r} is not available; TinyTorch runs on the CPU only"
            )
        num_embeddings = check_count("EmbeddingBag", "num_embeddings", num_embeddings)
        embedding_dim = check_count("EmbeddingBag", "embedding_dim", embedding_dim)
        if scale_grad_by_freq or sparse:
            raise NotImplementedError(
                "EmbeddingBag: scale_grad_by_freq and sparse are not supported in TinyTorch"
            )
        if mode not in MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of 'sum', 'mean' or 'max', got {mode!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"EmbeddingBag: padding_idx={padding_idx} must be in "
                    f"[-{num_embeddings}, {num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse = (
            max_norm,
            norm_type,
            False,
            False,
        )
        self.mode, self.include_last_offset, self.padding_idx = mode, include_last_offset, padding_idx
        if _weight is None:
            self.weight = Parameter(
                Tensor.from_array(np.empty((num_embeddings, embedding_dim), dtype=np.float32))
            )
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"EmbeddingBag: _weight of shape {tuple(_weight.shape)} must be "
                    f"({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight)
        if dtype is not None and _weight is None:
            self.weight = Parameter(self.weight.detach().to(dtype))

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, max_norm=None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False, padding_idx: int | None = None,
                        ) -> EmbeddingBag:  # fmt: skip
        """A bag embedding whose table is ``embeddings``, frozen unless ``freeze=False`` (PyTorch's)."""
        if embeddings.ndim != 2:
            raise ValueError(
                f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got shape {tuple(embeddings.shape)}"
            )
        bag = cls(*embeddings.shape, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
                  include_last_offset, padding_idx)  # fmt: skip
        bag.weight.requires_grad_(not freeze)
        return bag

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1), as PyTorch does, and zero the padding row."""
        self.weight.array[...] = numpy_generator(None).standard_normal(self.weight.shape, dtype=np.float32)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):  # noqa: A002
        return embedding_bag(
            input, self.weight, offsets, self.max_norm, self.norm_type, mode=self.mode,
            per_sample_weights=per_sample_weights,
            include_last_offset=self.include_last_offset, padding_idx=self.padding_idx,
        )  # fmt: skip

    def extra_repr(self) -> str:
        padding = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}{padding}"
