"""Module 02: every tt-tensor operation is either recorded by autograd or declared not differentiable.

tt-autograd's ``Tensor`` inherits all of tt-tensor's methods and overrides the
differentiable ones. A method tt-tensor adds (or a new operator alias) that
autograd forgets to override would silently return a result with no graph,
and training would quietly stop learning through it. So every public method
and operator of ``tt_tensor.Tensor`` must be listed here, in one of the two
tables, and every differentiable one must record the graph and pass a
gradient back.
"""

from __future__ import annotations

from operator import methodcaller

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

W = np.array([[1.0, 0.5], [-1.0, 2.0], [0.25, 1.0]])  # a (3, 2) matrix for products


def _ones(*shape):
    return autograd.ones(*shape, dtype=autograd.float64)


# name: a call on x, a (2, 3) float64 tensor with positive entries that requires grad.
DIFFERENTIABLE = {
    "abs": lambda x: x.abs(),
    "__abs__": lambda x: abs(x),
    "add": lambda x: x.add(1.0, alpha=2),
    "__add__": lambda x: x + 1.0,
    "__radd__": lambda x: 1.0 + x,
    "sub": lambda x: x.sub(1.0),
    "__sub__": lambda x: x - 1.0,
    "__rsub__": lambda x: 1.0 - x,
    "mul": lambda x: x.mul(2.0),
    "__mul__": lambda x: x * 2.0,
    "__rmul__": lambda x: 2.0 * x,
    "div": lambda x: x.div(2.0),
    "__truediv__": lambda x: x / 2.0,
    "__rtruediv__": lambda x: 2.0 / x,
    "__mod__": lambda x: x % 0.7,
    "__rmod__": lambda x: 3.0 % x,
    "pow": lambda x: x.pow(2),
    "__pow__": lambda x: x**1.5,
    "__rpow__": lambda x: 2.0**x,
    "neg": lambda x: x.neg(),
    "__neg__": lambda x: -x,
    "__pos__": lambda x: +x,
    "matmul": lambda x: x.matmul(autograd.tensor(W)),
    "__matmul__": lambda x: x @ autograd.tensor(W),
    "__rmatmul__": lambda x: W @ x,
    "mm": lambda x: x.mm(autograd.tensor(W)),
    "bmm": lambda x: x.unsqueeze(0).bmm(autograd.tensor(W).unsqueeze(0)),
    "dot": lambda x: x[0].dot(x[1]),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "rsqrt": lambda x: x.rsqrt(),
    "reciprocal": lambda x: x.reciprocal(),
    "square": lambda x: x.square(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "clamp": lambda x: x.clamp(0.5, 1.5),
    "clip": lambda x: x.clip(max=1.0),
    "maximum": lambda x: x.maximum(_ones(3)),
    "minimum": lambda x: x.minimum(_ones(3)),
    "where": lambda x: x.where(x > 1.0, 0.0),
    "sum": lambda x: x.sum(0),
    "mean": lambda x: x.mean(),
    "var": lambda x: x.var(1),
    "std": lambda x: x.std(),
    "max": lambda x: x.max(1).values,
    "min": lambda x: x.min(),
    "amax": lambda x: x.amax(0),
    "amin": lambda x: x.amin(),
    "logsumexp": lambda x: x.logsumexp(1),
    "prod": lambda x: x.prod(1),
    "norm": lambda x: x.norm(),
    "cumsum": lambda x: x.cumsum(1),
    "reshape": lambda x: x.reshape(3, 2),
    "reshape_as": lambda x: x.reshape_as(_ones(6)),
    "view": lambda x: x.view(-1),
    "view_as": lambda x: x.view_as(_ones(3, 2)),
    "flatten": lambda x: x.flatten(),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "transpose": lambda x: x.transpose(0, 1),
    "swapaxes": lambda x: x.swapaxes(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "permute": lambda x: x.permute(1, 0),
    "expand": lambda x: x.expand(4, 2, 3),
    "expand_as": lambda x: x.expand_as(_ones(2, 2, 3)),
    "repeat": lambda x: x.repeat(2, 1),
    "flip": lambda x: x.flip(0),
    "split": lambda x: x.split(2, dim=1)[1],
    "chunk": lambda x: x.chunk(2, dim=1)[0],
    "unbind": lambda x: x.unbind(0)[1],
    "__getitem__": lambda x: x[1, :2],
    "__iter__": lambda x: next(iter(x)),
    "gather": lambda x: x.gather(1, autograd.tensor([[0, 0], [2, 1]])),
    "index_select": lambda x: x.index_select(1, autograd.tensor([2, 2])),
    "masked_fill": lambda x: x.masked_fill(x > 1.0, 0.0),
    "tril": lambda x: x.tril(),
    "triu": lambda x: x.triu(),
    "clone": lambda x: x.clone(),
    "contiguous": lambda x: x.T.contiguous(),
    "to": lambda x: x.to(autograd.float32),
    "type_as": lambda x: x.type_as(autograd.zeros(1)),
    "float": lambda x: x.float(),
    "double": lambda x: x.float().double(),
    "half": lambda x: x.half(),
    "cpu": lambda x: x.cpu(),
    "pin_memory": lambda x: x.pin_memory(),
    "type": lambda x: x.type(autograd.float64),
    # ordering, rolling and scattering (test_02_gradcheck_selection.py has the thorough cases)
    "narrow": lambda x: x.narrow(1, 1, 2),
    "sort": lambda x: x.sort(1, descending=True).values,
    "topk": lambda x: x.topk(2).values,
    "roll": lambda x: x.roll(1, 1),
    "diag": lambda x: x.diag(),
    "outer": lambda x: x[0].outer(x[1]),
    "ger": lambda x: x[1].ger(x[0]),
    "masked_select": lambda x: x.masked_select(x > 1.0),
    "scatter": lambda x: x.scatter(1, autograd.tensor([[1], [0]]), 0.5),
    "scatter_add": lambda x: x.scatter_add(1, autograd.tensor([[1, 1], [0, 2]]), x[:, :2] * 2.0),
    "softmax": lambda x: x.softmax(1),
    "log_softmax": lambda x: x.log_softmax(0),
    # beyond the exercises (test_math_extra.py has the thorough cases)
    **{name: methodcaller(name) for name in ["log1p", "expm1", "log2", "log10", "exp2", "sinh", "cosh"]},
    **{name: methodcaller(name) for name in ["tan", "atan", "asinh", "arctan", "arcsinh", "frac"]},
    **{name: lambda x, n=name: getattr(x / 3, n)() for name in ["asin", "acos", "atanh", "logit"]},
    **{name: lambda x, n=name: getattr(x / 3, n)() for name in ["arcsin", "arccos", "arctanh"]},
    "acosh": lambda x: (x + 1).acosh(),
    "arccosh": lambda x: (x + 1).arccosh(),
    **{name: lambda x, n=name: getattr(x, n)(x.flip(1) + 1) for name in ["atan2", "arctan2", "hypot"]},
    **{name: lambda x, n=name: getattr(x, n)(x.flip(1)) for name in ["logaddexp", "xlogy", "fmod"]},
    "copysign": lambda x: x.copysign(-x),
    "nan_to_num": lambda x: x.nan_to_num(),
    "lerp": lambda x: x.lerp(x.flip(0), 0.25),
    "addcmul": lambda x: x.addcmul(x, x, value=0.5),
    "addcdiv": lambda x: x.addcdiv(x, x.flip(1), value=0.5),
    "addmm": lambda x: x[:, :2].addmm(x, x.t(), beta=0.5),
    "baddbmm": lambda x: x.unsqueeze(0).baddbmm(x.unsqueeze(0), x.t().unsqueeze(0) @ x.unsqueeze(0)),
    "mv": lambda x: x.mv(x[0]),
    "tensordot": lambda x: x.tensordot(x, ([1], [1])),
    "inner": lambda x: x.inner(x),
    "kron": lambda x: x.kron(x),
    "cross": lambda x: x.cross(x.roll(1, 1), dim=1),
    "diagonal": lambda x: x.diagonal(1),
    "trace": lambda x: x.trace(),
    "diag_embed": lambda x: x.diag_embed(),
    "diff": lambda x: x.diff(),
    "cumprod": lambda x: x.cumprod(1),
    "logcumsumexp": lambda x: x.logcumsumexp(0),
    "movedim": lambda x: x.movedim(0, 1),
    "as_strided": lambda x: x.as_strided((2, 2), (1, 2), 1),
    "moveaxis": lambda x: x.moveaxis(1, 0),
    "broadcast_to": lambda x: x.broadcast_to((4, 2, 3)),
    "tile": lambda x: x.tile((2, 1)),
    "repeat_interleave": lambda x: x.repeat_interleave(2, dim=1),
    "rot90": lambda x: x.rot90(),
    "tensor_split": lambda x: x.tensor_split(2, dim=1)[0],
    "take": lambda x: x.take(autograd.tensor([4, 0])),
    "take_along_dim": lambda x: x.take_along_dim(autograd.tensor([[2], [0]]), dim=1),
    "nansum": lambda x: x.nansum(1),
    "nanmean": lambda x: x.nanmean(0),
    "median": lambda x: x.median(),
    "nanmedian": lambda x: x.nanmedian(1).values,
    "kthvalue": lambda x: x.kthvalue(2).values,
    "mode": lambda x: x.mode(0).values,
    "msort": lambda x: x.msort(),
    "cummax": lambda x: x.cummax(1).values,
    "cummin": lambda x: x.cummin(0).values,
    "quantile": lambda x: x.quantile(0.3, dim=1),
    "nanquantile": lambda x: x.nanquantile(0.6),
    "dist": lambda x: x.dist(_ones(3), 3),
    "clamp_min": lambda x: x.clamp_min(1.0),
    "clamp_max": lambda x: x.clamp_max(1.0),
    "flipud": lambda x: x.flipud(),
    "fliplr": lambda x: x.fliplr(),
    "diagflat": lambda x: x.diagflat(1),
    "real": lambda x: x.real,  # (a real tensor's real part and conjugate are itself; complex tensors:
    "conj": lambda x: x.conj(),  # test_complex_autograd.py)
    "conj_physical": lambda x: x.conj_physical(),
}

NOT_DIFFERENTIABLE = {
    # integer or bool results: comparisons, logic, indices
    "eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "all", "any", "isnan", "isfinite",
    "logical_not", "__and__", "__or__", "__xor__", "__rand__", "__ror__", "__rxor__", "__invert__",
    "argmax", "argmin", "argsort", "multinomial", "bool", "int", "long",
    "nonzero", "argwhere", "count_nonzero", "isclose", "isinf", "isposinf", "isneginf", "isreal",
    "logical_and", "logical_or", "logical_xor", "bincount", "unique", "unique_consecutive", "histc",
    "signbit", "heaviside", "gcd", "lcm",
    # values out of the graph, on purpose
    "detach", "data", "numpy", "item", "tolist", "__array__", "__float__", "__int__", "__index__", "__bool__",
    "from_array",  # the protocol: a tensor around an array (``.array`` is an instance attribute)
    "new_tensor", "new_zeros", "new_ones", "new_full", "new_empty",
    # attributes and queries
    "shape", "dtype", "device", "ndim", "dim", "size", "numel", "nelement", "stride", "element_size",
    "is_contiguous", "is_floating_point", "__len__", "is_pinned", "is_complex", "is_conj", "resolve_conj",
    "__dlpack__", "__dlpack_device__", "layout", "data_ptr", "storage_offset",
    "imag",  # refused for real tensors, as in PyTorch (complex ones: test_complex_autograd.py)
    "cuda",  # refused: TinyTorch runs on the CPU only
    "__getattr__",  # only for names no class defines: an error that points to the function to call
    # in place: refused on leaves that require grad, recorded on non-leaves (test_02_graph.py)
    "add_", "sub_", "mul_", "div_", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__setitem__",
    "zero_", "fill_", "copy_", "clamp_", "masked_fill_", "addcmul_", "addcdiv_", "lerp_",
    "uniform_", "normal_", "bernoulli_", "scatter_", "scatter_add_",
}  # fmt: skip


#: Piecewise constant: recorded in the graph, as PyTorch does, with a zero gradient.
ZERO_GRADIENT = {
    "floor": lambda x: x.floor(),
    "ceil": lambda x: x.ceil(),
    "round": lambda x: x.round(),
    "sign": lambda x: x.sign(),
    "__floordiv__": lambda x: x // 0.7,
    "__rfloordiv__": lambda x: 3.0 // x,
    "trunc": lambda x: x.trunc(),
    "fix": lambda x: x.fix(),
    "angle": lambda x: x.angle(),  # 0 or pi for real values
}


def _public_names(cls: type) -> set[str]:
    """Public methods, properties and operators of ``cls`` (dunders that ``object`` lacks)."""
    names = set()
    for name in dir(cls):
        value = getattr(cls, name)
        if not name.startswith("_") or (
            name.startswith("__") and name not in dir(object) and callable(value)
        ):
            names.add(name)
    return names


def test_every_tt_tensor_method_is_classified():
    names = _public_names(tt_tensor.Tensor)
    unclassified = sorted(names - set(DIFFERENTIABLE) - set(ZERO_GRADIENT) - NOT_DIFFERENTIABLE)
    assert not unclassified, (
        f"tt-tensor has methods that tt-autograd's tests do not classify: {unclassified}. If one is "
        "differentiable, override it in tt_autograd.Tensor and add a call to DIFFERENTIABLE here; "
        "otherwise add it to NOT_DIFFERENTIABLE"
    )
    both = sorted((set(DIFFERENTIABLE) | set(ZERO_GRADIENT)) & NOT_DIFFERENTIABLE)
    assert not both, f"classified both ways: {both}"


@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
def test_differentiable_method_records_the_graph(name):
    x = autograd.tensor([[0.5, 1.25, 2.0], [1.5, 0.75, 1.1]], dtype=autograd.float64, requires_grad=True)
    result = DIFFERENTIABLE[name](x)
    assert type(result) is autograd.Tensor, f"{name} returned {type(result).__name__}"
    assert result.requires_grad, f"{name} returned a result outside the graph"
    if result is not x:
        assert result.grad_fn is not None, f"{name} recorded no grad_fn"
    (result.double() * 1.5).sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape, f"{name}: no gradient reached the input"
    assert np.any(x.grad.numpy() != 0), f"{name}: the gradient reaching the input is all zeros"


@pytest.mark.parametrize("name", list(ZERO_GRADIENT))
def test_piecewise_constant_methods_record_a_zero_gradient(name):
    x = autograd.tensor([[0.5, 1.25, 2.0], [1.5, 0.75, 1.1]], dtype=autograd.float64, requires_grad=True)
    result = ZERO_GRADIENT[name](x)
    assert result.requires_grad and result.grad_fn is not None, f"{name} ended the graph"
    (x * 2 + result).sum().backward()  # the step adds nothing to the gradient of 2x
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def test_the_fractional_part_differentiates_to_one():
    x = autograd.tensor([0.25, 1.5, -2.75], requires_grad=True)
    (x - x.floor()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("name", ["eq", "gt", "argmax"])
def test_non_differentiable_results_are_outside_the_graph(name):
    x = autograd.tensor([[0.5, 1.25, 2.0], [1.5, 0.75, 1.1]], requires_grad=True)
    calls = {
        "eq": lambda: x == 1.25,
        "gt": lambda: x > 1.0,
        "argmax": lambda: x.argmax(1),
    }
    result = calls[name]()
    assert type(result) is autograd.Tensor and not result.requires_grad and result.grad_fn is None
