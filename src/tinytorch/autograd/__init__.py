"""``tinytorch.autograd``: PyTorch's ``torch.autograd`` namespace over tt-autograd.

``grad(outputs, inputs, ...)`` returns gradients without touching ``.grad``;
``backward(tensors, grad_tensors)`` accumulates them; ``Function`` is the base
of custom differentiable ops written with tensors, as PyTorch's (``tt_autograd.custom_function``;
the course's ``tt_autograd.Function`` computes on NumPy arrays); ``gradcheck`` compares with
finite differences, ``gradgradcheck`` does the same for second derivatives (``create_graph=True``);
``functional`` gives whole-function Jacobians and Hessians (``jacobian``, ``hessian``,
``vjp``, ``jvp``, ``vhp``, ``hvp``); ``detect_anomaly()`` / ``set_detect_anomaly(mode)``
make backward stop at the first node that returns NaN, showing where forward created it;
``graph`` gives the graph's nodes (``Node``), saved-tensor hooks and multi-gradient hooks;
``forward_ad`` is forward-mode AD with dual tensors (``dual_level``, ``make_dual``, ``unpack_dual``);
``profiler`` is the legacy ``torch.autograd.profiler`` (``profile``, ``record_function``).

Example:
    >>> import tinytorch as torch
    >>> x = torch.tensor([3.0], requires_grad=True)
    >>> torch.autograd.grad((x ** 2).sum(), [x])
    (tensor([6.]),)
"""

from __future__ import annotations

from tt_autograd import (
    enable_grad,
    gradcheck,
    gradgradcheck,
    inference_mode,
    no_grad,
    set_grad_enabled,
)
from tt_autograd.anomaly import detect_anomaly, set_detect_anomaly
from tt_autograd.custom_function import Function, FunctionCtx, Variable, once_differentiable
from tt_autograd.gradients import backward, grad

from . import forward_ad, functional, graph, profiler

__all__ = [
    "Function",
    "FunctionCtx",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "forward_ad",
    "functional",
    "grad",
    "graph",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "profiler",
    "no_grad",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
]
