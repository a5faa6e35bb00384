"""``torch.func``'s transforms: grad, grad_and_value, vjp, jvp, linearize, jacrev, jacfwd and hessian.

A transform takes a function and returns a new one: ``grad(f)`` is the function
``x ↦ ∇f(x)``, which can be called on plain tensors (nothing needs
``requires_grad``) and transformed again — ``grad(grad(f))`` is the second
derivative of a scalar function, ``jacrev(jacrev(f))`` a Hessian.

How: each call marks the chosen arguments as tracked (a fresh tensor that
requires grad: a detached leaf sharing the storage, or a view that stays joined
to the graph of an argument that already requires grad), runs ``f`` under grad
mode and differentiates with :func:`tt_autograd.gradients.grad` or the Jacobian
functions of :mod:`tt_autograd.functional_ad`. When ``f``'s graph reaches a
tensor that requires grad other than the fresh ones — an argument tracked by an
outer transform, or a parameter ``f`` uses that the caller will differentiate
— the backward pass is recorded (``create_graph=True``,
:mod:`tt_autograd.higher_order`), so the result stays differentiable with
respect to it: that is what makes the transforms compose. Otherwise it is a
plain backward pass, and the results carry no graph.

Differences from PyTorch: ``jacrev``'s ``chunk_size`` is accepted only at its default.
``jacfwd`` runs in forward mode (:mod:`tt_autograd.forward_jacobian`). ``vmap`` is
:mod:`tt_autograd.vmap_transform`; inside it, the arguments these transforms track are
batched over the running vmap levels (:func:`~tt_autograd.vmap_transform.batch_everywhere`),
so each sample has its own.

Example:
    >>> import tt_autograd as autograd
    >>> cube = lambda x: (x**3).sum()
    >>> grad(grad(cube))(autograd.tensor(2.0))  # 6x
    tensor(12.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tt_tensor import Tensor as PlainTensor

from . import forward_ad, forward_jacobian, functional_ad
from .creation import zeros_like
from .engine import topological_order
from .function import Function
from .grad_mode import enable_grad
from .gradients import grad as gradients_of
from .vmap_transform import batch_everywhere


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """The gradient of ``func`` (which returns one-element tensor) w.r.t. argument(s) ``argnums``.

    Returns a function of ``func``'s arguments that returns the gradient (a tuple for a tuple
    ``argnums``), and ``(gradient, aux)`` when ``has_aux`` (``func`` then returns ``(loss, aux)``).
    Cost: one forward and one backward pass of ``func``.
    """

    functional_ad.check_callable(func, "grad")

    def gradient(*args: Any, **kwargs: Any) -> Any:
        grads, _, aux = _grad_and_value(func, argnums, has_aux, args, kwargs, "grad")
        return (grads, aux) if has_aux else grads

    return gradient


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """As :func:`grad`, returning ``(gradient, value)`` (``(gradient, (value, aux))`` with ``has_aux``)."""

    functional_ad.check_callable(func, "grad_and_value")

    def gradient_and_value(*args: Any, **kwargs: Any) -> Any:
        grads, value, aux = _grad_and_value(func, argnums, has_aux, args, kwargs, "grad_and_value")
        return (grads, (value, aux)) if has_aux else (grads, value)

    return gradient_and_value


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` returns ``cotangentsᵀ J``, one per primal.

    ``cotangents`` has the structure of ``func``'s output (a tuple for a tuple). ``vjp_fn`` may be
    called many times (the graph is kept). With ``has_aux`` the result is ``(output, vjp_fn, aux)``.
    Cost: one forward pass, one backward pass per ``vjp_fn`` call.
    """
    functional_ad.check_callable(func, "vjp")
    with enable_grad():
        tracked = _tracked(primals, range(len(primals)), "vjp")
        output, aux = _split_aux(func(*tracked), has_aux, "vjp")
    outputs = output if isinstance(output, tuple) else (output,)
    record = _reaches_other_leaves(outputs, tracked)

    def vjp_fn(cotangents: Any) -> tuple:
        if isinstance(output, tuple) and not isinstance(cotangents, (tuple, list)):
            raise TypeError(
                f"vjp: func returned a tuple of {len(output)} outputs, so vjp_fn needs a tuple of as many "
                f"cotangents, got {type(cotangents).__name__}"
            )
        seeds = cotangents if isinstance(output, tuple) else (cotangents,)
        _shaped_like(seeds, outputs, "vjp", "cotangent", "output")
        pairs = [(o, c) for o, c in zip(outputs, seeds) if o.requires_grad]  # the rest depend on no primal
        found: Any = [None] * len(tracked)
        if pairs:
            with enable_grad():
                found = gradients_of(
                    [o for o, _ in pairs],
                    list(tracked),
                    [c for _, c in pairs],
                    retain_graph=True,
                    create_graph=record or any(getattr(c, "requires_grad", False) for c in seeds),
                    allow_unused=True,
                )
        return tuple(zeros_like(p) if g is None else g for p, g in zip(tracked, found))

    result, aux = (output, aux) if record else (_detached(output), _detached(aux))
    return (result, vjp_fn, aux) if has_aux else (result, vjp_fn)


