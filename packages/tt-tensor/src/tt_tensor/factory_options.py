"""PyTorch's tensor-factory options on a CPU-only, dense-only library: ``device``, ``layout``, ``pin_memory``.

Every PyTorch factory (``torch.zeros``, ``torch.randn``, ``x.new_zeros``, ...) takes
``device=``, ``layout=`` and ``pin_memory=``. TinyTorch accepts each of them at the
value that describes what it makes, and refuses any other by the factory's name rather
than ignoring it:

* ``device``: None or the CPU (``"cpu"``, ``"cpu:0"``, ``tt.device("cpu")``);
* ``layout``: None or ``tt.strided`` (sparse tensors are made by ``tt.sparse_coo_tensor``);
* ``pin_memory``: False (or None, as PyTorch). PyTorch refuses ``pin_memory=True`` too on a machine without
  an accelerator (pinned memory is for copies to a GPU).

Cost: a few comparisons per call.
"""

from __future__ import annotations

from .devices import check_cpu
from .memory_formats import layout as _layout_class
from .memory_formats import strided


def check_factory_options(
    op: str, device: object = None, layout: object = None, pin_memory: object = False
) -> None:
    """Refuse, naming ``op``, a ``device``, ``layout`` or ``pin_memory`` TinyTorch cannot honour."""
    check_cpu(op, device)
    if layout is not None and layout is not strided:
        shown = layout if isinstance(layout, _layout_class) else repr(layout)
        raise RuntimeError(
            f"{op}: layout {shown} is not available; TinyTorch's factories make strided (dense) tensors "
            "(leave layout out or pass tt.strided; tt.sparse_coo_tensor makes a sparse one)"
        )
    if pin_memory is not None and pin_memory is not False:
        raise RuntimeError(
            f"{op}: pin_memory={pin_memory!r} needs an accelerator to pin memory for, and TinyTorch runs on "
            "the CPU only (PyTorch refuses it too without one); leave pin_memory out"
        )
