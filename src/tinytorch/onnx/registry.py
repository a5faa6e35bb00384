"""The exporter registry: one function per autograd ``Function`` class, turning a call into ONNX nodes.

An exporter is ``exporter(node) -> str``: it reads the call through ``node``
(a :class:`~tinytorch.onnx.graph.NodeContext`: the call's inputs as ONNX value
names, its parameters, the shapes it saw) and emits nodes with ``node.add``,
returning the name of the value that holds the call's result. Register one
for your own ``Function`` with ``@register_exporter(MyFunction)``.
"""

from __future__ import annotations

from collections.abc import Callable

EXPORTERS: dict[type, Callable] = {}


class UnsupportedOperatorError(RuntimeError):
    """The forward pass called a ``Function`` with no ONNX exporter (named, with the layer that called it)."""


class OnnxExporterError(RuntimeError):
    """The model cannot be exported as traced (data-dependent control flow, a constant tied to the input)."""


def register_exporter(*functions: type) -> Callable[[Callable], Callable]:
    """Decorator: use the decorated function to export calls of each of ``functions`` (Function classes).

    Example:
        >>> from tinytorch.onnx import register_exporter  # doctest: +SKIP
        >>> @register_exporter(MySwishFunction)  # doctest: +SKIP
        ... def swish(node):
        ...     x = node.input(0)
        ...     return node.add("Mul", [x, node.add("Sigmoid", [x])])
    """

    def decorate(exporter: Callable) -> Callable:
        for function in functions:
            EXPORTERS[function] = exporter
        return exporter

    return decorate


def exporter_for(function: type) -> Callable | None:
    """The exporter registered for exactly ``function`` (a subclass may compute something else), or None."""
    return EXPORTERS.get(function)
