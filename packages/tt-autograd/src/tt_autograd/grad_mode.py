"""Grad mode: whether operations record the graph (``no_grad``, ``enable_grad``).

The switch is per thread, like PyTorch's. With grad mode off, operations run
exactly as plain tt-tensor operations and pay nothing for autograd.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

from tt_tensor.checks import check_bool

F = TypeVar("F", bound=Callable[..., object])


class _GradState(threading.local):
    enabled = True
    inference = False


_state = _GradState()


def is_grad_enabled() -> bool:
    """True if operations currently record the graph."""
    return _state.enabled


class set_grad_enabled:  # noqa: N801  (PyTorch's name; usable as a function or a context)
    """Turn graph recording on or off: ``set_grad_enabled(False)`` or ``with set_grad_enabled(False):``."""

    def __init__(self, mode: bool) -> None:
        self.previous = _state.enabled
        self.mode = check_bool("set_grad_enabled", "mode", mode)
        _state.enabled = self.mode

    def __enter__(self) -> set_grad_enabled:
        return self

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.previous


class _GradModeContext:
    """Base of ``no_grad``/``enable_grad``: a context manager that is also a decorator.

    As in PyTorch, the decorator works with or without parentheses:
    ``@no_grad()`` and ``@no_grad``.
    """

    mode = True

    def __new__(cls, function: Callable[..., object] | None = None):
        context = super().__new__(cls)
        return context if function is None else context(function)

    def __enter__(self) -> None:
        self.previous = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.previous

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: object, **kwargs: object) -> object:
            with type(self)():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801
    """Stop recording the graph inside a ``with`` block or a decorated function.

    Example:
        >>> with no_grad():
        ...     y = x * 2  # doctest: +SKIP
    """

    mode = False


class enable_grad(_GradModeContext):  # noqa: N801
    """Record the graph again inside a ``no_grad`` region."""

    mode = True


class inference_mode(_GradModeContext):  # noqa: N801
    """``no_grad`` for inference code, and ``is_inference_mode_enabled()`` says it is on.

    ``inference_mode(False)`` changes nothing (PyTorch's way to switch it off in a code
    path that is sometimes inference). Works as a context manager and as a decorator,
    with or without parentheses. Unlike PyTorch, tensors made inside are ordinary
    tensors (``is_inference()`` is False): there is no faster tensor kind to make on NumPy.
    """

    mode = False

    def __new__(cls, mode: bool | Callable[..., object] = True):
        context = object.__new__(cls)
        if callable(mode) and not isinstance(mode, bool):  # @inference_mode without parentheses
            context.on = True
            return context(mode)
        context.on = bool(mode)
        return context

    def __init__(self, mode: bool | Callable[..., object] = True) -> None:
        pass  # (__new__ set everything)

    def __enter__(self) -> None:
        self.previous, self.previous_inference = _state.enabled, _state.inference
        if self.on:
            _state.enabled, _state.inference = False, True

    def __exit__(self, *exc: object) -> None:
        _state.enabled, _state.inference = self.previous, self.previous_inference

    def __call__(self, function: F) -> F:
        on = self.on

        @functools.wraps(function)
        def wrapper(*args: object, **kwargs: object) -> object:
            with inference_mode(on):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def clone(self) -> inference_mode:
        """A new context with the same mode (PyTorch's API for reusing one)."""
        return inference_mode(self.on)


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (``torch.is_inference_mode_enabled``)."""
    return _state.inference
