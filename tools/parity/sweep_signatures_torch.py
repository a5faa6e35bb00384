"""The ``torch`` and ``tensor`` groups of :mod:`sweep_signatures`: ``torch.*`` and ``torch.Tensor``'s methods.

Most of them are C functions with overloads and no ``inspect.signature``. Their call forms come from,
in this order:

* ``inspect.signature`` where PyTorch's is Python (``torch.split``, ``Tensor.backward``);
* PyTorch's own argument parser: a call it cannot bind (twelve stand-in objects, or an unknown
  keyword) raises a ``TypeError`` that lists every overload it accepts, with names, defaults and the
  ``*`` of keyword-only parameters (``(Tensor input, tuple of ints dim, bool keepdim = False, *,
  torch.dtype dtype = None, Tensor out = None)``). This is exactly what a call must match, where the
  docstrings simplify (``Tensor.sum``'s reads ``sum(dim=None, keepdim=False, dtype=None)`` but
  ``dtype`` is keyword-only). A name of ``self`` in a function's overload is a positional slot only
  (``torch.where(condition, self, other)`` with a number);
* else (a function with one overload, where the parser's message names no signature) the docstring:
  its first line and each ``.. function::`` / ``.. method::`` line (``sum(input, dim, keepdim=False, *,
  dtype=None) -> Tensor``), with ``*size, *,`` read as ``*size,``; positional parameters past the
  number the parser's message gives (``takes from 1 to 4 positional arguments``) are keyword-only.

A TinyTorch signature is compared with each overload: a parameter an overload takes is ``missing``
when TinyTorch's has no parameter of its name; ``kind`` when an overload's positional parameter is
at another position or keyword-only here, or keyword in PyTorch and positional-only here (a ``*args``
at or before its position takes it by position); ``default`` when PyTorch's overload has a default and
TinyTorch's differs (an overload's required parameter that has a default here is fine: another
overload leaves it out). ``extra`` is a parameter of TinyTorch's that no overload has (``*args`` and
``**kwargs`` are how one signature takes several overloads, not extra). An overload with named
dimensions (``Dimname``) is left out: TinyTorch has no named tensors. A ``tuple of ints`` first
parameter takes PyTorch's varargs too (``x.view(2, 3)``): TinyTorch's ``*shape`` stands for it.
"""

from __future__ import annotations

import ast
import inspect
import re
import types
from collections.abc import Iterator
from keyword import iskeyword

EMPTY = inspect.Parameter.empty
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
#: Types in the parser's overloads that are named dimensions (TinyTorch has no named tensors).
NAMED = ("Dimname", "name", "tuple of names")


class _Stand:
    """An object no PyTorch parameter accepts: the parser's error lists what it wanted."""


def shared(torch, tiny, group: str) -> Iterator[tuple[str, object, object]]:
    """``(name, PyTorch's, TinyTorch's)``: the public functions of ``torch`` (group ``torch``) or the
    public methods of ``torch.Tensor`` (group ``tensor``) that TinyTorch has too."""
    if group == "torch":
        for name in sorted(dir(torch)):
            value = getattr(torch, name, None)
            if name.startswith("_") or isinstance(value, (types.ModuleType, type)) or not callable(value):
                continue
            if (getattr(value, "__module__", None) or "torch").startswith("torch") and hasattr(tiny, name):
                ours = getattr(tiny, name)
                if callable(ours) and not isinstance(ours, type):
                    yield name, value, ours
        return
    for name in sorted(dir(torch.Tensor)):
        if name.startswith("_") or not hasattr(tiny.Tensor, name):
            continue
        static = inspect.getattr_static(torch.Tensor, name)
        mine = inspect.getattr_static(tiny.Tensor, name)
        if isinstance(static, (property, type)) or type(static).__name__ == "getset_descriptor":
            continue
        if isinstance(mine, (property, type)) or not callable(getattr(tiny.Tensor, name)):
            continue
        yield f"Tensor.{name}", getattr(torch.Tensor, name), getattr(tiny.Tensor, name)


