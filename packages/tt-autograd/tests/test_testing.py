"""``torch.testing`` (``tt_autograd.testing``): assert_close's rules and reports, make_tensor's draws.

The expected reports are PyTorch 2.13's, word for word, for the same calls (with ``tt.`` for
``torch.`` in dtype names and plain tuples for ``torch.Size``).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import tt_autograd as tt
from tt_autograd.testing import assert_close, make_tensor

T = tt.tensor


def report(actual, expected, **options) -> str:
    with pytest.raises(AssertionError) as failure:
        assert_close(actual, expected, **options)
    return str(failure.value)


@pytest.mark.parametrize(
    "actual, expected, options, text",
    [
        (T([1.0, 2.0, 3.0]), T([1.0, 2.5, 3.0]), {},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
         "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)"),
        (T([[1.0, 2.0], [3.0, 4.0]]), T([[1.0, 2.0], [3.0, 5.0]]), {},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 4 (25.0%)\n"
         "Greatest absolute difference: 1.0 at index (1, 1) (up to 1e-05 allowed)\n"
         "Greatest relative difference: 0.20000000298023224 at index (1, 1) (up to 1.3e-06 allowed)"),
        (T([1, 2, 3]), T([1, 2, 4]), {},
         "Tensor-likes are not equal!\n\nMismatched elements: 1 / 3 (33.3%)\n"
         "Greatest absolute difference: 1 at index (2,)\nGreatest relative difference: 0.25 at index (2,)"),
        (T([True, False]), T([True, True]), {},
         "Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: 1 at index (1,)\nGreatest relative difference: 1.0 at index (1,)"),
        (T([float("nan")]), T([float("nan")]), {},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 1 (100.0%)\n"
         "Greatest absolute difference: nan at index (0,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: nan at index (0,) (up to 1.3e-06 allowed)"),
        (T([float("inf")]), T([float("-inf")]), {},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 1 (100.0%)\n"
         "Greatest absolute difference: inf at index (0,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: nan at index (0,) (up to 1.3e-06 allowed)"),
        (T([1.0, 2.0]), T([1.1, 2.2]), {"atol": 0, "rtol": 0.01},
         "Tensor-likes are not close!\n\nMismatched elements: 2 / 2 (100.0%)\n"
         "Greatest absolute difference: 0.20000004768371582 at index (1,) (up to 0 allowed)\n"
         "Greatest relative difference: 0.09090910851955414 at index (0,) (up to 0.01 allowed)"),
        (T([1.0, 2.0]), T([1.0, 2.1]), {"atol": 0.0, "rtol": 0.0},
         "Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: 0.09999990463256836 at index (1,)\n"
         "Greatest relative difference: 0.04761900380253792 at index (1,)"),
        # dtypes differ, unchecked: compared in float64, with the larger tolerances (float32's)
        (T([1.0, 2.0], dtype=tt.float64), T([1.0, 2.1]), {"check_dtype": False},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: 0.047619004368509764 at index (1,) (up to 1.3e-06 allowed)"),
        # int64 against float32 compares in float32 (PyTorch's promotion, not NumPy's float64)
        (T([1, 2]), T([1.0, 2.5]), {"check_dtype": False},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)"),
        # the largest differences are taken over the mismatches only: index 0 is within tolerance
        (T([1000.0, 0.0]), T([1000.001, 1e-4]), {},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: 9.999999747378752e-05 at index (1,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: 1.0 at index (1,) (up to 1.3e-06 allowed)"),
        (np.array([1.0, 2.0]), np.array([1.0, 3.0]), {},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: 1.0 at index (1,) (up to 1e-07 allowed)\n"
         "Greatest relative difference: 0.3333333333333333 at index (1,) (up to 1e-07 allowed)"),
        (T(2.0), T(3.0), {},
         "Scalars are not close!\n\nExpected 3.0 but got 2.0.\n"
         "Absolute difference: 1.0 (up to 1e-05 allowed)\n"
         "Relative difference: 0.3333333333333333 (up to 1.3e-06 allowed)"),
        (T(2), T(3), {},
         "Scalars are not equal!\n\nExpected 3 but got 2.\nAbsolute difference: 1\n"
         "Relative difference: 0.3333333333333333"),
        (1.0, 1.5, {},
         "Scalars are not close!\n\nExpected 1.5 but got 1.0.\n"
         "Absolute difference: 0.5 (up to 1e-07 allowed)\n"
         "Relative difference: 0.3333333333333333 (up to 1e-07 allowed)"),
        (1, 2, {},
         "Scalars are not equal!\n\nExpected 2 but got 1.\nAbsolute difference: 1\nRelative difference: 0.5"),
        (float("nan"), float("nan"), {},
         "Scalars are not close!\n\nExpected nan but got nan.\n"
         "Absolute difference: nan (up to 1e-07 allowed)\nRelative difference: nan (up to 1e-07 allowed)"),
        (T([1.0, 2.0]), T([1.0, 2.0, 3.0]), {},
         "The values for attribute 'shape' do not match: (2,) != (3,)."),
        (T([1.0, 2.0]), T([[1.0, 2.0]]), {},
         "The values for attribute 'shape' do not match: (2,) != (1, 2)."),
        (T([1.0, 2.0]), T([1.0, 2.0], dtype=tt.float64), {},
         "The values for attribute 'dtype' do not match: tt.float32 != tt.float64."),
        (T([1, 2]), T([1.0, 2.0]), {},
         "The values for attribute 'dtype' do not match: tt.int64 != tt.float32."),
        (1, 1.0, {}, "The (d)types do not match: <class 'int'> != <class 'float'>."),
        (1.0, 0.0, {},
         "Scalars are not close!\n\nExpected 0.0 but got 1.0.\n"
         "Absolute difference: 1.0 (up to 1e-07 allowed)\nRelative difference: inf (up to 1e-07 allowed)"),
        (0, 1, {},
         "Scalars are not equal!\n\nExpected 1 but got 0.\nAbsolute difference: 1\nRelative difference: 1.0"),
        (T([float("nan"), 1.0]), T([2.0, 1.0]), {"equal_nan": True},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: nan at index (0,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: nan at index (0,) (up to 1.3e-06 allowed)"),
        (T([1.0, 1.0]), T([float("inf"), 1.0]), {},
         "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\n"
         "Greatest absolute difference: inf at index (0,) (up to 1e-05 allowed)\n"
         "Greatest relative difference: nan at index (0,) (up to 1.3e-06 allowed)"),
        (None, 1.0, {}, "None mismatch: None is not 1.0"),
        (1.0, None, {}, "None mismatch: 1.0 is not None"),
        ({"a": 1.0, "b": 2.0}, {"a": 1.0}, {},
         "The keys of the mappings do not match:\nMissing keys in the actual mapping: []\n"
         "Additional keys in the actual mapping: ['b']"),
        ([[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.5]], {},
         "Scalars are not close!\n\nExpected 3.5 but got 3.0.\n"
         "Absolute difference: 0.5 (up to 1e-07 allowed)\n"
         "Relative difference: 0.14285714285714285 (up to 1e-07 allowed)\n\n"
         "The failure occurred for item [1][0]"),
    ],
)  # fmt: skip
def test_reports_are_pytorchs(actual, expected, options, text):
    assert report(actual, expected, **options) == text


@pytest.mark.parametrize(
    "actual, expected, options",
    [
        (T([1.0, 2.0]), T([1.0, 2.0 + 1.2e-5]), {}),  # |d| ~ 1.2e-5 <= 1e-5 + 1.3e-6 * 2 (float32's)
        (T([1.0, 2.0], dtype=tt.float64), T([1.0, 2.0 + 2.5e-7], dtype=tt.float64), {}),  # <= 1e-7 + 1e-7 * 2
        (T([1.0, 2.0], dtype=tt.float16), T([1.0, 2.001], dtype=tt.float16), {}),  # float16: 1e-3, 1e-5
        (T([1.0, 2.0]), T([1.0, 2.0], dtype=tt.float64), {"check_dtype": False}),
        (T([1, 2]), T([1.0, 2.0]), {"check_dtype": False}),
        (T([float("inf"), -float("inf")]), T([float("inf"), -float("inf")]), {}),
        (T([float("nan"), 1.0]), T([float("nan"), 1.0]), {"equal_nan": True}),
        (T([1.0]), T([1.1]), {"rtol": 0.2, "atol": 0.0}),
        (T([1.0, 2.0], requires_grad=True), T([1.0, 2.0]), {}),  # requires_grad is not compared
        (T(np.zeros((0, 3))), T(np.ones((0, 3))), {}),  # nothing to compare
        (None, None, {}),
        (1, 1.0, {"check_dtype": False}),
    ],
)  # fmt: skip
def test_close_inputs_pass(actual, expected, options):
    assert_close(actual, expected, **options)


def test_tolerances_are_inclusive_and_relative_to_expected():
    assert_close(T([2.0]), T([3.0]), rtol=0.0, atol=1.0)  # |d| = atol exactly
    assert_close(T([2.0]), T([4.0]), rtol=0.5, atol=0.0)  # |d| = rtol * |expected| = 2
    with pytest.raises(AssertionError):
        assert_close(T([4.0]), T([2.0]), rtol=0.5, atol=0.0)  # 2 > 0.5 * |expected| = 1: not symmetric
    with pytest.raises(AssertionError):
        assert_close(T([2.0]), T([3.0 + 1e-6]), rtol=0.0, atol=1.0)


def test_sequences_and_mappings_say_which_item_failed():
    assert report([T(1.0), T(2.0)], [T(1.0), T(3.0)]).endswith("\n\nThe failure occurred for item [1]")
    assert report({"a": T(1.0), "b": T(2.0)}, {"a": T(1.0), "b": T(3.0)}).endswith("item ['b']")
    assert report([[1.0], [2.0]], [[1.0], [2.5]]).endswith("The failure occurred for item [1][0]")
    assert report({"a": T(1.0)}, {"b": T(1.0)}) == (
        "The keys of the mappings do not match:\n"
        "Missing keys in the actual mapping: ['b']\nAdditional keys in the actual mapping: ['a']"
    )
    assert report([T(1.0)], [T(1.0), T(2.0)]) == "The length of the sequences mismatch: 1 != 2"
    assert_close((1.0, {"w": T([1.0, 2.0])}), (1.0, {"w": T([1.0, 2.0])}))


def test_msg_replaces_or_rewrites_the_report():
    assert report(T([1.0]), T([1.1]), msg="custom") == "custom"
    assert report(T([1.0]), T([1.1]), msg=lambda text: "prefix: " + text).startswith("prefix: Tensor-likes")


def test_bad_arguments_raise_pytorchs_errors():
    both = "Both 'rtol' and 'atol' must be either specified or omitted, but got no atol."
    with pytest.raises(ValueError, match=re.escape(both)):
        assert_close(T([1.0]), T([1.0]), rtol=1e-3)
    with pytest.raises(ValueError, match="but got no rtol"):
        assert_close(T([1.0]), T([1.0]), atol=1e-3)
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type .*Tensor.* and "
                                        ".*numpy.ndarray"):  # fmt: skip
        assert_close(T([1.0]), np.array([1.0], dtype=np.float32))
    with pytest.raises(TypeError, match="inputs of type <class 'float'> and"):
        assert_close(1.0, T(1.0))
    with pytest.raises(TypeError, match="<class 'str'> and <class 'str'>"):
        assert_close("a", "a")
    with pytest.raises(TypeError, match="<class 'dict'> and <class 'list'>"):
        assert_close({"a": 1.0}, [1.0])
    with pytest.raises(TypeError, match="<class 'list'> and <class 'dict'>"):
        assert_close([1.0], {"a": 1.0})


@pytest.mark.parametrize(
    "dtype, low, high, expect_low, expect_high",
    [(tt.float32, None, None, -9, 9), (tt.float64, 2.0, 3.0, 2.0, 3.0), (tt.int64, None, None, -9, 9),
     (tt.int32, 0, 3, 0, 2), (tt.uint8, None, None, 0, 9)],
)  # fmt: skip
def test_make_tensor_draws_in_range(dtype, low, high, expect_low, expect_high):
    tt.manual_seed(0)
    x = make_tensor(400, dtype=dtype, device="cpu", low=low, high=high)
    values = x.numpy()
    assert x.shape == (400,) and x.dtype == dtype
    assert values.min() >= expect_low and values.max() <= expect_high
    if np.issubdtype(values.dtype, np.integer):
        assert set(np.unique(values)) == set(range(expect_low, expect_high + 1))  # every one of [low, high)
    else:
        assert values.max() < expect_high and values.max() - values.min() > 0.9 * (expect_high - expect_low)


def test_make_tensor_options():
    tt.manual_seed(1)
    x = make_tensor((3, 4), dtype=tt.float32, device="cpu", requires_grad=True, noncontiguous=True)
    assert x.shape == (3, 4) and x.requires_grad and not x.detach().numpy().flags.c_contiguous
    tt.manual_seed(1)
    plain = make_tensor((3, 4), dtype=tt.float32, device="cpu").numpy()
    assert plain.flags.c_contiguous
    np.testing.assert_array_equal(x.detach().numpy(), plain)  # the same draws, only laid out apart
    tt.manual_seed(3)
    cube = make_tensor(2, 3, 4, dtype=tt.float64, device="cpu", noncontiguous=True).numpy()
    tt.manual_seed(3)
    assert cube.shape == (2, 3, 4) and not cube.flags.c_contiguous
    np.testing.assert_array_equal(cube, make_tensor(2, 3, 4, dtype=tt.float64, device="cpu").numpy())
    flags = make_tensor(200, dtype=tt.bool, device="cpu").numpy()
    assert flags.dtype == np.bool_ and 50 < flags.sum() < 150
    ints = make_tensor(500, dtype=tt.int64, device="cpu", low=-1, high=2, exclude_zero=True).numpy()
    assert 0 not in ints and set(np.unique(ints)) == {-1, 1}
    floats = make_tensor(5, dtype=tt.float32, device="cpu", low=0, high=0, exclude_zero=True).numpy()
    np.testing.assert_array_equal(floats, np.finfo(np.float32).tiny)  # low == high: a constant, zero excluded
    tt.manual_seed(2)
    first = make_tensor(3, dtype=tt.float32, device="cpu").numpy()
    tt.manual_seed(2)
    again = make_tensor(3, dtype=tt.float32, device="cpu").numpy()
    np.testing.assert_array_equal(again, first)  # drawn from the default generator


def test_make_tensor_rejects_what_pytorch_rejects():
    with pytest.raises(ValueError, match=re.escape("`low` must be less than `high`, but got 5 >= 1")):
        make_tensor(4, dtype=tt.float32, device="cpu", low=5, high=1)
    with pytest.raises(ValueError, match="`low` and `high` cannot be NaN, but got low=nan and high=1"):
        make_tensor(4, dtype=tt.float32, device="cpu", low=math.nan, high=1)
    with pytest.raises(ValueError, match="`requires_grad=True` is not supported for boolean and integral"):
        make_tensor(4, dtype=tt.int64, device="cpu", requires_grad=True)
