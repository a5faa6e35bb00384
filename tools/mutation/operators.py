"""Mutation points inside solution regions, found with ``ast`` and applied as exact text edits.

A :class:`Mutant` is one single-token change at a byte span of one file: the
rest of the file is untouched, and every mutant returned still parses. Only
nodes lying wholly between a module's ``# BEGIN SOLUTION NN`` and
``# END SOLUTION`` lines are mutated. Operators:

* ``arith``: ``+ ↔ -``, ``* ↔ /``, ``// → /``, ``% → /``, ``** → *``, ``@ → *``, ``& ↔ |``, ``^ → &``
* ``compare``: ``< ↔ <=``, ``> ↔ >=``, ``== ↔ !=``, ``is ↔ is not``, ``in ↔ not in``
* ``constant``: ``0 → 1``, ``1 → 0``, ``n → n+1``, float ``c → 2c`` (``0.0 → 1.0``), ``True ↔ False``
* ``boolean``: ``and ↔ or``; ``not``: ``not x → x``; ``unary``: ``-x → x``, ``~x → x``
* ``augassign``: ``+= ↔ -=``, ``*= ↔ /=``, …
* ``drop``: a simple statement (call, assignment to an attribute, item or an already bound
  name, augmented assignment, ``raise``, ``assert``, ``del``) becomes ``pass``
* ``return``: ``return expr → return None``

Strings, docstrings, annotations and the arguments of ``raise`` / ``assert`` messages are
not mutated (a wrong error message is not a wrong result). Cost: one ``ast.parse`` per file
plus one per mutant (the parse check).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

TOOL_ROOT = Path(__file__).resolve().parents[2]


def _load_exercises():
    name = "_tt_mutation_exercises"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TOOL_ROOT / "src" / "tinytorch" / "exercises.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


exercises = _load_exercises()

ARITH = {
    ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*"),
    ast.FloorDiv: ("//", "/"), ast.Mod: ("%", "/"), ast.Pow: ("**", "*"), ast.MatMult: ("@", "*"),
    ast.BitAnd: ("&", "|"), ast.BitOr: ("|", "&"), ast.BitXor: ("^", "&"),
    ast.LShift: ("<<", ">>"), ast.RShift: (">>", "<<"),
}  # fmt: skip
COMPARE = {
    ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="), ast.GtE: (">=", ">"),
    ast.Eq: ("==", "!="), ast.NotEq: ("!=", "=="), ast.Is: ("is", "is not"),
    ast.IsNot: (r"is\s+not", "is"), ast.In: ("in", "not in"), ast.NotIn: (r"not\s+in", "in"),
}  # fmt: skip
BOOL = {ast.And: ("and", "or"), ast.Or: ("or", "and")}
UNARY = {ast.Not: "not", ast.USub: "-", ast.Invert: "~"}
KEYWORDS = {"and", "or", "not", "is", "in"}


@dataclass(frozen=True)
class Mutant:
    """One single-token change: bytes ``start:end`` of ``path`` become ``replacement``.

    ``first``/``last`` span the innermost statement holding the change (for coverage);
    ``line``/``col`` (1-based line, 0-based character column) locate it for people.
    """

    path: Path
    relpath: str  # path from the repository root, with / separators
    module: int
    function: str
    line: int
    col: int
    start: int
    end: int
    operator: str
    original: str
    replacement: str
    first: int
    last: int

    @property
    def id(self) -> str:
        """Stable name: ``file:line:col function operator 'original' -> 'replacement'``."""
        return (
            f"{self.relpath}:{self.line}:{self.col} {self.function} {self.operator} "
            f"{self.original!r} -> {self.replacement!r}"
        )

    def apply(self, source: bytes) -> bytes:
        """The mutated file's bytes."""
        return source[: self.start] + self.replacement.encode() + source[self.end :]


