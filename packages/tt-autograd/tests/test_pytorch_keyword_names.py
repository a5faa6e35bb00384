"""tt-autograd's recorded ``split``, ``swapaxes`` and ``swapaxes_`` (no longer an alias of
``transpose``) take PyTorch 2.13's keyword names (``split_size=``, ``axis0=``/``axis1=``) and still
record their gradients; the full set of forms is in tt-tensor's test_pytorch_keyword_names.py.

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


def test_recorded_split_and_swapaxes_by_pytorchs_names():
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    top, bottom = x.split(split_size=1)
    swapped = x.swapaxes(axis0=0, axis1=1)
    assert swapped.tolist() == [[1.0, 3.0], [2.0, 4.0]] and swapped.grad_fn is not None
    (
        top.sum() * 2 + bottom.sum() * 3 + (swapped * autograd.tensor([[10.0, 0.0], [0.0, 0.0]])).sum()
    ).backward()
    assert x.grad.tolist() == [[12.0, 2.0], [3.0, 3.0]]  # 2 and 3 per row, +10 at swapped[0, 0] = x[0, 0]
    with pytest.raises(TypeError, match="unexpected keyword argument 'dim0'"):
        x.swapaxes(dim0=0, dim1=1)
    y = autograd.zeros(2, 3)
    assert y.swapaxes_(axis0=0, axis1=1) is y and y.shape == (3, 2)
