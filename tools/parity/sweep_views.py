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
``unfold`` windows. Then the multi-output view ops (``split``, ``chunk``, ``unbind``,
``split_with_sizes``): a recorded write into a piece or a view of one is refused (of a leaf, of a
plain base with a source that requires grad too), as is backward through a piece whose base was
written; a write under ``no_grad`` reaches the base; ``tensor_split``/``hsplit``/``vsplit``/``dsplit``
pieces are written as any view. And the aliases ``detach()``/``.data`` (of y, of a view, a view of
one): ``_is_view()``/``_base`` as PyTorch's, they read the values of a recorded write through a view
of y, and a recorded write into one reaches y (values; y's gradient unchanged).

On the code before session 32 it reports every one of these writes refused (TinyTorch could not
rewrite a base's history); fixing that, it found the gradient of an index assignment into a 0-d
view failing. Forward-mode AD of every view x write (the tangents of the base, the view and the
sibling). On the code before session 33: 234 differences (pieces written, aliases left behind,
the base's and siblings' tangents stale).
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
    "tensor_split": (lambda y: y.tensor_split(3, dim=1)[1], lambda y: y[1]),
    "tensor_split_at": (lambda y: y.tensor_split([1, 3])[1], lambda y: y[:, 2]),
    "hsplit": (lambda y: y.hsplit(2)[1], lambda y: y[0]),
    "vsplit": (lambda y: y.vsplit(3)[2], lambda y: y[:, 1]),
    "dsplit": (lambda y: y.dsplit(2)[1], lambda y: y[1:]),
}
#: name -> a multi-output view op's piece (PyTorch refuses a recorded write into it)
PIECES = {
    "split": lambda y: y.split(2)[1],
    "split_sizes": lambda y: y.split([1, 2], dim=1)[0],
    "chunk": lambda y: y.chunk(2, dim=2)[1],
    "unbind": lambda y: y.unbind(1)[3],
    "split_with_sizes": lambda y: y.split_with_sizes([2, 1])[1],
    "view_of_piece": lambda y: y.chunk(3)[0][0, 1:],
}
#: name -> an alias of y (memory shared without a view: it follows writes into the memory)
ALIASES = {
    "detach": lambda y: y.detach(),
    "data": lambda y: y.data,
    "detach_of_view": lambda y: y[1:].detach(),
    "view_of_detach": lambda y: y.detach()[:, 1:],
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

    def piece_base_written(make_piece):
        y = lib.tensor(X, requires_grad=True) * 1.0
        piece = make_piece(y)
        y[1:].mul_(2)
        lib.autograd.grad((piece * 2.0).sum(), y)  # (PyTorch refuses at the use, TinyTorch at backward)

    pieces = {}
    for name, make_piece in PIECES.items():
        pieces[f"{name}_write"] = lambda make_piece=make_piece: make_piece(
            lib.tensor(X, requires_grad=True) * 1.0
        ).mul_(2)
        pieces[f"{name}_of_leaf"] = lambda make_piece=make_piece: make_piece(
            lib.tensor(X, requires_grad=True)
        ).mul_(2)
        pieces[f"{name}_plain_base"] = lambda make_piece=make_piece: make_piece(lib.tensor(X)).mul_(
            lib.tensor(2.0, requires_grad=True)
        )
        pieces[f"{name}_base_written"] = lambda make_piece=make_piece: piece_base_written(make_piece)
    return {
        **pieces,
        "leaf_view": leaf_view,
        "no_grad_view": no_grad_view,
        "expanded": expanded,
        "overlap": overlapping,
    }


def _pieces_unrecorded(lib, piece_name: str):
    """A piece written without recording (under no_grad): into the base's memory; the base's
    gradient is its history's, the one before the write."""
    x = lib.tensor(X, requires_grad=True)
    y = x * 1.0
    piece = PIECES[piece_name](y)
    with lib.no_grad():
        piece.mul_(3.0)
    (gx,) = lib.autograd.grad((y * lib.tensor(WEIGHTS)).sum(), x)
    return y, piece, gx


def _structure(lib):
    """``_is_view()`` and ``_base`` of pieces and aliases, as PyTorch's."""
    y = lib.tensor(X, requires_grad=True) * 1.0
    facts = []
    for make in (*PIECES.values(), *(VIEWS[name][0] for name in ("tensor_split", "hsplit", "dsplit"))):
        facts += [make(y)._is_view(), make(y)._base is y]
    for make in ALIASES.values():
        alias = make(y)
        facts += [alias._is_view(), alias._base is None, alias.requires_grad, alias[0]._base is alias]
    return tuple(facts)


def _alias_followed(lib, alias_name: str, write_name: str):
    """An alias taken before a recorded write through a view of y reads the new values."""
    x = lib.tensor(X, requires_grad=True)
    y = x * 1.0
    alias = ALIASES[alias_name](y)
    view = y[1:, ::2]
    source = lib.tensor(RNG_SOURCES["step"][: view.shape[0]], requires_grad=True)
    WRITES[write_name](view, source)
    return alias, y


def _alias_written(lib, alias_name: str, write_name: str):
    """A recorded write into an alias (or a view of it) reaches y's memory (y's history unchanged)."""
    x = lib.tensor(X, requires_grad=True)
    y = x * 1.0
    sibling = y[:, 1]
    alias = ALIASES[alias_name](y)
    view = alias[..., 1]
    source = lib.tensor(np.random.default_rng(5).standard_normal(view.shape), requires_grad=True)
    WRITES[write_name](view, source)
    gs = lib.zeros(source.shape, dtype=source.dtype)
    if alias.requires_grad:  # (a write not recorded, mul_(2.5): only the values moved)
        weighted = (alias * lib.tensor(WEIGHTS[: alias.shape[0], : alias.shape[1]])).sum()
        gs = lib.autograd.grad(weighted, source, allow_unused=True)[0]
        gs = lib.zeros(source.shape, dtype=source.dtype) if gs is None else gs
    (gx,) = lib.autograd.grad((y * lib.tensor(WEIGHTS)).sum(), x)
    return y, alias, sibling.detach(), gs, gx


def _written_forward(lib, view_name: str, write_name: str):
    """Forward-mode AD of the write: the tangents of the base, the view and the sibling (x and the
    source dual tensors, nothing requiring grad)."""
    make_view, make_sibling = VIEWS[view_name]
    fwad = lib.autograd.forward_ad
    with fwad.dual_level():
        x = fwad.make_dual(lib.tensor(X), lib.tensor(WEIGHTS))
        y = x * 1.0
        sibling = make_sibling(y)
        view = make_view(y)
        source = fwad.make_dual(lib.tensor(RNG_SOURCES[view_name]), lib.tensor(RNG_SOURCES[view_name] * 0.5))
        WRITES[write_name](view, source)
        return tuple(fwad.unpack_dual(t).tangent for t in (y, view, sibling))


def sweep_views(torch, tiny) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for view_name, write_name in itertools.product(VIEWS, WRITES):

        def make(lib, view_name=view_name, write_name=write_name):
            return _written(lib, view_name, write_name)

        compare(torch, tiny, write_name, view_name, make, 1e-9, found)
    for view_name, write_name in itertools.product(VIEWS, WRITES):

        def forward(lib, view_name=view_name, write_name=write_name):
            return _written_forward(lib, view_name, write_name)

        compare(torch, tiny, write_name, f"forward_{view_name}", forward, 1e-9, found)
    for piece_name in PIECES:
        compare(
            torch,
            tiny,
            "no_grad_write",
            piece_name,
            lambda lib, n=piece_name: _pieces_unrecorded(lib, n),
            1e-9,
            found,
        )
    compare(torch, tiny, "structure", "pieces_aliases", _structure, 0.0, found)
    for alias_name, write_name in itertools.product(ALIASES, WRITES):

        def followed(lib, alias_name=alias_name, write_name=write_name):
            return _alias_followed(lib, alias_name, write_name)

        def written(lib, alias_name=alias_name, write_name=write_name):
            return _alias_written(lib, alias_name, write_name)

        compare(torch, tiny, write_name, f"alias_{alias_name}_follows", followed, 1e-9, found)
        compare(torch, tiny, write_name, f"alias_{alias_name}_written", written, 1e-9, found)
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
