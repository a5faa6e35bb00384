"""Found by comparing every Tensor method with PyTorch 2.13 (session 24): ``fill_`` of a tensor with
dimensions (it copied it in, as ``copy_``), ``type(tensor)`` (it ignored the tensor), ``dist`` of a number
(it widened to float64), and ``squeeze_``/``unsqueeze_``/``transpose_`` by keyword. On both packages'
tensors. Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd
import tt_tensor


@pytest.fixture(params=["tt_tensor", "tt_autograd"])
def lib(request):
    return tt_tensor if request.param == "tt_tensor" else autograd


def test_fill_takes_a_number_or_a_0d_tensor_only(lib):
    x = lib.zeros(2, 3)
    assert x.fill_(lib.tensor(2.5)).tolist() == [[2.5] * 3] * 2
    for value, dims in ((lib.ones(2, 3), 2), (lib.tensor([1.0]), 1)):
        with pytest.raises(RuntimeError, match=rf"^fill_ only supports 0-dimension .* with {dims} dim"):
            x.fill_(value)
    assert x.tolist() == [[2.5] * 3] * 2  # untouched by the refused calls


def test_fill_from_a_0d_tensor_that_requires_grad_passes_it_the_gradient():
    value = autograd.tensor(2.0, requires_grad=True)
    y = autograd.zeros(3, requires_grad=True) * 1
    y.fill_(value)
    y.sum().backward()
    assert value.grad.item() == 3.0


def test_type_refuses_a_tensor_and_dist_a_number(lib):
    x = lib.ones(2)
    with pytest.raises(TypeError, match=r"^type: dtype must be a type, str, or dtype object, got a tensor"):
        x.type(lib.zeros(2))
    assert x.type(lib.float64).dtype == lib.float64 and x.type() == "torch.FloatTensor"
    with pytest.raises(TypeError, match=r"^dist: argument 'other' must be a Tensor"):
        x.dist(2.0)
    assert x.dist(lib.zeros(2)).dtype == lib.float32


def test_shape_changing_inplace_forms_take_keywords():
    x = autograd.zeros(1, 3)
    assert x.clone().squeeze_(dim=0).shape == (3,)
    assert x.clone().unsqueeze_(dim=1).shape == (1, 1, 3)
    assert x.clone().transpose_(dim0=0, dim1=1).shape == (3, 1)
    with pytest.raises(TypeError, match=r"^squeeze_\(\) got an unexpected keyword argument 'dimm'"):
        x.clone().squeeze_(dimm=0)
