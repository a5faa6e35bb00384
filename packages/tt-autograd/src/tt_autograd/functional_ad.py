"""``torch.autograd.functional``: Jacobians, Hessians and their products for a whole function.

Each function takes ``func`` and the point ``inputs`` (a tensor or a tuple of
tensors), runs ``func`` on fresh copies of the inputs and differentiates it
with :func:`tt_autograd.gradients.grad`:

* ``vjp(func, inputs, v)``: ``v`` times the Jacobian (one backward pass);
* ``jvp(func, inputs, v)``: the Jacobian times ``v``. Reverse mode gives rows,
  not columns, so this uses the double-backward trick: ``u -> vjp(u) = J^T u``
  is linear in ``u``, and its own vector-Jacobian product with ``v`` is
  ``J v`` (two backward passes, the first recorded);
* ``jacobian(func, inputs)``: one backward pass per output element;
* ``hessian(func, inputs)``: the Jacobian of the recorded gradient;
* ``vhp`` / ``hvp``: ``v`` times the Hessian / the Hessian times ``v``, without
  building it (``hvp`` by the same trick as ``jvp``).

The second-order ones need ``create_graph=True`` backward passes, so every
operation ``func`` uses must have a differentiable backward
(:mod:`tt_autograd.higher_order`); one that has none names itself in the error.

Structures follow PyTorch: a tensor where the user gave a tensor, a tuple where
they gave a tuple; ``jacobian`` is ``J[i][j] = d output_i / d input_j``, each of
shape ``output_i.shape + input_j.shape``. ``strict=True`` raises when an output
does not depend on an input instead of returning zeros (PyTorch's wording).
``create_graph=True`` keeps the results differentiable, also with respect to
the caller's ``inputs`` and ``v`` that require grad. Only ``vectorize=False`` and
``strategy="reverse-mode"``: PyTorch's alternatives batch the backward passes with
``vmap`` (these functions do not) or need forward-mode AD (which TinyTorch does not
have), and both raise saying so.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_autograd.functional_ad import hessian
    >>> hessian(lambda x: (x**3).sum(), autograd.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
"""

from __future__ import annotations

from collections.abc import Callable

from tt_tensor.functional import stack

from .creation import zeros, zeros_like
from .grad_mode import enable_grad
from .gradients import grad
from .tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

_OUTPUTS = "outputs of the user-provided function"

# strict=True: the errors for a gradient that is missing (None) or constant, by where it was found.
_STRICT_MISSING = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
    "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
    "when using the double backward trick to compute forward mode gradients. This is not allowed in strict "
    "mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
    "grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick "
    "to replace forward mode AD.",
}
_STRICT_CONSTANT = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be "
    "computed in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
    "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with "
    "respect to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
    "that your function is twice differentiable and that the jacobian depends on the inputs (this would be "
    "violated by a linear function for example).",
}


def vjp(
    func: Callable[..., object],
    inputs: object,
    v: object = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(*inputs), v^T J)``: the vector-Jacobian product at ``inputs``, one backward pass.

    Args:
        func: takes the inputs, returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: like ``func``'s output (may be None when that is a one-element tensor).
        create_graph: make the results differentiable (recorded backward).
        strict: raise when an output does not depend on an input instead of returning zeros.

    Returns ``(outputs, vjp)``: ``outputs`` shaped as ``func`` returned them, ``vjp`` as ``inputs``.
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph)
        is_outputs_tuple, outputs = _call(func, inputs, "vjp", strict)
        v = _prepare_v(v, outputs, is_outputs_tuple, "vjp")
        result = _fill_in_zeros(
            _autograd_grad(outputs, inputs, v, create_graph), inputs, strict, create_graph, "back"
        )
    return _finish(outputs, is_outputs_tuple, create_graph), _finish(result, is_inputs_tuple, create_graph)


