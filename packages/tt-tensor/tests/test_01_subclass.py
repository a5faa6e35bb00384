"""Module 01: the ``from_array`` hook — a subclass (as tt-autograd's Tensor is) gets its own type back.

tt-tensor knows nothing of gradients. tt-autograd subclasses ``Tensor``; every
op it does not override must still return the subclass, and the functional
forms (``tt.cat``, ``tt.where``, ``tt.exp``) must dispatch to it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


class Tagged(tt.Tensor):
    """A subclass with an extra attribute, shown in its repr, like ``requires_grad``."""

    @classmethod
    def from_array(cls, array):
        tensor = super().from_array(array)
        tensor.tag = "made here"
        return tensor

    def _repr_extras(self):
        return [f"tag={self.tag!r}"]


def tagged(data):
    return Tagged.from_array(np.asarray(data, dtype=np.float32))


OPS = [
    ("add", lambda t: t + 1),
    ("radd", lambda t: 1 + t),
    ("rsub", lambda t: 2 - t),
    ("rtruediv", lambda t: 2 / t),
    ("numpy on the left", lambda t: np.ones(3, dtype=np.float32) * t),
    ("matmul", lambda t: t @ t),
    ("rmatmul", lambda t: np.ones((2, 3), dtype=np.float32) @ t),
    ("pow", lambda t: t**2),
    ("neg", lambda t: -t),
    ("compare", lambda t: t > 1),
    ("exp", lambda t: t.exp()),
    ("sigmoid", lambda t: t.sigmoid()),
    ("clamp", lambda t: t.clamp(0, 1)),
    ("sum", lambda t: t.sum()),
    ("mean dim", lambda t: t.mean(0)),
    ("max values", lambda t: t.max(dim=0).values),
    ("max indices", lambda t: t.max(dim=0).indices),
    ("argmax", lambda t: t.argmax()),
    ("logsumexp", lambda t: t.logsumexp(0)),
    ("reshape", lambda t: t.reshape(-1)),
    ("view", lambda t: t.view(9)),
    ("transpose", lambda t: t.transpose(0, 1)),
    ("T", lambda t: t.T),
    ("unsqueeze", lambda t: t.unsqueeze(0)),
    ("expand", lambda t: t[:1].expand(4, 3)),
    ("split piece", lambda t: t.split(1)[0]),
    ("getitem", lambda t: t[0]),
    ("mask", lambda t: t[t > 1]),
    ("gather", lambda t: t.gather(0, tt.tensor([[0, 1, 2]]))),
    ("to float64", lambda t: t.double()),
    ("clone", lambda t: t.clone()),
    ("detach", lambda t: t.detach()),
    ("tt.exp", lambda t: tt.exp(t)),
    ("tt.cat", lambda t: tt.cat([tt.ones(3, 3), t])),
    ("tt.stack", lambda t: tt.stack([t, tt.ones(3, 3)])),
    ("tt.where", lambda t: tt.where(tt.tensor(True), tt.ones(3, 3), t)),
    ("in place", lambda t: t.add_(1)),
    ("new_zeros", lambda t: t.new_zeros(2)),
    ("uniform_", lambda t: t.uniform_()),
]


@pytest.mark.parametrize("op", [o[1] for o in OPS], ids=[o[0] for o in OPS])
def test_ops_return_the_subclass(op):
    result = op(tagged((np.arange(9.0).reshape(3, 3) + 1) / 4))
    assert type(result) is Tagged, f"got {type(result).__name__}"
    assert result.tag == "made here"


def test_repr_extras_are_appended():
    assert repr(tagged([1.0, 2.0])) == "tensor([1., 2.], tag='made here')"
    assert repr(tagged([1.0]).double()) == "tensor([1.], dtype=tt.float64, tag='made here')"


def test_subclass_overrides_are_used_by_functional_forms():
    calls = []

    class Spy(tt.Tensor):
        def exp(self):
            calls.append("exp")
            return super().exp()

        @classmethod
        def _cat(cls, tensors, dim):
            calls.append("cat")
            return super()._cat(tensors, dim)

    spy = Spy.from_array(np.zeros(2, dtype=np.float32))
    tt.exp(spy)
    tt.cat([tt.ones(2), spy])
    assert calls == ["exp", "cat"]


def test_subclass_dunder_override_is_used():
    class Loud(tt.Tensor):
        def __add__(self, other):
            return "overridden"

    assert Loud.from_array(np.zeros(2)) + 1 == "overridden"


def test_conversion_goes_through_convert():
    seen = []

    class Watched(tt.Tensor):
        def _convert(self, dtype):
            seen.append(dtype)
            return super()._convert(dtype)

    Watched.from_array(np.zeros(2, dtype=np.float32)).to(tt.float64).long()
    assert seen == [tt.float64, tt.int64]


def test_the_names_subclasses_build_on_stay_importable():
    from tt_tensor.tensor import Tensor, ValuesIndices, operand, to_array

    assert Tensor is tt.Tensor and ValuesIndices is tt.ValuesIndices
    np.testing.assert_array_equal(operand(tt.tensor([1.0, 2.0])), np.array([1.0, 2.0], dtype=np.float32))
    assert operand(np.float64(2.5)) == 2.5 and type(operand(np.float64(2.5))) is float
    assert to_array([1, 2]).dtype == np.int64
    for hook in ("from_array", "_cat", "_stack", "_where", "_convert", "_repr_extras"):
        assert callable(getattr(Tensor, hook)), hook
    assert Tensor._where(tt.tensor([True, False]), 1.0, 2.0).tolist() == [1.0, 2.0]
