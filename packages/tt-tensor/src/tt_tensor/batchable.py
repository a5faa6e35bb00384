"""``batchable``: a function or method that reads its arguments' arrays, made to hand batched arguments on.

vmap (tt-autograd) runs a function on batched tensors whose arrays hold every
sample at once. A function that computes on its arguments' arrays directly
would read those as one big sample; one wrapped in :func:`batchable` instead
calls the batched form that the argument's class registers under the
function's name. tt-tensor defines the protocol and knows nothing of vmap.
"""

from __future__ import annotations

from collections.abc import Callable


def batchable(function: Callable) -> Callable:
    """``function`` (computed on arrays), handed to a batched form when an argument's class has one:
    ``type(arg)._batched_functions[name](function, *args, **kwargs)`` (vmap's batched tensors, whose
    arrays hold every sample at once; the form runs ``function`` itself where that is right). The
    protocol for the later packages' functions that read their arguments' arrays (tt-text's
    ``embedding_bag``); not a functional form, so not in ``__all__``."""

    def dispatched(*args: object, **kwargs: object) -> object:
        for value in (*args, *kwargs.values()):
            form = getattr(type(value), "_batched_functions", {}).get(function.__name__)
            if form is not None:
                return form(function, *args, **kwargs)
        return function(*args, **kwargs)

    dispatched.__name__ = dispatched.__qualname__ = function.__name__
    dispatched.__doc__, dispatched.__wrapped__ = function.__doc__, function
    return dispatched
