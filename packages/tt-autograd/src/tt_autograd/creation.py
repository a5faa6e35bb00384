"""tt-tensor's factories, returning tt-autograd tensors and taking ``requires_grad`` and ``device``.

``tt_autograd.zeros(3, requires_grad=True)`` is ``tt_tensor.zeros(3)`` made a
leaf that requires grad, like ``torch.zeros(3, requires_grad=True)``.
``device="cpu"`` (or ``tt.device("cpu")``) is accepted, as PyTorch code passes
it everywhere (``torch.arange(t, device=device)``); any other device is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import tt_tensor

from .tensor import Tensor


def _with_requires_grad(factory: Callable[..., tt_tensor.Tensor]) -> Callable[..., Tensor]:
    """Wrap a tt-tensor factory: same arguments plus ``requires_grad`` and ``device``, result a leaf."""

    @functools.wraps(factory)
    def make(*args: object, requires_grad: bool = False, device: object = None, **kwargs: object) -> Tensor:
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(
                f"{factory.__name__}: device {str(device)!r} is not available; TinyTorch runs on the CPU "
                "only (pass device='cpu' or leave it out)"
            )
        made = factory(*args, **kwargs)  # (a batched draw inside vmap is already this package's: kept)
        result = made.detach() if isinstance(made, Tensor) else Tensor.from_array(made.array)
        if requires_grad:
            result.requires_grad = True
        return result

    return make


tensor = _with_requires_grad(tt_tensor.tensor)
as_tensor = _with_requires_grad(tt_tensor.as_tensor)
from_numpy = _with_requires_grad(tt_tensor.from_numpy)
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
asarray = _with_requires_grad(tt_tensor.asarray)
randperm = _with_requires_grad(tt_tensor.randperm)
multinomial = _with_requires_grad(tt_tensor.multinomial)
logspace = _with_requires_grad(tt_tensor.logspace)
tril_indices = _with_requires_grad(tt_tensor.tril_indices)
triu_indices = _with_requires_grad(tt_tensor.triu_indices)
bernoulli = _with_requires_grad(tt_tensor.bernoulli)
normal = _with_requires_grad(tt_tensor.normal)
poisson = _with_requires_grad(tt_tensor.poisson)
binomial = _with_requires_grad(tt_tensor.binomial)
frombuffer = _with_requires_grad(tt_tensor.frombuffer)
from_dlpack = _with_requires_grad(tt_tensor.from_dlpack)
hann_window = _with_requires_grad(tt_tensor.hann_window)
hamming_window = _with_requires_grad(tt_tensor.hamming_window)
blackman_window = _with_requires_grad(tt_tensor.blackman_window)
bartlett_window = _with_requires_grad(tt_tensor.bartlett_window)
kaiser_window = _with_requires_grad(tt_tensor.kaiser_window)