def _probe_messages(torch, value: object, method: bool) -> list[str]:
    """The messages of calls PyTorch's parser refuses (nothing runs: binding fails first)."""
    stand, first = _Stand(), ([torch.zeros(2)] if method else [])
    messages = []
    calls = (([stand] * 12, {}), ([torch.zeros(2)], {"__probe__": 1}), ([stand], {"__probe__": 1}), ([], {}))
    for args, kwargs in calls:
        try:
            value(*first, *args, **kwargs)
        except Exception as error:  # noqa: BLE001  (any refusal's message is read)
            messages.append(str(error))
    return messages


def _parser_parameter(text: str, keyword: bool, method: bool) -> inspect.Parameter:
    """``tuple of ints dim = None`` as a parameter (its type kept as the annotation)."""
    left, _, default = text.partition(" = ")
    kind_words, _, name = left.rpartition(" ")
    if keyword:
        kind = inspect.Parameter.KEYWORD_ONLY
    elif (name == "self" and not method) or iskeyword(name):  # (x.random_(from, to): by position only)
        name = name + "_" if iskeyword(name) else name
        kind = inspect.Parameter.POSITIONAL_ONLY
    else:
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    value = EMPTY
    if default:
        try:
            value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            value = default  # (at::Reduction::Mean, ...: compared as text)
    return inspect.Parameter(name, kind, default=value, annotation=kind_words)


def from_parser(messages: list[str], method: bool) -> list[inspect.Signature]:
    """The overloads a parser message lists (``expected one of: * (...)`` or ``but expected (...)``)."""
    for message in messages:
        if "expected one of:" in message:
            texts = re.findall(r"^ \* \((.*)\)\s*$", message, re.M)
        elif match := re.search(r"but expected \((.*)\)\s*$", message, re.S):
            texts = [match.group(1)]
        else:
            continue
        found = []
        for text in texts:
            parts = [p.strip() for p in text.split(", ")] if text.strip() else []
            star = parts.index("*") if "*" in parts else len(parts)
            parameters = [
                _parser_parameter(p, index > star, method) for index, p in enumerate(parts) if p != "*"
            ]
            if any(p.annotation in NAMED for p in parameters):
                continue
            try:
                found.append(inspect.Signature(parameters))
            except ValueError:  # (a required parameter after a default: keep the order, drop the check)
                found.append(inspect.Signature(parameters, __validate_parameters__=False))
        if found:
            return found
    return []


def _positional_limit(messages: list[str]) -> int | None:
    """How many positional arguments the parser's message says the one overload takes."""
    for message in messages:
        if "takes no arguments" in message:
            return 0
        if match := re.search(r"takes (?:from \d+ to )?(\d+) positional argument", message):
            return int(match.group(1))
    return None


def from_docstring(name: str, value: object, limit: int | None) -> list[inspect.Signature]:
    """The docstring's signature lines (``name(...)``, ``.. function:: name(...)``) as signatures."""
    from sweep_signatures import _from_docstring  # (the one-line parser, shared)

    text = getattr(value, "__doc__", None) or ""
    starts = [m.start(1) for m in re.finditer(rf"^\s*(?:\.\. (?:function|method):: )?({name}\()", text, re.M)]
    found = []
    for start in starts:
        line = re.sub(r"(\*\w+), \*,", r"\1,", text[start:])
        holder = types.SimpleNamespace(__doc__=line)
        signature = _from_docstring(name, holder)
        if signature is None:
            continue
        if limit is not None:
            parameters, positional = [], 0
            for parameter in signature.parameters.values():
                if parameter.kind in POSITIONAL:
                    positional += 1
                    if positional > limit:
                        parameter = parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
                parameters.append(parameter)
            signature = signature.replace(parameters=sorted(parameters, key=lambda p: p.kind))
        found.append(signature)
    return found


