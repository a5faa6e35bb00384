"""``Module``'s conversions: ``to`` (dtype, device, memory format), ``to_empty``,
``float``/``double``/``half``, ``cpu``/``cuda`` and ``share_memory``.

:class:`ModuleConversion` is a base of :class:`tt_nn.Module`. Every method converts the module's
parameters and buffers in place: the tensors stay the same objects (an optimizer built before
still holds them) and get new arrays. Cost: one array copy per converted tensor.
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

import numpy as np
from tt_autograd import Tensor
from tt_tensor import dtypes
from tt_tensor import memory_formats as formats

from .parameter import is_lazy

_M = TypeVar("_M", bound="ModuleConversion")


def _cast(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``array`` in ``dtype``; complex to real keeps the real part, as PyTorch."""
    return (array.real if array.dtype.kind == "c" and dtype.kind != "c" else array).astype(dtype)


class ModuleConversion:
    """Dtype, device and memory-format conversion of a module's tensors (a base of ``Module``)."""

    def to(
        self: _M,
        *args: Any,
        device: Any = None,
        dtype: Any = None,
        non_blocking=False,
        memory_format: Any = None,
    ) -> _M:
        """Convert floating-point and complex parameters and buffers to ``dtype`` (a floating or complex
        one) in place (``to(tt.float64)``); a complex ``dtype`` warns, as PyTorch.

        The parameters stay the same objects (an optimizer built before still
        holds them); their gradients are converted too. Accepts a dtype, a
        tensor (its dtype) or ``"cpu"`` (also as ``device=``); other devices are refused.
        ``memory_format=tt.channels_last`` lays every 4-d parameter and buffer out
        channels-last (``channels_last_3d``: the 5-d ones), as PyTorch does.
        """
        del non_blocking  # moot on the CPU
        if memory_format is not None:
            self._lay_out(memory_format)
        for arg in (*args, str(device)) if device is not None else args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, str):  # (a string is a device, as PyTorch reads it)
                if arg.split(":")[0] not in ("cpu", "cuda", "mps"):
                    raise RuntimeError(
                        f"to(): invalid device string: {arg!r}; give a dtype as one: to(tt.float32)"
                    )
                if arg.split(":")[0] != "cpu":
                    raise RuntimeError(f"to: device {arg!r} is not available; TinyTorch runs on the CPU only")
            else:
                dtype = arg
        if dtype is None:
            return self
        numpy_dtype = dtypes.dtype_argument("to", dtype).numpy
        if numpy_dtype.kind not in "fc":
            raise TypeError(
                f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype="
                f"{dtypes.from_numpy_dtype(numpy_dtype).name}; integer tensors (e.g. num_batches_tracked) "
                "keep their dtype under any of those"
            )
        if numpy_dtype.kind == "c":
            warnings.warn(
                "Complex modules are a new feature in PyTorch too: some modules may not work with complex "
                "parameters or buffers (TinyTorch's layers are tested with real ones)",
                UserWarning,
                stacklevel=2,
            )
        tensors = (*self.parameters(), *self.buffers())
        if numpy_dtype.kind == "f" and any(t.array.dtype.kind == "c" for t in tensors if not is_lazy(t)):
            warnings.warn(
                "Module.to: casting complex values to real discards the imaginary part", stacklevel=2
            )
        return self._cast_tensors(numpy_dtype, "fc")

    def _cast_tensors(self: _M, numpy_dtype: np.dtype, kinds: str) -> _M:
        """Cast every parameter and buffer (and its gradient) whose dtype kind is in ``kinds`` (``"fc"``
        for ``to``; ``"f"`` for ``float``/``double``/``half``, which leave complex tensors alone, as
        PyTorch's); integer ones (e.g. ``num_batches_tracked``) always stay."""
        for tensor in (*self.parameters(), *self.buffers()):
            if is_lazy(tensor):  # a lazy module's: materialized later, with this dtype
                if tensor.is_floating_point():
                    tensor.convert_(numpy_dtype)
            elif tensor.array.dtype.kind in kinds:
                tensor.array = _cast(tensor.array, numpy_dtype)
                if tensor.grad is not None:
                    tensor.grad.array = _cast(tensor.grad.array, numpy_dtype)
        return self

    def _lay_out(self, memory_format: Any) -> None:
        """Parameters and buffers of the format's rank, re-laid in it (the same objects, new arrays)."""
        rank = {formats.channels_last: 4, formats.channels_last_3d: 5}.get(memory_format)
        if rank is None:
            formats.check_format("Module.to", memory_format, 0)  # not a format at all: its error
            return  # contiguous_format / preserve_format: nothing to re-lay
        for tensor in (*self.parameters(), *self.buffers()):
            if tensor.ndim == rank and not is_lazy(tensor):
                tensor.array = formats.arranged(tensor.array, memory_format)

    def to_empty(self: _M, *, device: Any, recurse: bool = True) -> _M:
        """Give every parameter and buffer (with ``recurse=False``: this module's own) new memory of its
        shape and dtype, values undefined, as ``torch.empty_like`` does; gradients too.

        PyTorch uses it to materialise a module built on the meta device before loading weights
        into it; TinyTorch has no meta device, so it only drops the values. The tensors stay the
        same objects (an optimizer built before still holds them). ``device``, which PyTorch
        requires too: ``"cpu"`` or None (TinyTorch runs on the CPU only). Returns ``self``.
        """
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(
                f"{type(self).__name__}.to_empty: device {str(device)!r} is not available; "
                "TinyTorch runs on the CPU only, use device='cpu'"
            )
        for tensor in (*self.parameters(recurse), *self.buffers(recurse)):
            if not is_lazy(tensor):
                tensor.array = np.empty_like(tensor.array)
                if tensor.grad is not None:
                    tensor.grad.array = np.empty_like(tensor.grad.array)
        return self

    def share_memory(self: _M) -> _M:
        """Return ``self``: here it shares nothing, and warns so.

        PyTorch moves every parameter and buffer into shared memory, so processes started
        afterwards (Hogwild training with ``torch.multiprocessing``) update one set of weights.
        TinyTorch's tensors are NumPy arrays private to their process and have no
        ``share_memory_``; a child process gets its own copy (copy-on-write after a fork, a
        pickle under spawn), so updates made there never reach this process. What does cross
        processes here: a DataLoader worker's batches, through shared-memory segments the main
        process copies out of (``tt_optim.data.shared_batches``), and tt-dist's collectives.
        """
        warnings.warn(
            f"{type(self).__name__}.share_memory: TinyTorch's tensors cannot live in shared memory; the "
            "module is unchanged and each process that gets it works on its own copy of the parameters",
            UserWarning,
            stacklevel=2,
        )
        return self

    def cpu(self: _M) -> _M:
        """This module (TinyTorch runs on the CPU only)."""
        return self

    def cuda(self: _M, device: Any = None) -> _M:
        """Refused with a clear error: TinyTorch runs on the CPU only."""
        raise RuntimeError(
            f"{type(self).__name__}.cuda: TinyTorch runs on the CPU only, so there is no CUDA device; "
            "drop the .cuda() call (or use .to('cpu'), which is always valid)"
        )

    def float(self: _M) -> _M:
        """Convert floating-point parameters and buffers to float32 (complex and integer ones stay)."""
        return self._cast_tensors(dtypes.float32.numpy, "f")  # (complex ones stay complex, as PyTorch)

    def double(self: _M) -> _M:
        """Convert floating-point parameters and buffers to float64."""
        return self._cast_tensors(dtypes.float64.numpy, "f")  # (complex ones stay complex, as PyTorch)

    def half(self: _M) -> _M:
        """Convert floating-point parameters and buffers to float16 (as ``torch.nn.Module.half``).

        Layers compute float16 inputs with float32 accumulation where it matters
        (normalisation, reductions) and return float16, as PyTorch does on the CPU.
        """
        return self._cast_tensors(dtypes.float16.numpy, "f")  # (complex ones stay complex, as PyTorch)
