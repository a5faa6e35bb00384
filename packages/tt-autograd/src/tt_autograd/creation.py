"""tt-tensor's factories, returning tt-autograd tensors and taking ``requires_grad`` and ``device``.

``tt_autograd.zeros(3, requires_grad=True)`` is ``tt_tensor.zeros(3)`` made a
leaf that requires grad, like ``torch.zeros(3, requires_grad=True)``.
``device="cpu"`` (or ``tt.device("cpu")``) is accepted, as PyTorch code passes
it everywhere (``torch.arange(t, device=device)``); any other device is refused.
So are ``layout=`` (``tt.strided`` only) and ``pin_memory=`` (False only), PyTorch's
other factory options.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import tt_tensor
from tt_tensor.checks import check_bool
from tt_tensor.factory_options import check_factory_options

from .tensor import Tensor

ALL_OPTIONS = ("requires_grad", "device", "layout", "pin_memory")
PLAIN = ("requires_grad", "device")  # (PyTorch's conversions and draws from a tensor take no layout)


def _with_requires_grad(
    factory: Callable[..., tt_tensor.Tensor], options=ALL_OPTIONS
) -> Callable[..., Tensor]:
    """Wrap a tt-tensor factory: same arguments plus ``requires_grad``, ``device`` and, of ``layout`` and
    ``pin_memory``, those in ``options``, PyTorch's factory's (keyword-only; ``tt_tensor.factory_options``
    refuses what it cannot honour); the result is a leaf. ``inspect.signature`` shows the factory's
    parameters and the wrapper's."""

    @functools.wraps(factory)
    def make(*args: object, requires_grad: bool = False, device: object = None, **kwargs: object) -> Tensor:
        layout = kwargs.pop("layout", None) if "layout" in options else None
        pin_memory = kwargs.pop("pin_memory", False) if "pin_memory" in options else False
        check_factory_options(factory.__name__, device, layout, pin_memory)
        made = factory(*args, **kwargs)  # (a batched draw inside vmap is already this package's: kept)
        result = made.detach() if isinstance(made, Tensor) else Tensor.from_array(made.array)
        if check_bool(factory.__name__, "requires_grad", requires_grad):
            result.requires_grad = True
        return result

    make.__signature__ = _signature_with(factory, options)
    return make


def _signature_with(factory: Callable, options: tuple[str, ...]) -> inspect.Signature:
    """``factory``'s signature with the wrapper's keyword-only ``options`` after its own (before a ``**``)."""
    found = inspect.signature(factory)
    parameters = list(found.parameters.values())
    at = len(parameters) - (bool(parameters) and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD)
    defaults = {"requires_grad": False, "device": None, "layout": None, "pin_memory": False}
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=defaults[name])
        for name in options
        if name not in found.parameters
    ]
    return found.replace(parameters=parameters[:at] + added + parameters[at:])


tensor = _with_requires_grad(tt_tensor.tensor, (*PLAIN, "pin_memory"))
as_tensor = _with_requires_grad(tt_tensor.as_tensor, PLAIN)
from_numpy = _with_requires_grad(tt_tensor.from_numpy, PLAIN)
zeros = _with_requires_grad(tt_tensor.zeros)
ones = _with_requires_grad(tt_tensor.ones)
empty = _with_requires_grad(tt_tensor.empty)
full = _with_requires_grad(tt_tensor.full)
arange = _with_requires_grad(tt_tensor.arange)
linspace = _with_requires_grad(tt_tensor.linspace)
eye = _with_requires_grad(tt_tensor.eye)
zeros_like = _with_requires_grad(tt_tensor.zeros_like)
ones_like = _with_requires_grad(tt_tensor.ones_like)
empty_like = _with_requires_grad(tt_tensor.empty_like)
full_like = _with_requires_grad(tt_tensor.full_like)
rand = _with_requires_grad(tt_tensor.rand)
randn = _with_requires_grad(tt_tensor.randn)
rand_like = _with_requires_grad(tt_tensor.rand_like)
randn_like = _with_requires_grad(tt_tensor.randn_like)
randint = _with_requires_grad(tt_tensor.randint)
randint_like = _with_requires_grad(tt_tensor.randint_like)
scalar_tensor = _with_requires_grad(tt_tensor.scalar_tensor)
asarray = _with_requires_grad(tt_tensor.asarray, PLAIN)
randperm = _with_requires_grad(tt_tensor.randperm)
multinomial = _with_requires_grad(tt_tensor.multinomial, PLAIN)
logspace = _with_requires_grad(tt_tensor.logspace)
tril_indices = _with_requires_grad(tt_tensor.tril_indices)
triu_indices = _with_requires_grad(tt_tensor.triu_indices)
bernoulli = _with_requires_grad(tt_tensor.bernoulli, PLAIN)
normal = _with_requires_grad(tt_tensor.normal)
poisson = _with_requires_grad(tt_tensor.poisson, PLAIN)
binomial = _with_requires_grad(tt_tensor.binomial, PLAIN)
frombuffer = _with_requires_grad(tt_tensor.frombuffer, PLAIN)
from_dlpack = _with_requires_grad(tt_tensor.from_dlpack, PLAIN)
hann_window = _with_requires_grad(tt_tensor.hann_window)
hamming_window = _with_requires_grad(tt_tensor.hamming_window)
blackman_window = _with_requires_grad(tt_tensor.blackman_window)
bartlett_window = _with_requires_grad(tt_tensor.bartlett_window)
kaiser_window = _with_requires_grad(tt_tensor.kaiser_window)
