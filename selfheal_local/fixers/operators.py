"""Expression-level repair operators (the TBar/PraPR/Astor catalogue, one function each).

Every operator takes the module's ``SourceText``, the function being mutated and one node,
and yields ``Mutation`` splices; ``mutations.mutations_of`` calls them while walking the body.
Replacement names and literals come from the function itself (and its class, for ``self``
attributes), so a candidate only uses what is already in scope.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from .mutants import Mutation, SourceText, argument_slot, between
from .scopes import FunctionNode, kind_of, nearest_first, same_kind

SIMILAR_METHODS: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    ("append", "extend", "insert"), ("pop", "remove", "discard"), ("find", "rfind", "index",
    "rindex"), ("startswith", "endswith"), ("strip", "lstrip", "rstrip"), ("split", "rsplit",
    "partition", "rpartition"), ("upper", "lower", "title", "capitalize"), ("keys", "values",
    "items"), ("get", "pop", "setdefault"), ("add", "discard"), ("sort", "reverse"),
    ("isdigit", "isalpha", "isalnum", "isspace", "isnumeric", "isdecimal"), ("update", "extend"),
    ("count", "index"), ("join",), ("format",),
))
"""Method families whose members are easy to confuse (builtin types)."""

WRAPPERS = ("int", "str", "len", "list")
MAX_NAMES = 4
MAX_LITERALS = 3


DEAD_STORE_WEIGHT = 1.5
"""A variable replaced by a value the function computes and never reads: likelier than another
name, less sure than a forgotten ``name=name`` argument beside its echoing neighbours."""


def replace_name(src: SourceText, fn: FunctionNode, node: ast.Name,
                 scope: dict[str, tuple[int, str]], dropped: set[str] | frozenset[str] = frozenset(),
                 seen_at: dict[str, list[int]] | None = None) -> Iterator[Mutation]:
    """``x`` -> another in-scope variable of the same kind, bound on an earlier line (a name
    read on the line that first binds it would be unbound; comprehension variables live in
    their own scope and are neither replaced nor used). A ``dropped`` name (a value assigned,
    never read) comes first and weighs more: the variable the slip replaced leaves exactly that trace.
    With ``seen_at`` (name -> lines it occurs on) the names used nearest the line come first
    (above it before below it at one distance)."""
    if not isinstance(node.ctx, ast.Load) or node.id not in scope:
        return
    own_kind = scope[node.id][1]
    others = [n for n, (line, kind) in scope.items() if n != node.id
              and (line < node.lineno or line == fn.lineno) and same_kind(own_kind, kind)]
    if seen_at:
        others = nearest_first(others, seen_at, node.lineno)
    others = [n for n in others if n in dropped] + [n for n in others if n not in dropped][:MAX_NAMES]
    start, end = src.span(node)
    for name in others:
        yield Mutation(node.lineno, node.col_offset, "var", ((start, end, name),),
                       f"replaced '{node.id}' with '{name}'",
                       weight=DEAD_STORE_WEIGHT if name in dropped else 1.0)


def numeric_index(node: ast.Subscript, scope: dict[str, tuple[int, str]]) -> bool:
    """Whether ``node``'s index may be a number worth moving by one: not when the container
    is a known dict or the index a known string."""
    container, index = node.value, node.slice
    if isinstance(container, ast.Name) and scope.get(container.id, (0, "?"))[1] == "dict":
        return isinstance(index, ast.Slice)
    if isinstance(index, ast.Name) and scope.get(index.id, (0, "?"))[1] == "str":
        return False
    return not isinstance(node.ctx, ast.Del)


def replace_attribute(src: SourceText, node: ast.Attribute, attrs: dict[str, list[int]]
                      ) -> Iterator[Mutation]:
    """``self.a`` -> ``self.b`` for another data attribute of the same class, those used nearest
    the line first."""
    if not (isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name)
            and node.value.id == "self" and node.attr in attrs):
        return
    start = src.offset(node.end_lineno or node.lineno, node.end_col_offset or 0) - len(node.attr)
    end = start + len(node.attr)
    if src.text[start:end] != node.attr:
        return
    others = nearest_first([a for a in attrs if a != node.attr], attrs, node.lineno)
    for other in others[:MAX_NAMES]:
        yield Mutation(node.lineno, node.col_offset, "attr", ((start, end, other),),
                       f"replaced 'self.{node.attr}' with 'self.{other}'")


def function_literals(fn: FunctionNode, src: SourceText | None = None) -> dict[str, list[str]]:
    """Constants used in the function, by crude kind, as written (for literal replacement)."""
    return {kind: list(texts) for kind, texts in _literals(fn, src)[0].items()}


def literal_lines(fn: FunctionNode, src: SourceText | None = None) -> dict[str, list[int]]:
    """Each constant's text (as ``function_literals`` writes it) -> the lines it is used on, and
    each data attribute the function uses (not a method it calls), quoted, -> its lines (a string naming an
    attribute, as ``getattr`` and ``__dict__`` keys do, is likelier one of those)."""
    return _literals(fn, src)[1]


def _literals(fn: FunctionNode, src: SourceText | None) -> tuple[dict[str, list[str]],
                                                                 dict[str, list[int]]]:
    out: dict[str, list[str]] = {}
    lines: dict[str, list[int]] = {}
    called = {id(n.func) for n in ast.walk(fn) if isinstance(n, ast.Call)}
    for node in ast.walk(fn):
        if negative_number(node) and src is not None:
            kind = type(node.operand.value).__name__
            text = src.segment(node)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, bytes):
            kind = kind_of(node)
            if kind not in ("int", "float", "str"):
                continue
            text = repr(node.value)
            if src is not None:
                written = src.segment(node)
                try:
                    text = written if ast.literal_eval(written) == node.value else text
                except (ValueError, SyntaxError):
                    pass
        elif isinstance(node, ast.Attribute) and id(node) not in called:  # data, not a method
            lines.setdefault(repr(node.attr), []).append(node.lineno)
            continue
        else:
            continue
        if len(text) <= 40:
            if text not in out.setdefault(kind, []):
                out[kind].append(text)
            lines.setdefault(text, []).append(node.lineno)
    return out, lines


def keyword_keys(fn: ast.AST) -> dict[int, str]:
    """``f(name=table["key"])``: by ``id`` of the ``"key"`` constant, ``name``: the likeliest
    key where calls pass a mapping's entries under their own names."""
    return {id(kw.value.slice): kw.arg for kw in ast.walk(fn)
            if isinstance(kw, ast.keyword) and kw.arg and isinstance(kw.value, ast.Subscript)
            and isinstance(kw.value.slice, ast.Constant)
            and (isinstance(kw.value.slice.value, str) or kw.value.slice.value is None)}


