"""``Tensor.to``'s three PyTorch call forms, by position or by name, and ``memory_format=`` on the
conversions (``float()``, ``long()``, ``cpu()``, ``type()``): tools/parity/sweep_signatures.py (group
``tensor``) found ``x.to(device="cpu")``, ``x.to(tensor=y)``, ``x.to(dtype, non_blocking, copy)`` and
``x.float(memory_format=...)`` refused. Expected results are PyTorch 2.13's (checked in a scratch script).

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_tensor as tt

X = [[1.5, -2.0], [3.0, 4.25]]


def test_the_device_form_by_name_and_by_position():
    x = tt.tensor(X)
    assert x.to(device="cpu") is x
    assert x.to(tt.device("cpu")) is x
    moved = x.to("cpu", tt.float64)
    assert moved.dtype == tt.float64 and moved.tolist() == X
    assert x.to("cpu", dtype=tt.float64).dtype == tt.float64
    assert x.to(device="cpu", dtype=tt.int64).tolist() == [[1, -2], [3, 4]]
    assert x.to("cpu", tt.float32, False, True) is not x  # (copy=True, fourth by position)
    assert x.to(None, tt.float64).dtype == tt.float64  # PyTorch's optional device: None then the dtype
    assert x.to(None, dtype=tt.float64).dtype == tt.float64  # (the dtype by name: torch 2.13's float64 too)
    assert x.to(None) is x and x.to(None, copy=True) is not x


def test_the_dtype_form_takes_non_blocking_and_copy_by_position():
    x = tt.tensor(X)
    assert x.to(tt.float32) is x
    assert x.to(tt.float32, False, True) is not x
    assert x.to(tt.float64, False, True).dtype == tt.float64
    assert x.to(non_blocking=True) is x


def test_the_tensor_form_by_position_and_by_name():
    x, y = tt.tensor(X), tt.zeros(1, dtype=tt.float64)
    assert x.to(y).dtype == tt.float64
    assert x.to(tensor=y).dtype == tt.float64
    assert x.to(tt.zeros(1), copy=True) is not x


def test_bad_combinations_are_refused_as_pytorch_does():
    x, y = tt.tensor(X), tt.zeros(1, dtype=tt.float64)
    with pytest.raises(TypeError, match="to\\(\\) got multiple values for argument 'dtype'"):
        x.to(tt.float64, dtype=tt.float64)
    with pytest.raises(TypeError, match="to\\(\\): argument 'non_blocking' must be a bool, got tt.float64"):
        x.to(y, tt.float64)
    with pytest.raises(
        TypeError, match="at most 4 positional arguments \\(device, dtype, non_blocking, copy\\)"
    ):
        x.to("cpu", tt.float64, False, False, True)
    with pytest.raises(TypeError, match="at most 3 positional arguments \\(dtype, non_blocking, copy\\)"):
        x.to(tt.float64, False, False, True)
    with pytest.raises(TypeError, match="to\\(\\): to\\(tensor, ...\\) takes no dtype= keyword"):
        x.to(tensor=y, dtype=tt.float64)
    with pytest.raises(
        RuntimeError, match="to: device 'cuda' is not available; TinyTorch runs on the CPU only"
    ):
        x.to(device="cuda")
    with pytest.raises(RuntimeError, match="to: device 'cuda:1' is not available"):
        x.to("cuda:1", tt.float64)


@pytest.mark.parametrize(
    "call",
    [
        lambda x, y: x.to(tt.float64, False, non_blocking=False),
        lambda x, y: x.to(tt.float64, True, non_blocking=True),
        lambda x, y: x.to("cpu", tt.float64, False, non_blocking=False),
        lambda x, y: x.to(None, tt.float64, False, non_blocking=False),
        lambda x, y: x.to(y, False, non_blocking=False),
        lambda x, y: x.to(tt.float64, False, False, copy=False),
        lambda x, y: x.to("cpu", device=None),
        lambda x, y: x.to(tt.float64, dtype=None),
        lambda x, y: x.to(y, tensor=None),
    ],
)
def test_a_keyword_repeating_a_positional_default_is_refused(call):
    """PyTorch 2.13 refuses each of these ("to() received an invalid combination of arguments"), even
    where the keyword repeats the default; ours used to take the keyword for "left out"."""
    x, y = tt.tensor(X), tt.zeros(1, dtype=tt.float64)
    with pytest.raises(
        TypeError, match="to\\(\\) got multiple values for argument '(non_blocking|copy|device|dtype|tensor)'"
    ):
        call(x, y)


def test_keywords_that_do_not_repeat_a_position_still_work():
    x = tt.tensor(X)
    assert x.to(tt.float64, False, copy=True).dtype == tt.float64  # (PyTorch 2.13: the same)
    assert x.to(tt.float64, non_blocking=False) is not x
    assert x.to(device=None, dtype=tt.float64, non_blocking=False).dtype == tt.float64
    assert x.to(dtype=None) is x and x.to(copy=False) is x and x.to(non_blocking=False, copy=True) is not x


@pytest.mark.parametrize(
    ("name", "dtype"),
    [
        ("float", tt.float32),
        ("double", tt.float64),
        ("half", tt.float16),
        ("long", tt.int64),
        ("int", tt.int32),
        ("bool", tt.bool),
    ],
)
def test_conversions_take_memory_format(name, dtype):
    transposed = tt.tensor(X, dtype=tt.float64).t()
    kept = getattr(transposed, name)(memory_format=tt.preserve_format)
    assert kept.dtype == dtype and not kept.is_contiguous()  # (preserve: the transposed strides stay)
    if dtype != tt.float64:  # (a conversion: laid out anew; PyTorch returns a same-dtype 2-d tensor as is)
        assert getattr(transposed, name)(memory_format=tt.contiguous_format).is_contiguous()
    assert not getattr(transposed, name)().is_contiguous()
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use torch.channels_last format"):
        getattr(transposed, name)(memory_format=tt.channels_last)
    assert getattr(transposed, name)(memory_format=None).dtype == dtype  # (None: PyTorch's default)
    with pytest.raises(TypeError, match=rf"^{name}: memory_format must be"):
        getattr(transposed, name)(memory_format="a")
    with pytest.raises(TypeError):
        getattr(transposed, name)(tt.preserve_format)  # (keyword-only, as PyTorch's)


def test_cpu_with_another_memory_format_copies_as_pytorch():
    # PyTorch 2.13 printed the same (is itself, contiguous, channels_last) for each case
    plain = tt.zeros(2, 3, 4, 5)
    last = plain.contiguous(memory_format=tt.channels_last)
    swapped = plain.transpose(1, 2)
    assert plain.cpu(memory_format=tt.contiguous_format) is plain
    copied = plain.cpu(memory_format=tt.channels_last)
    assert copied is not plain and copied.is_contiguous(memory_format=tt.channels_last)
    assert last.cpu(memory_format=tt.channels_last) is last
    to_plain = last.cpu(memory_format=tt.contiguous_format)
    assert to_plain is not last and to_plain.is_contiguous()
    assert swapped.cpu(memory_format=tt.contiguous_format) is swapped  # what its strides suggest: kept
    assert swapped.cpu(memory_format=tt.preserve_format) is swapped
    assert swapped.cpu(memory_format=tt.channels_last).is_contiguous(memory_format=tt.channels_last)


def test_cpu_checks_memory_format_and_returns_the_tensor_itself_as_pytorch():
    transposed = tt.tensor(X).t()
    assert transposed.cpu(memory_format=tt.contiguous_format) is transposed
    with pytest.raises(RuntimeError, match="cpu: required rank 4 tensor to use torch.channels_last format"):
        transposed.cpu(memory_format=tt.channels_last)
    with pytest.raises(TypeError, match="cpu: memory_format must be"):
        transposed.cpu(memory_format=3)
    assert transposed.cpu(memory_format=None) is transposed
    with pytest.raises(TypeError, match="to: memory_format must be"):
        transposed.to(tt.float64, memory_format="a")


def test_type_takes_non_blocking_and_memory_format():
    transposed = tt.tensor(X).t()
    assert transposed.type(tt.float64, non_blocking=True).dtype == tt.float64
    assert transposed.type(tt.float64, memory_format=tt.contiguous_format).is_contiguous()
    assert transposed.type(tt.float64, True).dtype == tt.float64
    with pytest.raises(TypeError, match="type\\(\\) got an unexpected keyword argument 'bogus'"):
        transposed.type(tt.float64, bogus=1)


def test_view_with_something_not_a_shape_is_refused():  # (view(dtype) is test_view_dtype.py's)
    with pytest.raises(TypeError, match="view: shape must be ints"):
        tt.ones(2).view("a")


@pytest.mark.parametrize(
    "call, form, keyword",
    [
        (lambda x, y: x.to(tt.float64, device="cpu"), "dtype", "device"),
        (lambda x, y: x.to(tt.float64, device=None), "dtype", "device"),  # (even its default)
        (lambda x, y: x.to(y, device="cpu"), "tensor", "device"),
        (lambda x, y: x.to(y, dtype=tt.float64), "tensor", "dtype"),
        (lambda x, y: x.to(tensor=y, device="cpu"), "tensor", "device"),
    ],
)
def test_a_keyword_of_another_form_is_refused(call, form, keyword):
    # PyTorch 2.13: "to() received an invalid combination of arguments - got (torch.dtype, device=str)"
    x, y = tt.tensor(X), tt.zeros(1, dtype=tt.float64)
    with pytest.raises(TypeError, match=f"to\\(\\): to\\({form}, ...\\) takes no {keyword}= keyword"):
        call(x, y)
    assert x.to(device="cpu", dtype=tt.float64).dtype == tt.float64  # (both by name: the device form)
