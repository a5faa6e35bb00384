"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU`` with PyTorch's parameters, shapes and gate order.

Composed from recorded tt-autograd primitives, so backpropagation through
time needs no rule of its own. Per layer, the input projection of every
time step is one matmul (``x @ W_ih^T + b_ih`` over ``(L, N, H_in)``); only
the recurrent part, ``h @ W_hh^T``, runs step by step (a Python loop over
time, not over elements). Gates follow PyTorch's layout:

* RNN:  ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu)
* LSTM: rows ``[i, f, g, o]``; ``c' = f*c + i*g``, ``h' = o*tanh(c')``
* GRU:  rows ``[r, z, n]``; ``n = tanh(x_n + r*(h W_hn^T + b_hn))``,
  ``h' = (1 - z)*n + z*h``

With ``bidirectional=True`` each layer also runs a reverse direction (its own
``*_reverse`` weights) from the last time step to the first; the two outputs
are joined on the feature axis. An LSTM with ``proj_size=P`` projects
``h' = W_hr (o*tanh(c'))`` to ``P`` features (``weight_hr_l{k}``); ``c`` keeps
``hidden_size``. ``state_dict`` keys (``weight_ih_l0``, ``bias_hh_l1_reverse``,
...), their order and values load into ``torch.nn.LSTM`` and back. Cost per layer: one ``(L*N, H_in) x (H_in,
G*H)`` matmul plus ``L`` matmuls of ``(N, H) x (H, G*H)``.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd
from tt_nn import Module, Parameter, init
from tt_nn import functional as F
from tt_nn.rnn_utils import PackedSequence, pack_padded_sequence, pad_packed_sequence
from tt_tensor.checks import check_bool, check_number, check_tensor
from tt_tensor.devices import check_cpu

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU` (one or two directions)."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check_cpu(name, device)
        for flag, value in (("bias", bias), ("batch_first", batch_first)):  # (PyTorch checks these two only)
            check_bool(name, flag, value)
        if num_layers < 1 or hidden_size < 1 or input_size < 1:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, got {input_size}, "
                f"{hidden_size}, {num_layers}"
            )
        if not 0.0 <= check_number(name, "dropout", dropout) <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
        if not 0 <= proj_size < hidden_size:
            raise ValueError(
                f"{name}: proj_size must be 0 (no projection) or in [1, hidden_size={hidden_size}), "
                f"got {proj_size}"
            )
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first, self.dropout = num_layers, bias, batch_first, dropout
        self.bidirectional, self.proj_size = bool(bidirectional), proj_size
        rows, out = GATES[mode] * hidden_size, proj_size or hidden_size
        directions = 2 if bidirectional else 1
        # PyTorch's registration order (so its state_dict loads and the seeded draws agree): per layer,
        # per direction, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr
        for layer in range(num_layers):
            width = input_size if layer == 0 else out * directions
            for suffix in ("", "_reverse")[:directions]:
                tag = f"_l{layer}{suffix}"
                setattr(self, f"weight_ih{tag}", Parameter(autograd.empty(rows, width, dtype=dtype)))
                setattr(self, f"weight_hh{tag}", Parameter(autograd.empty(rows, out, dtype=dtype)))
                if bias:
                    setattr(self, f"bias_ih{tag}", Parameter(autograd.empty(rows, dtype=dtype)))
                    setattr(self, f"bias_hh{tag}", Parameter(autograd.empty(rows, dtype=dtype)))
                if proj_size:
                    hr = autograd.empty(proj_size, hidden_size, dtype=dtype)
                    setattr(self, f"weight_hr{tag}", Parameter(hr))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights for cuDNN here; NumPy needs no packing."""

    def _layer(self, layer: int, reverse: bool) -> tuple:
        tag = f"_l{layer}{'_reverse' if reverse else ''}"
        get = lambda kind: getattr(self, f"{kind}{tag}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def _check(self, input) -> tuple:
        """Time-major ``(L, N, H_in)``, whether batched, and the lengths (a ``PackedSequence``) or None."""
        name = type(self).__name__
        packed = isinstance(input, PackedSequence)
        if packed:
            input, lengths = pad_packed_sequence(input)  # noqa: A001
        check_tensor(name, input)
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input of shape (L, N, {self.input_size}) "
                f"{'(batch_first: (N, L, ...)) ' if self.batch_first else ''}or (L, {self.input_size}), "
                f"got {tuple(input.shape)}"
            )
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)  # noqa: A001
        elif self.batch_first and not packed:
            input = input.transpose(0, 1)  # noqa: A001
        return input, batched, np.array(lengths.tolist()) if packed else None

    def _initial(self, hx, batch: int, size: int, dtype):
        want = (self.num_layers * (2 if self.bidirectional else 1), batch, size)
        if hx is None:
            return autograd.zeros(*want, dtype=dtype)
        state = hx if hx.ndim == 3 else hx.unsqueeze(1)
        if tuple(state.shape) != want:
            raise ValueError(
                f"{type(self).__name__}: expected hidden state of shape {want}, got {tuple(hx.shape)}"
            )
        return state

    def _run(self, input, states: list, lengths=None) -> tuple:
        """Every layer over time from ``states`` (per layer and direction ``(h,)`` or ``(h, c)``).

        The reverse direction reads the sequence from its last step to its first and writes each
        output at its own time step; both directions' outputs are joined on the feature axis. With
        ``lengths`` a sequence's state stays as it is outside its steps: the forward direction stops at
        the sequence's last step, the reverse one starts there.
        """
        x = input
        finals = []
        steps = x.shape[0]
        inside = None if lengths is None else [autograd.tensor((t < lengths)[:, None]) for t in range(steps)]
        for layer in range(self.num_layers):
            directions = []
            for reverse in (False, True)[: 2 if self.bidirectional else 1]:
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer(layer, reverse)
                projected = x.matmul(w_ih.t()) if b_ih is None else x.matmul(w_ih.t()) + b_ih  # (L, N, G*H)
                state = states[len(finals)]
                outputs = [None] * steps
                for t in reversed(range(steps)) if reverse else range(steps):
                    new = self._cell(projected[t], state, w_hh, b_hh, w_hr)
                    if inside is not None:
                        new = tuple(autograd.where(inside[t], a, b) for a, b in zip(new, state))
                    state = new
                    outputs[t] = state[0]
                finals.append(state)
                directions.append(autograd.stack(outputs, 0))
            x = directions[0] if len(directions) == 1 else autograd.cat(directions, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        return x, finals

    def _cell(self, projected, state: tuple, w_hh, b_hh, w_hr) -> tuple:
        raise NotImplementedError

    def forward(self, input, hx=None):  # noqa: A002
        """``(output, h_n)``, or ``(output, (h_n, c_n))`` for an LSTM; ``hx`` is the initial state (zeros).

        ``input`` may be a ``PackedSequence``: then ``output`` is one, packed as ``input``, and each
        sequence stops at its own length (``hx`` and ``h_n`` stay in the batch's order).

        ``h_n`` holds one row per layer and direction (layer 0 forward, layer 0 reverse, layer 1 ...);
        with ``proj_size`` the output and ``h`` have ``proj_size`` features, ``c`` keeps ``hidden_size``.
        """
        x, batched, lengths = self._check(input)
        lstm = self.mode == "LSTM"
        given = (hx if hx is not None else (None, None)) if lstm else (hx,)
        sizes = (self.proj_size or self.hidden_size, self.hidden_size)
        initial = [self._initial(part, x.shape[1], size, x.dtype) for part, size in zip(given, sizes)]
        rows = initial[0].shape[0]
        output, finals = self._run(x, [tuple(s[k] for s in initial) for k in range(rows)], lengths)
        states = [autograd.stack([final[j] for final in finals], 0) for j in range(len(initial))]
        if not batched:
            states = [s.squeeze(1) for s in states]
        output = _shaped(self, output, batched) if lengths is None else _packed_like(input, output, lengths)
        return output, tuple(states) if lstm else states[0]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def _recurrent(h, w_hh, b_hh):
    out = h.matmul(w_hh.t())
    return out if b_hh is None else out + b_hh


class RNN(RNNBase):
    """Elman RNN, like ``torch.nn.RNN``: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as PyTorch's.
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        device: ``None`` or the CPU (any other is refused); dtype: the parameters' dtype.
        proj_size: keyword-only and 0 for :class:`RNN` and :class:`GRU` (PyTorch takes it through
            ``**kwargs`` and refuses any other value too); :class:`LSTM`'s eighth positional argument.

    Shape:
        input ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``, or ``(L, H_in)``);
        returns ``output (L, N, D*H)`` and ``h_n (D*num_layers, N, H)``, ``D = 2`` if bidirectional
        else 1.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: object = None,
        dtype: object = None,
        *,
        proj_size: int = 0,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        args = (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)
        super().__init__(mode, *args, device, dtype)
        self.nonlinearity = nonlinearity

    def _cell(self, projected, state, w_hh, b_hh, w_hr):
        pre = projected + _recurrent(state[0], w_hh, b_hh)
        return (pre.tanh() if self.nonlinearity == "tanh" else pre.relu(),)


class LSTM(RNNBase):
    """Long short-term memory, like ``torch.nn.LSTM`` (gate rows ``[i, f, g, o]``).

    Shape:
        input as :class:`RNN`; ``hx`` is ``(h_0, c_0)``, ``(D*num_layers, N, H_out)`` and
        ``(D*num_layers, N, H)`` with ``H_out = proj_size or H``; returns ``output (L, N, D*H_out)``
        and ``(h_n, c_n)`` shaped as ``(h_0, c_0)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: object = None,
        dtype: object = None,
    ) -> None:
        args = (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)
        super().__init__("LSTM", *args, device, dtype)

    def _cell(self, projected, state, w_hh, b_hh, w_hr):
        h, c = state
        i, f, g, o = (projected + _recurrent(h, w_hh, b_hh)).chunk(4, dim=-1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h if w_hr is None else h.matmul(w_hr.t())), c


class GRU(RNNBase):
    """Gated recurrent unit, like ``torch.nn.GRU`` (gate rows ``[r, z, n]``).

    Shape: as :class:`RNN`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: object = None,
        dtype: object = None,
        *,
        proj_size: int = 0,
    ) -> None:
        args = (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)
        super().__init__("GRU", *args, device, dtype)

    def _cell(self, projected, state, w_hh, b_hh, w_hr):
        (h,) = state
        x_r, x_z, x_n = projected.chunk(3, dim=-1)
        h_r, h_z, h_n = _recurrent(h, w_hh, b_hh).chunk(3, dim=-1)
        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        return ((1.0 - z) * n + z * h,)


def _shaped(module: RNNBase, output, batched: bool):
    if not batched:
        return output.squeeze(1)
    return output.transpose(0, 1) if module.batch_first else output


def _packed_like(packed: PackedSequence, padded, lengths) -> PackedSequence:
    """``padded`` ``(L, N, H)`` packed in ``packed``'s layout (its longest-first order, kept as given)."""
    if packed.sorted_indices is not None:
        order = np.array(packed.sorted_indices.tolist())
        padded = padded.transpose(0, 1)[autograd.tensor(order)].transpose(0, 1)
        lengths = lengths[order]
    data = pack_padded_sequence(padded, lengths).data
    return PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