def overloads(torch, name: str, value: object, method: bool) -> tuple[list[inspect.Signature], str]:
    """PyTorch's overloads of ``value`` and where they came from (module docstring)."""
    try:
        python = inspect.signature(value)
    except (TypeError, ValueError):
        python = None
    if python is not None and not isinstance(value, types.BuiltinFunctionType | types.MethodDescriptorType):
        parameters = list(python.parameters.values())
        if method and parameters and parameters[0].name == "self":
            python = python.replace(parameters=parameters[1:])
        kinds = [p.kind for p in python.parameters.values()]
        if kinds != list(VARIADIC):
            return [python], "python"
    messages = _probe_messages(torch, value, method)
    if found := from_parser(messages, method):
        return found, "parser"
    short = name.rsplit(".", 1)[-1]
    if any(re.search(r"takes no arguments \(", m) for m in messages):  # (C METH_NOARGS: nothing at all)
        return [inspect.Signature()], "parser"
    limit, required = _positional_limit(messages), _required(messages)
    if found := from_docstring(short, value, limit):
        defaults = aten_defaults(torch, short)
        found = [with_defaults(renamed(f, required, method), defaults) for f in found]
        return [without_refused(torch, value, method, f) for f in found], "docstring"
    if limit is not None and limit == len(required):  # (no docstring: the parser's required names are all)
        return [inspect.Signature([inspect.Parameter(n, POSITIONAL[1]) for n in required])], "parser"
    return [], "no signature"


def ours_signature(tiny, value: object, method: bool) -> inspect.Signature | None:
    """TinyTorch's signature (a method's without ``self``). A forwarder, ``f(input, *args, **kwargs)``
    whose docstring names the method it calls (``torch.sum`` calls ``input.sum``, ``x.add_`` calls
    ``self.add``, an alias ``x.absolute`` its target), has that method's signature (with ``input`` first
    for a function, and the forwarder's own ``out=``)."""
    try:
        found = inspect.signature(value)
    except (TypeError, ValueError):
        return None
    for _ in range(3):  # (torch.absolute -> x.absolute -> x.abs)
        target = _forwards_to(tiny, found, value)
        if target is None:
            break
        found, value = _joined(found, inspect.signature(target)), target
    parameters = list(found.parameters.values())
    if method and parameters and parameters[0].kind in POSITIONAL:
        found = found.replace(parameters=parameters[1:])
    return found


def _forwards_to(tiny, found: inspect.Signature, value: object) -> object | None:
    """The Tensor method a generic forwarder's docstring says it calls, or None."""
    kinds = [p.kind for p in found.parameters.values() if p.name != "out"]
    if kinds != [POSITIONAL[1], *VARIADIC]:
        return None
    doc = getattr(value, "__doc__", None) or ""
    match = re.search(r":meth:`(?:Tensor\.)?(\w+)`|``(?:self|input)\.(\w+)\(", doc)
    name = match and (match.group(1) or match.group(2))
    target = getattr(tiny.Tensor, name, None) if name else None
    return target if callable(target) and target is not value else None


def _joined(forwarder: inspect.Signature, target: inspect.Signature) -> inspect.Signature:
    """The forwarder's first parameter, then the target method's after ``self``, then the forwarder's
    ``out=`` (before a ``**kwargs``)."""
    first = next(iter(forwarder.parameters.values()))
    rest = list(target.parameters.values())[1:]
    if "out" in forwarder.parameters and "out" not in target.parameters:
        at = len(rest) - (bool(rest) and rest[-1].kind is VARIADIC[1])
        out = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
        rest.insert(at, out)
    try:
        return inspect.Signature([first.replace(annotation=EMPTY), *rest])
    except ValueError:
        return forwarder


