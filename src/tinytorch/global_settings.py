"""PyTorch's process-wide switches that scripts set at the top: determinism, matmul precision,
threads, warnings, the default device. On NumPy most change nothing, and each says so.

* ``use_deterministic_algorithms(True)``: TinyTorch's kernels are already deterministic (NumPy
  and OpenBLAS give the same result for the same inputs and thread count; scatter-adds use
  ``np.add.at``, which is sequential), so the switch is recorded and read back, nothing more.
* ``set_float32_matmul_precision``: NumPy's float32 GEMM never drops to TF32 or bfloat16, so
  every setting computes as ``"highest"``; the value given is kept for
  ``get_float32_matmul_precision``.
* ``set_num_interop_threads``: TinyTorch runs one op at a time (no inter-op pool); the BLAS
  threads are :func:`tt.set_num_threads`.
* ``set_flush_denormal`` returns False: NumPy gives no way to set the CPU's flush-to-zero mode.
* ``set_default_device``: ``"cpu"`` (or None) only.
"""

from __future__ import annotations

from tt_tensor import device

_STATE: dict[str, object] = {
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
    "interop_threads": 1,
    "warn_always": False,
}
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (recorded: TinyTorch's are all deterministic already)."""
    if not isinstance(mode, bool) or not isinstance(warn_only, bool):
        raise TypeError(
            f"use_deterministic_algorithms: mode and warn_only must be bools, got {mode!r} and {warn_only!r}"
        )
    _STATE["deterministic"], _STATE["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether :func:`use_deterministic_algorithms` was last set to True."""
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether deterministic mode was asked for with ``warn_only=True``."""
    return _STATE["warn_only"]


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """``"default"``/0 (off), ``"warn"``/1 or ``"error"``/2: the same switch as
    :func:`use_deterministic_algorithms` (``warn`` is ``warn_only=True``)."""
    mode = _DEBUG_MODES.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if isinstance(mode, bool) or mode not in (0, 1, 2):
        raise RuntimeError(
            f"set_deterministic_debug_mode: expected one of 'default', 'warn', 'error' or 0, 1, 2, "
            f"got {debug_mode!r}"
        )
    use_deterministic_algorithms(mode > 0, warn_only=mode == 1)


def get_deterministic_debug_mode() -> int:
    """0 (off), 1 (warn only) or 2 (error), as :func:`set_deterministic_debug_mode` takes them."""
    if not _STATE["deterministic"]:
        return 0
    return 1 if _STATE["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """``"highest"``, ``"high"`` or ``"medium"``; NumPy computes every one as ``"highest"``."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(
            f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got {precision!r}"
        )
    _STATE["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last given to :func:`set_float32_matmul_precision` (``"highest"`` by default)."""
    return _STATE["matmul_precision"]


def set_num_interop_threads(num: int) -> None:
    """Recorded only: TinyTorch runs one op at a time (no inter-op thread pool)."""
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise RuntimeError(f"set_num_interop_threads: expected a positive int, got {num!r}")
    _STATE["interop_threads"] = num


def get_num_interop_threads() -> int:
    """The value last given to :func:`set_num_interop_threads` (1 by default)."""
    return _STATE["interop_threads"]


def set_warn_always(b: bool) -> None:
    """Recorded for :func:`is_warn_always_enabled` (TinyTorch's warnings follow Python's filters)."""
    _STATE["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """The value last given to :func:`set_warn_always`."""
    return _STATE["warn_always"]


def set_flush_denormal(mode: bool) -> bool:
    """False (PyTorch's answer where unsupported): NumPy cannot set the CPU's flush-to-zero mode."""
    return False


def set_default_device(device_name: object) -> None:
    """Only the CPU (or None, the same): TinyTorch has no other device."""
    if device_name is not None and device(device_name).type != "cpu":
        raise RuntimeError(
            f"set_default_device: TinyTorch runs on the CPU only, so {str(device_name)!r} cannot be the "
            "default device; pass 'cpu' or None"
        )


def get_default_device() -> device:
    """``device("cpu")``: the only device TinyTorch has."""
    return device("cpu")
