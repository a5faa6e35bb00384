"""``tt.futures``: PyTorch's ``torch.futures`` (from tt-dist, where futures come from MPI requests).

A :class:`Future` holds a value that will exist later: ``dist.all_reduce(t,
async_op=True).get_future()``, or one a program completes with ``set_result``.
``then`` chains a callback on it; DDP communication hooks return one.

Example:
    >>> import tinytorch as tt
    >>> fut = tt.futures.Future()
    >>> chained = fut.then(lambda f: f.value() + 1)
    >>> fut.set_result(1)
    >>> chained.wait()
    2
"""

from __future__ import annotations

from tt_dist.futures import Future, collect_all, wait_all

__all__ = ["Future", "collect_all", "wait_all"]
