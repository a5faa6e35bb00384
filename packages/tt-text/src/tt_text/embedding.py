"""Token embeddings: a lookup table of vectors, one row per id, learned by gradient descent.

``Embedding(num_embeddings, embedding_dim)`` holds a ``(num_embeddings,
embedding_dim)`` weight; ``emb(ids)`` returns ``weight[ids]``, a vector per
id. The forward pass is a gather. The backward pass is a *scatter-add*: row
``v`` of the weight's gradient is the sum of the output gradients of every
position that looked up ``v`` — an id that appears 300 times in a batch gets
300 contributions.

``np.add.at`` does this but was the slowest of the ways measured (N = 4,096
ids, 128 columns, ms per backward on this machine):

==============  =========  ===========  ==============  ============
vocabulary      add.at     one-hot GEMM sort+reduceat   bincount/col
==============  =========  ===========  ==============  ============
65 (chars)      4.5        **0.7**      0.9             1.6
1,024 (BPE)     4.5        7.4          **2.6**         1.6
50,257 (GPT-2)  5.5        —            **4.1**         25
==============  =========  ===========  ==============  ============

So :class:`EmbeddingFunction` builds a one-hot matrix and does one GEMM when
``vocabulary × ids`` is small (a char-level model), and otherwise sorts the
ids, sums each run of equal ids with ``np.add.reduceat`` and writes the sums
to their rows (no repeated index is ever written twice).
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor
from tt_autograd.functions.indexing import PlaceAtKeyFunction
from tt_nn import Module, Parameter
from tt_tensor import numpy_generator, versions
from tt_tensor.checks import bool_args, check_count
from tt_tensor.random import get_rng_state, set_rng_state
from tt_tensor.threads import one_blas_thread

#: Largest ``vocabulary * ids`` for which the one-hot GEMM is used.
ONE_HOT_LIMIT = 1 << 20


class EmbeddingFunction(Function):
    """``weight[indices]`` with a scatter-add backward; the gradient of ``padding_idx``'s row stays 0."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        # BEGIN SOLUTION 11
        # TODO: the rows of weight picked by indices: output indices.shape +
        #   (dim,) (§ How it is built, "Forward is a gather").
        # HINT: check the ids first (integers, in [0, num_embeddings), the error naming the bad id); np.take.
        if indices.dtype.kind not in "iu":
            raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
        if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
            bad = indices[(indices < 0) | (indices >= weight.shape[0])].flat[0]
            raise IndexError(
                f"embedding: index {int(bad)} is out of range for an embedding of {weight.shape[0]} rows"
            )
        ctx.save_for_backward(indices)
        ctx.num_embeddings, ctx.padding_idx = weight.shape[0], padding_idx
        return np.take(weight, indices, axis=0)
        # END SOLUTION

    @staticmethod
    @one_blas_thread()  # one small GEMM: a second thread only adds a rendezvous
    def backward(ctx, grad):
        # BEGIN SOLUTION 11
        # TODO: the weight's gradient: row r is the sum of the incoming gradients of every position with id r,
        #   the padding_idx row kept at 0 (§ How it is built, "Backward is a scatter-add").
        # APPROACH: np.add.at(weight_grad, ids, grad) is correct but slow; the chapter's two fast ways: a
        #   one-hot GEMM for small vocab * ids, else sort the ids and np.add.reduceat each run.
        (indices,) = ctx.saved_tensors
        rows = ctx.num_embeddings
        flat = indices.reshape(-1)
        grad = grad.reshape(flat.size, grad.shape[-1])
        if rows * flat.size <= ONE_HOT_LIMIT:
            one_hot = np.zeros((rows, flat.size), dtype=grad.dtype)
            one_hot[flat, np.arange(flat.size)] = 1
            weight_grad = one_hot @ grad
        else:
            order = np.argsort(flat, kind="stable")
            sorted_ids = flat[order]
            starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
            weight_grad = np.zeros((rows, grad.shape[1]), dtype=grad.dtype)
            weight_grad[sorted_ids[starts]] = np.add.reduceat(grad[order], starts, axis=0)
        if ctx.padding_idx is not None:
            weight_grad[ctx.padding_idx] = 0
        return weight_grad, None
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # the same scatter-add, recorded: indexing's backward (higher_order)
        (indices,) = ctx.saved_tensors
        weight_grad = PlaceAtKeyFunction.apply(grad, shape=(ctx.num_embeddings, grad.shape[-1]), key=indices)
        if ctx.padding_idx is None:
            return weight_grad, None
        keep = np.ones((ctx.num_embeddings, 1), grad.array.dtype)
        keep[ctx.padding_idx] = 0
        return weight_grad * keep, None

    @staticmethod
    def jvp(ctx, tangent_weight, *_):  # its tangent's rows (padding_idx's too, as PyTorch)
        return np.take(tangent_weight, ctx.saved_tensors[0], axis=0)

    @staticmethod
    def graph_jvp(ctx, tangent_weight, *_):
        """The lookup itself on the tangent, recorded (PyTorch's ``auto_linear``): the padding row's
        tangent is read, as forward reads the row, and its gradient is 0, as backward's. (The double
        vjp would transpose backward, whose padding row is 0 by convention: 0 at padding positions.)"""
        return EmbeddingFunction.apply(tangent_weight, ctx.saved_tensors[0], padding_idx=ctx.padding_idx)


