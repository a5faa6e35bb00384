"""PyTorch's ``Tensor`` aliases, in-place variants and queries beyond the exercises: ``exp_``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that file one sitting
long). ``__all__`` lists the ``torch.<name>`` function forms defined here (the top level picks
them up through ``tt_autograd``).
"""

from __future__ import annotations

import tt_tensor

__all__: list[str] = []


class AliasGradMixin(tt_tensor.Tensor):
    """See the module docstring."""
