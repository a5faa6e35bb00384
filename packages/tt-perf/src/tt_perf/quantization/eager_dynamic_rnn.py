"""``torch.ao.nn.quantized.dynamic.LSTM``: an ``LSTM`` whose weight matrices are stored as INT8.

PyTorch's word-language-model tutorial quantizes ``{nn.LSTM, nn.Linear}``; ``quantize_dynamic``
swaps each ``LSTM`` for a :class:`DynamicLSTM`. Each weight matrix (``weight_ih_l*``,
``weight_hh_l*``, ``weight_hr_l*``) becomes an ``int8`` buffer ``<name>_int8`` and its scales
``<name>_scale`` (one per row: per tensor with PyTorch's ``default_dynamic_qconfig``, per row
with a per-channel qconfig); the biases stay float32, as in PyTorch. The state dict is about a
quarter of the float one's.

Where it differs from PyTorch, and why: PyTorch's dynamic LSTM also quantizes the input of
each gate product per call (int8 × int8 GEMMs); here the weights are dequantized once per
forward and the recurrence runs tt-text's float ``LSTM`` on them, so only the weights' rounding
enters the result (the error of int8 weights, not of int8 activations too). The layer is for
inference: its weights and biases are buffers, not parameters (its output carries no gradient).

Cost: per forward, one dequantization pass over each weight matrix, then the float LSTM.

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
from tt_text import LSTM

from .modules import quantize_weight

WEIGHTS = ("weight_ih", "weight_hh", "weight_hr")


class DynamicLSTM(LSTM):
    """An ``LSTM`` with INT8 weight matrices (``torch.ao.nn.quantized.dynamic.LSTM``); build it with
    :meth:`from_float`.

    Shape: as ``LSTM``.
    """

    @classmethod
    def from_float(cls, mod: LSTM, weight_observer=None) -> DynamicLSTM:
        """The INT8 twin of ``mod``: ``weight_observer`` (a factory, default: each matrix's own
        per-tensor symmetric range) gives each weight matrix's scale(s).
        """
        if type(mod) is not LSTM:
            raise TypeError(f"DynamicLSTM.from_float: expected an LSTM, got {type(mod).__name__}")
        new = cls(mod.input_size, mod.hidden_size, mod.num_layers, mod.bias, mod.batch_first, mod.dropout,
                  mod.bidirectional, mod.proj_size)  # fmt: skip
        for name, parameter in mod.named_parameters():
            array = parameter.detach().numpy()
            delattr(new, name)  # every array a buffer: an inference layer, its output needs no graph
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
                        f"DynamicLSTM.from_float: {name} must be observed as torch.qint8 symmetric (zero "
                        "points 0); use default_weight_observer or default_per_channel_weight_observer"
                    )
                scales = scale.numpy()
            q = quantize_weight(array, scales)
            new.register_buffer(f"{name}_int8", from_numpy(q.int_repr))
            new.register_buffer(f"{name}_scale", from_numpy(q.scale))
        new.train(mod.training)
        return new

    def _weight(self, name: str):
        q = getattr(self, f"{name}_int8", None)
        if q is None:
            return None
        scale = getattr(self, f"{name}_scale").numpy()
        return from_numpy(q.numpy().astype(np.float32) * scale[:, None])

    def _layer(self, layer: int, reverse: bool) -> tuple:
        tag = f"_l{layer}{'_reverse' if reverse else ''}"
        bias = (getattr(self, f"bias_ih{tag}", None), getattr(self, f"bias_hh{tag}", None))
        return (
            self._weight(f"weight_ih{tag}"),
            self._weight(f"weight_hh{tag}"),
            *bias,
            self._weight(f"weight_hr{tag}"),
        )
