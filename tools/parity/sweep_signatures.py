"""``python tools/parity/sweep_signatures.py``: every shared name's signature against PyTorch's.

:mod:`sweep` calls the shared names on inputs; this compares what they accept. For every public
name that both frameworks have among ``torch.nn``'s Module classes (constructors),
``torch.nn.functional``, ``torch.nn.init``, ``torch.optim``'s optimizers, ``torch.optim.lr_scheduler``,
``torch.utils.data``, ``torch.distributions`` (constructors) and ``torch.nn.utils`` (with ``rnn``,
``parametrize``, ``parametrizations``), (group ``methods``) the methods each of those classes
defines in PyTorch (``Module.load_state_dict``, ``forward``, ``step``, ``log_prob``, ...), and
(group ``distributed``) ``torch.distributed``, ``nn.parallel`` and ``optim.swa_utils``, and the
top-level functions ``torch.*`` (group ``torch``) and ``torch.Tensor``'s methods (group ``tensor``),
whose overloads :mod:`sweep_signatures_torch` reads off PyTorch's argument parser,
``inspect.signature`` of each is compared, and each difference a PyTorch call could meet is listed
under its kind:

* ``missing``: a parameter PyTorch takes and TinyTorch does not (a call passing it fails; with a
  ``**kwargs`` catching it, it may be ignored, which is worse);
* ``extra``: a parameter only TinyTorch takes (a script using it does not run on PyTorch);
* ``default``: a different default, or a default on one side only (a call leaving it out differs);
* ``unused``: a parameter both take that TinyTorch's code never reads (accepted, and ignored: it
  lies to the caller), found from the source of the function (``__init__``) that declares it (an
  abstract method, whose body only raises, reads nothing and is not judged);
* ``kind``: a parameter PyTorch binds by position or by name that TinyTorch binds otherwise, or at
  another position (a positional call binds its arguments to other parameters); a more lenient
  kind on TinyTorch's side (positional-or-keyword where PyTorch is keyword-only) is no difference.

Where PyTorch's object has no Python signature (a C builtin such as ``F.conv2d``, or a
``boolean_dispatch`` such as ``F.max_pool2d``), the first line of its docstring stands for it when
it reads as one (``conv2d(input, weight, bias=None, stride=1, ...)``), else the name is skipped.
Parameters whose name starts with ``_`` (``_stacklevel``, ``_random_samples``) are private to
PyTorch and not compared. A difference is an error unless :data:`ACCEPTED` names it with the
reason; exit status 1 on any other. Opt-in (it imports torch), never part of the default tests.

Usage:
    python tools/parity/sweep_signatures.py [--group modules|functional|init|optimizers|schedulers|
                                             data|distributions|utils|methods|distributed|
                                             torch|tensor]
                                            [--accepted] [--summary]
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import inspect
import operator
import re
import sys
import textwrap
import types
import typing
from collections.abc import Iterator

from sweep_signatures_torch_accepted import (
    ACCEPTED as TORCH_ACCEPTED,
)  # (tools/parity is the script's directory)

EMPTY = inspect.Parameter.empty
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
KINDS = ("missing", "extra", "default", "kind", "unused")
GROUPS = (
    "modules",
    "functional",
    "init",
    "optimizers",
    "schedulers",
    "data",
    "distributions",
    "utils",
    "methods",
    "distributed",
    "torch",
    "tensor",
)
#: The groups whose classes' methods the ``methods`` group compares, and the dunders it takes too.
CLASS_GROUPS = ("modules", "optimizers", "schedulers", "data", "distributions")
DUNDERS = ("__getitem__", "__len__", "__iter__")
#: (group, name, parameter) -> why the difference is deliberate; the name and the parameter are
#: shell-style patterns (``F.*_with_indices``, ``*`` for all; ``[*]`` is ``*args``, ``[*][*]`` ``**kwargs``).
ACCEPTED: dict[tuple[str, str, str], str] = {
    ("modules", "nn.GRU", "proj_size"): (
        "keyword-only, 0 only: PyTorch's GRU takes it through **kwargs and refuses any other value, as "
        "TinyTorch's does"
    ),
    ("modules", "nn.RNN", "proj_size"): "as nn.GRU's",
    ("functional", "F.*_with_indices", "return_indices"): (
        "ignored by PyTorch's *_with_indices too: both the values and the indices are always returned"
    ),
    ("functional", "F.scaled_dot_product_attention", "generator"): (
        "keyword-only, TinyTorch's: the generator of the attention dropout (PyTorch draws from the global "
        "one only)"
    ),
    ("data", "utils.data.random_split", "generator"): (
        "PyTorch's default is the global generator object (default_generator); TinyTorch's None means the "
        "same generator"
    ),
    ("utils", "nn.utils.*", "foreach"): (
        "chooses PyTorch's multi-tensor kernel for the same values; TinyTorch has one NumPy path (as the "
        "optimizers' foreach, check_implementation_flags)"
    ),
    ("methods", "nn.Module.to", "*"): (
        "PyTorch's overloads (device, dtype, non_blocking), (dtype, non_blocking), (tensor, non_blocking) "
        "are one (*args, device=, dtype=, non_blocking=, memory_format=) here: positional arguments of any "
        "overload go through *args, keywords bind by name"
    ),
    ("methods", "nn.Module.forward", "[*][*]"): "the base forward is abstract in both (it raises)",
    ("methods", "nn.Module.named_modules", "memo"): (
        "memo and prefix swap places: module 04's course code calls named_modules(prefix, memo) by "
        "position; PyTorch's callers pass them by name (memo is internal)"
    ),
    ("methods", "nn.Module.named_modules", "prefix"): "as memo's",
    ("methods", "nn.Module.state_dict", "[*]"): (
        "PyTorch's positional (destination, prefix, keep_vars) are deprecated (a warning); TinyTorch takes "
        "prefix and keep_vars by position, as the course code calls them"
    ),
    ("methods", "distributions.*Transform.log_abs_det_jacobian", "y"): (
        "the log-determinant needs x only (PyTorch's reads x only too)"
    ),
    ("methods", "distributions.CorrCholeskyTransform.log_abs_det_jacobian", "intermediates"): (
        "PyTorch's cache of a forward partial sum; recomputed from y, the same values"
    ),
    ("distributed", "distributed.init_process_group", "backend"): (
        "PyTorch's None picks a backend per device (gloo, nccl); tt-dist's one backend is 'mpi' (None too)"
    ),
    ("distributed", "distributed.init_process_group", "timeout"): (
        "the default is PyTorch's 30 minutes, spelt out; tt-dist's None means no limit (documented)"
    ),
    ("distributed", "distributed.init_process_group", "group_name"): "ignored by PyTorch too (deprecated)",
    (
        "distributed",
        "distributed.new_*",
        "group_desc",
    ): "a description for PyTorch's logs; not read by either",
    ("distributed", "distributed.set_debug_level", "*"): (
        "PyTorch's is a C function taking the level by position only (its docstring calls it arg0)"
    ),
    ("distributed", "nn.parallel.DistributedDataParallel", "check_reduction"): (
        "deprecated and ignored by PyTorch too"
    ),
    ("distributed", "distributed.*_object_list", "use_batch"): (
        "PyTorch's choice of batched point-to-point calls for the same values; one path here"
    ),
    ("distributed", "distributed.barrier", "device_ids"): (
        "NCCL's GPU ids; PyTorch's CPU backend (gloo) ignores them too (barrier(device_ids=[1]) runs)"
    ),
    ("distributed", "nn.parallel.DistributedDataParallel", "batched_grad_copy"): (
        "PyTorch's choice of one batched copy of the gradients into the buckets: the same values"
    ),
    ("distributed", "nn.parallel.DistributedDataParallel", "dim"): (
        "PyTorch reads it only to scatter inputs over several devices of one process; unused for CPU modules"
    ),
}


ACCEPTED.update(TORCH_ACCEPTED)  # (groups torch and tensor: their table sits beside their sweep)


def _namespaces(root) -> dict[str, list[tuple[str, object]]]:
    """Each group's ``(prefix, namespace)`` pairs in ``root`` (torch or tinytorch)."""
    utils = [("nn.utils.", root.nn.utils)]
    for sub in ("rnn", "parametrize", "parametrizations"):
        if hasattr(root.nn.utils, sub):
            utils.append((f"nn.utils.{sub}.", getattr(root.nn.utils, sub)))
    return {
        "modules": [("nn.", root.nn)],
        "functional": [("F.", root.nn.functional)],
        "init": [("nn.init.", root.nn.init)],
        "optimizers": [("optim.", root.optim)],
        "schedulers": [("lr_scheduler.", root.optim.lr_scheduler)],
        "data": [("utils.data.", root.utils.data)],
        "distributions": [("distributions.", root.distributions)],
        "utils": utils,
        "distributed": [
            ("distributed.", getattr(root, "distributed", None)),
            ("nn.parallel.", getattr(root.nn, "parallel", None)),
            ("swa_utils.", getattr(root.optim, "swa_utils", None)),
        ],
    }


