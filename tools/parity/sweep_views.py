"""The ``views`` group of ``nox -s parity-sweep``: in-place ops written through views, against PyTorch.

Each case takes a view of ``y = x * 1`` (``x`` a float64 leaf), writes into it in place while
recording (an op with a source ``s`` that requires grad where the op takes one), and compares:
the base's values, the written view's, a *sibling* view taken before the write (it must read
the new values), and the gradients of a random weighting of the base and the sibling with respect
to ``x`` and ``s``. Every view op with a view result (slices, ``t``, ``diagonal``, ``select``,
``narrow``, ``unsqueeze``, ``view``, ``permute``, ``as_strided``, ``unfold``, ``mT``, integer
indexing) meets every in-place op (arithmetic, ``copy_``, fills, ``clamp_``, ``exp_``, index
assignment, ``masked_fill_``, ``addcmul_``). Then PyTorch's refusals, which TinyTorch must share:
a view of a leaf that requires grad, a view made under ``no_grad``, an expanded view, overlapping
``unfold`` windows.

On the code before session 32 it reports every one of these writes refused (TinyTorch could not
rewrite a base's history); fixing that, it found the gradient of an index assignment into a 0-d
view failing.
"""

from __future__ import annotations

import itertools

import numpy as np
from sweep_dtypes import compare, listed

RNG = np.random.default_rng(32)
X = RNG.standard_normal((3, 4, 2))
WEIGHTS = RNG.standard_normal((3, 4, 2))
#: name -> (the view of y, the sibling view of y taken before the write)
VIEWS = {
    "rows": (lambda y: y[1:], lambda y: y[:2]),
    "step": (lambda y: y[:, ::2], lambda y: y[:, 1:3]),
    "transposed": (lambda y: y.transpose(0, 1)[1], lambda y: y[:, 1]),
    "diagonal": (lambda y: y.diagonal(0, 0, 1), lambda y: y[0]),
    "select": (lambda y: y.select(2, 1), lambda y: y[..., 0]),
    "narrow": (lambda y: y.narrow(1, 1, 2), lambda y: y[2]),
    "unsqueeze": (lambda y: y[0].unsqueeze(0), lambda y: y[:, 0]),
    "flat": (lambda y: y.view(24)[5:17], lambda y: y[1]),
    "permute": (lambda y: y.permute(2, 0, 1)[0], lambda y: y[1:, 1:]),
    "as_strided": (lambda y: y.as_strided((2, 3), (8, 2), 1), lambda y: y[0]),
    "unfold": (lambda y: y.view(24).unfold(0, 4, 6), lambda y: y[:, :, 1]),
    "mT": (lambda y: y.mT[1], lambda y: y[1]),
    "element": (lambda y: y[2, 3, 1], lambda y: y[2]),
}
#: name -> the write (view, source leaf shaped like the view)
WRITES = {
    "mul_": lambda v, s: v.mul_(2.5),
    "add_": lambda v, s: v.add_(s),
    "sub_alpha": lambda v, s: v.sub_(s, alpha=0.5),
    "mul_tensor": lambda v, s: v.mul_(s),
    "copy_": lambda v, s: v.copy_(s * 3),
    "zero_": lambda v, s: v.zero_(),
    "fill_": lambda v, s: v.fill_(0.25),
    "clamp_": lambda v, s: v.clamp_(-0.5, 0.5),
    "exp_": lambda v, s: v.exp_(),
    "setitem": lambda v, s: v.__setitem__(..., s.sin()),
    "masked_fill_": lambda v, s: v.masked_fill_(s > 0, -1.0),
    "addcmul_": lambda v, s: v.addcmul_(s, s, value=0.5),
    "iadd": lambda v, s: v.__iadd__(s),
}
#: (name, a substring of the case) -> why the difference is PyTorch's quirk or a documented choice.
ACCEPTED = {
    ("refusal", "overlap"): "PyTorch 2.13 takes a write into overlapping unfold windows, and its values "
    "(some elements multiplied twice) disagree with its gradient (once); TinyTorch refuses, as both do "
    "for expand",
}


def accepted(name: str, case: str) -> bool:
    return listed(ACCEPTED, name, case)


def _written(lib, view_name: str, write_name: str):
    make_view, make_sibling = VIEWS[view_name]
    x = lib.tensor(X, requires_grad=True)
    y = x * 1.0
    sibling = make_sibling(y)
    view = make_view(y)
    source = lib.tensor(RNG_SOURCES[view_name], requires_grad=True)
    WRITES[write_name](view, source)
    weighted = (y * lib.tensor(WEIGHTS)).sum() + (sibling * 2.0).sum()
    gx, gs = lib.autograd.grad(weighted, (x, source), allow_unused=True)
    gs = lib.zeros(source.shape, dtype=source.dtype) if gs is None else gs
    return y, view, sibling, gx, gs


def _shape_of(view_name: str) -> tuple:
    import tinytorch

    return tuple(VIEWS[view_name][0](tinytorch.tensor(X)).shape)


RNG_SOURCES = {name: RNG.standard_normal(_shape_of(name)) for name in VIEWS}


def _refusals(lib) -> dict:
    """PyTorch's refusals, each a call that must raise."""

    def leaf_view():
        lib.tensor(X, requires_grad=True)[0].mul_(2)

    def no_grad_view():
        with lib.no_grad():
            buffer = lib.zeros(3)
            view = buffer[1:]
        view.copy_(lib.ones(2, requires_grad=True))

    def expanded():
        (lib.tensor(X[:1], requires_grad=True) * 1.0).expand(3, 4, 2).mul_(2)

    def overlapping():
        (lib.tensor(X, requires_grad=True) * 1.0).view(24).unfold(0, 4, 2).mul_(2)

    return {
        "leaf_view": leaf_view,
        "no_grad_view": no_grad_view,
        "expanded": expanded,
        "overlap": overlapping,
    }


def sweep_views(torch, tiny) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for view_name, write_name in itertools.product(VIEWS, WRITES):

        def make(lib, view_name=view_name, write_name=write_name):
            return _written(lib, view_name, write_name)

        compare(torch, tiny, write_name, view_name, make, 1e-9, found)
    theirs, ours = _refusals(torch), _refusals(tiny)
    for name in theirs:
        outcome = []
        for call in (theirs[name], ours[name]):
            try:
                call()
                outcome.append("took it")
            except RuntimeError:
                outcome.append("refused")
        if outcome[0] != outcome[1]:
            found.append(("refusal", name, f"PyTorch {outcome[0]}, TinyTorch {outcome[1]}"))
    return found


SWEEPS = {"views": sweep_views}
