"""``tensor_split`` takes its split by PyTorch 2.13's keyword names (``hsplit``/``vsplit``/``dsplit``:
tt-autograd's ``test_split_keywords_grad.py``),
and a dim named twice is PyTorch's RuntimeError (each form run on torch 2.13 in a scratch script):

* ``tensor_split(x, sections=2)``, ``indices=[1]``, ``tensor_indices_or_sections=torch.tensor(2)``
  (with ``dim=``), ``hsplit(x, sections=3)``, ``hsplit(x, indices=[1])``; ``indices_or_sections=``,
  the name its docs use, is refused by its bindings, and so are ``sections=[1]`` and ``indices=2``;
* ``x.squeeze(0, 0)``, ``x.squeeze((0, -3))``, ``x.sum((1, 1))``: RuntimeError "dim 0 appears
  multiple times in the list of dims" (ours raised NumPy's ValueError for squeeze).

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

X = np.arange(24.0).reshape(2, 3, 4)


def _shapes(parts):
    return [tuple(part.shape) for part in parts]


def test_tensor_split_takes_pytorchs_keywords():
    x = tt.tensor(X)
    assert _shapes(x.tensor_split(sections=2)) == [(1, 3, 4), (1, 3, 4)]
    assert _shapes(x.tensor_split(indices=[1, 2], dim=2)) == [(2, 3, 1), (2, 3, 1), (2, 3, 2)]
    assert _shapes(x.tensor_split(tensor_indices_or_sections=tt.tensor([1]), dim=1)) == [(2, 1, 4), (2, 2, 4)]
    assert _shapes(x.tensor_split(3, 2)) == [(2, 3, 2), (2, 3, 1), (2, 3, 1)]  # (by position)
    parts = tt.tensor_split(x, sections=3, dim=1)
    np.testing.assert_array_equal(parts[1].numpy(), X[:, 1:2])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: x.tensor_split(indices_or_sections=2), "positional-only"),
        (
            lambda x: x.tensor_split(sections=[1]),
            "tensor_split\\(\\): argument 'sections' must be an int, got list",
        ),
        (lambda x: x.tensor_split(sections=True), "argument 'sections' must be an int, got bool"),
        (lambda x: x.tensor_split(indices=2), "argument 'indices' must be a list or tuple of ints, got int"),
        (
            lambda x: x.tensor_split(tensor_indices_or_sections=2),
            "'tensor_indices_or_sections' must be a tensor",
        ),
        (lambda x: x.tensor_split(2, sections=2), "tensor_split\\(\\) takes the split once.*\\(got 2\\)"),
        (lambda x: x.tensor_split(), "takes the split once: by position, or by one of sections=, indices="),
    ],
)
def test_wrong_split_keywords_are_refused(call, message):
    with pytest.raises(TypeError, match=message):
        call(tt.tensor(X))


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.squeeze(0, 0),
        lambda x: x.squeeze((0, -3)),
        lambda x: x.squeeze(dim=(2, 2)),
        lambda x: x.sum((1, 1)),
    ],
)
def test_a_dim_named_twice_is_a_runtime_error(call):
    with pytest.raises(RuntimeError, match="names a dimension more than once"):
        call(tt.zeros(1, 3, 1))


def test_squeeze_keeps_its_forms():
    x = tt.zeros(1, 3, 1)
    assert (
        x.squeeze(0, 2).shape == (3,) and x.squeeze((0, 1)).shape == (3, 1) and x.squeeze(-1).shape == (1, 3)
    )
    assert x.squeeze().shape == (3,) and tt.tensor(5.0).squeeze(0).shape == ()


def test_flip_refuses_no_dims():
    # (normalize_dims' required form; PyTorch: "flip(): argument 'dims' (position 1) must be tuple of ints")
    with pytest.raises(TypeError, match="flip: argument 'dims' must be an int or a tuple of ints, got None"):
        tt.ones(2).flip(None)