def jvp(func: Callable, primals: tuple, tangents: tuple, *, has_aux: bool = False) -> tuple:
    """``(func(*primals), J · tangents)`` in forward mode, as PyTorch's ``torch.func.jvp``.

    ``primals`` and ``tangents`` are tuples of the same length. With ``has_aux``:
    ``(output, jvp_out, aux)``. ``func`` runs once on dual tensors at a forward-AD level of its own
    (nested inside any open one, :func:`~tt_autograd.forward_ad.nested_level`), so ``jvp`` composes
    with ``vmap``, ``jacfwd`` and the reverse transforms in any order. Cost: one forward pass with
    each op's tangent rule (about twice ``func``'s work). The primals are real floating-point
    tensors (forward mode has no complex rules here).
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple) or len(primals) != len(tangents):
        raise TypeError(
            "jvp: primals and tangents must be tuples of the same length (one entry per argument of func), "
            f"got {type(primals).__name__} and {type(tangents).__name__}"
        )
    functional_ad.check_callable(func, "jvp")
    _shaped_like(tangents, primals, "jvp", "tangent", "primal")
    for i, p in enumerate(primals):
        if not isinstance(p, PlainTensor) or not p.dtype.is_floating_point:
            kind = f"a {p.dtype} tensor" if isinstance(p, PlainTensor) else type(p).__name__
            raise TypeError(
                f"jvp: argument {i} must be a floating-point tensor to differentiate with respect to it, "
                f"got {kind}"
            )
    with forward_ad.nested_level():
        duals = [forward_ad.make_dual(p, t.to(p.dtype)) for p, t in zip(primals, tangents)]
        output, aux = _split_aux(func(*duals), has_aux, "jvp")
        outputs = output if isinstance(output, tuple) else (output,)
        if not outputs or not all(isinstance(o, PlainTensor) for o in outputs):
            kind = type(output).__name__
            raise TypeError(f"jvp: func must return a tensor or a tuple of tensors, got {kind}")
        unpacked = [forward_ad.unpack_dual(o) for o in outputs]
        results = tuple(u.primal for u in unpacked)
        products = tuple(zeros_like(o) if u.tangent is None else u.tangent for o, u in zip(outputs, unpacked))
    output, product = (results, products) if isinstance(output, tuple) else (results[0], products[0])
    return (output, product, aux) if has_aux else (output, product)


def linearize(func: Callable, *primals: Any) -> tuple:
    """``(func(*primals), jvp_fn)``; ``jvp_fn(*tangents)`` returns ``J · tangents`` at ``primals``.

    ``func`` runs once; its backward is recorded once, giving ``g(u) = Jᵀu`` (linear in ``u``); each
    ``jvp_fn`` call is then one backward pass through that recording (``d⟨g(u), t⟩/du = J t``),
    where PyTorch replays a traced forward-mode graph: the same values. Cost: one forward and one
    recorded backward pass, then one backward pass per call.

    Under outer transforms (``jacrev``, ``grad``, ``jacfwd``, ``vmap``, another ``linearize``) the
    output and the products are differentiated and batched like any other tensors: e.g.
    ``jacrev(lambda x: linearize(f, x)[1](v))`` is the Hessian-vector product. PyTorch's linearize
    gives zeros under an outer ``jacrev`` and refuses ``jacfwd``/``vmap`` there.
    """
    functional_ad.check_callable(func, "linearize")
    with enable_grad():
        tracked = _tracked(primals, range(len(primals)), "linearize")
        output = func(*tracked)
        outputs = output if isinstance(output, tuple) else (output,)
        if not outputs or not all(isinstance(o, PlainTensor) for o in outputs):
            raise TypeError("linearize: func must return a tensor or a tuple of tensors")
        seeds = tuple(batch_everywhere(zeros_like(o)).requires_grad_() for o in outputs if o.requires_grad)
        reached = [o for o in outputs if o.requires_grad]
        transposed = (
            gradients_of(reached, list(tracked), seeds, create_graph=True, allow_unused=True)
            if reached
            else ()
        )
    record = _reaches_other_leaves(outputs, tracked)

    def jvp_fn(*tangents: Any) -> Any:
        if len(tangents) != len(primals):
            raise RuntimeError(
                f"linearize: jvp_fn takes one tangent per primal ({len(primals)}), got {len(tangents)}"
            )
        _shaped_like(tangents, primals, "linearize", "tangent", "primal")
        for i, (t, p) in enumerate(zip(tangents, primals)):
            if t.dtype != p.dtype:
                raise RuntimeError(
                    f"linearize: tangent {i} has dtype {t.dtype}, but primal {i} has dtype {p.dtype}; "
                    "they must match"
                )
        pairs = [(g, t) for g, t in zip(transposed, tangents) if g is not None and g.requires_grad]
        found: Any = [None] * len(seeds)
        if pairs:
            with enable_grad():  # (d<g(u), t>/du as the vjp of g with cotangents t: batched t under vmap)
                gs, ts = [g for g, _ in pairs], [t for _, t in pairs]
                differentiable = record or any(t.requires_grad for t in ts)
                found = gradients_of(
                    gs, list(seeds), ts, retain_graph=True, create_graph=differentiable, allow_unused=True
                )
        grads, products = iter(found), []
        for o in outputs:  # (an output that depends on no primal: zeros)
            g = next(grads) if o.requires_grad else None
            products.append(zeros_like(o) if g is None else g if g.requires_grad else _detached(g))
        return tuple(products) if isinstance(output, tuple) else products[0]

    # The output, and jvp_fn's products, stay in the caller's graph when the primals are in one (a leaf
    # that requires grad, an outer jacrev or linearize), as a PyTorch output does (its linearize gives
    # zeros for the products there); else they are detached, keeping an outer jacfwd's tangents.
    return (output if record else _detached(output)), jvp_fn


def jacrev(
    func: Callable,
    argnums: int | tuple[int, ...] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
) -> Callable:
    """The Jacobian of ``func`` w.r.t. argument(s) ``argnums``: ``output.shape + argument.shape``.

    A tuple per argument for a tuple ``argnums``, per output for a tuple output (both: outputs
    outside, arguments inside). Cost: one backward pass per output element.
    """
    return _jacobian_transform(func, argnums, has_aux, chunk_size, "jacrev")


def jacfwd(
    func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *, randomness: str = "error"
) -> Callable:
    """As :func:`jacrev` (same values and structure), computed in forward mode as PyTorch's: one jvp per
    basis vector of each chosen argument, all at once under vmap (:mod:`tt_autograd.forward_jacobian`).

    ``randomness`` is vmap's (``"error"``, ``"different"``, ``"same"``). Cost: one forward pass of
    ``func`` on a batch of ``argument.numel()`` tangents per chosen argument. Inside an open forward-AD
    level (``jacfwd(jacfwd(f))``, ``jacfwd`` inside ``dual_level``) it opens a nested level
    (:func:`~tt_autograd.forward_ad.nested_level`): forward over forward. For an argument without
    elements the Jacobian is computed in reverse mode instead: the same (empty) values.
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            f"jacfwd: randomness must be one of ('error', 'different', 'same'), got {randomness!r}"
        )
    reverse = _jacobian_transform(func, argnums, has_aux, None, "jacfwd")  # (checks that func is callable)

    def jacobian_of(*args: Any) -> Any:
        numbers = _argnums(argnums, len(args), "jacfwd")
        chosen = _tracked(args, numbers, "jacfwd")  # (the same checks as jacrev's)
        if any(chosen[i].numel() == 0 for i in numbers):
            return reverse(*args)

        def split(result: Any) -> tuple:
            return _split_aux(result, has_aux, "jacfwd")

        found, aux = forward_jacobian.jacobian(
            func, args, numbers, split, randomness, isinstance(argnums, tuple)
        )
        return (found, aux) if has_aux else found

    return jacobian_of


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Hessian of a scalar ``func``: the Jacobian of its gradient, ``jacfwd(jacrev(func))`` as PyTorch's.

    Forward over reverse: one vmapped pass of the recorded gradient computation pushes all
    ``n`` basis tangents at once (each op's tangent from its ``graph_jvp``), where
    ``jacrev(jacrev(func))`` runs one recorded backward pass per gradient element. As in PyTorch,
    ``func`` runs under vmap with ``randomness="error"`` (a random op raises), and an op without
    a batching rule loops over the ``n`` samples with vmap's warning. For an argument without
    elements it is reverse over reverse (jacfwd's fallback).
    """
    functional_ad.check_callable(func, "hessian")
    inner = jacfwd(jacrev(func, argnums), argnums)

    def hessian_of(*args: Any) -> Any:
        _tracked(args, _argnums(argnums, len(args), "hessian"), "hessian")  # its own name in errors
        return inner(*args)

    return hessian_of


def _jacobian_transform(func: Callable, argnums: Any, has_aux: bool, chunk_size: Any, name: str) -> Callable:
    functional_ad.check_callable(func, name)
    if chunk_size is not None:
        raise NotImplementedError(f"{name}: chunk_size is not supported (rows aren't batched); leave it None")

    def jacobian_of(*args: Any) -> Any:
        numbers = _argnums(argnums, len(args), name)
        with enable_grad():
            tracked = _tracked(args, numbers, name)
            output, aux = _split_aux(func(*tracked), has_aux, name)
            outputs = output if isinstance(output, tuple) else (output,)
            chosen = tuple(tracked[i] for i in numbers)
            record = _reaches_other_leaves(outputs, chosen)
            shape = (isinstance(output, tuple), isinstance(argnums, tuple))
            result = functional_ad.jacobian_at(outputs, chosen, shape, record)
        return (result, aux if record else _detached(aux)) if has_aux else result

    return jacobian_of


def _grad_and_value(func, argnums, has_aux, args, kwargs, name) -> tuple:
    numbers = _argnums(argnums, len(args), name)
    with enable_grad():
        tracked = _tracked(args, numbers, name)
        output, aux = _split_aux(func(*tracked, **kwargs), has_aux, name)
        if not isinstance(output, PlainTensor) or output.numel() != 1:
            shape = tuple(output.shape) if isinstance(output, PlainTensor) else type(output).__name__
            raise RuntimeError(
                f"{name}: func must return a tensor with one element (a scalar loss) to take its gradient, "
                f"got {shape}; reduce it first (e.g. .sum()), or use jacrev for a Jacobian"
            )
        chosen = [tracked[i] for i in numbers]
        record = _reaches_other_leaves((output,), chosen)
        found: Any = [None] * len(chosen)  # an output that depends on no chosen argument: zeros
        if output.requires_grad:
            found = gradients_of(output, chosen, create_graph=record, allow_unused=True)
    grads = tuple(zeros_like(x) if g is None else g for x, g in zip(chosen, found))
    # (_detached keeps an outer jacfwd's tangent on the value, where .detach() would drop it)
    value, aux = (output, aux) if record else (_detached(output), _detached(aux))
    return (grads if isinstance(argnums, tuple) else grads[0]), value, aux


def _argnums(argnums: Any, count: int, name: str) -> tuple[int, ...]:
    numbers = argnums if isinstance(argnums, tuple) else (argnums,)
    if not numbers or not all(isinstance(i, int) and -count <= i < count for i in numbers):
        raise ValueError(
            f"{name}: argnums must be an int or a non-empty tuple of ints in [-{count}, {count}) for a "
            f"function called with {count} positional argument(s), got {argnums!r}"
        )
    numbers = tuple(i % count for i in numbers)
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"{name}: argnums must name each argument once, got {argnums!r} (as {numbers})")
    return numbers


def _shaped_like(given: tuple, like: tuple, name: str, what: str, of: str) -> None:
    """Each of ``given`` (cotangents, tangents) is a tensor of the shape of its entry of ``like``."""
    for i, (value, reference) in enumerate(zip(given, like)):
        if not isinstance(reference, PlainTensor):
            continue
        if not isinstance(value, PlainTensor):
            raise TypeError(
                f"{name}: {what} {i} must be a tensor of the {of}'s shape {tuple(reference.shape)}, "
                f"got {type(value).__name__}"
            )
        if tuple(value.shape) != tuple(reference.shape):
            raise RuntimeError(
                f"{name}: {what} {i} has shape {tuple(value.shape)}, but {of} {i} has shape "
                f"{tuple(reference.shape)}; they must match"
            )


def _tracked(args: tuple, numbers: Any, name: str) -> tuple:
    """``args`` with the chosen ones replaced by fresh tensors that require grad (module docstring)."""
    tracked = list(args)
    for i in numbers:
        value = batch_everywhere(args[i])  # inside vmap: one leaf per sample (tt_autograd.vmap_transform)
        if not isinstance(value, PlainTensor) or not value.dtype.is_floating_point:
            kind = f"a {value.dtype} tensor" if isinstance(value, PlainTensor) else type(value).__name__
            raise TypeError(
                f"{name}: argument {i} must be a floating-point tensor to differentiate with respect to it, "
                f"got {kind}"
            )
        fresh = value.view_as(value) if value.requires_grad else value.detach().requires_grad_()
        tracked[i] = forward_ad.carry(value, fresh)  # (a view already has it: the same tangent)
    return tuple(tracked)


def _reaches_other_leaves(outputs: tuple, fresh: Any) -> bool:
    """Whether the outputs' graph reaches a tensor that requires grad other than the ``fresh`` leaves.

    Then someone may differentiate the result again (an outer transform, or the caller through a
    parameter), so the backward pass must be recorded. Cost: one walk over the graph's edges.
    """
    own = {id(t) for t in fresh if t.grad_fn is None}
    root = Function()
    root.parents = [o.grad_fn for o in outputs if isinstance(o, PlainTensor) and o.grad_fn is not None]
    for node in topological_order(root):
        for parent in node.parents:
            if parent is not None and not isinstance(parent, Function) and id(parent) not in own:
                if getattr(parent, "requires_grad", False):
                    return True
    return False


def _split_aux(result: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, tuple) or len(result) != 2:
        raise RuntimeError(f"{name}: with has_aux=True, func must return a pair (output, aux)")
    return result


def _detached(value: Any) -> Any:
    """``value`` with every tensor in it (in tuples, lists and dicts too) detached: a transform's results
    carry no graph when nothing outside it will differentiate them (as ``torch.func`` unwraps its level)."""
    if isinstance(value, PlainTensor):
        return forward_ad.carry(value, value.detach()) if hasattr(value, "detach") else value
    if isinstance(value, (tuple, list)):
        return type(value)(_detached(v) for v in value)
    if isinstance(value, dict):
        return {k: _detached(v) for k, v in value.items()}
    return value
