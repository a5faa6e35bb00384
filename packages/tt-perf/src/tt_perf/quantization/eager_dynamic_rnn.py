"""``torch.ao.nn.quantized.dynamic``'s ``LSTM``, ``GRU``, ``RNNCell``, ``LSTMCell`` and ``GRUCell``.

PyTorch's word-language-model tutorial quantizes ``{nn.LSTM, nn.Linear}``; ``quantize_dynamic``
(whose default set is PyTorch's: ``Linear``, ``LSTM``, ``GRU``, ``RNNCell``, ``LSTMCell``,
``GRUCell``) swaps each for its twin here: :class:`DynamicLSTM`, :class:`DynamicGRU`,
:class:`DynamicRNNCell`, :class:`DynamicLSTMCell`, :class:`DynamicGRUCell`. Each weight matrix
(``weight_ih*``, ``weight_hh*``, ``weight_hr*``) becomes an ``int8`` buffer ``<name>_int8`` and its
scales ``<name>_scale`` (one per tensor with PyTorch's ``default_dynamic_qconfig``, one per row with
a per-channel qconfig); the biases stay float32, as in PyTorch. The state dict is about a quarter
of the float one's.

Where it differs from PyTorch, and why: PyTorch's dynamic recurrent modules also quantize the
input of each gate product per call (int8 × int8 GEMMs); here the weights are dequantized once
per forward and the recurrence runs tt-text's float ``LSTM`` (``GRU``, cells) on them, so only the
weights' rounding enters the result (the error of int8 weights, not of int8 activations too): the
output is the float module's with its weights rounded onto the int8 grid. The modules are for
inference: weights and biases are buffers, not parameters (the output carries no gradient).

Cost: per forward, one dequantization pass over each weight matrix, then the float module.

Example:
    >>> import tt_autograd as autograd, tt_text
    >>> lstm = tt_text.LSTM(4, 8)
    >>> int8 = DynamicLSTM.from_float(lstm)
    >>> x = autograd.randn(5, 2, 4)
    >>> bool(np.abs(int8(x)[0].numpy() - lstm(x)[0].detach().numpy()).max() < 0.02), list(int8.parameters())
    (True, [])
"""

from __future__ import annotations

import numpy as np
from tt_autograd import from_numpy
from tt_nn import Module
from tt_nn import functional as nn_f
from tt_text import GRU, LSTM, GRUCell, LSTMCell, RNNCell

from .modules import quantize_weight

WEIGHTS = ("weight_ih", "weight_hh", "weight_hr")


class _Int8Weights:
    """What the dynamic recurrent modules share: :meth:`from_float` stores the float module's weight
    matrices as INT8 buffers and its biases as float32 buffers; :meth:`_weight` reads one back.
    ``FLOAT`` is the float type converted; ``_arguments`` its constructor's arguments.
    """

    FLOAT: type = Module

    @staticmethod
    def _arguments(mod: Module) -> tuple:
        return (mod.input_size, mod.hidden_size, mod.num_layers, mod.bias, mod.batch_first, mod.dropout,
                mod.bidirectional)  # fmt: skip

    @classmethod
    def from_float(cls, mod: Module, weight_observer=None):
        """The INT8 twin of ``mod``: ``weight_observer`` (a factory, default: each matrix's own
        per-tensor symmetric range, ``max|W| / 127.5``) gives each weight matrix's scale(s).
        """
        if type(mod) is not cls.FLOAT:
            kind = cls.FLOAT.__name__
            raise TypeError(
                f"{cls.__name__}.from_float: expected {'an' if kind[0] in 'AEILMNORS' else 'a'} {kind}, "
                f"got {type(mod).__name__}"
            )
        new = cls(*cls._arguments(mod))
        for name, parameter in mod.named_parameters():
            array = parameter.detach().numpy()
            delattr(new, name)  # every array a buffer: an inference module, its output needs no graph
            if not name.startswith(WEIGHTS):
                new.register_buffer(name, from_numpy(array.copy()))
                continue
            if weight_observer is None:
                scales = np.float32(max(np.abs(array).max() / 127.5, np.finfo(np.float32).eps))
            else:
                observer = weight_observer()
                observer(array)
                scale, zero_point = observer.calculate_qparams()
                if np.any(zero_point.numpy() != 0):
                    raise ValueError(
                        f"{cls.__name__}.from_float: {name} must be observed as torch.qint8 symmetric (zero "
                        "points 0); use default_weight_observer or default_per_channel_weight_observer"
                    )
                scales = scale.numpy()
            q = quantize_weight(array, scales)
            new.register_buffer(f"{name}_int8", from_numpy(q.int_repr))
            new.register_buffer(f"{name}_scale", from_numpy(q.scale))
        new.train(mod.training)
        return new

    def _weight(self, name: str):
        """The weight matrix ``name`` dequantized, float32 (None if the module has none of that name)."""
        q = getattr(self, f"{name}_int8", None)
        if q is None:
            return None
        scale = getattr(self, f"{name}_scale").numpy()
        return from_numpy(q.numpy().astype(np.float32) * scale[:, None])


