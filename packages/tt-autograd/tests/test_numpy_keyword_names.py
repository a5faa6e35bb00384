"""NumPy's ``axis``/``keepdims`` for ``dim``/``keepdim``, which PyTorch's argument parser takes on its
C-bound functions and methods (``x.sum(axis=1, keepdims=True)``, ``torch.cat(ts, axis=1)``); TinyTorch
refused them (tt_tensor.keyword_aliases). Expected values are PyTorch 2.13's (checked in a scratch script).

Not course material, so no module number.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import tt_autograd as tt
import tt_tensor

X = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda x: x.sum(axis=1), [9.0, 12.0]),
        (lambda x: x.sum(axis=1, keepdims=True), [[9.0], [12.0]]),
        (lambda x: tt.sum(x, axis=0, keepdims=True), [[5.0, 7.0, 9.0]]),
        (lambda x: x.mean(axis=0), [2.5, 3.5, 4.5]),
        (lambda x: x.max(axis=1).indices, [1, 2]),
        (lambda x: x.argmin(axis=1, keepdims=True), [[0], [1]]),
        (lambda x: x.cumsum(axis=1), [[1.0, 6.0, 9.0], [4.0, 6.0, 12.0]]),
        (lambda x: x.unsqueeze(axis=0).shape, (1, 2, 3)),
        (lambda x: x.squeeze(axis=0).shape, (2, 3)),
        (lambda x: x.std(axis=1, keepdims=True).shape, (2, 1)),
        (lambda x: tt.cat([x, x], axis=1).shape, (2, 6)),
        (lambda x: tt.stack([x, x], axis=2).shape, (2, 3, 2)),
        (lambda x: x.softmax(axis=1).sum(1).tolist(), [1.0, 1.0]),
    ],
)
def test_numpys_names_stand_for_dim_and_keepdim(call, expected):
    result = call(tt.tensor(X))
    values = result.tolist() if isinstance(result, tt.Tensor) else result
    np.testing.assert_allclose(values, expected, rtol=1e-6)


def test_the_gradient_flows_through_the_renamed_call():
    x = tt.tensor(X, requires_grad=True)
    x.amax(axis=1, keepdims=True).sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_both_spellings_together_are_refused_as_pytorch_does():
    x = tt.tensor(X)
    with pytest.raises(TypeError, match=r"^sum\(\) got an unexpected keyword argument 'axis'$"):
        x.sum(dim=1, axis=1)
    with pytest.raises(TypeError, match=r"^cat\(\) got an unexpected keyword argument 'axis'$"):
        tt.cat([x, x], dim=0, axis=1)
    with pytest.raises(TypeError, match="keepdims"):
        x.t().sum(1, keepdim=True, keepdims=True)


def test_pytorchs_python_methods_and_methods_without_dim_take_none():
    x = tt.tensor(X)
    with pytest.raises(TypeError, match="axis"):
        x.split(1, axis=0)  # (PyTorch's Tensor.split is Python: no NumPy names)
    with pytest.raises(TypeError, match="axis"):
        x.exp(axis=0)


def test_the_plain_tt_tensor_class_takes_them_and_signatures_keep_pytorchs_names():
    assert tt_tensor.tensor(X).sum(axis=1).tolist() == [9.0, 12.0]
    assert "dim" in inspect.signature(tt.Tensor.sum).parameters
    assert "axis" not in inspect.signature(tt.Tensor.sum).parameters
    assert tt.Tensor.sum.numpy_names and tt_tensor.Tensor.sum.numpy_names


def test_an_inherited_method_is_wrapped_once():
    """tt-autograd's class inherits tt-tensor's wrapped ``argmax``: not wrapped again."""
    assert tt.Tensor.argmax is tt_tensor.Tensor.argmax
    assert not getattr(tt.Tensor.argmax.__wrapped__, "numpy_names", False)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda x: x.permute(dims=(1, 0)).shape, (3, 2)),
        (lambda x: tt.permute(x, dims=(1, 0)).shape, (3, 2)),
        (lambda x: x.reshape(shape=(3, 2)).shape, (3, 2)),
        (lambda x: tt.reshape(x, shape=(3, 2)).shape, (3, 2)),
        (lambda x: x.view(size=(3, 2)).shape, (3, 2)),
        (lambda x: x.expand(size=(2, 2, 3)).shape, (2, 2, 3)),
        (lambda x: x.repeat(repeats=(2, 1)).shape, (4, 3)),
        (lambda x: x.flip(dims=(0,)).tolist(), [[3.0, 4.0, 5.0], [0.0, 1.0, 2.0]]),
        (lambda x: tt.flip(x, dims=[1]).tolist(), [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]),
        (lambda x: x.tile(dims=(2,)).shape, (2, 6)),
        (lambda x: x.new_zeros(size=(2,)).shape, (2,)),
        (lambda x: x.new_ones(size=(2,), dtype=tt.int64).tolist(), [1, 1]),
        (lambda x: x.sum_to_size(size=(1, 3)).tolist(), [[3.0, 5.0, 7.0]]),
        (lambda x: x.detach().clone().resize_(size=(3, 2)).shape, (3, 2)),
    ],
)
def test_int_lists_by_pytorchs_name(call, expected):
    assert call(tt.arange(6.0).reshape(2, 3)) == expected


def test_an_int_list_by_position_and_by_name_is_refused_as_pytorch_does():
    x = tt.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match=r"^permute\(\) got multiple values for argument 'dims'$"):
        x.permute(1, 0, dims=(1, 0))
    x.requires_grad_(True)
    x.flip(dims=[1]).sum().backward()  # (a recorded op: the gradient flows through the keyword form)
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_the_list_wrapper_leaves_other_keywords_and_named_lists_alone():
    from tt_tensor.keyword_aliases import with_numpy_names

    assert tt.ones(1).new_zeros(2, 3, dtype=tt.int64).tolist() == [[0, 0, 0], [0, 0, 0]]  # (no size=: as is)

    def named(self, size):  # (a method whose list is a named parameter: nothing to wrap)
        return size

    assert with_numpy_names(named, "size") is named
