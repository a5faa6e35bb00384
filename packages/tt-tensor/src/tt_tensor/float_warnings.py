"""IEEE results without NumPy's warnings inside TinyTorch, as in PyTorch (not a course topic).

``torch.log(torch.tensor(0.0))`` is ``-inf``, silently, and ``0 / 0`` is NaN.
NumPy computes the same IEEE values but also warns ("RuntimeWarning: divide by
zero encountered in log"), naming a line deep inside TinyTorch that the user
never wrote. So on import tt-tensor adds one filter to Python's ``warnings``:
NumPy's floating-point warnings (divide by zero, invalid value, overflow,
underflow) raised from a module of TinyTorch's packages are ignored.

What stays: the user's own NumPy calls warn as before (the filter matches the
module that called NumPy, and theirs is not one of ours); TinyTorch's own
warnings (a dataset whose checksum differs, ...) have other messages; and a
``warnings.filterwarnings``/``-W error`` set up *after* the import takes
precedence, which is how tt-tensor's tests make any such warning of an op an
error. Cost: none on the normal path; filters are consulted only when a warning
is raised.
"""

from __future__ import annotations

import warnings

PACKAGES = r"(tinytorch|tt_tensor|tt_autograd|tt_nn|tt_optim|tt_text|tt_vision|tt_perf|tt_dist)(\.|$)"
MESSAGES = r"(divide by zero|invalid value|overflow|underflow) encountered"


def ignore_inside_tinytorch() -> None:
    """Add the filter (once: ``warnings`` drops a filter identical to one it holds)."""
    warnings.filterwarnings("ignore", message=MESSAGES, category=RuntimeWarning, module=PACKAGES)