class _Int8Layers(_Int8Weights):
    """A dynamic recurrent layer: each layer and direction runs on its dequantized weights."""

    def _layer(self, layer: int, reverse: bool) -> tuple:
        tag = f"_l{layer}{'_reverse' if reverse else ''}"
        bias = (getattr(self, f"bias_ih{tag}", None), getattr(self, f"bias_hh{tag}", None))
        return (
            self._weight(f"weight_ih{tag}"),
            self._weight(f"weight_hh{tag}"),
            *bias,
            self._weight(f"weight_hr{tag}"),
        )


class _Int8Cell(_Int8Weights):
    """A dynamic recurrent cell: both gate products on the dequantized weights."""

    @staticmethod
    def _arguments(mod: Module) -> tuple:
        return mod.input_size, mod.hidden_size, mod.bias

    def _gates(self, x, h):
        return (
            nn_f.linear(x, self._weight("weight_ih"), self.bias_ih),
            nn_f.linear(h, self._weight("weight_hh"), self.bias_hh),
        )


class DynamicLSTM(_Int8Layers, LSTM):
    """An ``LSTM`` with INT8 weight matrices (``torch.ao.nn.quantized.dynamic.LSTM``); build it with
    :meth:`from_float`.

    Shape: as ``LSTM``.
    """

    FLOAT = LSTM

    @staticmethod
    def _arguments(mod: Module) -> tuple:
        return (*_Int8Weights._arguments(mod), mod.proj_size)  # (GRU's 8th positional is device)


class DynamicGRU(_Int8Layers, GRU):
    """A ``GRU`` with INT8 weight matrices (``torch.ao.nn.quantized.dynamic.GRU``); build it with
    :meth:`from_float`.

    Shape: as ``GRU``.
    """

    FLOAT = GRU


class DynamicRNNCell(_Int8Cell, RNNCell):
    """An ``RNNCell`` with INT8 weights (``torch.ao.nn.quantized.dynamic.RNNCell``); shape as ``RNNCell``."""

    FLOAT = RNNCell

    @staticmethod
    def _arguments(mod: Module) -> tuple:
        return mod.input_size, mod.hidden_size, mod.bias, mod.nonlinearity


class DynamicLSTMCell(_Int8Cell, LSTMCell):
    """An ``LSTMCell`` with INT8 weights (``torch.ao.nn.quantized.dynamic.LSTMCell``); shapes as its."""

    FLOAT = LSTMCell


class DynamicGRUCell(_Int8Cell, GRUCell):
    """A ``GRUCell`` with INT8 weights (``torch.ao.nn.quantized.dynamic.GRUCell``); shape as ``GRUCell``."""

    FLOAT = GRUCell
