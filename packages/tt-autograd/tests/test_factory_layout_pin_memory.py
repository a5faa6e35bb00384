"""PyTorch's factory options ``layout=`` and ``pin_memory=`` on the factories and on ``x.new_*``, which also
take ``device=`` and ``requires_grad=`` (tools/parity/sweep_signatures.py, groups ``torch`` and ``tensor``,
found them refused); ``inspect.signature`` shows them. Expected behaviour is PyTorch 2.13's (checked on a
CPU-only machine): ``layout=torch.strided``/``None`` and ``pin_memory=False``/``None`` accepted,
``pin_memory=True`` refused.

Not course material (the code sits outside the solution regions), so no module number.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

DENSE = {
    "zeros": lambda **o: autograd.zeros(2, 3, **o),
    "ones": lambda **o: autograd.ones(2, 3, **o),
    "empty": lambda **o: autograd.empty(2, 3, **o),
    "full": lambda **o: autograd.full((2, 3), 1.5, **o),
    "rand": lambda **o: autograd.rand(2, 3, **o),
    "randn": lambda **o: autograd.randn(2, 3, **o),
    "arange": lambda **o: autograd.arange(6.0, **o),
    "linspace": lambda **o: autograd.linspace(0, 1, 6, **o),
    "eye": lambda **o: autograd.eye(3, **o),
    "zeros_like": lambda **o: autograd.zeros_like(autograd.ones(2, 3), **o),
    "randn_like": lambda **o: autograd.randn_like(autograd.ones(2, 3), **o),
    "hann_window": lambda **o: autograd.hann_window(5, **o),
}


@pytest.mark.parametrize("name", sorted(DENSE))
def test_strided_layout_and_unpinned_memory_are_accepted(name):
    made = DENSE[name](layout=autograd.strided, pin_memory=False, device="cpu", requires_grad=True)
    plain = DENSE[name]()
    assert made.shape == plain.shape and made.dtype == plain.dtype
    assert made.requires_grad and made.is_leaf
    assert DENSE[name](layout=None, pin_memory=None).shape == plain.shape


@pytest.mark.parametrize("name", sorted(DENSE))
def test_another_layout_or_pinned_memory_is_refused_by_the_factorys_name(name):
    with pytest.raises(RuntimeError, match=rf"^{name}: layout 'sparse' is not available; .*tt.strided"):
        DENSE[name](layout="sparse")
    with pytest.raises(RuntimeError, match=rf"^{name}: pin_memory=True needs an accelerator"):
        DENSE[name](pin_memory=True)


def test_pytorchs_tensor_takes_pin_memory_but_no_layout_and_as_tensor_neither():
    assert autograd.tensor([1.0, 2.0], pin_memory=False).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="tensor: pin_memory=True needs"):
        autograd.tensor([1.0], pin_memory=True)
    with pytest.raises(TypeError, match="layout"):
        autograd.tensor([1.0], layout=autograd.strided)
    with pytest.raises(TypeError, match="pin_memory"):
        autograd.as_tensor([1.0], pin_memory=False)


def test_the_signatures_show_the_options_keyword_only():
    zeros = inspect.signature(autograd.zeros).parameters
    for name, default in (
        ("requires_grad", False),
        ("device", None),
        ("layout", None),
        ("pin_memory", False),
    ):
        assert zeros[name].kind is inspect.Parameter.KEYWORD_ONLY and zeros[name].default is default
    assert "layout" not in inspect.signature(autograd.tensor).parameters
    assert "pin_memory" in inspect.signature(autograd.tensor).parameters
    assert {"layout", "pin_memory"}.isdisjoint(inspect.signature(autograd.from_numpy).parameters)
    assert list(inspect.signature(autograd.full).parameters)[:2] == ["size", "fill_value"]


NEW = {
    "new_zeros": (lambda x, **o: x.new_zeros(2, 3, **o), np.zeros((2, 3))),
    "new_ones": (lambda x, **o: x.new_ones((2, 3), **o), np.ones((2, 3))),
    "new_full": (lambda x, **o: x.new_full((2, 3), 4.0, **o), np.full((2, 3), 4.0)),
    "new_empty": (lambda x, **o: x.new_empty(2, 3, **o), None),
    "new_tensor": (lambda x, **o: x.new_tensor([[1, 2, 3], [4, 5, 6]], **o), np.arange(1.0, 7).reshape(2, 3)),
}


@pytest.mark.parametrize("name", sorted(NEW))
def test_new_methods_take_pytorchs_factory_options(name):
    call, expected = NEW[name]
    base = autograd.ones(1, dtype=autograd.float64)
    options = {} if name == "new_tensor" else {"layout": autograd.strided, "pin_memory": False}
    made = call(base, device="cpu", requires_grad=True, **options)
    assert made.shape == (2, 3) and made.dtype == autograd.float64
    assert made.requires_grad and made.is_leaf and made.grad_fn is None
    if expected is not None:
        np.testing.assert_array_equal(made.detach().numpy(), expected)
    assert not call(base).requires_grad


@pytest.mark.parametrize("name", sorted(NEW))
def test_new_methods_refuse_what_they_cannot_honour_by_name(name):
    call, _ = NEW[name]
    base = autograd.ones(1)
    with pytest.raises(RuntimeError, match=rf"^{name}: device 'cuda' is not available"):
        call(base, device="cuda")
    if name == "new_tensor":  # (PyTorch's new_tensor takes neither)
        with pytest.raises(TypeError, match="layout"):
            call(base, layout=autograd.strided)
        with pytest.raises(TypeError, match="pin_memory"):
            call(base, pin_memory=False)
    else:
        with pytest.raises(RuntimeError, match=rf"^{name}: layout 'sparse' is not available"):
            call(base, layout="sparse")
        with pytest.raises(RuntimeError, match=rf"^{name}: pin_memory=True needs an accelerator"):
            call(base, pin_memory=True)
    with pytest.raises(RuntimeError, match="only floating-point tensors can require gradients"):
        call(autograd.ones(1, dtype=autograd.int64), requires_grad=True)


def test_a_plain_tt_tensor_cannot_make_a_tensor_that_requires_grad():
    base = tt_tensor.ones(1)
    assert base.new_zeros(2, requires_grad=False).tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="new_zeros: requires_grad=True needs tt-autograd's Tensor"):
        base.new_zeros(2, requires_grad=True)


def test_new_methods_keep_pytorchs_keyword_only_options():
    with pytest.raises(TypeError):
        autograd.ones(1).new_full((2,), 1.0, None, "cpu")  # (device is keyword-only, as PyTorch's)
    with pytest.raises(TypeError):
        autograd.ones(1).new_zeros(2, 3, "cpu", True)  # (ints only before the keywords)


def test_the_options_go_before_a_factorys_own_kwargs():
    from tt_autograd.creation import _signature_with  # (this package's helper)

    def factory(size, *rest, dtype=None, **more):
        return size

    shown = _signature_with(factory, ("requires_grad", "device"))
    assert list(shown.parameters) == ["size", "rest", "dtype", "requires_grad", "device", "more"]
    assert list(_signature_with(lambda: 0, ("device",)).parameters) == ["device"]