class ScaleGradByFrequencyFunction(Function):
    """The identity forward; backward divides each position's gradient by the count of its id in the
    batch, so an id's row gets the *mean* of its positions' gradients (``scale_grad_by_freq``)."""

    @staticmethod
    def forward(ctx, looked_up, indices):
        _, position_of, counts = np.unique(indices, return_inverse=True, return_counts=True)
        ctx.scale = (1.0 / counts[position_of].reshape(np.shape(indices)))[..., None].astype(looked_up.dtype)
        return looked_up  # (the identity: the lookup's fresh rows, which nothing else holds)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.scale, None


@bool_args("embedding", "scale_grad_by_freq", "sparse")
def embedding(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Functional form of :class:`Embedding`, like ``torch.nn.functional.embedding``.

    ``max_norm``: before the lookup, each row the ids read whose ``norm_type``-norm exceeds it is
    rescaled to ``max_norm`` *in the weight itself* (no gradient), as PyTorch's ``embedding_renorm_``.
    ``scale_grad_by_freq``: each row's gradient is divided by how often its id occurs in ``input``.
    ``sparse=True`` (a sparse gradient) is not implemented: refused by name.
    Cost: the gather; ``max_norm`` adds a norm per distinct id read, ``scale_grad_by_freq`` a sort.
    """
    indices = input if isinstance(input, Tensor) else np.asarray(input)  # (a tensor: vmap may batch it)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if sparse:
        raise NotImplementedError(
            "embedding: sparse=True (a sparse gradient for the weight) is not implemented in TinyTorch; "
            "use sparse=False (a dense gradient, the same values)"
        )
    if max_norm is not None:
        renorm_rows(weight, indices, max_norm, norm_type)
    looked_up = EmbeddingFunction.apply(weight, indices, padding_idx=padding_idx)
    if scale_grad_by_freq:
        ids = indices.array if isinstance(indices, Tensor) else indices
        looked_up = ScaleGradByFrequencyFunction.apply(looked_up, ids)
    return looked_up


def renorm_rows(weight: Tensor, indices: object, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and unrecorded, the rows of ``weight`` that ``indices`` read and whose
    ``norm_type``-norm exceeds ``max_norm``, to ``max_norm / (norm + 1e-7)`` of themselves (PyTorch's)."""
    ids = np.unique(indices.array if isinstance(indices, Tensor) else np.asarray(indices))
    if ids.size == 0:
        return
    rows = weight.array[ids]
    norms = np.linalg.norm(rows, ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        weight.array[ids[over]] = rows[over] * (max_norm / (norms[over] + 1e-7))[:, None].astype(rows.dtype)
        versions.bump(weight.array)  # (a graph that saved the weight refuses to run on the new values)


class Embedding(Module):
    """A table of ``num_embeddings`` learned vectors of size ``embedding_dim``, like ``torch.nn.Embedding``.

    Args:
        num_embeddings: number of rows (the vocabulary size).
        embedding_dim: size of each vector.
        padding_idx: a row that is initialised to zeros and never receives a
            gradient (for a padding token); negative values count from the end.

    Shape:
        input ``(*)`` integer ids; output ``(*, embedding_dim)``.

    Example:
        >>> emb = Embedding(10, 3)
        >>> emb(tt.tensor([[1, 2], [4, 9]])).shape  # doctest: +SKIP
        (2, 2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        num_embeddings = check_count("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = check_count("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None and (
            isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer))
        ):
            raise TypeError(
                f"Embedding: padding_idx must be an int or None, got {type(padding_idx).__name__}"
            )
        drawn_from = get_rng_state() if _weight is not None else None  # (a given table: no draw, as PyTorch)
        # BEGIN SOLUTION 11
        # TODO: check padding_idx (in [-num_embeddings, num_embeddings), negative
        #   counted from the end), keep the sizes, make the (num_embeddings,
        #   embedding_dim) float32 weight a Parameter, reset_parameters().
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx={padding_idx} must be in [-{num_embeddings}, {num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(
            Tensor.from_array(np.empty((num_embeddings, embedding_dim), dtype=np.float32))
        )
        self.reset_parameters()
        # END SOLUTION
        if drawn_from is not None:
            set_rng_state(drawn_from)  # the initialisation's draw undone: the random stream is PyTorch's
        self._take_options(max_norm, norm_type, scale_grad_by_freq, sparse, _weight, _freeze, device, dtype)

    def _take_options(
        self, max_norm, norm_type, scale_grad_by_freq, sparse, weight, freeze, device, dtype
    ) -> None:
        """PyTorch's arguments beyond the exercise: the lookup's options, a given weight, its dtype."""
        if device is not None and str(device) != "cpu":
            raise RuntimeError(
                f"Embedding: device {device!r} is not available; TinyTorch runs on the CPU only"
            )
        if sparse:
            raise NotImplementedError(
                "Embedding: sparse=True (a sparse gradient) is not implemented in TinyTorch; use sparse=False"
            )
        self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse = (
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
        )
        if weight is not None:  # PyTorch's _weight: this tensor is the table (no initialisation)
            expected = (self.num_embeddings, self.embedding_dim)
            if tuple(weight.shape) != expected:
                raise ValueError(f"Embedding: _weight has shape {tuple(weight.shape)}, expected {expected}")
            self.weight = Parameter(weight.detach() if isinstance(weight, Tensor) else Tensor(weight))
        elif dtype is not None:
            self.weight = Parameter(self.weight.detach().to(dtype))
        self.weight.requires_grad_(not freeze)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An embedding whose table is ``embeddings`` (rows = ids), frozen unless ``freeze=False``, as
        PyTorch's (the weight shares ``embeddings``' memory)."""
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings must be 2-D, got shape {tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, embeddings, freeze
        )

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1), as PyTorch does, and zero the padding row."""
        self.weight.array[...] = numpy_generator(None).standard_normal(self.weight.shape, dtype=np.float32)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if self.max_norm is None and not self.scale_grad_by_freq:  # (the common case: the exercise's call)
            return embedding(input, self.weight, self.padding_idx)
        return embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq
        )

    def extra_repr(self) -> str:
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        extra += f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        extra += f", norm_type={self.norm_type}" if self.norm_type != 2 else ""
        extra += ", scale_grad_by_freq=True" if self.scale_grad_by_freq else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
