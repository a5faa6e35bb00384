"""Positional information: attention treats its inputs as a set, so position must be added in.

Two ways, both added to the token embeddings ``x`` of shape ``(batch, T, C)``:

* :class:`LearnedPositionalEmbedding` — a trained ``(max_len, C)`` table,
  row ``t`` added at position ``t`` (GPT-2, nanoGPT). Its gradient is the
  incoming gradient summed over the batch.
* :class:`SinusoidalPositionalEncoding` — the fixed table of "Attention Is
  All You Need": ``PE[t, 2i] = sin(t / 10000^(2i/C))``, ``PE[t, 2i+1] = cos(...)``.
  Nothing to learn; a non-persistent buffer, so it is not saved in ``state_dict``.

Both refuse sequences longer than ``max_len`` with a message naming both lengths.
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Tensor
from tt_nn import Module, Parameter
from tt_tensor import numpy_generator


def sinusoidal_table(max_len: int, dim: int, base: float = 10000.0) -> np.ndarray:
    """The ``(max_len, dim)`` sinusoidal position table (float32); ``dim`` may be odd."""
    # BEGIN SOLUTION 11
    # TODO: the (max_len, dim) table: even columns sin(pos * f_i), odd columns cos(pos * f_i), with
    #   f_i = base ** (-2i / dim) (§ How it is built, "Positions are an addition").
    # HINT: compute in float64 and return float32; for an odd dim there is one more sin column than cos.
    positions = np.arange(max_len, dtype=np.float64)[:, None]
    frequencies = np.exp(-math.log(base) * np.arange(0, dim, 2, dtype=np.float64) / dim)
    angles = positions * frequencies
    table = np.empty((max_len, dim), dtype=np.float64)
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : dim // 2])
    return table.astype(np.float32)
    # END SOLUTION


def _check_length(name: str, x: Tensor, max_len: int) -> int:
    if x.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (batch, T, C) or (T, C), got {tuple(x.shape)}")
    length = x.shape[-2]
    if length > max_len:
        raise ValueError(f"{name}: sequence length {length} exceeds max_len={max_len} positions")
    return length


class LearnedPositionalEmbedding(Module):
    """Adds a learned vector per position: ``x + weight[:T]``.

    Args:
        max_len: longest sequence (the model's context length).
        embedding_dim: size of each vector, the width ``C`` of ``x``.

    Shape:
        input ``(*, T, C)``; output the same.
    """

    def __init__(self, max_len: int, embedding_dim: int, std: float = 0.02) -> None:
        super().__init__()
        self.max_len, self.embedding_dim = max_len, embedding_dim
        values = numpy_generator(None).standard_normal((max_len, embedding_dim), dtype=np.float32) * std
        self.weight = Parameter(Tensor.from_array(values))

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION 11
        # TODO: x (B, T, C) plus the first T rows of the learned weight
        #   (T checked against max_len: _check_length).
        length = _check_length("LearnedPositionalEmbedding", x, self.max_len)
        return x + self.weight[:length]
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.embedding_dim}"


class SinusoidalPositionalEncoding(Module):
    """Adds the fixed sinusoidal position table: ``x + PE[:T]``.

    Args:
        max_len: longest sequence.
        embedding_dim: width ``C`` of ``x``.
        base: the wavelength scale (10,000 in the paper).

    Shape:
        input ``(*, T, C)``; output the same.
    """

    def __init__(self, max_len: int, embedding_dim: int, base: float = 10000.0) -> None:
        super().__init__()
        self.max_len, self.embedding_dim = max_len, embedding_dim
        self.register_buffer(
            "pe", Tensor.from_array(sinusoidal_table(max_len, embedding_dim, base)), persistent=False
        )

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION 11
        # TODO: x (B, T, C) plus the first T rows of the fixed table (the pe buffer) in x's dtype.
        length = _check_length("SinusoidalPositionalEncoding", x, self.max_len)
        return x + self.pe.array[:length].astype(x.array.dtype, copy=False)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.embedding_dim}"
