"""``tt.distributed``: data-parallel training on MPI, like ``torch.distributed`` (from tt-dist).

Importing it does not start MPI; :func:`init_process_group` does. Launch the
script with ``mpiexec -n N python train.py``.

Example:
    >>> import tinytorch as tt
    >>> tt.distributed.is_initialized()
    False
"""

from __future__ import annotations

from tt_dist import *  # noqa: F403  (every public name of tt-dist)
from tt_dist import __all__  # noqa: F401  (the same public names)