def negative_number(node: ast.AST) -> bool:
    """``-1``, ``-0.5``: one literal as written, though the AST holds a minus and a constant."""
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float))


def replace_literal(src: SourceText, node: ast.Constant | ast.UnaryOp,
                    nearby: dict[str, list[str]], key: str | None = None,
                    seen_at: dict[str, list[int]] | None = None) -> Iterator[Mutation]:
    """A literal (or a negative number) -> 0/1/-1, "", another constant of the function, None
    (``key``: the keyword a subscript's key is passed as, first). With ``seen_at`` (from
    ``literal_lines``) the constants used nearest come first, and a string that is an
    identifier may become the name of an attribute the function reads."""
    value = node.value if isinstance(node, ast.Constant) else -node.operand.value
    start, end = src.span(node)
    old = src.text[start:end]
    try:
        if ast.literal_eval(old) != value:
            return
    except (ValueError, SyntaxError):  # part of an f-string, implicit concatenation, …
        return
    choices: list[str]
    if isinstance(value, bool):
        choices = [str(not value)]
    elif value is None:  # a key lost to None (``seconds=groups[None]``): its keyword first
        choices = [*([f'"{key}"'] if key else []), "0", '""', "[]"]
    elif isinstance(value, int | float):
        near = _nearest([t for t in (*nearby.get("int", []), *nearby.get("float", []))
                         if t not in (old, "0", "1", "-1")], seen_at, node.lineno)
        choices = ["0", "1", "-1", *near[:MAX_LITERALS], "None"]
    elif isinstance(value, str):
        quote = old[-1] if old[-1:] in ("'", '"') else '"'
        near = _nearest([t for t in nearby.get("str", []) if t != old], seen_at, node.lineno)
        named = [t for t in seen_at or () if value.isidentifier() and t[:1] == "'"
                 and t[1:-1].isidentifier() and t[1:-1] != value and t not in near]
        named = [quote + t[1:-1] + quote for t in _nearest(named, seen_at, node.lineno)]
        choices = [*([quote + key + quote] if key else []), '""', *near[:MAX_LITERALS],
                   *named[:MAX_LITERALS], "None"]
    else:
        return
    seen = {old, repr(value)}
    for new in choices:
        if new in seen:
            continue
        seen.add(new)
        yield Mutation(node.lineno, node.col_offset, "literal", ((start, end, new),),
                       f"replaced literal {old} with {new}")


