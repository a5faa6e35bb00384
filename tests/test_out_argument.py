"""``out=`` of the top-level functions (``tinytorch/out_argument.py``): PyTorch's rules — the result
written into ``out`` and ``out`` returned, resizing (with the warning when ``out`` had elements), dtype
casts up but never down a kind, creation functions in ``out``'s dtype, no autograd through ``out=``,
tuples of outputs for the functions returning several, ``out`` aliasing an input, errors that name the
function."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd

import tinytorch as tt
from tinytorch import out_argument

A = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]], dtype=np.float32)
B = np.array([[1.0, 2.0, -3.0], [0.5, -0.5, 4.0]], dtype=np.float32)

# name, call given out (None: without), the expected values
SINGLE = [
    ("add", lambda o: tt.add(tt.tensor(A), tt.tensor(B), alpha=2, out=o), A + 2 * B),
    ("exp", lambda o: tt.exp(tt.tensor(A), out=o), np.exp(A)),
    ("clamp", lambda o: tt.clamp(tt.tensor(A), -1.0, 1.0, out=o), np.clip(A, -1, 1)),
    ("sum", lambda o: tt.sum(tt.tensor(A), 1, out=o), A.sum(1)),
    ("mean", lambda o: tt.mean(tt.tensor(A), 0, keepdim=True, out=o), A.mean(0, keepdims=True)),
    ("matmul", lambda o: tt.matmul(tt.tensor(A), tt.tensor(B.T), out=o), A @ B.T),
    ("mm", lambda o: tt.mm(tt.tensor(A.T), tt.tensor(B), out=o), A.T @ B),
    ("cat", lambda o: tt.cat([tt.tensor(A), tt.tensor(B)], 1, out=o), np.concatenate([A, B], 1)),
    ("stack", lambda o: tt.stack([tt.tensor(A), tt.tensor(B)], out=o), np.stack([A, B])),
    ("where", lambda o: tt.where(tt.tensor(A) > 0, tt.tensor(A), tt.tensor(B), out=o), np.where(A > 0, A, B)),
    ("cumsum", lambda o: tt.cumsum(tt.tensor(A), 1, out=o), np.cumsum(A, 1)),
    ("tril", lambda o: tt.tril(tt.tensor(A), out=o), np.tril(A)),
    ("softmax", lambda o: tt.softmax(tt.tensor(A), 1, out=o), np.exp(A) / np.exp(A).sum(1, keepdims=True)),
]


@pytest.mark.parametrize(("name", "call", "expected"), SINGLE, ids=[case[0] for case in SINGLE])
def test_the_result_is_written_into_out_and_out_is_returned(name, call, expected):
    out = tt.empty(expected.shape)
    view = out.reshape(-1)  # shares out's memory: sees the write
    assert call(out) is out
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(view.numpy(), expected.reshape(-1), rtol=1e-6)
    np.testing.assert_allclose(call(None).numpy(), expected, rtol=1e-6)  # without out: as before


def test_out_may_be_an_input_and_a_strided_view():
    a = tt.tensor(A.copy())
    assert tt.add(a, a, out=a) is a
    np.testing.assert_array_equal(a.numpy(), 2 * A)
    square = tt.tensor(np.arange(9.0, dtype=np.float32).reshape(3, 3))
    assert tt.matmul(square, square, out=square) is square  # the product is complete before the write
    np.testing.assert_array_equal(square.numpy(), np.arange(9.0).reshape(3, 3) @ np.arange(9.0).reshape(3, 3))
    base = tt.zeros(3, 2)
    transposed = base.t()  # (2, 3), not row-major
    tt.mul(tt.tensor(A), 2, out=transposed)
    np.testing.assert_array_equal(base.numpy(), 2 * A.T)


def test_an_out_of_another_shape_is_resized_with_a_warning_when_it_had_elements():
    empty = tt.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tt.exp(tt.tensor(A), out=empty) is empty
    assert empty.shape == (2, 3)
    np.testing.assert_allclose(empty.numpy(), np.exp(A), rtol=1e-6)
    full = tt.ones(4)
    with pytest.warns(
        UserWarning, match=r"exp\(\): an output with 4 elements was resized from shape \[4\]"
    ) as seen:
        tt.exp(tt.tensor(A), out=full)
    assert [w.filename for w in seen] == [__file__]  # the caller's line
    assert full.shape == (2, 3)


def test_dtypes_cast_up_a_kind_but_never_down():
    floats = tt.empty(2, 3)
    assert tt.eq(tt.tensor(A), tt.tensor(A), out=floats) is floats  # bool into float
    np.testing.assert_array_equal(floats.numpy(), np.ones((2, 3)))
    doubles = tt.empty(2, 3, dtype=tt.float64)
    tt.add(tt.tensor([[1, 2, 3]] * 2), 1, out=doubles)  # integer into float64
    assert doubles.dtype == tt.float64 and doubles.numpy()[0, 2] == 4.0
    longs = tt.empty(2, 3, dtype=tt.int64)
    with pytest.raises(RuntimeError, match=r"add\(\): result type tt\.float32 can't be cast to .*int64"):
        tt.add(tt.tensor(A), tt.tensor(B), out=longs)
    with pytest.raises(RuntimeError, match="can't be cast"):
        tt.add(tt.tensor([1, 2]), 1, out=tt.empty(2, dtype=tt.bool))


def test_creation_functions_make_their_values_in_outs_dtype():
    longs = tt.empty(0, dtype=tt.int64)
    assert tt.zeros(2, 3, out=longs) is longs and longs.dtype == tt.int64 and longs.shape == (2, 3)
    doubles = tt.empty(0, dtype=tt.float64)
    tt.arange(0, 1, 0.25, out=doubles)
    np.testing.assert_array_equal(doubles.numpy(), [0.0, 0.25, 0.5, 0.75])
    tt.manual_seed(3)
    expected = tt.randn(4, dtype=tt.float64).numpy()
    tt.manual_seed(3)
    np.testing.assert_array_equal(tt.randn(4, out=doubles).numpy(), expected)
    with pytest.raises(RuntimeError, match="can't be cast"):  # an explicit dtype is kept, and checked
        tt.ones(2, dtype=tt.float32, out=longs)


def test_several_outputs_take_a_tuple_and_return_their_named_tuple():
    values, indices = tt.empty(0), tt.empty(0, dtype=tt.int64)
    result = tt.max(tt.tensor(A), 1, out=(values, indices))
    assert result.values is values and result.indices is indices and result[0] is values
    np.testing.assert_array_equal(values.numpy(), A.max(1))
    np.testing.assert_array_equal(indices.numpy(), A.argmax(1))
    sorted_values, order = tt.empty(2, 3), tt.empty(2, 3, dtype=tt.int64)
    assert tt.sort(tt.tensor(A), 1, descending=True, out=[sorted_values, order])[0] is sorted_values
    np.testing.assert_array_equal(sorted_values.numpy(), -np.sort(-A, 1))
    np.testing.assert_array_equal(order.numpy(), np.argsort(-A, 1))
    top = tt.topk(tt.tensor(A), 2, out=(tt.empty(0), tt.empty(0, dtype=tt.int64)))
    np.testing.assert_array_equal(top.values.numpy(), -np.sort(-A, 1)[:, :2])


def test_no_autograd_through_out():
    x = tt.tensor(A, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"exp\(\): functions with out=\.\.\. arguments don't support automatic"
    ):
        tt.exp(x, out=tt.empty(2, 3))
    out = tt.empty(2, 3)
    with tt.no_grad():
        assert tt.exp(x, out=out) is out
    assert not out.requires_grad
    grad_out = tt.empty(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="functions with out="):
        tt.exp(tt.tensor(A), out=grad_out)
    indices = tt.empty(0, dtype=tt.int64)
    assert tt.argmax(x, 1, out=indices) is indices  # an integer result needs no gradient


def test_bad_outs_are_named():
    with pytest.raises(TypeError, match=r"exp\(\): argument 'out' must be a Tensor, got a list of 1"):
        tt.exp(tt.tensor(A), out=[1.0])
    with pytest.raises(TypeError, match=r"max\(\): out must be a tuple of 2 tensors .*got Tensor"):
        tt.max(tt.tensor(A), 1, out=tt.empty(2))
    with pytest.raises(TypeError, match=r"sort\(\): out must be a tuple of 2 tensors .*got a tuple of 1"):
        tt.sort(tt.tensor(A), out=(tt.empty(0),))
    with pytest.raises(TypeError, match=r"sort\(\): every element of out must be a Tensor, got ndarray"):
        tt.sort(tt.tensor(A), out=(tt.empty(0), np.zeros(3)))


def test_every_name_is_a_wrapped_top_level_function_and_the_packages_stay_as_they_are():
    for name in out_argument.NAMES:
        function = getattr(tt, name)
        assert function.__wrapped__ is not None, name
        assert function.__name__ == function.__wrapped__.__name__
    assert tt.add.__wrapped__ is tt_autograd.add and not hasattr(tt_autograd.add, "__wrapped__")
    assert "narrow_copy" not in out_argument.NAMES  # it has its own out=, kept
    piece = tt.empty(0)
    assert tt.narrow_copy(tt.tensor(A), 1, 1, 2, out=piece) is piece and piece.shape == (2, 2)
    found = tt.empty(0, dtype=tt.int64)
    assert tt.searchsorted(tt.tensor([1.0, 2.0, 3.0]), tt.tensor([2.5]), out=found) is found


def test_warnings_name_the_callers_line_through_the_wrapper():
    m = tt.tensor([[2.0, 0.0], [1.0, 1.0]])
    calls = [
        lambda: tt.range(0, 2),
        lambda: tt.chain_matmul(m, m),
        lambda: tt.frobenius_norm(m),
        lambda: tt.nuclear_norm(m),
        lambda: tt.triangular_solve(m, m),
        lambda: tt_autograd.triangular_solve(m, m),  # (directly: the same line)
        lambda: tt.range(0, 2, out=tt.empty(0)),
    ]
    for call in calls:
        with pytest.warns(UserWarning, match="deprecated") as record:
            call()
        assert [w.filename for w in record] == [__file__], [w.filename for w in record]


def test_linalg_special_and_fft_take_out_too():
    m = tt.tensor([[2.0, 1.0], [1.0, 3.0]])
    inverse = tt.empty(0)
    assert tt.linalg.inv(m, out=inverse) is inverse
    np.testing.assert_allclose(inverse.numpy(), np.linalg.inv(m.numpy()), rtol=1e-6)
    q, r = tt.empty(0), tt.empty(0)
    result = tt.linalg.qr(m, out=(q, r))
    assert result.Q is q and result.R is r
    np.testing.assert_allclose((q @ r).numpy(), m.numpy(), rtol=1e-6)
    erf = tt.empty(2, 2)
    assert tt.special.erf(m, out=erf) is erf
    frequencies = tt.empty(0, dtype=tt.float64)
    tt.fft.fftfreq(4, out=frequencies)  # a creation function: out's dtype
    np.testing.assert_array_equal(frequencies.numpy(), [0.0, 0.25, -0.5, -0.25])
    spectrum = tt.empty(0, dtype=tt.complex64)
    assert tt.fft.rfft(tt.ones(8), out=spectrum) is spectrum and spectrum.shape == (5,)
    for module, names in out_argument.SUBMODULE_NAMES.items():
        for name in names:
            function = getattr(getattr(tt, module), name)
            assert function.__wrapped__.__name__ == function.__name__, (module, name)


def test_the_signature_shows_out_keyword_only_before_a_kwargs():
    """``inspect.signature`` (``help()``, IDEs, the signature sweep) shows the wrapper's ``out=``."""
    import inspect

    parameters = inspect.signature(tt.cat).parameters
    assert list(parameters) == ["tensors", "dim", "out"]
    assert parameters["out"].kind is inspect.Parameter.KEYWORD_ONLY and parameters["out"].default is None
    assert list(inspect.signature(tt.exp).parameters) == ["input", "args", "out", "kwargs"]
    keeps = out_argument.with_out("f", lambda input, *, out=None: input)  # (an out of its own: kept)
    assert list(inspect.signature(keeps).parameters) == ["input", "out"]


def test_argsort_index_copy_and_index_reduce_take_out():
    """PyTorch 2.13's ``out=`` of these three (its argsort's in the ``stable=`` form; here in every form)."""
    order = tt.empty(0, dtype=tt.long)
    assert tt.argsort(tt.tensor([[3.0, 1.0, 2.0]]), stable=True, dim=1, out=order) is order
    assert order.tolist() == [[1, 2, 0]]
    copied = tt.empty(0)
    tt.index_copy(tt.zeros(3, 2), 0, tt.tensor([2, 0]), tt.ones(2, 2), out=copied)
    assert copied.tolist() == [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    reduced = tt.empty(0)
    tt.index_reduce(tt.ones(3, 2), 0, tt.tensor([2, 0]), tt.full((2, 2), 3.0), "prod", out=reduced)
    assert reduced.tolist() == [[3.0, 3.0], [1.0, 1.0], [3.0, 3.0]]
