"""The keyword names PyTorch 2.13's parser takes (each call below run on torch 2.13 in a scratch script):
``x.mm(mat2=y)``, ``torch.bmm(b, mat2=b)``, ``torch.dot(v, tensor=v)``, ``x.split(split_size=1)``,
``torch.split(tensor=x, split_size_or_sections=1)``, ``torch.swapaxes(x, axis0=0, axis1=1)`` work there;
``x.mm(other=y)``, ``v.dot(other=v)``, ``x.split(split_size_or_sections=1)``, ``torch.split(input=x, ...)``
and ``x.swapaxes(dim0=0, dim1=1)`` are TypeErrors there (ours took exactly those).

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_tensor as tt

X = [[1.0, 2.0], [3.0, 4.0]]


def test_products_take_pytorchs_names():
    x, b, v = tt.tensor(X), tt.tensor([X]), tt.tensor([1.0, 2.0])
    assert x.mm(mat2=x).tolist() == [[7.0, 10.0], [15.0, 22.0]]  # by hand: [[1*1+2*3, 1*2+2*4], ...]
    assert tt.mm(x, mat2=x).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert b.bmm(mat2=b).tolist() == [[[7.0, 10.0], [15.0, 22.0]]]
    assert tt.bmm(b, mat2=b).tolist() == [[[7.0, 10.0], [15.0, 22.0]]]
    assert v.dot(tensor=v).item() == 5.0 and tt.dot(v, tensor=v).item() == 5.0  # 1 + 4
    for call in (lambda: x.mm(other=x), lambda: b.bmm(other=b), lambda: v.dot(other=v)):
        with pytest.raises(TypeError, match="unexpected keyword argument 'other'"):
            call()


def test_split_takes_pytorchs_names():
    x = tt.tensor(X)
    assert [p.tolist() for p in x.split(split_size=1)] == [[[1.0, 2.0]], [[3.0, 4.0]]]
    assert [p.tolist() for p in x.split(split_size=1, dim=1)] == [[[1.0], [3.0]], [[2.0], [4.0]]]
    pieces = tt.split(tensor=x, split_size_or_sections=[1, 1], dim=1)
    assert [p.tolist() for p in pieces] == [[[1.0], [3.0]], [[2.0], [4.0]]]
    assert len(tt.split(x, 1)) == 2 and len(x.split(1)) == 2
    with pytest.raises(TypeError, match="unexpected keyword argument 'split_size_or_sections'"):
        x.split(split_size_or_sections=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'input'"):
        tt.split(input=x, split_size_or_sections=1)


def test_swapaxes_takes_numpys_names_and_swapdims_transposes():
    x = tt.tensor([[[1, 2, 3]]])  # (1, 1, 3)
    assert x.swapaxes(axis0=0, axis1=2).shape == (3, 1, 1)
    assert tt.swapaxes(x, axis0=2, axis1=0).flatten().tolist() == [1, 2, 3]
    assert x.swapaxes(0, 2).shape == (3, 1, 1) and x.transpose(dim0=0, dim1=2).shape == (3, 1, 1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'dim0'"):
        x.swapaxes(dim0=0, dim1=1)