def _nearest(texts: list[str], seen_at: dict[str, list[int]] | None, line: int) -> list[str]:
    return nearest_first(texts, seen_at, line) if seen_at else texts


def swap_identity(src: SourceText, node: ast.Compare) -> Iterator[Mutation]:
    """``is`` <-> ``==`` (``is not`` <-> ``!=``) and ``in`` <-> ``not in``."""
    operands = [node.left, *node.comparators]
    table = {ast.Is: ("is", ("==", "is not"), "identity"),
             ast.IsNot: ("is not", ("!=", "is"), "identity"),
             ast.In: ("in", ("not in",), "membership"),
             ast.NotIn: ("not in", ("in",), "membership")}
    for i, op in enumerate(node.ops):
        right = operands[i + 1]
        if isinstance(op, ast.Eq | ast.NotEq):
            if not (isinstance(right, ast.Constant) and right.value in (None, True, False)):
                continue
            old = "==" if isinstance(op, ast.Eq) else "!="
            alternatives, kind = ("is" if old == "==" else "is not",), "identity"
        elif type(op) in table:
            old, alternatives, kind = table[type(op)]
        else:
            continue
        where = between(src, operands[i], right, old)
        if where is None:
            continue
        for new in alternatives:
            yield Mutation(node.lineno, node.col_offset, kind, ((*where, new),),
                           f"changed '{old}' to '{new}'")


