"""``beta``/``alpha`` of ``addmm``, ``addmv``, ``addbmm``, ``baddbmm``, ``addr`` and ``value`` of
``addcmul``/``addcdiv``, by PyTorch 2.13's rules (each form run on torch 2.13 in a scratch script):

* a bool scale is 0 or 1 for any result (``addr``: a bool only for a bool result, as ``add``'s alpha);
* a complex scale is refused for real tensors;
* bool tensors are refused (``NotImplementedError``), except by ``addr`` (logical and/or);
* a float scale for an integer result is refused. PyTorch truncates it instead (``addcmul(i, i, i,
  value=0.5)`` gives ``i``, dropping the product): a silent wrong answer its own ``add`` and ``addr``
  refuse, so it is refused here too (the one deliberate difference, named in ``check_alpha``).

Expected values are worked by hand. Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

I = autograd.tensor([1, 2])  # noqa: E741
F = autograd.tensor([1.0, 2.0])
B = autograd.tensor([True, False])
IM = autograd.tensor([[1, 2], [3, 4]])  # IM @ IM = [[7, 10], [15, 22]]
FM = IM.float()
BM = IM > 2
FLOAT_SCALE = "For integral input tensors, argument {} must not be a floating point number"

PRODUCTS = {
    "addmm": lambda m, **k: autograd.addmm(m, m, m, **k),
    "addmv": lambda m, **k: autograd.addmv(m[0], m, m[0], **k),
    "addbmm": lambda m, **k: autograd.addbmm(m, m[None], m[None], **k),
    "baddbmm": lambda m, **k: autograd.baddbmm(m[None], m[None], m[None], **k),
}


def test_addcmul_value():
    assert autograd.addcmul(F, F, F, value=True).tolist() == [2.0, 6.0]
    out = autograd.addcmul(I, I, I, value=True)
    assert out.dtype == autograd.int64 and out.tolist() == [2, 6]
    assert autograd.addcmul(I, I, I, value=False).tolist() == [1, 2]
    assert autograd.addcmul(I, I, I, value=3).tolist() == [4, 14]
    assert autograd.addcmul(I, F, F, value=0.5).tolist() == [1.5, 4.0]  # (a float result takes a float)
    for value in (0.5, np.float64(2.0), np.True_):  # (a NumPy bool is a float, as in PyTorch)
        with pytest.raises(RuntimeError, match="addcmul: " + FLOAT_SCALE.format("value")):
            autograd.addcmul(I, I, I, value=value)
    with pytest.raises(RuntimeError, match="addcmul: .* argument value must not be a complex number"):
        autograd.addcmul(F, F, F, value=1j)
    assert autograd.addcmul(F.to(autograd.complex64), F, F, value=1j).tolist() == [1 + 1j, 2 + 4j]
    with pytest.raises(NotImplementedError, match="addcmul: not implemented for bool tensors"):
        autograd.addcmul(B, B, B)


def test_addcdiv_value():
    assert autograd.addcdiv(F, F, F, value=True).tolist() == [2.0, 3.0]
    assert autograd.addcdiv(I, F, F, value=2).tolist() == [3.0, 4.0]  # (float tensors: a float result)
    assert autograd.addcdiv(F, I, F).tolist() == [2.0, 3.0]  # (one float divisor: no integer division)
    with pytest.raises(RuntimeError, match="addcdiv: .* argument value must not be a complex number"):
        autograd.addcdiv(F, F, F, value=1j)
    with pytest.raises(RuntimeError, match="addcdiv: integer division"):
        autograd.addcdiv(F, I, I)


def test_in_place_forms_check_too():
    with pytest.raises(RuntimeError, match="addcmul_: result type .* can't be cast"):  # (refused anyway)
        I.clone().addcmul_(I, I, value=0.5)
    x = F.clone()
    x.addcmul_(F, F, value=True)
    assert x.tolist() == [2.0, 6.0]
    with pytest.raises(RuntimeError, match="addmm: " + FLOAT_SCALE.format("beta")):
        IM.clone().addmm_(IM, IM, beta=0.5)


@pytest.mark.parametrize("op", list(PRODUCTS))
def test_products_read_a_bool_scale_as_0_or_1(op):
    call = PRODUCTS[op]
    product = call(IM, beta=0)  # alpha * (m @ m) alone
    assert product.dtype == autograd.int64
    assert call(IM, alpha=True).tolist() == call(IM).tolist()
    assert call(IM, beta=False).tolist() == product.tolist()
    assert call(FM, alpha=False, beta=True).tolist() == call(FM, alpha=0).tolist()
    base = call(IM, alpha=0)
    assert (base + product).tolist() == call(IM).tolist()  # (the parts add up)


@pytest.mark.parametrize("op", list(PRODUCTS))
@pytest.mark.parametrize("name", ["alpha", "beta"])
def test_products_refuse_a_float_scale_for_integers_and_complex_for_reals(op, name):
    call = PRODUCTS[op]
    for value in (0.5, np.float64(2.0), np.True_):
        with pytest.raises(RuntimeError, match=f"{op}: " + FLOAT_SCALE.format(name)):
            call(IM, **{name: value})
    with pytest.raises(RuntimeError, match=f"{op}: .* argument {name} must not be a complex number"):
        call(FM, **{name: 1j})
    assert call(FM, **{name: 0.5}).dtype == autograd.float32


@pytest.mark.parametrize("op", list(PRODUCTS))
def test_products_refuse_bool_tensors(op):
    for scales in ({}, {"alpha": True}, {"beta": 2}):
        with pytest.raises(NotImplementedError, match=f"{op}: not implemented for bool tensors"):
            PRODUCTS[op](BM, **scales)


def test_addr_keeps_add_s_alpha_rules():
    v = BM[1]  # [True, True]
    out = autograd.addr(BM, B, v, alpha=2)  # bool: (BM and beta) or (outer(B, v) and alpha)
    assert out.dtype == autograd.bool and out.tolist() == [[True, True], [True, True]]
    assert autograd.addr(BM, B, v, beta=False).tolist() == [[True, True], [False, False]]
    assert autograd.addr(BM, B, v, alpha=False).tolist() == BM.tolist()
    for name in ("alpha", "beta"):
        with pytest.raises(RuntimeError, match=f"addr: Boolean {name} only supported for Boolean results"):
            autograd.addr(IM, I, I, **{name: True})
        with pytest.raises(RuntimeError, match="addr: " + FLOAT_SCALE.format(name)):
            autograd.addr(IM, I, I, **{name: 0.5})
    assert autograd.addr(IM, I, I, alpha=2, beta=3).tolist() == [[5, 10], [13, 20]]
    # one bool side: an integer result, summed (not the logical form)
    assert autograd.addr(BM, I, I).tolist() == [[1, 2], [3, 5]]
    assert autograd.addr(IM, B, B).tolist() == [[2, 2], [3, 4]]
