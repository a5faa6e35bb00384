"""Bad arguments for the public API: tensor ops, creation, layers, losses, optimizers, data loading.

Each case is ``Case(group, label, run, names, check)``: ``run()`` performs the
call; ``names`` are words a clear error must contain (the op, usually); with
``check`` the call is one PyTorch accepts, and ``check(result)`` says whether
the result is right (else the case is a *silent wrong* result).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import tinytorch as tt
from tinytorch import nn
from tinytorch.nn import functional as F


@dataclass
class Case:
    group: str
    label: str
    run: Callable[[], Any]
    names: tuple[str, ...]
    check: Callable[[Any], bool] | None = None


#: Values that are not tensors, not numbers, or numbers of the wrong kind.
JUNK = {"None": None, "str": "abc", "dict": {"a": 1}, "object": object(), "list of str": ["a", "b"]}
BAD_COUNTS = {"-1": -1, "-3": -3, "2.5": 2.5, "True": True, "'4'": "4", "None": None}


def t(*shape: int, dtype: Any = None) -> Any:
    return tt.randn(*shape) if dtype is None else tt.randn(*shape).to(dtype)


def tensor_op_cases() -> list[Case]:
    cases = []
    binary = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": lambda a, b: a**b,
        "floor_divide": lambda a, b: a // b,
        "remainder": lambda a, b: a % b,
        "lt": lambda a, b: a < b,
        "maximum": lambda a, b: tt.maximum(a, b),
        "matmul": lambda a, b: a @ b,
        "where": lambda a, b: tt.where(a > 0, a, b),
    }
    for op, fn in binary.items():
        cases.append(
            Case("tensor ops", f"{op}: shapes (2,3) and (4,5)", lambda fn=fn: fn(t(2, 3), t(4, 5)), (op,))
        )
        cases.append(Case("tensor ops", f"{op}: shapes (3,) and (2,)", lambda fn=fn: fn(t(3), t(2)), (op,)))
        for junk_name, junk in JUNK.items():
            cases.append(
                Case(
                    "tensor ops",
                    f"{op}: tensor and {junk_name}",
                    lambda fn=fn, j=junk: fn(t(2), j),
                    (op, "tensor", "operand", "unsupported"),
                )
            )
    for op in ("floor_divide", "remainder"):
        fn = binary[op]
        cases.append(
            Case(
                "tensor ops",
                f"{op}: int by int zero",
                lambda fn=fn: fn(tt.tensor([1, 2]), tt.tensor([0, 1])),
                ("ZeroDivisionError",),
            )
        )
        cases.append(
            Case(
                "tensor ops",
                f"{op}: int by scalar 0",
                lambda fn=fn: fn(tt.tensor([3]), 0),
                ("ZeroDivisionError",),
            )
        )
    for mm in ("mm", "bmm", "dot"):
        cases.append(
            Case("tensor ops", f"{mm}: wrong ranks", lambda mm=mm: getattr(t(2, 3, 4), mm)(t(4)), (mm,))
        )
    cases.append(Case("tensor ops", "matmul: inner sizes 3 vs 4", lambda: t(2, 3) @ t(4, 2), ("matmul",)))
    cases.append(Case("tensor ops", "matmul: 0-d", lambda: tt.tensor(1.0) @ tt.tensor(2.0), ("matmul",)))
    reductions = (
        "sum",
        "mean",
        "max",
        "min",
        "argmax",
        "argmin",
        "prod",
        "var",
        "std",
        "logsumexp",
        "amax",
        "cumsum",
    )
    for op in reductions:
        for label, dim in (("dim=3", 3), ("dim=-4", -4), ("dim=1.5", 1.5), ("dim='x'", "x")):
            cases.append(
                Case(
                    "reductions",
                    f"{op}({label}) of (2,3,4)",
                    lambda op=op, d=dim: getattr(t(2, 3, 4), op)(dim=d),
                    (op, "dim"),
                )
            )
    for op in ("max", "min", "argmax", "amax"):
        cases.append(
            Case(
                "reductions",
                f"{op} of an empty tensor",
                lambda op=op: getattr(tt.zeros(0), op)(),
                (op, "empty", "zero"),
            )
        )
    shape_ops = {
        "reshape -> numel mismatch": (lambda: t(2, 3).reshape(4, 2), ("reshape", "shape")),
        "reshape two -1": (lambda: t(2, 3).reshape(-1, -1), ("reshape", "-1")),
        "reshape -2": (lambda: t(2, 3).reshape(-2, 3), ("reshape",)),
        "reshape 1.5": (lambda: t(2, 3).reshape(1.5, 4), ("reshape", "shape")),
        "view mismatch": (lambda: t(2, 3).view(7), ("view", "shape")),
        "permute missing dim": (lambda: t(2, 3, 4).permute(0, 1), ("permute",)),
        "permute repeated dim": (lambda: t(2, 3, 4).permute(0, 0, 1), ("permute",)),
        "transpose dim 5": (lambda: t(2, 3).transpose(0, 5), ("transpose", "dim")),
        "squeeze dim 4": (lambda: t(2, 3).squeeze(4), ("squeeze", "dim")),
        "unsqueeze dim 5": (lambda: t(2, 3).unsqueeze(5), ("unsqueeze", "dim")),
        "expand 3 -> 4": (lambda: t(3).expand(4), ("expand",)),
        "flatten start>end": (lambda: t(2, 3, 4).flatten(2, 0), ("flatten",)),
        "cat mismatched": (lambda: tt.cat([t(2, 3), t(2, 4)], dim=0), ("cat",)),
        "cat empty list": (lambda: tt.cat([]), ("cat",)),
        "cat dim 3": (lambda: tt.cat([t(2), t(2)], dim=3), ("cat", "dim")),
        "stack mismatched": (lambda: tt.stack([t(2), t(3)]), ("stack",)),
        "stack of junk": (lambda: tt.stack([1, "a"]), ("stack",)),
        "split size 0": (lambda: t(4).split(0), ("split",)),
        "chunk 0": (lambda: t(4).chunk(0), ("chunk",)),
        "index_select float index": (lambda: t(4).index_select(0, tt.tensor([0.5])), ("index_select", "ind")),
        "gather index out of range": (lambda: t(2, 3).gather(1, tt.tensor([[5], [0]])), ("gather", "index")),
        "masked_fill float mask": (
            lambda: t(3).masked_fill(tt.tensor([1.0, 0, 1]), 0.0),
            ("masked_fill", "mask"),
        ),
        "index 7 of size 3": (lambda: t(3)[7], ("index",)),
        "index float": (lambda: t(3)[1.5], ("ind",)),
        "bool mask wrong shape": (lambda: t(3)[tt.tensor([True, False])], ("mask", "index")),
        "too many indices": (lambda: t(3)[0, 0], ("ind",)),
        "setitem wrong shape": (
            lambda: t(3).__setitem__(slice(None), t(4)),
            ("setitem", "shape", "broadcast"),
        ),
        "item of 3 elements": (lambda: t(3).item(), ("item",)),
        "float() of 3 elements": (lambda: float(t(3)), ("float", "element", "scalar")),
        "clamp min>max strings": (lambda: t(3).clamp("a", "b"), ("clamp",)),
        "tril of 1-d": (lambda: tt.tril(t(3)), ("tril",)),
        "multinomial negative": (lambda: tt.multinomial(tt.tensor([-1.0, 2.0]), 1), ("multinomial",)),
        "in-place add broadcast up": (lambda: t(3).add_(t(2, 3)), ("add_", "shape", "broadcast")),
        "in-place int += float": (lambda: tt.tensor([1, 2]).add_(0.5), ("add_", "dtype", "cast")),
        "to(unknown dtype)": (lambda: t(3).to("complex256"), ("dtype",)),
        "to('cuda')": (lambda: t(3).to("cuda"), ("cuda", "CPU")),
        ".cuda()": (lambda: t(3).cuda(), ("cuda", "CPU")),
    }
    for label, (run, names) in shape_ops.items():
        cases.append(Case("shapes and indexing", label, run, names))
    return cases


def creation_cases() -> list[Case]:
    cases = []
    for op in ("zeros", "ones", "empty", "randn", "rand"):
        for label, size in BAD_COUNTS.items():
            if label in ("None", "True"):  # PyTorch takes True as the size 1
                continue
            cases.append(
                Case("creation", f"{op}({label})", lambda op=op, s=size: getattr(tt, op)(s), (op, "size"))
            )
    more = {
        "tensor(2**70)": (lambda: tt.tensor(2**70), ("tensor", "int64")),
        "tensor([1, 2**64])": (lambda: tt.tensor([[1], [2**64]]), ("tensor", "int64")),
        "tensor(ragged)": (lambda: tt.tensor([[1, 2], [3]]), ("tensor", "ragged")),
        "tensor('abc')": (lambda: tt.tensor("abc"), ("tensor",)),
        "tensor(None)": (lambda: tt.tensor(None), ("tensor",)),
        "tensor({})": (lambda: tt.tensor({}), ("tensor",)),
        "tensor(dtype='nope')": (lambda: tt.tensor([1.0], dtype="nope"), ("dtype",)),
        "arange step 0": (lambda: tt.arange(0, 5, 0), ("arange", "step")),
        "arange('a')": (lambda: tt.arange("a"), ("arange",)),
        "full(size=-1)": (lambda: tt.full((-1,), 1.0), ("full", "size")),
        "eye(-1)": (lambda: tt.eye(-1), ("eye",)),
        "linspace steps -1": (lambda: tt.linspace(0, 1, -1), ("linspace", "steps")),
        "randint low>high": (lambda: tt.randint(5, 2, (3,)), ("randint",)),
        "randperm(-1)": (lambda: tt.randperm(-1), ("randperm",)),
        "manual_seed('x')": (lambda: tt.manual_seed("x"), ("seed",)),
        "from_numpy(list)": (lambda: tt.from_numpy([1, 2]), ("from_numpy",)),
        "from_numpy(object array)": (lambda: tt.from_numpy(np.array([object()])), ("dtype", "object")),
    }
    for label, (run, names) in more.items():
        cases.append(Case("creation", label, run, names))
    return cases


def layer_cases() -> list[Case]:
    cases = []
    constructors = {
        "Linear": (lambda v: nn.Linear(v, 3), lambda v: nn.Linear(3, v)),
        "Conv2d": (lambda v: nn.Conv2d(v, 4, 3), lambda v: nn.Conv2d(3, v, 3), lambda v: nn.Conv2d(3, 4, v)),
        "LayerNorm": (lambda v: nn.LayerNorm(v),),
        "BatchNorm1d": (lambda v: nn.BatchNorm1d(v),),
        "BatchNorm2d": (lambda v: nn.BatchNorm2d(v),),
        "Embedding": (lambda v: nn.Embedding(v, 4), lambda v: nn.Embedding(10, v)),
        "MultiheadAttention": (lambda v: nn.MultiheadAttention(v, 2), lambda v: nn.MultiheadAttention(8, v)),
        "MaxPool2d": (lambda v: nn.MaxPool2d(v),),
    }
    for layer, makers in constructors.items():
        for position, make in enumerate(makers):
            for label, value in BAD_COUNTS.items():
                if label == "None" and layer == "MaxPool2d":
                    continue
                cases.append(
                    Case(
                        "layer arguments",
                        f"{layer} arg {position} = {label}",
                        lambda m=make, v=value: m(v),
                        (layer,),
                    )
                )
    extra = {
        "Dropout(p=1.5)": (lambda: nn.Dropout(1.5), ("Dropout", "p")),
        "Dropout(p=-0.1)": (lambda: nn.Dropout(-0.1), ("Dropout", "p")),
        "MultiheadAttention(10, 3)": (
            lambda: nn.MultiheadAttention(10, 3),
            ("MultiheadAttention", "divisible"),
        ),
        "Conv2d groups 3 of 4": (lambda: nn.Conv2d(4, 4, 3, groups=3), ("Conv2d", "groups")),
        "Conv2d padding 'bad'": (lambda: nn.Conv2d(3, 4, 3, padding="bad"), ("Conv2d", "padding")),
        "Conv2d stride 0": (lambda: nn.Conv2d(3, 4, 3, stride=0), ("Conv2d", "stride")),
        "Embedding padding_idx 10": (
            lambda: nn.Embedding(10, 4, padding_idx=10),
            ("Embedding", "padding_idx"),
        ),
        "LeakyReLU('x')": (lambda: nn.LeakyReLU("x")(t(3)), ("leaky", "slope", "LeakyReLU")),
        "Sequential(3)": (lambda: nn.Sequential(3), ("Sequential", "Module")),
        "ModuleList([1])": (lambda: nn.ModuleList([1]), ("ModuleList", "Module")),
        "Module.to(int64)": (lambda: nn.Linear(2, 2).to(tt.int64), ("to", "floating")),
        "Module.cuda()": (lambda: nn.Linear(2, 2).cuda(), ("cuda", "CPU")),
        "load_state_dict missing key": (
            lambda: nn.Linear(2, 2).load_state_dict({"weight": tt.zeros(2, 2)}),
            ("load_state_dict", "missing"),
        ),
        "load_state_dict wrong shape": (
            lambda: nn.Linear(2, 2).load_state_dict({"weight": tt.zeros(3, 2), "bias": tt.zeros(2)}),
            ("load_state_dict", "shape"),
        ),
        "train('yes')": (lambda: nn.Linear(2, 2).train("yes"), ("train", "bool")),
    }
    for label, (run, names) in extra.items():
        cases.append(Case("layer arguments", label, run, names))
    forwards = {
        "Linear(4,3) on (2,5)": (lambda: nn.Linear(4, 3)(t(2, 5)), ("linear", "Linear")),
        "Linear on a list": (lambda: nn.Linear(2, 3)([1.0, 2.0]), ("linear", "Linear", "Tensor")),
        "Conv2d on 5-d": (lambda: nn.Conv2d(3, 4, 3)(t(1, 1, 3, 8, 8)), ("conv2d", "Conv2d")),
        "Conv2d wrong channels": (
            lambda: nn.Conv2d(3, 4, 3)(t(1, 2, 8, 8)),
            ("conv2d", "Conv2d", "channels"),
        ),
        "Conv2d kernel > input": (lambda: nn.Conv2d(3, 4, 5)(t(1, 3, 2, 2)), ("conv2d", "Conv2d", "kernel")),
        "MaxPool2d on 2-d": (lambda: nn.MaxPool2d(2)(t(4, 4)), ("max_pool2d", "MaxPool2d")),
        "BatchNorm1d wrong features": (lambda: nn.BatchNorm1d(3)(t(4, 5)), ("BatchNorm1d",)),
        "BatchNorm1d one sample training": (
            lambda: nn.BatchNorm1d(3)(t(1, 3)),
            ("batch_norm", "BatchNorm1d"),
        ),
        "BatchNorm2d on 3-d": (lambda: nn.BatchNorm2d(3)(t(3, 4, 4)), ("BatchNorm2d",)),
        "LayerNorm wrong trailing": (lambda: nn.LayerNorm(4)(t(2, 5)), ("layer_norm",)),
        "Embedding index 10 of 10": (
            lambda: nn.Embedding(10, 4)(tt.tensor([10])),
            ("embedding", "Embedding", "index"),
        ),
        "Embedding float indices": (
            lambda: nn.Embedding(10, 4)(tt.tensor([1.0])),
            ("embedding", "Embedding", "ind"),
        ),
        "MultiheadAttention wrong dim": (
            lambda: nn.MultiheadAttention(8, 2)(t(3, 1, 6), t(3, 1, 6), t(3, 1, 6)),
            ("MultiheadAttention", "multi_head", "embed"),
        ),
        "softmax dim 2 of 2-d": (lambda: F.softmax(t(2, 3), dim=2), ("softmax", "dim")),
        "softmax of int": (lambda: F.softmax(tt.tensor([1, 2]), dim=0), ("softmax",)),
        "dropout p=2": (lambda: F.dropout(t(3), p=2.0), ("dropout", "p")),
        "sdpa mismatched": (
            lambda: F.scaled_dot_product_attention(t(1, 2, 4), t(1, 3, 5), t(1, 3, 5)),
            ("scaled_dot_product_attention",),
        ),
        "Flatten bad dims": (lambda: nn.Flatten(3, 5)(t(2, 3)), ("flatten", "dim")),
    }
    for label, (run, names) in forwards.items():
        cases.append(Case("layer inputs", label, run, names))
    # accepted by PyTorch, with a known right answer
    ok = {
        "softmax over an empty dim": (
            lambda: F.softmax(tt.zeros(2, 0), dim=1),
            lambda r: tuple(r.shape) == (2, 0),
        ),
        "log_softmax over an empty dim": (
            lambda: F.log_softmax(tt.zeros(2, 0), dim=1),
            lambda r: tuple(r.shape) == (2, 0),
        ),
        "LayerNorm float16 at |x|~1000": (_half_layer_norm, lambda r: r),
        "softmax float16 over 4000": (_half_softmax, lambda r: r),
        "BatchNorm1d float16 at |x|~500": (_half_batch_norm, lambda r: r),
        "Module.half()": (lambda: nn.Linear(2, 2).half().weight.dtype, lambda r: r == tt.float16),
        "int // nonzero": (
            lambda: (tt.tensor([7, -7]) // tt.tensor([2, 2])).tolist(),
            lambda r: r == [3, -4],
        ),
        "int % nonzero": (lambda: (tt.tensor([7, -7]) % tt.tensor([3, 3])).tolist(), lambda r: r == [1, 2]),
        "load_state_dict between forward and backward": (_state_dict_between, lambda r: r == "refused"),
        "tensor == None is all False": (lambda: (t(3) == None).tolist(), lambda r: r == [False] * 3),  # noqa: E711
        "tensor != 'abc' is all True": (lambda: (t(3) != "abc").tolist(), lambda r: r == [True] * 3),
        "Conv2d on unbatched (C, H, W)": (
            lambda: nn.Conv2d(3, 4, 3)(t(3, 8, 8)).shape,
            lambda r: tuple(r) == (4, 6, 6),
        ),
        "Linear(0 features)": (lambda: nn.Linear(0, 3)(tt.zeros(2, 0)).shape, lambda r: tuple(r) == (2, 3)),
        "logits ±1e30 cross_entropy": (
            lambda: F.cross_entropy(tt.tensor([[1e30, -1e30]]), tt.tensor([1])).item(),
            lambda r: np.isfinite(r),
        ),
    }
    for label, (run, check) in ok.items():
        cases.append(Case("accepted inputs", label, run, (), check))
    return cases


def _half_layer_norm() -> bool:
    x = np.linspace(-1000, 1000, 16, dtype=np.float16).reshape(2, 8)
    out = nn.LayerNorm(8).half()(tt.tensor(x)).detach().numpy().astype(np.float64)
    ref = x.astype(np.float64)
    ref = (ref - ref.mean(1, keepdims=True)) / np.sqrt(ref.var(1, keepdims=True) + 1e-5)
    return bool(np.allclose(out, ref, atol=1e-2))


def _half_batch_norm() -> bool:
    x = (np.random.default_rng(0).standard_normal((64, 4)) * 500).astype(np.float16)
    out = nn.BatchNorm1d(4).half()(tt.tensor(x)).detach().numpy().astype(np.float64)
    ref = x.astype(np.float64)
    ref = (ref - ref.mean(0)) / np.sqrt(ref.var(0) + 1e-5)
    return bool(np.allclose(out, ref, atol=1e-2))


def _half_softmax() -> bool:
    x = np.random.default_rng(0).standard_normal((2, 4000)).astype(np.float16)
    out = F.softmax(tt.tensor(x), dim=1).numpy().astype(np.float64)
    ref = np.exp(x.astype(np.float64))
    ref /= ref.sum(1, keepdims=True)
    return bool(np.allclose(out, ref, rtol=1e-2, atol=1e-6))


def _state_dict_between() -> str:
    model, other = nn.Linear(3, 2), nn.Linear(3, 2)
    y = model(tt.randn(4, 3, requires_grad=True))
    model.load_state_dict(other.state_dict())
    try:
        y.sum().backward()
    except RuntimeError as error:
        return "refused" if "in-place" in str(error) else str(error)
    return "gradient from the new weights"


def loss_cases() -> list[Case]:
    x, y = t(4, 3), tt.tensor([0, 1, 2, 1])
    items = {
        "cross_entropy target 3 of 3 classes": (
            lambda: F.cross_entropy(x, tt.tensor([0, 1, 3, 1])),
            ("cross_entropy", "target"),
        ),
        "cross_entropy target -2": (
            lambda: F.cross_entropy(x, tt.tensor([0, 1, -2, 1])),
            ("cross_entropy", "target"),
        ),
        "cross_entropy batch 4 vs 3": (lambda: F.cross_entropy(x, tt.tensor([0, 1, 2])), ("cross_entropy",)),
        "cross_entropy float targets wrong shape": (lambda: F.cross_entropy(x, t(4, 2)), ("cross_entropy",)),
        "cross_entropy 1-d input": (lambda: F.cross_entropy(t(3), y), ("cross_entropy",)),
        "cross_entropy reduction 'avg'": (
            lambda: F.cross_entropy(x, y, reduction="avg"),
            ("cross_entropy", "reduction"),
        ),
        "cross_entropy label_smoothing 2": (
            lambda: F.cross_entropy(x, y, label_smoothing=2.0),
            ("cross_entropy", "label_smoothing"),
        ),
        "nll_loss target out of range": (
            lambda: F.nll_loss(x, tt.tensor([9, 0, 0, 0])),
            ("nll_loss", "target"),
        ),
        "mse_loss shapes": (lambda: F.mse_loss(t(3), t(4)), ("mse_loss",)),
        "l1_loss shapes": (lambda: F.l1_loss(t(3), t(4)), ("l1_loss",)),
        "binary_cross_entropy input 1.5": (
            lambda: F.binary_cross_entropy(tt.tensor([1.5]), tt.tensor([1.0])),
            ("binary_cross_entropy",),
        ),
        "binary_cross_entropy shapes": (
            lambda: F.binary_cross_entropy(tt.tensor([0.5]), tt.tensor([1.0, 0.0])),
            ("binary_cross_entropy",),
        ),
        "bce_with_logits shapes": (
            lambda: F.binary_cross_entropy_with_logits(t(3), t(2)),
            ("binary_cross_entropy_with_logits",),
        ),
        "CrossEntropyLoss(reduction=1)": (
            lambda: nn.CrossEntropyLoss(reduction=1)(x, y),
            ("cross_entropy", "reduction"),
        ),
    }
    return [Case("losses", label, run, names) for label, (run, names) in items.items()]


def optimizer_cases() -> list[Case]:
    def params():
        return [tt.randn(2, 2, requires_grad=True)]

    cases = []
    settings = {
        "SGD": (
            tt.optim.SGD,
            {"lr": [-0.1, "x"], "momentum": [-1.0], "weight_decay": [-1.0], "dampening": ["x"]},
        ),
        "Adam": (
            tt.optim.Adam,
            {
                "lr": [-1.0, "x"],
                "betas": [(1.0, 0.9), (0.9, -0.1), "ab"],
                "eps": [-1.0],
                "weight_decay": [-0.5],
            },
        ),
        "AdamW": (tt.optim.AdamW, {"lr": [-1.0], "betas": [(0.9, 1.5)], "eps": [-1e-8]}),
        "RMSprop": (tt.optim.RMSprop, {"lr": [-1.0], "alpha": [-0.1], "eps": [-1.0], "momentum": [-0.5]}),
    }
    for name, (cls, options) in settings.items():
        for key, values in options.items():
            for value in values:
                cases.append(
                    Case(
                        "optimizers",
                        f"{name}({key}={value!r})",
                        lambda c=cls, k=key, v=value: c(params(), **{k: v}),
                        (name, key),
                    )
                )
        cases.append(Case("optimizers", f"{name}([])", lambda c=cls: c([]), (name, "empty")))
        cases.append(
            Case(
                "optimizers",
                f"{name}(a tensor)",
                lambda c=cls: c(tt.randn(2, requires_grad=True)),
                (name, "iterable"),
            )
        )
        cases.append(Case("optimizers", f"{name}([3])", lambda c=cls: c([3]), (name,)))
        cases.append(Case("optimizers", f"{name}(a set)", lambda c=cls: c(set(params())), ("set",)))
        cases.append(
            Case(
                "optimizers",
                f"{name}.load_state_dict(junk)",
                lambda c=cls: c(params()).load_state_dict({"x": 1}),
                ("load_state_dict",),
            )
        )
    scheduled = {
        "StepLR(step_size=0)": (
            lambda: tt.optim.lr_scheduler.StepLR(tt.optim.SGD(params(), lr=0.1), step_size=0),
            ("StepLR", "step_size"),
        ),
        "StepLR(junk optimizer)": (
            lambda: tt.optim.lr_scheduler.StepLR("opt", step_size=1),
            ("StepLR", "optimizer"),
        ),
        "OneCycleLR(total_steps=0)": (
            lambda: tt.optim.lr_scheduler.OneCycleLR(
                tt.optim.SGD(params(), lr=0.1), max_lr=1.0, total_steps=0
            ),
            ("OneCycleLR", "total_steps"),
        ),
        "CosineAnnealingLR(T_max=0)": (
            lambda: tt.optim.lr_scheduler.CosineAnnealingLR(tt.optim.SGD(params(), lr=0.1), T_max=0),
            ("CosineAnnealingLR", "T_max"),
        ),
        "clip_grad_norm_(max_norm='x')": (
            lambda: tt.nn.utils.clip_grad_norm_(params(), "x"),
            ("clip_grad_norm_", "max_norm"),
        ),
    }
    for label, (run, names) in scheduled.items():
        cases.append(Case("optimizers", label, run, names))
    ok = {
        "Adam on float16 parameters": (_adam_half, lambda r: r),
        "AdamW on float16 parameters": (lambda: _adam_half(tt.optim.AdamW), lambda r: r),
    }
    for label, (run, check) in ok.items():
        cases.append(Case("accepted inputs", label, run, (), check))
    return cases


def _adam_half(cls: Any = tt.optim.Adam) -> bool:
    model = nn.Linear(3, 2).half()
    opt = cls(model.parameters(), lr=1e-2)
    model(tt.randn(4, 3).half()).sum().backward()
    model.weight.grad.detach().numpy()[0] = 0  # a zero gradient: 0 / (0 + eps)
    opt.step()
    return bool(np.isfinite(model.weight.detach().numpy()).all()) and model.weight.dtype == tt.float16


def data_cases() -> list[Case]:
    from tinytorch.utils.data import DataLoader, Subset, TensorDataset, random_split

    dataset = TensorDataset(tt.randn(10, 2), tt.arange(10))
    items = {
        "DataLoader(batch_size=0)": (lambda: DataLoader(dataset, batch_size=0), ("DataLoader", "batch_size")),
        "DataLoader(batch_size=-1)": (
            lambda: DataLoader(dataset, batch_size=-1),
            ("DataLoader", "batch_size"),
        ),
        "DataLoader(batch_size=2.5)": (
            lambda: DataLoader(dataset, batch_size=2.5),
            ("DataLoader", "batch_size"),
        ),
        "DataLoader(None)": (lambda: DataLoader(None), ("DataLoader", "dataset")),
        "DataLoader(3)": (lambda: DataLoader(3), ("DataLoader", "dataset")),
        "DataLoader(num_workers=-1)": (
            lambda: DataLoader(dataset, num_workers=-1),
            ("DataLoader", "num_workers"),
        ),
        "TensorDataset lengths 10 vs 9": (
            lambda: TensorDataset(tt.randn(10, 2), tt.arange(9)),
            ("TensorDataset",),
        ),
        "TensorDataset()": (lambda: TensorDataset(), ("TensorDataset",)),
        "TensorDataset index 10": (lambda: dataset[10], ("index",)),
        "Subset index 99": (lambda: Subset(dataset, [99])[0], ("index",)),
        "random_split lengths 3+3": (lambda: random_split(dataset, [3, 3]), ("random_split",)),
        "random_split fractions 0.5+0.6": (lambda: random_split(dataset, [0.5, 0.6]), ("random_split",)),
        "random_split negative": (lambda: random_split(dataset, [-1, 11]), ("random_split",)),
    }
    return [Case("data loading", label, run, names) for label, (run, names) in items.items()]


def function_cases() -> list[Case]:
    """Top-level and ``linalg`` functions: junk inputs, and shapes one of a family refuses."""
    cases = []
    for name in ("exp", "exp2", "log1p", "logit", "logsumexp", "xlogy", "sin"):
        for junk_name, junk in JUNK.items():
            cases.append(
                Case(
                    "functions",
                    f"tt.{name}: input {junk_name}",
                    lambda n=name, j=junk: getattr(tt, n)(j),
                    (name,),
                )
            )
    for label, value in (("None", None), ("a tensor, not a list", t(2, 3)), ("one matrix", [t(2, 3)])):
        cases.append(
            Case(
                "functions",
                f"linalg.multi_dot: {label}",
                lambda v=value: tt.linalg.multi_dot(v),
                ("multi_dot",),
            )
        )
    for label, value in (("(3,)", t(3)), ("(2, 3)", t(2, 3))):
        cases.append(
            Case(
                "functions", f"linalg.eigvalsh: {label}", lambda v=value: tt.linalg.eigvalsh(v), ("eigvalsh",)
            )
        )
    return cases


def all_cases() -> list[Case]:
    return (
        tensor_op_cases()
        + creation_cases()
        + layer_cases()
        + loss_cases()
        + optimizer_cases()
        + data_cases()
        + function_cases()
    )