def _wanted(torch, group: str, value: object) -> bool:
    """Whether PyTorch's ``value`` is one the group compares."""
    if isinstance(value, types.ModuleType) or not callable(value):
        return False
    if group == "modules":
        return isinstance(value, type) and issubclass(value, torch.nn.Module)
    if group == "optimizers":
        return isinstance(value, type) and issubclass(value, torch.optim.Optimizer)
    if group == "schedulers":
        scheduler = torch.optim.lr_scheduler
        bases = (scheduler.LRScheduler, scheduler.ReduceLROnPlateau)
        return isinstance(value, type) and issubclass(value, bases)
    if group == "distributions":
        return isinstance(value, type)
    module = getattr(value, "__module__", None) or ""
    return module.startswith("torch") and not module.startswith("torch._jit_internal")


def _shared_methods(torch, tiny) -> Iterator[tuple[str, object, object]]:
    """``(Class.method, PyTorch's, TinyTorch's)``: the methods each shared class of :data:`CLASS_GROUPS`
    defines itself in PyTorch (``forward``, ``step``, ``log_prob``, ...) that TinyTorch's class has."""
    for group in CLASS_GROUPS:
        for name, theirs, ours in shared_names(torch, tiny, group):
            if not (isinstance(theirs, type) and isinstance(ours, type)):
                continue
            for method in sorted(vars(theirs)):
                if method.startswith("_") and method not in DUNDERS:
                    continue
                static = inspect.getattr_static(theirs, method)
                if isinstance(static, (property, type)) or not hasattr(ours, method):
                    continue
                if callable(getattr(theirs, method)) and callable(getattr(ours, method)):
                    yield f"{name}.{method}", getattr(theirs, method), getattr(ours, method)


