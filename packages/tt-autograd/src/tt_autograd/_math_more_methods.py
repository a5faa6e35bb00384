"""More of PyTorch's ``Tensor`` math beyond the exercises: ``float_power``, ``fmax``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that file one sitting
long). ``__all__`` lists the ``torch.<name>`` function forms defined here (the top level picks
them up through ``tt_autograd``).
"""

from __future__ import annotations

import tt_tensor

__all__: list[str] = []


class MathMoreGradMixin(tt_tensor.Tensor):
    """See the module docstring."""
