"""One time step of a recurrent layer: ``RNNCell``, ``LSTMCell`` and ``GRUCell``, like ``torch.nn``'s.

A cell maps ``(input, state)`` to the next state; a loop over time written by
the caller (teacher forcing, attention decoders, custom recurrences) unrolls
it. The equations, parameters and gate order are those of :mod:`tt_text.recurrent`'s
layers, so a cell loaded with a layer's ``weight_ih_l0`` ... reproduces its steps:

* RNNCell:  ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu)
* LSTMCell: rows ``[i, f, g, o]``; ``c' = sigmoid(f)*c + sigmoid(i)*tanh(g)``, ``h' = sigmoid(o)*tanh(c')``
* GRUCell:  rows ``[r, z, n]``; ``r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)``,
  ``n = tanh(x_n + b_in + r*(h W_hn^T + b_hn))``, ``h' = (1 - z)*n + z*h``

Parameters are ``weight_ih (G*H, H_in)``, ``weight_hh (G*H, H)``, ``bias_ih``
and ``bias_hh (G*H)`` with ``G`` = 1, 4, 3 gates, each drawn from
``U(-1/sqrt(H), 1/sqrt(H))``; their ``state_dict`` loads into PyTorch's cells.
Composed from recorded primitives (two ``F.linear`` and a few element-wise
ops), so the gradient needs no rule of its own. Cost per step: an ``(N, H_in)
x (H_in, G*H)`` and an ``(N, H) x (H, G*H)`` matmul.
"""

from __future__ import annotations

import math

import tt_autograd as autograd
from tt_nn import Module, Parameter, init
from tt_nn import functional as F
from tt_tensor.checks import check_tensor
from tt_tensor.devices import check_cpu


class RNNCellBase(Module):
    """The parameters, checks and ``repr`` shared by :class:`RNNCell`, :class:`LSTMCell`, :class:`GRUCell`."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check_cpu(name, device)
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"{name}: input_size and hidden_size must be positive, got {input_size} and {hidden_size}"
            )
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(autograd.empty(rows, input_size, dtype=dtype))
        self.weight_hh = Parameter(autograd.empty(rows, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(autograd.empty(rows, dtype=dtype))
            self.bias_hh = Parameter(autograd.empty(rows, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _input(self, input):  # noqa: A002
        """``input`` as ``(N, H_in)`` and whether it came batched."""
        name = type(self).__name__
        check_tensor(name, input)
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},), "
                f"got {tuple(input.shape)}"
            )
        return (input, True) if input.ndim == 2 else (input.unsqueeze(0), False)

    def _state(self, hx, x, batched: bool, what: str = "hx"):
        """``hx`` as ``(N, H)``, zeros when None; its shape must follow the input's batching."""
        want = (x.shape[0], self.hidden_size)
        if hx is None:
            return autograd.zeros(*want, dtype=x.dtype)
        shape = tuple(hx.shape)
        if shape != (want if batched else want[1:]):
            raise ValueError(
                f"{type(self).__name__}: expected {what} of shape {want if batched else want[1:]} "
                f"for input of shape {tuple(x.shape) if batched else tuple(x.shape[1:])}, got {shape}"
            )
        return hx if batched else hx.unsqueeze(0)

    def _gates(self, x, h):
        """``(x W_ih^T + b_ih, h W_hh^T + b_hh)``, each ``(N, G*H)``."""
        return F.linear(x, self.weight_ih, self.bias_ih), F.linear(h, self.weight_hh, self.bias_hh)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text


def _unbatched(state, batched: bool):
    return state if batched else state.squeeze(0)


class RNNCell(RNNCellBase):
    """An Elman RNN step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    Args:
        input_size: features of the input ``H_in``.
        hidden_size: features of the state ``H``.
        bias: add ``b_ih`` and ``b_hh`` (default True).
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; ``hx`` ``(N, H)`` or ``(H)``, zeros when
        omitted; returns ``h'`` of ``hx``'s shape.

    Example:
        >>> cell = RNNCell(10, 20)  # doctest: +SKIP
        >>> h = cell(tt_autograd.randn(3, 10))  # (3, 20)  # doctest: +SKIP
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: object = None,
        dtype: object = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        x, batched = self._input(input)
        h = self._state(hx, x, batched)
        from_input, from_state = self._gates(x, h)
        pre = from_input + from_state
        return _unbatched(pre.tanh() if self.nonlinearity == "tanh" else pre.relu(), batched)


class _GatedCell(RNNCellBase):
    """PyTorch's constructor of :class:`LSTMCell` and :class:`GRUCell` (``CHUNKS`` gates of ``H`` rows)."""

    CHUNKS = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, self.CHUNKS, device, dtype)


class LSTMCell(_GatedCell):
    """A long short-term memory step (gate rows ``[i, f, g, o]``): returns ``(h', c')``.

    Args:
        input_size: features of the input ``H_in``.
        hidden_size: features of the state ``H``.
        bias: add ``b_ih`` and ``b_hh`` (default True).
        device: ``None`` or the CPU (any other is refused); dtype: the parameters' dtype.

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; ``hx`` is ``(h, c)``, each ``(N, H)`` or
        ``(H)``, zeros when omitted; returns ``(h', c')`` of the same shapes.

    Example:
        >>> cell = LSTMCell(10, 20)  # doctest: +SKIP
        >>> h, c = cell(tt_autograd.randn(3, 10))  # doctest: +SKIP
    """

    CHUNKS = 4

    def forward(self, input, hx=None):  # noqa: A002
        x, batched = self._input(input)
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c) of two tensors, got {type(hx).__name__}")
        h_0, c_0 = hx if hx is not None else (None, None)
        h = self._state(h_0, x, batched, "h")
        c = self._state(c_0, x, batched, "c")
        from_input, from_state = self._gates(x, h)
        i, f, g, o = (from_input + from_state).chunk(4, dim=-1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return _unbatched(h, batched), _unbatched(c, batched)


class GRUCell(_GatedCell):
    """A gated recurrent unit step (gate rows ``[r, z, n]``, PyTorch's ``n``).

    ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``: the reset gate scales
    the recurrent term after its bias, as PyTorch (and cuDNN) do.

    Args:
        input_size: features of the input ``H_in``.
        hidden_size: features of the state ``H``.
        bias: add ``b_ih`` and ``b_hh`` (default True).

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; ``hx`` ``(N, H)`` or ``(H)``, zeros when
        omitted; returns ``h'`` of ``hx``'s shape.
    """

    CHUNKS = 3

    def forward(self, input, hx=None):  # noqa: A002
        x, batched = self._input(input)
        h = self._state(hx, x, batched)
        from_input, from_state = self._gates(x, h)
        x_r, x_z, x_n = from_input.chunk(3, dim=-1)
        h_r, h_z, h_n = from_state.chunk(3, dim=-1)
        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        return _unbatched((1.0 - z) * n + z * h, batched)
