"""``torch.amp`` on NumPy: no mixed precision, so ``autocast`` runs its block in full precision.

Scripts written for PyTorch wrap their forward pass in ``torch.autocast(...)`` (or
``torch.amp.autocast``) to compute in bfloat16 or float16 on a GPU. TinyTorch runs on
NumPy, which has no bfloat16 and no fast float16 matrix products, so ``autocast`` is a
context manager (and decorator) that changes nothing: the block runs in the tensors'
own dtype, float32 by default. When it is asked for a lower precision it warns once,
so a script's numbers are never silently attributed to a precision they did not use.

``bfloat16`` exists so that scripts which merely *name* it (nanoGPT's
``{'bfloat16': torch.bfloat16, ...}[dtype]``) run; using it as a dtype fails with an
error that says why and what to use instead.

``GradScaler`` (from tt-optim) is PyTorch's dynamic loss scaling, working on the CPU
(``GradScaler("cpu")``); ``custom_fwd``/``custom_bwd``, the decorators of a custom
``Function``'s ``forward``/``backward`` under autocast, run them as they are.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from tt_optim.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]


class UnsupportedDType:
    """A PyTorch dtype NumPy cannot represent: named, comparable, refused wherever a dtype is used."""

    is_floating_point = True

    def __init__(self, name: str, instead: str) -> None:
        self.name, self.instead = name, instead

    def __repr__(self) -> str:
        return f"tinytorch.{self.name} (not supported: NumPy has no {self.name}; {self.instead})"


bfloat16 = UnsupportedDType("bfloat16", "use tinytorch.float32, or float16 for half the memory")

_warned: set[str] = set()


class autocast:  # noqa: N801  (PyTorch's name)
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: runs the block as is.

    Example:
        >>> import tinytorch as torch
        >>> with torch.autocast(device_type="cpu", dtype=torch.float32):
        ...     y = torch.ones(2) * 3
        >>> y.dtype
        tt.float32
    """

    def __init__(
        self, device_type: str = "cpu", dtype: Any = None, enabled: bool = True, cache_enabled: Any = None
    ) -> None:
        if not isinstance(device_type, str):
            raise TypeError(f"autocast: device_type must be a string such as 'cpu', got {device_type!r}")
        name = getattr(dtype, "name", "bfloat16" if dtype is None else str(dtype))
        if enabled and name not in ("float32", "float64") and name not in _warned:
            _warned.add(name)
            warnings.warn(
                f"autocast({device_type!r}, dtype={name}): TinyTorch has no mixed precision; "
                "the block runs in the tensors' own dtype (float32 by default)",
                stacklevel=2,
            )
        self.device_type, self.dtype, self.enabled = device_type, dtype, bool(enabled)

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return run


def is_autocast_available(device_type: str) -> bool:
    """True for ``"cpu"``: ``autocast`` is accepted there (and runs in full precision)."""
    return device_type == "cpu"


def _check_device_type(device_type: Any) -> None:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")


def custom_fwd(fwd: Callable | None = None, *, device_type: str, cast_inputs: Any = None) -> Callable:
    """``torch.amp.custom_fwd``: decorate a custom ``Function``'s ``forward``; it runs as is.

    PyTorch casts the inputs to ``cast_inputs`` inside an autocast region; TinyTorch's
    ``autocast`` never lowers the precision, so there is nothing to cast.
    """
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return functools.wraps(fwd)(lambda *args, **kwargs: fwd(*args, **kwargs))


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """``torch.amp.custom_bwd``: decorate a custom ``Function``'s ``backward``; it runs as is."""
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return functools.wraps(bwd)(lambda *args, **kwargs: bwd(*args, **kwargs))
