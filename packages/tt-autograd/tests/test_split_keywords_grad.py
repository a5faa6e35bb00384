"""``hsplit``/``vsplit``/``dsplit`` take PyTorch 2.13's keyword names ``sections=`` (an int) and
``indices=`` (a list or tuple), and refuse ``indices_or_sections=`` as PyTorch's bindings do (each
form run on torch 2.13 in a scratch script); the pieces carry gradients back.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as tt

X = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("split, dim, sections", [("hsplit", 1, 3), ("vsplit", 0, 2), ("dsplit", 2, 2)])
def test_hsplit_vsplit_dsplit_take_sections_or_indices(split, dim, sections):
    x = tt.tensor(X, requires_grad=True)
    parts = getattr(x, split)(sections=sections)
    assert len(parts) == sections
    for part, expected in zip(parts, np.split(X, sections, axis=dim)):
        np.testing.assert_array_equal(part.detach().numpy(), expected)
    first, rest = getattr(x, split)(indices=[1])
    np.testing.assert_array_equal(first.detach().numpy(), np.split(X, [1], axis=dim)[0])
    np.testing.assert_array_equal(rest.detach().numpy(), np.split(X, [1], axis=dim)[1])
    (rest * 2).sum().backward()
    expected = np.full(X.shape, 2.0)
    expected[(slice(None),) * dim + (slice(0, 1),)] = 0.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: x.hsplit(indices_or_sections=3), "positional-only"),
        (lambda x: x.vsplit(sections=[1]), "vsplit\\(\\): argument 'sections' must be an int, got list"),
        (lambda x: x.hsplit(indices=3), "hsplit\\(\\): argument 'indices' must be a list or tuple of ints"),
        (
            lambda x: x.dsplit(),
            "dsplit\\(\\) takes the split once: by position, or by one of sections=, indices= ",
        ),
        (lambda x: x.dsplit(2, sections=2), "dsplit\\(\\) takes the split once.*\\(got 2\\)"),
        (lambda x: x.hsplit(tensor_indices_or_sections=tt.tensor(3)), "unexpected keyword"),
    ],
)
def test_wrong_split_keywords_are_refused(call, message):
    with pytest.raises(TypeError, match=message):
        call(tt.tensor(X))


def test_the_positional_forms_still_check_their_sizes():
    x = tt.tensor(X)
    assert [p.shape for p in x.hsplit(3)] == [(2, 1, 4)] * 3 and len(x.dsplit([1, 3])) == 3
    with pytest.raises(RuntimeError, match="hsplit: dim 1 of size 3 does not split into 2 equal parts"):
        x.hsplit(2)
    with pytest.raises(RuntimeError, match="dsplit: dim 2 of size 4 does not split into 0 equal parts"):
        x.dsplit(sections=0)
    with pytest.raises(RuntimeError, match="dsplit: needs a tensor with at least 3 dim"):
        tt.ones(2, 2).dsplit(2)
    with pytest.raises(RuntimeError, match="hsplit: needs a tensor with at least 1 dim"):
        tt.tensor(1.0).hsplit(1)
    assert [p.shape for p in tt.ones(4, 2).vsplit(sections=2)] == [(2, 2), (2, 2)]  # (2-d is enough)
    assert [p.shape for p in tt.ones(4).hsplit(2)] == [(2,), (2,)]  # (1-d: along dim 0)
    assert len(x.vsplit(sections=1)) == 1 and x.vsplit(1)[0].shape == X.shape  # (one section: the whole)
