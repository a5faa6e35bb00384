"""``torch.jit``: TorchScript's decorators, as the identity (TinyTorch runs eagerly; there is no compiler).

Model code written for TorchScript decorates functions and methods with
``@torch.jit.script``, ``@torch.jit.ignore`` or ``@torch.jit.unused``, asks
``torch.jit.is_scripting()``, and wraps models with ``torch.jit.script(model)`` or
``torch.jit.trace(model, example)``. Here each returns what it was given, so such
code runs unchanged, eagerly, exactly as PyTorch runs it without scripting (as
``torch.compile`` does here). What needs a real TorchScript program, ``save`` and
``load``, says what to use instead: safetensors for weights, ONNX for graphs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "Final",
    "annotate",
    "export",
    "freeze",
    "ignore",
    "interface",
    "is_scripting",
    "is_tracing",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "trace",
    "unused",
]


def script(
    obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None, example_inputs: Any = None
) -> Any:
    """``obj`` unchanged: a function or module runs eagerly instead of being compiled to TorchScript."""
    return obj


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``func`` unchanged (not a recorded trace): it runs eagerly on every call, branches included."""
    return func


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """``@torch.jit.ignore`` / ``@torch.jit.ignore(drop=True)``: leaves the function as it is."""
    if callable(drop):
        return drop
    return lambda function: function


def unused(fn: Callable) -> Callable:
    """``@torch.jit.unused``: the function unchanged."""
    return fn


def export(fn: Callable) -> Callable:
    """``@torch.jit.export``: the method unchanged."""
    return fn


def interface(obj: Any) -> Any:
    """``@torch.jit.interface``: the class unchanged."""
    return obj


def is_scripting() -> bool:
    """False: code never runs as TorchScript here."""
    return False


def is_tracing() -> bool:
    """False: nothing is traced here."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """``the_value``: a type hint for the TorchScript compiler, which there is none of."""
    return the_value


def freeze(mod: Any, preserved_attrs: Any = None, optimize_numerics: bool = True) -> Any:
    """``mod`` unchanged."""
    return mod


def optimize_for_inference(mod: Any, other_methods: Any = None) -> Any:
    """``mod`` unchanged."""
    return mod


class _FinalType:
    """``torch.jit.Final[int]``: a constant's type hint; subscripting gives the inner type."""

    def __getitem__(self, item: Any) -> Any:
        return item


Final = _FinalType()


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Refused: there is no TorchScript program to save."""
    raise RuntimeError(
        "torch.jit.save: TinyTorch has no TorchScript; save the weights with tt.save(model.state_dict(), "
        "'model.safetensors') or the graph with tt.onnx.export(model, example, 'model.onnx')"
    )


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Refused: TorchScript archives cannot be run here."""
    raise RuntimeError(
        "torch.jit.load: TinyTorch cannot run TorchScript archives; load weights saved as safetensors with "
        "model.load_state_dict(tt.load('model.safetensors'))"
    )
