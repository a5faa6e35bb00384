"""PyTorch keywords of tensor methods that TinyTorch refused (tools/parity/sweep_signatures.py, groups
``torch`` and ``tensor``): ``max``/``min``'s ``other=``, ``gather``'s ``sparse_grad=``, ``allclose``'s
``equal_nan=``, ``copy_``'s ``other=``/``non_blocking=`` and ``scatter``'s (deprecated) ``reduce=``.
Expected values are PyTorch 2.13's (checked in a scratch script).

Not course material, so no module number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as tt

X = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]
Y = [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]
INDEX = [[0, 1, 2], [2, 1, 0]]


@pytest.mark.parametrize(
    ("op", "expected"),
    [("max", [[2.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), ("min", [[1.0, 2.0, 2.0], [2.0, 2.0, 2.0]])],
)
def test_max_and_min_take_other_by_name(op, expected):
    x, y = tt.tensor(X), tt.full((2, 3), 2.0)
    assert getattr(x, op)(other=y).tolist() == expected
    assert getattr(tt, op)(x, other=y).tolist() == expected
    assert getattr(x, op)(y).tolist() == expected


def test_max_other_is_differentiable_and_refuses_dim_with_other():
    x = tt.tensor(X, requires_grad=True)
    x.max(other=tt.full((2, 3), 2.0)).sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.5, 1.0]]  # (a tie splits the gradient, as PyTorch)
    with pytest.raises(TypeError, match=r"max\(\): give dim or other, not both"):
        x.max(1, other=tt.ones(2, 3))
    with pytest.raises(TypeError, match=r"min\(\): argument 'other' must be a Tensor, got float"):
        x.min(other=2.0)


def test_gather_takes_sparse_grad_false_and_refuses_true():
    x = tt.tensor(X, requires_grad=True)
    picked = tt.gather(x, 1, tt.tensor(INDEX), sparse_grad=False)
    assert picked.tolist() == [[1.0, 5.0, 3.0], [6.0, 2.0, 4.0]]
    picked.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    with pytest.raises(RuntimeError, match="gather: sparse_grad=True is not available; .*dense"):
        x.gather(1, tt.tensor(INDEX), sparse_grad=True)
    import tt_tensor

    with pytest.raises(RuntimeError, match="gather: sparse_grad=True is not available"):
        tt_tensor.tensor(X).gather(1, tt_tensor.tensor(INDEX), sparse_grad=True)


def test_allclose_takes_equal_nan():
    a, b = tt.tensor([1.0, float("nan")]), tt.tensor([1.0 + 1e-9, float("nan")])
    assert a.allclose(b, equal_nan=True) is True
    assert a.allclose(b) is False
    assert tt.allclose(a, b, 1e-5, 1e-8, True) is True
    with pytest.raises(TypeError, match="allclose: argument 'equal_nan' must be bool"):
        a.allclose(b, equal_nan="yes")


def test_copy_takes_other_and_non_blocking_as_pytorch_binds_them():
    x, y = tt.zeros(2, 3), tt.tensor(Y, requires_grad=True)
    assert x.copy_(other=y, non_blocking=True).tolist() == Y
    x.sum().backward()
    assert y.grad.tolist() == [[1.0] * 3] * 2
    assert tt.zeros(2, 3).copy_(tt.tensor(Y), False).tolist() == Y
    with pytest.raises(TypeError, match="copy_: argument 'non_blocking' must be bool"):
        tt.zeros(2, 3).copy_(tt.tensor(Y), "yes")


@pytest.mark.parametrize(
    ("reduce", "src", "expected"),
    [
        ("add", Y, [[3.0, 8.0, 7.0], [11.0, 8.0, 11.0]]),
        ("add", 0.5, [[1.5, 5.5, 3.5], [4.5, 2.5, 6.5]]),
        ("multiply", Y, [[2.0, 15.0, 12.0], [28.0, 12.0, 30.0]]),
        ("multiply", 0.5, [[0.5, 2.5, 1.5], [2.0, 1.0, 3.0]]),
    ],
)
def test_scatter_takes_pytorchs_reduce(reduce, src, expected):
    source = tt.tensor(src) if isinstance(src, list) else src
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert tt.tensor(X).scatter(1, tt.tensor(INDEX), source, reduce=reduce).tolist() == expected
    assert any("deprecated" in str(w.message) for w in caught) == isinstance(src, list)
    inplace = tt.tensor(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert inplace.scatter_(1, tt.tensor(INDEX), source, reduce=reduce) is inplace
    assert inplace.tolist() == expected
    import tt_tensor

    plain = tt_tensor.tensor(X).scatter(
        1, tt_tensor.tensor(INDEX), tt_tensor.tensor(src) if isinstance(src, list) else src, reduce=reduce
    )
    assert plain.tolist() == expected


def test_scatter_reduce_accumulates_repeats_and_refuses_other_reductions():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        repeated = tt.tensor(X).scatter(
            1, tt.tensor([[0, 0], [1, 1]]), tt.tensor([[2.0, 3.0], [4.0, 5.0]]), reduce="multiply"
        )
    assert repeated.tolist() == [[6.0, 5.0, 3.0], [4.0, 40.0, 6.0]]
    with pytest.raises(
        RuntimeError, match="scatter: reduce argument must be either add or multiply, got 'mean'"
    ):
        tt.tensor(X).scatter(1, tt.tensor(INDEX), tt.tensor(Y), reduce="mean")
    import tt_tensor

    with pytest.raises(RuntimeError, match="scatter: reduce argument must be either add or multiply"):
        tt_tensor.tensor(X).scatter(1, tt_tensor.tensor(INDEX), 1.0, reduce="sum")


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_has_scatter_reduces_gradient(reduce):
    index = tt.tensor([[0, 0, 2], [1, 1, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tt.gradcheck(
            lambda a, b: a.scatter(1, index, b, reduce=reduce),
            (
                tt.tensor(np.array(X) + 0.5, dtype=tt.float64, requires_grad=True),
                tt.tensor(Y, dtype=tt.float64, requires_grad=True),
            ),
        )


def test_resize_reads_memory_format_and_refuses_what_it_cannot_lay_out():
    assert tt.ones(6).resize_(2, 3, memory_format=tt.contiguous_format).shape == (2, 3)
    assert tt.ones(6).resize_as_(tt.ones(2, 3), memory_format=tt.contiguous_format).shape == (2, 3)
    with pytest.raises(RuntimeError, match="resize_: unsupported memory format preserve_format"):
        tt.ones(6).resize_(2, 3, memory_format=tt.preserve_format)
    with pytest.raises(RuntimeError, match="resize_: required rank 4 tensor to use torch.channels_last"):
        tt.ones(6).resize_as_(tt.ones(2, 3), memory_format=tt.channels_last)
    with pytest.raises(RuntimeError, match="resize_: memory_format torch.channels_last is not available"):
        tt.ones(120).resize_(2, 3, 4, 5, memory_format=tt.channels_last)


def test_histogramdd_takes_range_weight_and_density_by_position():
    points = tt.tensor([[0.1, 0.2], [0.5, 0.9]])
    assert tt.histogramdd(points, 2, [0.0, 1.0, 0.0, 1.0], None, True).hist.tolist() == [
        [2.0, 0.0],
        [0.0, 2.0],
    ]
    weighted = tt.histogramdd(points, [2, 2], [0.0, 1.0, 0.0, 1.0], tt.tensor([1.0, 3.0]))
    assert weighted.hist.tolist() == [[1.0, 0.0], [0.0, 3.0]]


@pytest.mark.parametrize(
    ("op", "expected"),
    [("max", [[2.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), ("min", [[1.0, 2.0, 2.0], [2.0, 2.0, 2.0]])],
)
def test_the_plain_tt_tensor_class_takes_other_too(op, expected):
    import tt_tensor

    x = tt_tensor.tensor(X)
    assert getattr(x, op)(other=tt_tensor.full((2, 3), 2.0)).tolist() == expected
    with pytest.raises(TypeError, match=rf"{op}\(\): give dim or other, not both"):
        getattr(x, op)(0, other=tt_tensor.full((2, 3), 2.0))


@pytest.mark.parametrize(("name", "dtype"), [("byte", tt.uint8), ("char", tt.int8), ("short", tt.int16)])
def test_byte_char_and_short_take_memory_format_by_name(name, dtype):
    transposed = tt.tensor([[1.0, 2.0], [3.0, 4.0]]).t()
    assert getattr(transposed, name)(memory_format=tt.contiguous_format).is_contiguous()
    kept = getattr(transposed, name)(memory_format=None)
    assert kept.dtype == dtype and not kept.is_contiguous() and kept.tolist() == [[1, 3], [2, 4]]
    with pytest.raises(TypeError, match=rf"^{name}: memory_format must be"):
        getattr(transposed, name)(memory_format="a")
    with pytest.raises(TypeError):
        getattr(transposed, name)(tt.preserve_format)