class _Finder:
    def __init__(self, path: Path, relpath: str, source: str, regions) -> None:
        self.path, self.relpath, self.text = path, relpath, source
        self.data = source.encode()
        self.regions = regions
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self.found: list[Mutant] = []

    # -- positions ---------------------------------------------------------------------------
    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def region_of(self, node: ast.AST):
        for region in self.regions:
            if region.first < node.lineno and node.end_lineno < region.last:
                return region
        return None

    def add(self, region, stmt: ast.stmt, start: int, end: int, operator: str, replacement: str) -> None:
        original = self.data[start:end].decode()
        line = self.data.count(b"\n", 0, start) + 1
        col = len(self.data[self.starts[line - 1] : start].decode())
        self.found.append(
            Mutant(self.path, self.relpath, region.module, region.function, line, col, start, end,
                   operator, original, replacement, stmt.lineno, stmt.end_lineno)
        )  # fmt: skip

    def token(self, start: int, end: int, pattern: str) -> tuple[int, int] | None:
        """The span of ``pattern`` between two nodes (comments blanked, keywords as whole words)."""
        segment = re.sub(rb"#[^\n]*", lambda m: b" " * len(m.group()), self.data[start:end]).decode()
        if pattern.split("\\")[0] in KEYWORDS:
            pattern = rf"\b{pattern}\b"
        elif pattern.endswith("=") and pattern not in ("==", "!=", "<=", ">="):
            pattern = re.escape(pattern)  # augmented assignment
        else:  # an operator symbol, not part of a longer one
            pattern = rf"(?<![*/<>=!]){re.escape(pattern)}(?![*/<>=])"
        match = re.search(pattern, segment)
        if match is None:
            return None
        prefix = len(segment[: match.start()].encode())
        return start + prefix, start + prefix + len(match.group().encode())

    # -- walking -----------------------------------------------------------------------------
    def run(self, tree: ast.AST) -> list[Mutant]:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function_body(node)
        return self.found

    def function_body(self, function: ast.AST) -> None:
        bound = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        for stmt in _statements(function.body):
            region = self.region_of(stmt)
            if region is not None:
                self.statement(region, stmt, bound)
            for target in _bound_names(stmt):
                bound.add(target)

    def statement(self, region, stmt: ast.stmt, bound: set[str]) -> None:
        if _is_docstring(stmt):
            return
        if isinstance(stmt, (ast.Raise, ast.Assert)):
            if isinstance(stmt, ast.Assert):
                self.expressions(region, stmt, [stmt.test])
            self.drop(region, stmt)
            return
        simple = isinstance(stmt, (ast.Expr, ast.AugAssign, ast.Delete, ast.Assign, ast.AnnAssign))
        if simple and self.droppable(stmt, bound):
            self.drop(region, stmt)
        if isinstance(stmt, ast.Return) and stmt.value is not None and not _is_none(stmt.value):
            self.add(region, stmt, *self.span(stmt.value), "return", "None")
        if isinstance(stmt, ast.AugAssign):
            symbol, swap = ARITH.get(type(stmt.op), (None, None))
            found = symbol and self.token(self.span(stmt.target)[1], self.span(stmt.value)[0], symbol + "=")
            if found:
                self.add(region, stmt, *found, "augassign", swap + "=")
        self.expressions(region, stmt, _own_expressions(stmt))

    def droppable(self, stmt: ast.stmt, bound: set[str]) -> bool:
        if isinstance(stmt, ast.Expr):
            return not isinstance(stmt.value, ast.Constant)
        if isinstance(stmt, ast.Assign):
            return all(_rebinds(t, bound) for t in stmt.targets)
        if isinstance(stmt, ast.AnnAssign):
            return stmt.value is not None and _rebinds(stmt.target, bound)
        return True

    def drop(self, region, stmt: ast.stmt) -> None:
        self.add(region, stmt, *self.span(stmt), "drop", "pass")

    def expressions(self, region, stmt: ast.stmt, roots: list[ast.AST]) -> None:
        for root in roots:
            for node in _walk_expression(root):
                self.expression(region, stmt, node)

    def expression(self, region, stmt: ast.stmt, node: ast.AST) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in ARITH:
            if _is_text(node.left) or _is_text(node.right):
                return  # string formatting or concatenation
            symbol, swap = ARITH[type(node.op)]
            found = self.token(self.span(node.left)[1], self.span(node.right)[0], symbol)
            if found:
                self.add(region, stmt, *found, "arith", swap)
        elif isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                pattern, swap = COMPARE[type(op)]
                found = self.token(self.span(left)[1], self.span(right)[0], pattern)
                if found:
                    self.add(region, stmt, *found, "compare", swap)
                left = right
        elif isinstance(node, ast.BoolOp):
            word, swap = BOOL[type(node.op)]
            for left, right in zip(node.values, node.values[1:]):
                found = self.token(self.span(left)[1], self.span(right)[0], word)
                if found:
                    self.add(region, stmt, *found, "boolean", swap)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
            start, _ = self.span(node)
            operand, _ = self.span(node.operand)
            found = self.token(start, operand, UNARY[type(node.op)])
            if found:
                gap = self.data[found[1] : operand]
                end = found[1] + (len(gap) - len(gap.lstrip(b" ")) if not gap.strip(b" ") else 0)
                name = "not" if isinstance(node.op, ast.Not) else "unary"
                self.add(region, stmt, found[0], end, name, "")
        elif isinstance(node, ast.Constant):
            replacement = _constant_swap(node.value)
            if replacement is not None:
                self.add(region, stmt, *self.span(node), "constant", replacement)


