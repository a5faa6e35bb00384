"""torch.einsum's sublist form, ``einsum(a, [0, 1], b, [1, 2], [0, 2])``, against the equation form."""

import numpy as np
import pytest
import tt_autograd as autograd


def _pair():
    a = autograd.tensor(np.arange(6.0).reshape(2, 3), dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor(np.arange(12.0).reshape(3, 4), dtype=autograd.float64, requires_grad=True)
    return a, b


@pytest.mark.parametrize(
    ("sublists", "equation"),
    [
        (([0, 1], [1, 2], [0, 2]), "ij,jk->ik"),
        (([0, 1], [1, 2]), "ij,jk"),  # no output: the dims used once, sorted
        (([0, 1], [1, 2], [2, 0]), "ij,jk->ki"),
        (([0, 1], [1, 2], []), "ij,jk->"),
        (([51, 26], [26, 0], [0, 51]), "ZA,Aa->aZ"),  # 26..51 are the capitals
    ],
)
def test_sublists_give_the_equations_values(sublists, equation):
    a, b = _pair()
    args = (a, sublists[0], b, sublists[1], *sublists[2:])
    np.testing.assert_array_equal(
        autograd.einsum(*args).detach().numpy(), autograd.einsum(equation, a, b).detach().numpy()
    )


def test_ellipsis_and_one_operand_and_gradients():
    a, b = _pair()
    np.testing.assert_array_equal(autograd.einsum(a, [Ellipsis, 1], [1]).detach().numpy(), [3.0, 5.0, 7.0])
    assert autograd.einsum(a, [0, 1], [1, 0]).shape == (3, 2)
    assert autograd.gradcheck(lambda x, y: autograd.einsum(x, [0, 1], y, [1, 2], [2, 0]), (a, b))


def test_bad_sublists_are_named():
    a, _ = _pair()
    with pytest.raises(TypeError, match="each operand is followed by a list of its dims, got int"):
        autograd.einsum(a, 3)
    with pytest.raises(ValueError, match=r"integers in \[0, 52\) or \.\.\., got 52"):
        autograd.einsum(a, [0, 52])
    with pytest.raises(ValueError, match="got True"):
        autograd.einsum(a, [True, 0])


def test_operands_as_one_list():
    a, b = _pair()
    np.testing.assert_array_equal(
        autograd.einsum("ij,jk->ik", [a, b]).detach().numpy(),
        autograd.einsum("ij,jk->ik", a, b).detach().numpy(),
    )
    assert autograd.einsum("ij->j", (a,)).shape == (3,)