def shared_names(torch, tiny, group: str) -> Iterator[tuple[str, object, object]]:
    """``(qualified name, PyTorch's object, TinyTorch's)`` of every public name of the group both have."""
    if group == "methods":
        yield from _shared_methods(torch, tiny)
        return
    ours = dict(_namespaces(tiny)[group])
    for prefix, namespace in _namespaces(torch)[group]:
        if ours.get(prefix) is None:
            continue
        for name in sorted(dir(namespace)):
            if name.startswith("_") or not hasattr(ours[prefix], name):
                continue
            value = getattr(namespace, name)
            if _wanted(torch, group, value):
                yield prefix + name, value, getattr(ours[prefix], name)


def _constant(node: ast.expr | None) -> object:
    """A docstring default's value: a literal, or arithmetic on literals (``1.0 / 8``); else its text."""
    if node is None:
        return EMPTY
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    operators = {
        ast.Div: operator.truediv,
        ast.Mult: operator.mul,
        ast.Add: operator.add,
        ast.Sub: operator.sub,
    }
    if isinstance(node, ast.BinOp) and type(node.op) in operators:
        left, right = _constant(node.left), _constant(node.right)
        if isinstance(left, (int, float)) and isinstance(right, (int, float)):
            return operators[type(node.op)](left, right)
    return ast.unparse(node)  # (a name such as torch.float32: compared as text)