def _statements(body: list[ast.stmt]):
    """Every statement of a function body, depth first, not entering nested functions or classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(stmt, field, []) or [])
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", []) or []:
            yield from _statements(case.body)


def _own_expressions(stmt: ast.stmt) -> list[ast.AST]:
    """The expressions a statement evaluates itself (not those of the statements it contains)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    if isinstance(stmt, ast.AnnAssign):
        return [n for n in (stmt.target, stmt.value) if n is not None]
    out = []
    for name, value in ast.iter_fields(stmt):
        if name in ("body", "orelse", "finalbody", "handlers", "cases", "type_comment"):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.withitem):
                out.extend(n for n in (item.context_expr, item.optional_vars) if n is not None)
            elif isinstance(item, ast.expr):
                out.append(item)
    return out


def _walk_expression(root: ast.AST):
    """Nodes of an expression, skipping f-strings, lambdas' defaults and nested function bodies."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.JoinedStr):
            continue
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _bound_names(stmt: ast.stmt) -> list[str]:
    names = []
    for node in ast.walk(stmt) if not isinstance(stmt, (ast.FunctionDef, ast.ClassDef)) else [stmt]:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return names


def _rebinds(target: ast.AST, bound: set[str]) -> bool:
    """Dropping an assignment to ``target`` leaves a valid program state (not a NameError)."""
    if isinstance(target, ast.Name):
        return target.id in bound
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_rebinds(t, bound) for t in target.elts)
    return isinstance(target, (ast.Attribute, ast.Subscript))


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
    )


def _constant_swap(value: object) -> str | None:
    if isinstance(value, bool):
        return repr(not value)
    if isinstance(value, int):
        return {0: "1", 1: "0"}.get(value, repr(value + 1))
    if isinstance(value, float):
        return "1.0" if value == 0.0 else repr(value * 2.0)
    return None


def find_mutants(path: Path, relpath: str, module: int, source: str | None = None) -> list[Mutant]:
    """Every mutant of ``path`` inside module ``module``'s regions, each checked to parse."""
    text = path.read_text() if source is None else source
    regions = [r for r in exercises.find_regions(path, text) if r.module == module]
    if not regions:
        return []
    finder = _Finder(path, relpath, text, regions)
    data = finder.data
    out = []
    for mutant in sorted(finder.run(ast.parse(text)), key=lambda m: (m.start, m.operator)):
        try:
            ast.parse(mutant.apply(data))
        except SyntaxError:
            continue
        out.append(mutant)
    return out


def module_sources(root: Path, module: int) -> list[Path]:
    """Every package source under ``root/packages/*/src`` holding a region of ``module``."""
    marker = f"# BEGIN SOLUTION {module:02d}"
    return [p for p in sorted(root.glob("packages/*/src/**/*.py")) if marker in p.read_text()]


def module_mutants(root: Path, module: int) -> list[Mutant]:
    """All mutants of module ``module``, in file then position order."""
    out = []
    for path in module_sources(root, module):
        out.extend(find_mutants(path, path.relative_to(root).as_posix(), module))
    return out