def replace_method(src: SourceText, node: ast.Call, class_methods: dict[str, int]
                   ) -> Iterator[Mutation]:
    """``obj.m(...)`` -> ``obj.n(...)`` for a similar method of the same object."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return
    name = func.attr
    similar: list[str] = []
    for group in SIMILAR_METHODS:
        if name in group:
            similar += sorted(group - {name})
    if isinstance(func.value, ast.Name) and func.value.id == "self" and name in class_methods:
        import difflib

        arity = class_methods[name]
        peers = [m for m, n in class_methods.items() if m != name and n == arity]
        similar += difflib.get_close_matches(name, peers, n=3, cutoff=0.4)
    start = src.offset(func.end_lineno or func.lineno, func.end_col_offset or 0) - len(name)
    end = start + len(name)
    if src.text[start:end] != name:
        return
    for other in list(dict.fromkeys(similar))[:MAX_NAMES]:
        yield Mutation(node.lineno, node.col_offset, "method", ((start, end, other),),
                       f"called '.{other}()' instead of '.{name}()'")


DEAD_NAME_WEIGHT = 3.0
"""A call that passes its neighbours as ``name=name`` but not a name the function binds and
never reads: the forgotten argument is the likeliest fix in that function (a dead store or an
unused parameter is the trace such a slip leaves), ahead of the commonest operator kinds."""


def _echoes(node: ast.Call) -> bool:
    """The call already passes at least one argument as ``name=name``."""
    return any(isinstance(k.value, ast.Name) and k.value.id == k.arg for k in node.keywords)


def change_arguments(src: SourceText, node: ast.Call, scope: dict[str, tuple[int, str]],
                     defs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
                     dead: set[str] = frozenset(), calls: Sequence[ast.Call] = ()
                     ) -> Iterator[Mutation]:
    """Remove one argument; pass a forgotten optional parameter of a project function, a name
    the function binds and never reads to a call that passes its neighbours by name, or a
    keyword a parallel call of the function (``calls``) passes and this one leaves out."""
    args = [*node.args, *node.keywords]
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None
                                                                 for k in node.keywords):
        return
    for i, arg in enumerate(args):
        if len(args) < 2 and isinstance(arg, ast.expr):
            break  # dropping the only positional argument is rarely a fix
        start, end = src.span(arg)
        if i + 1 < len(args):
            end = src.offset(args[i + 1].lineno, args[i + 1].col_offset)
        elif i > 0:
            prev = args[i - 1]
            start = src.offset(prev.end_lineno or prev.lineno, prev.end_col_offset or 0)
        segment = src.text[start:end]
        if "#" in segment or "\n" in segment.strip():
            continue
        label = src.segment(arg)
        yield Mutation(node.lineno, node.col_offset, "arg_remove", ((start, end, ""),),
                       f"removed argument '{label}'")
    func = node.func
    name = func.id if isinstance(func, ast.Name) else (func.attr if isinstance(func, ast.Attribute)
                                                       else "")
    own = isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and isinstance(
        func.value, ast.Name) and func.value.id in ("self", "cls"))  # else another object's
    target = defs.get(name) if own else None
    slot = argument_slot(src, node)
    if slot is None:
        return
    at, sep = slot
    given = {k.arg for k in node.keywords}
    yield from _parallel_keywords(src, node, calls, at, sep)
    if target is None:
        params, accepts_any = [], _echoes(node)  # an unknown callee: only by its neighbours
    else:
        params = [a.arg for a in (*target.args.args, *target.args.kwonlyargs)
                  if a.arg not in ("self", "cls")][len(node.args):]
        accepts_any = target.args.kwarg is not None and _echoes(node)
    forgotten = [p for p in params if p in scope]
    forgotten += sorted(d for d in dead if accepts_any and d not in params and d in scope)
    for param in forgotten:
        if param in given:
            continue
        weight = DEAD_NAME_WEIGHT if param in dead and _echoes(node) else 1.0
        yield Mutation(node.lineno, node.col_offset, "arg_add",
                       ((at, at, f"{sep}{param}={param}"),),
                       f"passed '{param}={param}' to {name}()", weight)


PARALLEL_WEIGHT = 2.0
"""A keyword that a parallel call passes (one sharing at least two and half of this call's
keywords) and this call leaves out: the copy-and-edit slip of parallel code."""


def _parallel_keywords(src: SourceText, node: ast.Call, calls: Sequence[ast.Call], at: int,
                       sep: str) -> Iterator[Mutation]:
    mine = {k.arg for k in node.keywords if k.arg}

    def shared(other: ast.Call) -> int:
        return len(mine & {k.arg for k in other.keywords})

    def names(value: ast.AST) -> set[str]:
        return {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}

    used = names(node)
    offers = [(other, kw) for other in calls if other is not node
              and shared(other) >= max(2, len(mine) / 2)
              for kw in other.keywords if kw.arg and kw.arg not in mine]
    # the value built from what this call already uses first, then the likest call, the nearest
    offers.sort(key=lambda o: (not names(o[1].value) <= used, -shared(o[0]),
                               abs(o[0].lineno - node.lineno)))
    offered: set[tuple[str, str]] = set()
    for other, kw in offers:
        value = src.segment(kw.value)
        if (kw.arg, value) in offered or "\n" in value:
            continue
        offered.add((kw.arg, value))
        yield Mutation(node.lineno, node.col_offset, "arg_add",
                       ((at, at, f"{sep}{kw.arg}={value}"),),
                       f"passed '{kw.arg}={value}' as the call on line {other.lineno} does",
                       PARALLEL_WEIGHT)


def slice_bounds(src: SourceText, node: ast.Subscript) -> Iterator[Mutation]:
    """``xs[a:b]`` -> ``xs[:b]`` / ``xs[a:]`` (dropping one bound)."""
    index = node.slice
    if not isinstance(index, ast.Slice) or index.step is not None:
        return
    for part, other in ((index.lower, index.upper), (index.upper, index.lower)):
        if part is None:
            continue
        start, end = src.span(index)
        keep = src.segment(other) if other is not None else ""
        new = f":{keep}" if part is index.lower else f"{keep}:"
        yield Mutation(node.lineno, node.col_offset, "slice", ((start, end, new),),
                       f"changed slice '[{src.segment(index)}]' to '[{new}]'")


def wrap_value(src: SourceText, node: ast.expr, why: str) -> Iterator[Mutation]:
    """A value -> ``int(v)`` / ``str(v)`` / ``len(v)`` / ``list(v)``."""
    if not isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call):
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WRAPPERS:
        return
    start, end = src.span(node)
    text = src.text[start:end]
    if "\n" in text:
        return
    for wrapper in WRAPPERS:
        yield Mutation(node.lineno, node.col_offset, "wrap", ((start, end, f"{wrapper}({text})"),),
                       f"wrapped {why} '{text}' in {wrapper}()")


__all__ = ["change_arguments", "function_literals", "keyword_keys", "literal_lines",
           "negative_number", "numeric_index", "replace_attribute", "replace_literal", "replace_method", "replace_name", "slice_bounds",
           "swap_identity", "wrap_value"]