def compare_overloads(theirs: list[inspect.Signature], ours: inspect.Signature) -> list[tuple[str, str, str]]:
    """``(kind, parameter, what)``: the call forms of PyTorch's overloads TinyTorch's signature refuses."""
    from sweep_signatures import _describe, _show, same_default

    mine = {p.name: p for p in ours.parameters.values() if p.kind not in VARIADIC}
    positions = [p.name for p in ours.parameters.values() if p.kind in POSITIONAL]
    star = next((p for p in ours.parameters.values() if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
    star_at = len(positions) if star is not None else None
    keywords = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in ours.parameters.values())
    found: dict[tuple[str, str], str] = {}
    for overload in theirs:
        shown = "(" + ", ".join(overload.parameters) + ")"
        index = 0
        for parameter in overload.parameters.values():
            name = parameter.name
            if name.startswith("_"):
                continue
            if parameter.kind in VARIADIC:
                if (star if parameter.kind is VARIADIC[0] else keywords) in (None, False):
                    found.setdefault(("missing", _describe(parameter)), f"PyTorch's {_describe(parameter)}")
                continue
            positional = parameter.kind in POSITIONAL
            at, index = index, index + positional
            if parameter.kind is inspect.Parameter.POSITIONAL_ONLY and positional:
                if at >= len(positions) and star is None:
                    found.setdefault(("missing", name), f"PyTorch's positional #{at} of {shown}")
                continue
            varargs = at == star_at and (parameter.annotation == "tuple of ints" or star.name == name)
            if name not in mine:
                if varargs:
                    continue
                if not keywords or positional:
                    where = " (swallowed by **kwargs)" if keywords else ""
                    if not (positional and star_at is not None and star_at <= at and keywords):
                        found.setdefault(("missing", name), f"PyTorch's {name} in {shown}{where}")
                continue
            ours_parameter = mine[name]
            if positional:
                if at < len(positions) and positions[at] == name:
                    pass
                elif star_at is not None and star_at <= at:
                    pass
                elif name in positions:
                    found.setdefault(
                        ("kind", name), f"position {at} in PyTorch's {shown}, {positions.index(name)} here"
                    )
                else:
                    found.setdefault(
                        ("kind", name), f"positional #{at} in PyTorch's {shown}, keyword-only here"
                    )
            if ours_parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
                found.setdefault(("kind", name), "keyword in PyTorch, positional-only here")
            if parameter.default is not EMPTY and not same_default(
                _neutral(parameter.default), _neutral(ours_parameter.default)
            ):
                found.setdefault(
                    ("default", name), f"{_show(parameter.default)} vs {_show(ours_parameter.default)}"
                )
    named = {p for overload in theirs for p in overload.parameters}
    for name, parameter in mine.items():
        if name not in named and not name.startswith("_"):
            found.setdefault(("extra", name), f"TinyTorch's {name}={_show(parameter.default)}")
    return [(kind, name, what) for (kind, name), what in found.items()]


def _neutral(value: object) -> object:
    """A default as both sides spell it: ``torch.strided`` (text or object), ``at::Reduction::Mean``."""
    if isinstance(value, str) and value.startswith("at::Reduction::"):  # (the C enum: None 0, Mean 1, Sum 2)
        return {"None": 0, "Mean": 1, "Sum": 2}[value.rsplit("::", 1)[-1]]
    text = value if isinstance(value, str) else repr(value)
    if (
        text == "torch.strided"
    ):  # (PyTorch's factories' layout: the docstrings' torch.strided, the parser's None)
        return None
    if value is not None and text.startswith(("torch.", "tt.", "tinytorch.")):
        return text.split(".", 1)[1]
    return value


def _required(messages: list[str]) -> list[str]:
    """The names of the required parameters the parser says a call without arguments lacked."""
    for message in reversed(messages):  # (the call without arguments last: it misses them all)
        if match := re.search(r"missing \d+ required positional arguments?: (.*)", message):
            return re.findall(r'"(\w+)"', match.group(1))
    return []


def renamed(signature: inspect.Signature, names: list[str], method: bool) -> inspect.Signature:
    """The docstring's required positional parameters given the names the parser uses (``Tensor.bmm``'s
    docstring says ``batch2``, its parser ``mat2``); a method docstring's leading ``input`` dropped."""
    parameters = list(signature.parameters.values())
    required = [p for p in parameters if p.kind in POSITIONAL and p.default is EMPTY]
    if method and len(required) == len(names) + 1 and required[0].name in ("input", "self"):
        parameters.remove(required.pop(0))
    if names and len(required) == len(names):
        new = dict(zip((p.name for p in required), names))
        parameters = [p.replace(name=new.get(p.name, p.name)) for p in parameters]
    try:
        return signature.replace(parameters=parameters)
    except ValueError:
        return signature


def aten_defaults(torch, name: str) -> dict[str, object]:
    """The defaults of ATen's schema of ``name`` (its first overload without ``out``): the docstrings'
    defaults are at times wrong (``Tensor.kthvalue``'s says ``dim=None``; ATen's, which binds, ``-1``)."""
    try:
        schemas = torch._C._jit_get_schemas_for_operator(f"aten::{name}")
    except RuntimeError:
        return {}
    for schema in schemas:
        if "out" not in schema.overload_name:
            return {a.name: a.default_value for a in schema.arguments if a.default_value is not None}
    return {}


def with_defaults(signature: inspect.Signature, defaults: dict[str, object]) -> inspect.Signature:
    """``signature`` with each default that ATen's schema gives too replaced by ATen's (numbers only:
    ATen spells dtypes and formats as integers)."""
    parameters = [
        p.replace(default=defaults[p.name])
        if p.default is not EMPTY
        and isinstance(defaults.get(p.name), (int, float))
        and not isinstance(p.default, str)
        else p
        for p in signature.parameters.values()
    ]
    return signature.replace(parameters=parameters)


def without_refused(torch, value: object, method: bool, signature: inspect.Signature) -> inspect.Signature:
    """``signature`` without the keyword-only parameters PyTorch's parser refuses as unknown
    (``x.new_tensor``'s docstring lists ``layout`` and ``pin_memory``; a call with them is refused). A
    tensor stands for each required positional argument, so that the parser reaches the keywords."""
    required = [p for p in signature.parameters.values() if p.kind in POSITIONAL and p.default is EMPTY]
    args = [torch.zeros(2)] * (len(required) + method)
    kept = []
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            try:
                value(*args, **{parameter.name: _Stand()})
            except Exception as error:  # noqa: BLE001
                if f"unexpected keyword argument '{parameter.name}'" in str(error):
                    continue
        kept.append(parameter)
    return signature.replace(parameters=kept)


def accepts_keyword(torch, value: object, name: str, method: bool) -> bool:
    """Whether PyTorch takes the keyword ``name`` that its docstring or the parser's count does not show:
    a call with it is refused for its value, not as unknown (a tensor stands for the first argument), or
    one of ATen's schemas of the op has it (a function's ``out`` from the ``.out`` overload)."""
    try:
        value(torch.zeros(2), **{name: _Stand()})
    except Exception as error:  # noqa: BLE001
        text = str(error)
        if f"argument '{name}'" in text and "unexpected keyword" not in text:
            return True
    else:
        return True
    try:
        schemas = torch._C._jit_get_schemas_for_operator(f"aten::{value.__name__}")
    except (RuntimeError, AttributeError):
        return False
    return any(a.name == name and (name != "out" or not method) for s in schemas for a in s.arguments)


def _numpy_named(overload: inspect.Signature) -> inspect.Signature:
    """``overload`` with NumPy's ``axis``/``keepdims`` as PyTorch's ``dim``/``keepdim`` (its parser takes
    both spellings; ``torch.concatenate``'s docstring shows ``axis``)."""
    names = {"axis": "dim", "keepdims": "keepdim"}
    parameters = [p.replace(name=names.get(p.name, p.name)) for p in overload.parameters.values()]
    try:
        return overload.replace(parameters=parameters)
    except ValueError:  # (both spellings listed)
        return overload


def sweep(torch, tiny, group: str) -> tuple[list[tuple[str, str, str, str]], list[str], int]:
    """``(differences as (kind, name, parameter, what), names skipped and why, names compared)``."""
    from sweep_signatures import unused

    method = group == "tensor"
    found, skipped, compared = [], [], 0
    for name, theirs, ours in shared(torch, tiny, group):
        their_overloads, source = overloads(torch, name, theirs, method)
        if not their_overloads:
            skipped.append(f"{name}: PyTorch's has {source}")
            continue
        my_signature = ours_signature(tiny, ours, method)
        if my_signature is None:
            found.append(("missing", name, "*", "TinyTorch's has no signature"))
            continue
        compared += 1
        if getattr(
            ours, "numpy_names", False
        ):  # (axis/keepdims taken for dim/keepdim: tt_tensor.keyword_aliases)
            their_overloads = [_numpy_named(o) for o in their_overloads]
        note = f" [PyTorch's from its {source}]" if source != "parser" else ""
        for kind, parameter, what in compare_overloads(their_overloads, my_signature):
            if kind == "extra" and source != "python" and accepts_keyword(torch, theirs, parameter, method):
                continue  # (a keyword the docstring or the count leaves out: ``torch.argmax(x, out=...)``)
            found.append((kind, name, parameter, what + note))
        names = {p for overload in their_overloads for p in overload.parameters}
        shared_parameters = [p for p in my_signature.parameters if p in names and p[0] != "_" and p != "self"]
        for parameter in unused(ours, shared_parameters):
            found.append(("unused", name, parameter, "accepted, and never read by TinyTorch's code"))
    return found, skipped, compared
