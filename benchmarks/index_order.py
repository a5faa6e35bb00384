"""What PyTorch's order of dims costs advanced indexing: ``x[0, :, index]`` (NumPy's result, then a
``transpose`` view, :func:`tt_tensor.indexing.torch_axes`) against NumPy's own ``a[0, :, index]``.

Prints, per call, NumPy's indexing, the key's axes alone (one pass over the key), tt-tensor's
``x[0, :, index]`` and the same recorded by tt-autograd (``requires_grad``: a GetItem and a Permute
node), and the key with no int (nothing moves). Alternating rounds, medians (``timing.paired_median``).

Run: ``python benchmarks/index_order.py`` (``taskset -c 1`` on a shared machine).
"""

from __future__ import annotations

import numpy as np
import tt_autograd
import tt_tensor
from timing import paired_median, repeated
from tt_tensor import indexing as tt_indexing

CALLS = 2000


def per_call(function):
    """A callable running ``function`` ``CALLS`` times."""
    return repeated(function, CALLS)


def main() -> None:
    array = np.random.default_rng(0).standard_normal((8, 64, 64)).astype(np.float32)
    picks = np.array([3, 1, 4, 1, 5])
    plain, recorded = tt_tensor.tensor(array), tt_autograd.tensor(array, requires_grad=True)
    key = tt_indexing.key_of((0, slice(None), picks))
    rows = [
        ("NumPy a[0, :, index] (its order)", lambda: array[0, :, picks]),
        ("torch_axes of the key alone", lambda: tt_indexing.torch_axes(key, 3)),
        ("tt_tensor x[0, :, index]", lambda: plain[0, :, picks]),
        ("tt_autograd x[0, :, index], recorded", lambda: recorded[0, :, picks]),
        ("tt_tensor x[:, :, index] (no move)", lambda: plain[:, :, picks]),
        ("NumPy a[:, :, index]", lambda: array[:, :, picks]),
    ]
    print(f"per call, us (median of alternating rounds of {CALLS} calls), x of shape {array.shape}")
    for (name_a, a), (name_b, b) in zip(rows[::2], rows[1::2]):
        time_a, time_b = paired_median(per_call(a), per_call(b), rounds=5, repeats=3)
        print(f"  {name_a:40s} {time_a / CALLS * 1e6:7.2f}")
        print(f"  {name_b:40s} {time_b / CALLS * 1e6:7.2f}")


if __name__ == "__main__":
    main()