def jvp(
    func: Callable[..., object],
    inputs: object,
    v: object = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(*inputs), J v)``: the Jacobian-vector product, by the double-backward trick.

    ``g(u) = J^T u`` is computed with ``u`` a zero tensor that requires grad and the backward
    recorded; ``g`` is linear in ``u``, so its vector-Jacobian product with ``v`` is ``J v``.
    Cost: two backward passes, the first recorded (PyTorch's ``jvp`` does the same).

    Args are those of :func:`vjp`, with ``v`` like ``inputs``. Returns ``(outputs, jvp)``, both
    shaped as ``func``'s outputs.
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph)
        v = _prepare_v(v, inputs, is_inputs_tuple, "jvp")
        is_outputs_tuple, outputs = _call(func, inputs, "jvp", strict)
        result = jvp_at(outputs, inputs, v, create_graph, strict)
    return _finish(outputs, is_outputs_tuple, create_graph), _finish(result, is_outputs_tuple, create_graph)


def jvp_at(outputs: tuple, inputs: tuple, v: tuple, create_graph: bool, strict: bool = False) -> tuple:
    """``J v`` for ``outputs`` already computed from ``inputs`` (tuples), by the double-backward trick."""
    seeds = tuple(zeros_like(out, requires_grad=True) for out in outputs)
    transposed = _autograd_grad(outputs, inputs, seeds, create_graph=True)
    _check_requires_grad(transposed, "grad_inputs", strict)
    grads = _autograd_grad(transposed, seeds, v, create_graph)
    return _fill_in_zeros(grads, outputs, strict, create_graph, "back_trick")


def jacobian(
    func: Callable[..., object],
    inputs: object,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> object:
    """The Jacobian of ``func`` at ``inputs``: one backward pass per output element.

    Args:
        func, inputs, create_graph, strict: as in :func:`vjp`.
        vectorize: must be False (PyTorch batches the rows with ``vmap``; this function does not).
        strategy: must be ``"reverse-mode"`` (forward mode needs forward-mode AD).

    Returns a tensor of shape ``output.shape + input.shape`` for one output and one input; a
    tuple over the inputs (or the outputs) when those were a tuple; a tuple (outputs) of tuples
    (inputs) when both were. An output with no elements gives an empty Jacobian (PyTorch's
    ``torch.stack`` raises there).
    """
    _check_strategy(strategy, "strategy", "jacobian", vectorize)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph)
        is_outputs_tuple, outputs = _call(func, inputs, "jacobian", strict)
        return jacobian_at(outputs, inputs, (is_outputs_tuple, is_inputs_tuple), create_graph, strict)


