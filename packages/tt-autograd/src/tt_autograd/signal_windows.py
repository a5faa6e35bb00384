"""``torch.signal.windows`` on tt-autograd tensors: tt-tensor's windows taking ``requires_grad`` and
``device`` as PyTorch's do (a window that requires grad is a leaf here; PyTorch's is the output of
its construction ops, a difference no gradient can observe, as the window depends on no input).

Example:
    >>> hann(3, requires_grad=True)
    tensor([0., 1., 0.], requires_grad=True)
"""

from __future__ import annotations

from tt_tensor import signal_windows

from .creation import _with_requires_grad

__all__ = list(signal_windows.__all__)

bartlett = _with_requires_grad(signal_windows.bartlett)
blackman = _with_requires_grad(signal_windows.blackman)
cosine = _with_requires_grad(signal_windows.cosine)
exponential = _with_requires_grad(signal_windows.exponential)
gaussian = _with_requires_grad(signal_windows.gaussian)
general_cosine = _with_requires_grad(signal_windows.general_cosine)
general_hamming = _with_requires_grad(signal_windows.general_hamming)
hamming = _with_requires_grad(signal_windows.hamming)
hann = _with_requires_grad(signal_windows.hann)
kaiser = _with_requires_grad(signal_windows.kaiser)
nuttall = _with_requires_grad(signal_windows.nuttall)
