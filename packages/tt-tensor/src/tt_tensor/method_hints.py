"""The error for a PyTorch tensor method TinyTorch's ``Tensor`` lacks: it says what to call instead.

Python calls ``__getattr__`` only after the normal lookup failed, so the methods
TinyTorch has cost nothing. A name PyTorch has as a *function* that TinyTorch keeps
out of the tensor class gets a one-line pointer to it: the special functions live
in ``tt_nn.special`` (``torch.special``, also ``torch.erf`` at the top level), a
package above this one, and nothing is patched onto ``Tensor`` at import, so
``x.erf()`` is ``torch.erf(x)`` here. Other names keep Python's plain
``AttributeError`` (with its "did you mean" suggestion).
"""

from __future__ import annotations

#: tensor methods of PyTorch's that TinyTorch has as functions only: name -> the call to write instead.
FUNCTION_ONLY = {
    **{name: f"torch.{name}(x)" for name in ("erf", "erfc", "erfinv", "lgamma", "digamma", "i0", "sinc")},
    "polygamma": "torch.polygamma(n, x)",
    "mvlgamma": "torch.mvlgamma(x, p)",
    "igamma": "torch.igamma(x, other)",
    "igammac": "torch.igammac(x, other)",
    "hardshrink": "torch.nn.functional.hardshrink(x, lambd)",
    "prelu": "torch.nn.functional.prelu(x, weight)",
}


class MissingMethodsMixin:
    """``__getattr__`` for names no class of ``Tensor`` defines: a pointer for :data:`FUNCTION_ONLY`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> object:
        base = name[:-1] if name.endswith("_") and not name.startswith("_") else name
        if base in FUNCTION_ONLY:
            call = FUNCTION_ONLY[base]
            instead = call if base == name else f"x.copy_({call})"
            raise AttributeError(
                f"Tensor.{name}: TinyTorch's tensors have no {name}() method (special functions are "
                f"functions only: torch.special, tt_nn.special); write {instead}",
                name=name,
                obj=self,
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self)
