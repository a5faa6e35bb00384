"""Which methods take their int list one by one, and ``keepdim`` a strict bool, as PyTorch 2.13's
argument parser decides (each form below was run on torch 2.13 in a scratch script):

* ``x.squeeze(0, 1)``, ``x.squeeze_(0, 1)``, ``x.count_nonzero(0, 1)`` and ``x.broadcast_to(2, 3)``
  work (PyTorch parses their ``IntArrayRef`` from varargs, as ``permute``'s), and so do the tuple and
  ``dim=``/``size=`` forms; the functional forms take one list only: ``torch.squeeze(x, 0, 1)``,
  ``torch.flip(x, 0, 1)``, ``torch.permute(x, 1, 0)``, ``torch.broadcast_to(x, 2, 3)`` raise TypeError;
* ``x.sum(0, 1)`` is NOT ``sum((0, 1))``: the 1 is ``keepdim``, which must be a bool ("sum(): argument
  'keepdim' (position 2) must be bool, not int"); the same for ``mean``, ``nansum``, ``nanmean``,
  ``amax``, ``amin``, ``logsumexp``, ``any``, ``all``, ``norm``, ``var``, ``std`` (ours used to read the
  int as a truth value).

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

ONES = np.arange(1, 7, dtype=np.float32).reshape(1, 1, 2, 3)


def _x():
    return tt.tensor(ONES)


@pytest.mark.parametrize(
    "squeeze",
    [
        lambda x: x.squeeze(0, 1),
        lambda x: x.squeeze((0, 1)),
        lambda x: x.squeeze([0, 1]),
        lambda x: x.squeeze(dim=(0, 1)),
        lambda x: x.squeeze(-4, -3),
        lambda x: x.squeeze(0, 1, 2),  # (2 has size 2: kept, as PyTorch)
        lambda x: tt.squeeze(x, (0, 1)),
    ],
)
def test_squeeze_takes_its_dims_one_by_one(squeeze):
    out = squeeze(_x())
    assert out.shape == (2, 3) and out.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_squeeze_forms_that_stay():
    x = _x()
    assert x.squeeze().shape == (2, 3) and x.squeeze(0).shape == (1, 2, 3)
    assert x.squeeze(dim=1).shape == (1, 2, 3) and x.squeeze(axis=0).shape == (1, 2, 3)
    with pytest.raises(TypeError, match="squeeze\\(\\): argument 'dim' must be an int or a tuple of ints"):
        x.squeeze(None)
    with pytest.raises(TypeError, match="squeeze\\(\\): argument 'dim' must be an int or a tuple of ints"):
        x.squeeze(dim=None)
    with pytest.raises(TypeError, match="multiple values for argument 'dim'"):
        x.squeeze(0, dim=1)


@pytest.mark.parametrize(
    "count",
    [
        lambda x: x.count_nonzero(0, 1),
        lambda x: x.count_nonzero((0, 1)),
        lambda x: x.count_nonzero(dim=(0, 1)),
        lambda x: x.count_nonzero(axis=(1, 0)),
        lambda x: tt.count_nonzero(x, (0, 1)),
    ],
)
def test_count_nonzero_takes_its_dims_one_by_one(count):
    x = tt.tensor([[[0, 1], [2, 0]], [[3, 0], [5, 6]]])
    assert count(x).tolist() == [3, 2]  # by hand: last index 0 holds 0, 2, 3, 5; index 1 holds 1, 0, 0, 6
    assert x.count_nonzero(0, 2).tolist() == [2, 3]  # middle index 0: 0, 1, 3, 0; index 1: 2, 0, 5, 6


def test_count_nonzero_over_everything():
    x = tt.tensor([[0, 1], [2, 0]])
    assert x.count_nonzero().item() == 2 and x.count_nonzero(None).item() == 2
    assert x.count_nonzero(dim=None).item() == 2 and x.count_nonzero(1).tolist() == [1, 1]


@pytest.mark.parametrize(
    "stretch",
    [
        lambda x: x.broadcast_to(2, 1, 3),
        lambda x: x.broadcast_to((2, 1, 3)),
        lambda x: x.broadcast_to(size=(2, 1, 3)),
        lambda x: x.broadcast_to(2, -1, 3),
        lambda x: tt.broadcast_to(x, (2, 1, 3)),
    ],
)
def test_broadcast_to_takes_its_sizes_one_by_one(stretch):
    out = stretch(tt.tensor([[1, 2, 3]]))
    assert out.shape == (2, 1, 3) and out.tolist() == [[[1, 2, 3]], [[1, 2, 3]]]


def test_broadcast_to_needs_a_size():
    with pytest.raises(TypeError, match="broadcast_to\\(\\) missing 1 required positional argument: 'size'"):
        tt.tensor([1]).broadcast_to()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: tt.squeeze(x, 0, 1),
        lambda x: tt.count_nonzero(x, 0, 1),
        lambda x: tt.broadcast_to(x, 2, 1, 1, 2, 3),
        lambda x: tt.flip(x, 0, 1),
        lambda x: tt.permute(x, 3, 2, 1, 0),
        lambda x: tt.reshape(x, 6, 1),
        lambda x: tt.tile(x, 1, 2),
    ],
)
def test_functional_forms_take_one_list(call):
    with pytest.raises(TypeError, match=r"takes 2 positional arguments but \d were given"):
        call(_x())


def test_flip_and_permute_need_their_dims():
    with pytest.raises(TypeError, match="flip: missing the dims"):
        _x().flip()
    assert _x().flip(3).flatten().tolist() == [3, 2, 1, 6, 5, 4]


def test_functional_forms_with_one_list_still_work():
    x = _x()
    assert tt.flip(x, (3,)).flatten().tolist() == [3, 2, 1, 6, 5, 4]
    assert tt.permute(x, (3, 2, 1, 0)).shape == (3, 2, 1, 1) and tt.reshape(x, (6,)).shape == (6,)
    assert tt.tile(tt.tensor([1, 2]), (2,)).tolist() == [1, 2, 1, 2]


@pytest.mark.parametrize(
    "op", ["sum", "mean", "nansum", "nanmean", "amax", "amin", "logsumexp", "any", "all", "var", "std"]
)
@pytest.mark.parametrize("keepdim", [1, 0, 1.0, None, "yes"])
def test_keepdim_must_be_a_bool(op, keepdim):
    x = tt.ones(2, 3, dtype=tt.bool) if op in ("any", "all") else tt.ones(2, 3)
    refusal = f"{op}: argument 'keepdim' must be bool, got {type(keepdim).__name__}"
    with pytest.raises(TypeError, match=refusal):
        getattr(x, op)(0, keepdim=keepdim)
    if keepdim in (0, 1) and op not in ("var", "std"):  # (their second place is unbiased)
        with pytest.raises(TypeError, match=f"{op}: argument 'keepdim' must be bool"):
            getattr(x, op)((0, 1), keepdim)  # sum((0, 1), 1): the 1 is keepdim, refused


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "logsumexp"])
def test_sum_of_two_ints_is_refused_not_read_as_two_dims(op):
    x = tt.ones(2, 3)
    with pytest.raises(TypeError, match=f"{op}: argument 'keepdim' must be bool, got int 1"):
        getattr(x, op)(0, 1)
    assert getattr(x, op)(0, True).shape == (1, 3) and getattr(x, op)(0, False).shape == (3,)


def test_norm_keepdim_must_be_a_bool():
    x = tt.tensor([[3.0, 4.0]])
    with pytest.raises(TypeError, match="norm: argument 'keepdim' must be bool, got int 1"):
        x.norm(2, 1, 1)
    assert x.norm(2, 1, True).tolist() == [[5.0]]