def _from_docstring(name: str, value: object) -> inspect.Signature | None:
    """The signature the docstring opens with (``conv2d(input, weight, bias=None) -> Tensor``), which
    may run over several lines."""
    text = (getattr(value, "__doc__", None) or "").lstrip()
    if not text.startswith(name + "("):
        return None
    depth, end = 0, None
    for index, character in enumerate(text):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == ")" and depth == 0:
            end = index
            break
    if end is None:
        return None
    try:
        arguments = ast.parse(f"def f({' '.join(text[len(name) + 1 : end].split())}): pass").body[0].args
    except SyntaxError:
        return None
    parameters = []
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + arguments.defaults
    for index, (argument, node) in enumerate(zip(positional, defaults)):
        kind = POSITIONAL[0] if index < len(arguments.posonlyargs) else POSITIONAL[1]
        parameters.append(inspect.Parameter(argument.arg, kind, default=_constant(node)))
    if arguments.vararg:
        parameters.append(inspect.Parameter(arguments.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for argument, node in zip(arguments.kwonlyargs, arguments.kw_defaults):
        keyword = inspect.Parameter.KEYWORD_ONLY
        parameters.append(inspect.Parameter(argument.arg, keyword, default=_constant(node)))
    if arguments.kwarg:
        parameters.append(inspect.Parameter(arguments.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    try:
        return inspect.Signature(parameters)
    except ValueError:  # (a docstring line that is not a valid signature)
        return None


def _from_overloads(value: object) -> inspect.Signature | None:
    """The longest ``typing.overload`` of ``value`` (of its ``__init__`` for a class), ``self`` left out."""
    function = value.__init__ if isinstance(value, type) else value
    found = [inspect.signature(o) for o in typing.get_overloads(function)]
    found = [f for f in found if not _generic(f)]
    if not found:
        return None
    longest = max(found, key=lambda f: len(f.parameters))
    parameters = list(longest.parameters.values())
    return longest.replace(parameters=parameters[1:] if isinstance(value, type) else parameters)


def _generic(found: inspect.Signature) -> bool:
    """Whether ``found`` is only ``(*args, **kwargs)`` (after a method's ``self``)."""
    kinds = [p.kind for name, p in found.parameters.items() if name != "self"]
    return kinds == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]


def signature(value: object, name: str = "", module_base: type | None = None) -> tuple[object, str]:
    """``value``'s signature and where it came from (``"python"``, ``"overload"``, ``"docstring"``,
    ``"Module"``), or ``(None, why)``. Where the Python one is only ``(*args, **kwargs)``, a
    ``typing.overload`` or the docstring's first line stands for it; a ``module_base`` subclass that
    inherits its ``__init__`` takes no argument (``nn.Module.__init__`` refuses any)."""
    try:
        found = inspect.signature(value)
    except (TypeError, ValueError):
        found = None
    if found is not None and not _generic(found):
        return found, "python"
    if found is not None and (overloaded := _from_overloads(value)) is not None:
        return overloaded, "overload"
    if (from_doc := _from_docstring(name.rsplit(".", 1)[-1], value)) is not None:
        return from_doc, "docstring"
    if module_base is not None and isinstance(value, type) and value.__init__ is module_base.__init__:
        return inspect.Signature(), "Module"
    return found, "python" if found is not None else "no signature"


def _key(parameter: inspect.Parameter) -> str:
    """A parameter's name, or ``*`` / ``**`` for the variadic ones (their names do not matter)."""
    if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
        return "*"
    if parameter.kind is inspect.Parameter.VAR_KEYWORD:
        return "**"
    return parameter.name


def _plain(value: object) -> object:
    """A framework-neutral form of a default: numbers, text, tuples; dtypes and objects by their name."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if value is None or value is EMPTY or isinstance(value, (bool, int, float, str, complex)):
        return value
    if isinstance(getattr(value, "name", None), str) and type(value).__name__ in ("RedOpType", "ReduceOp"):
        return "ReduceOp." + value.name  # (PyTorch's C enum and tt-dist's Python one: the same members)
    text = repr(value)
    return type(value).__name__ + ":" + re.sub(r"^(torch|tinytorch|tt_\w+)\.", "", text.split(" at 0x")[0])


def same_default(theirs: object, ours: object) -> bool:
    """Whether two defaults are the same value (``0`` and ``0.0`` are; ``True`` and ``1`` are not)."""
    if theirs is Ellipsis:  # (a typing.overload's stub default: some default, its value not written)
        return ours is not EMPTY
    a, b = _plain(theirs), _plain(ours)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(same_default, a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if a is EMPTY or b is EMPTY:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:  # NaN and NaN
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001  (an uncomparable pair differs)
        return False


def _show(default: object) -> str:
    if default is EMPTY:
        return "(required)"
    text = repr(default)
    return re.sub(r" (object )?at 0x[0-9a-f]+", "", text)


def _describe(parameter: inspect.Parameter) -> str:
    """``name=default`` / ``*args`` / ``**kwargs``, without annotations or addresses."""
    if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
        return str(parameter.replace(annotation=EMPTY))
    return f"{parameter.name}={_show(parameter.default)}"


def compare(theirs: inspect.Signature, ours: inspect.Signature) -> list[tuple[str, str, str]]:
    """The differences between PyTorch's signature and TinyTorch's: ``(kind, parameter, what)``."""
    mine = {_key(p): p for p in ours.parameters.values() if not p.name.startswith("_")}
    their = {_key(p): p for p in theirs.parameters.values() if not p.name.startswith("_")}
    found = []
    for key, parameter in their.items():
        if key not in mine:
            where = " (swallowed by **kwargs)" if "**" in mine and key not in ("*", "**") else ""
            found.append(("missing", key, f"PyTorch's {_describe(parameter)}{where}"))
        elif not same_default(parameter.default, mine[key].default):
            found.append(("default", key, f"{_show(parameter.default)} vs {_show(mine[key].default)}"))
    for key, parameter in mine.items():
        if key not in their:
            found.append(("extra", key, f"TinyTorch's {_describe(parameter)}"))
    their_positions = [_key(p) for p in theirs.parameters.values() if p.kind in POSITIONAL]
    my_positions = [_key(p) for p in ours.parameters.values() if p.kind in POSITIONAL]
    for index, key in enumerate(their_positions):
        if key.startswith("_") or key not in mine:
            continue
        if key not in my_positions:
            if "*" not in mine or mine[key].kind is not inspect.Parameter.KEYWORD_ONLY:
                found.append(("kind", key, f"positional #{index} in PyTorch, keyword-only here"))
            else:
                found.append(("kind", key, f"positional #{index} in PyTorch, keyword-only here (after *)"))
        elif my_positions.index(key) != index:
            found.append(("kind", key, f"position {index} in PyTorch, {my_positions.index(key)} here"))
    for key, parameter in their.items():
        if (
            key in mine
            and parameter.kind is not inspect.Parameter.POSITIONAL_ONLY
            and mine[key].kind is inspect.Parameter.POSITIONAL_ONLY
        ):
            found.append(("kind", key, "keyword in PyTorch, positional-only here"))
    return found


def unused(value: object, names: list[str]) -> list[str]:
    """Which of ``names`` (parameters of TinyTorch's ``value``, its ``__init__`` for a class) the body
    of the Python function that declares them never reads: accepted, and ignored. Names the body could
    reach otherwise (``locals()``, ``vars()``) and parameters the function does not itself declare
    (passed on through ``**kwargs``) are not judged."""
    function = inspect.unwrap(value.__init__ if isinstance(value, type) else value)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    if len(body) == 1 and isinstance(body[0], ast.Raise):  # (an abstract method: reads nothing)
        return []
    declared = {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
    read = {n.id for statement in node.body for n in ast.walk(statement) if isinstance(n, ast.Name)}
    if read & {"locals", "vars"}:
        return []
    return [name for name in names if name in declared and name not in read]


def accepted(group: str, name: str, parameter: str) -> str | None:
    """The reason :data:`ACCEPTED` gives for the difference, or None."""
    for (where, names, parameters), reason in ACCEPTED.items():
        if (
            fnmatch.fnmatchcase(group, where)
            and fnmatch.fnmatchcase(name, names)
            and fnmatch.fnmatchcase(parameter, parameters)
        ):
            return reason
    return None


def sweep(torch, tiny, group: str) -> tuple[list[tuple[str, str, str, str]], list[str], int]:
    """``(differences as (kind, name, parameter, what), names skipped and why, names compared)``."""
    found, skipped, compared = [], [], 0
    for name, theirs, ours in shared_names(torch, tiny, group):
        their_signature, source = signature(theirs, name, torch.nn.Module)
        if their_signature is None:
            skipped.append(f"{name}: PyTorch's has {source}")
            continue
        my_signature, my_source = signature(ours, name, tiny.nn.Module)
        if my_signature is None:
            found.append(("missing", name, "*", f"TinyTorch's has {my_source}"))
            continue
        compared += 1
        note = " [PyTorch's from its docstring]" if source == "docstring" else ""
        for kind, parameter, what in compare(their_signature, my_signature):
            found.append((kind, name, parameter, what + note))
        shared = [
            p
            for p in my_signature.parameters
            if p in their_signature.parameters and p[0] != "_" and p != "self"
        ]
        for parameter in unused(ours, shared):
            found.append(("unused", name, parameter, "accepted, and never read by TinyTorch's code"))
    return found, skipped, compared


def run(groups: list[str], show_accepted: bool = False, summary: bool = False) -> int:
    import warnings

    warnings.filterwarnings("ignore")
    import torch

    import tinytorch

    failures = 0
    for group in groups:
        if group in ("torch", "tensor"):
            import sweep_signatures_torch  # (tools/parity is the script's directory)

            found, skipped, compared = sweep_signatures_torch.sweep(torch, tinytorch, group)
        else:
            found, skipped, compared = sweep(torch, tinytorch, group)
        open_ = [f for f in found if not accepted(group, f[1], f[2])]
        counts = ", ".join(f"{kind} {sum(f[0] == kind for f in open_)}" for kind in KINDS)
        print(
            f"{group}: {compared} signatures compared, {len(skipped)} skipped; "
            f"{len(open_)} differences ({counts}), {len(found) - len(open_)} accepted"
        )
        if not summary:
            for kind in KINDS:
                for _, name, parameter, what in (f for f in open_ if f[0] == kind):
                    print(f"  {kind:7} {name}({parameter}): {what}")
        if show_accepted:
            for kind, name, parameter, what in found:
                if reason := accepted(group, name, parameter):
                    print(f"  accepted {kind} {name}({parameter}): {what} -- {reason}")
        failures += len(open_)
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", choices=GROUPS, help="default: all")
    parser.add_argument("--accepted", action="store_true", help="also list the accepted differences")
    parser.add_argument("--summary", action="store_true", help="only the counts per group")
    args = parser.parse_args(argv)
    return run(args.group or list(GROUPS), args.accepted, args.summary)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