def jacobian_at(
    outputs: tuple, inputs: tuple, was_tuple: tuple[bool, bool], create_graph: bool, strict: bool = False
) -> object:
    """The Jacobian of ``outputs`` already computed from ``inputs`` (tuples), in :func:`jacobian`'s structure
    (``was_tuple``: whether the outputs and the inputs were given as tuples)."""
    blocks = tuple(_jacobian_of_output(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
    # without create_graph every row came from a plain backward pass: nothing to detach
    return _tuple_postprocess(blocks, was_tuple)


def _jacobian_of_output(i: int, out: Tensor, inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """``d out / d input`` for each input, from one backward pass per element of ``out``."""
    rows: tuple[list, ...] = tuple([] for _ in inputs)
    flat = out.reshape(-1)
    for k in range(out.numel()):
        row = _autograd_grad((flat[k],), inputs, None, create_graph, retain_graph=True)
        for j, (g, inp) in enumerate(zip(row, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(
                        f"Output {i} of the user-provided function is independent of input {j}. This is not "
                        "allowed in strict mode."
                    )
                g = zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {j}. This is not "
                    "allowed in strict mode when create_graph=True."
                )
            rows[j].append(g)
    return tuple(_join_rows(r, tuple(out.shape) + tuple(inp.shape), inp) for r, inp in zip(rows, inputs))


def _join_rows(rows: list, shape: tuple[int, ...], like: Tensor) -> Tensor:
    """The rows stacked into ``shape``; one row is only reshaped, so a Hessian (the Jacobian of a
    one-element gradient) needs no ``stack`` in its recorded graph."""
    if not rows:
        return zeros(shape, dtype=like.dtype)
    return (rows[0] if len(rows) == 1 else stack(rows)).reshape(shape)


def hessian(
    func: Callable[..., object],
    inputs: object,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> object:
    """The Hessian of a one-element ``func`` at ``inputs``: the Jacobian of its recorded gradient.

    Args are those of :func:`jacobian`; ``func`` must return one tensor of one element.
    Returns a tensor of shape ``input.shape + input.shape`` for one input, else a tuple of
    tuples, ``H[i][j] = d^2 func / d input_i d input_j``.
    Cost: one recorded backward pass, then one backward pass per input element.
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    _check_strategy(outer_jacobian_strategy, "outer_jacobian_strategy", "hessian", vectorize)

    def scalar_func(*xs: Tensor) -> Tensor:
        is_tuple, outputs = _call(func, xs, "hessian", strict)
        _check_single_element(is_tuple, outputs, "hessian")
        return outputs[0].squeeze()

    def gradient(*xs: Tensor) -> tuple:
        first = jacobian(scalar_func, xs, create_graph=True)
        _check_requires_grad(first, "jacobian", strict)
        return first

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict)
    return _tuple_postprocess(result, (is_inputs_tuple, is_inputs_tuple))


def vhp(
    func: Callable[..., object],
    inputs: object,
    v: object = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(*inputs), v^T H)``: the vector-Hessian product of a one-element ``func``.

    Cost: two backward passes, the first recorded; the Hessian is never built.
    Args are those of :func:`vjp`, with ``v`` like ``inputs``. Returns ``(output, vhp)``,
    ``vhp`` shaped as ``inputs``.
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, first = _recorded_gradient(
            func, inputs, v, create_graph, strict, "vhp"
        )
        grads = _autograd_grad(first, inputs, v, create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back")
    return _finish(outputs, False, create_graph), _finish(result, is_inputs_tuple, create_graph)


def hvp(
    func: Callable[..., object],
    inputs: object,
    v: object = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(*inputs), H v)``: the Hessian-vector product of a one-element ``func``.

    ``H v`` is ``(v^T H)^T``, which differs from :func:`vhp` only where ``H`` is not symmetric
    (a function that is not twice continuously differentiable). As PyTorch, computed exactly by
    the double-backward trick: ``u -> H u`` is the gradient, with respect to ``u``, of
    ``(H^T u) . v``, where ``H^T u`` is the recorded vector-Hessian product with a zero tensor
    ``u`` that requires grad. Cost: three backward passes, the first two recorded.
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, first = _recorded_gradient(
            func, inputs, v, create_graph, strict, "hvp"
        )
        seeds = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        transposed = _autograd_grad(first, inputs, seeds, create_graph=True)
        grads = _autograd_grad(transposed, seeds, v, create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back_trick")
    return _finish(outputs, False, create_graph), _finish(result, is_inputs_tuple, create_graph)


# ---------------------------------------------------------------------------- shared steps


def _check_strategy(strategy: str, argument: str, name: str, vectorize: bool) -> None:
    """Refuse what needs machinery TinyTorch lacks: vmap (``vectorize``) and forward-mode AD."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            f'{name}: expected {argument} to be either "forward-mode" or "reverse-mode", got {strategy!r}'
        )
    if strategy == "forward-mode":
        raise NotImplementedError(
            f'torch.autograd.functional.{name}: {argument}="forward-mode" needs forward-mode AD (dual '
            'numbers, torch.autograd.forward_ad), which TinyTorch does not have; "reverse-mode" '
            "(the default) gives the same result"
        )
    if vectorize:
        raise NotImplementedError(
            f"torch.autograd.functional.{name}: vectorize=True batches the backward passes with vmap, "
            "which TinyTorch's functional Jacobians do not do; vectorize=False (the default) gives the same "
            "result, one backward pass per output element (or use torch.func.vmap of a vjp_fn yourself)"
        )


def _as_tuple(value: object, what: str, name: str) -> tuple[bool, tuple]:
    """``(was it a tuple, the tensors as a tuple)``; anything but a tensor or a tuple of them is refused."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, item in enumerate(values):
        if not isinstance(item, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(
                f"The {what} given to {name} must be either a Tensor or a tuple of Tensors but {where} has "
                f"type {type(item)}."
            )
    return is_tuple, values


def _grad_preprocess(tensors: tuple, create_graph: bool) -> tuple:
    """Fresh tensors to differentiate with respect to: with ``create_graph``, a tensor that requires
    grad stays joined to its graph through a view, so the results can be differentiated with
    respect to it; otherwise a detached copy that requires grad. Fresh, so one tensor passed as two
    inputs gives two gradients, not their sum twice."""
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_() for t in tensors
    )


def _call(func: Callable[..., object], inputs: tuple, name: str, strict: bool) -> tuple[bool, tuple]:
    """``func(*inputs)`` as ``(was it a tuple, outputs)``; with ``strict``, each must require grad."""
    check_callable(func, name)
    is_tuple, outputs = _as_tuple(func(*inputs), _OUTPUTS, name)
    _check_requires_grad(outputs, "outputs", strict)
    return is_tuple, outputs


def check_callable(func: object, name: str) -> None:
    """A clear error for a ``func`` argument that cannot be called (also used by ``torch.func``)."""
    if not callable(func):
        raise TypeError(f"{name}: func must be callable (a function or a module), got {type(func).__name__}")


def _prepare_v(v: object, like: tuple, is_like_tuple: bool, name: str) -> tuple | None:
    """``v`` as a tuple matching ``like`` (the outputs for vjp, else the inputs), or None if allowed.

    ``v`` is used as given (PyTorch detaches it first): :func:`grad` reads a seed as an array, or
    with ``create_graph`` as the tensor itself, so the results depend on a ``v`` that requires
    grad exactly when they are recorded.
    """
    if v is None:
        subject = (
            "user-provided function returns" if name == "vjp" else "input to the user-provided function is"
        )
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(
                f"The vector v can only be None if the {subject} a single Tensor with a single element."
            )
        return None
    _, v = _as_tuple(v, "v", name)
    if len(v) != len(like):
        if is_like_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (entry, other) in enumerate(zip(v, like)):
        if tuple(entry.shape) != tuple(other.shape):
            prefix = f"Entry {i} in " if is_like_tuple else ""
            raise RuntimeError(
                f"{prefix}v has invalid size: should be {tuple(other.shape)} but got {tuple(entry.shape)}."
            )
    return v


def _recorded_gradient(
    func: Callable[..., object], inputs: object, v: object, create_graph: bool, strict: bool, name: str
) -> tuple:
    """hvp's and vhp's start: ``(is the input a tuple, inputs, v, output, its recorded gradient)``."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _grad_preprocess(inputs, create_graph)
    v = _prepare_v(v, inputs, is_inputs_tuple, name)
    is_outputs_tuple, outputs = _call(func, inputs, name, strict)
    _check_single_element(is_outputs_tuple, outputs, name)
    first = _autograd_grad(outputs, inputs, None, create_graph=True)
    _check_requires_grad(first, "jacobian", strict)
    return is_inputs_tuple, inputs, v, outputs, first


def _check_single_element(is_tuple: bool, outputs: tuple, name: str) -> None:
    if is_tuple:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {name} should contain a single element"
        )


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """With ``strict``: each of ``tensors`` (outputs, or gradients) must exist and require grad."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(_STRICT_MISSING["back"].format(i=i))
        if not t.requires_grad:
            raise RuntimeError(_STRICT_CONSTANT[kind].format(i=i))


def _autograd_grad(
    outputs: tuple,
    inputs: tuple,
    grad_outputs: tuple | None,
    create_graph: bool,
    retain_graph: bool | None = None,
) -> tuple:
    """:func:`grad` over the outputs that require grad (None for every input when none does)."""
    seeds = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    kept = [(out, seed) for out, seed in zip(outputs, seeds) if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    outs, seeds = zip(*kept)
    return grad(outs, inputs, seeds, retain_graph, create_graph, allow_unused=True)


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Zeros (shaped as ``refs``) for the missing gradients, or, with ``strict``, an error."""
    filled = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_MISSING[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is not allowed "
                "in strict mode when create_graph=True."
            )
        filled.append(g)
    return tuple(filled)


def _finish(tensors: tuple, was_tuple: bool, create_graph: bool) -> object:
    """One structure as the caller gave it (the tuple, or its one tensor); detached unless ``create_graph``
    (``func``'s outputs carry its graph)."""
    if not create_graph:
        tensors = tuple(t.detach() for t in tensors)
    return tensors if was_tuple else tensors[0]


def _tuple_postprocess(blocks: tuple, was_tuple: tuple[bool, bool]) -> object:
    """A tuple (outputs) of tuples (inputs) unpacked where the caller gave a tensor, not a tuple."""
    outer, inner = was_tuple
    if not inner:
        blocks = tuple(row[0] for row in blocks)
    return blocks if outer else blocks[0]
