"""What a function's scope holds, for the operators that swap one name for another: its
locals and parameters with a crude kind, its class's ``self`` attributes, the names it binds
and never reads, and where each is used (nearest uses are the likeliest replacements)."""

from __future__ import annotations

import ast

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def kind_of(value: ast.expr | None) -> str:
    """A crude type of an assigned value: int | float | str | list | dict | set | bool | ?."""
    if value is None:
        return "?"
    if isinstance(value, ast.Constant):
        return {bool: "bool", int: "int", float: "float", str: "str"}.get(type(value.value), "?")
    if isinstance(value, ast.List | ast.ListComp):
        return "list"
    if isinstance(value, ast.Dict | ast.DictComp):
        return "dict"
    if isinstance(value, ast.Set | ast.SetComp):
        return "set"
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Compare | ast.BoolOp):
        return "bool"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return {"len": "int", "int": "int", "str": "str", "float": "float", "list": "list",
                "dict": "dict", "set": "set", "sorted": "list", "sum": "?", "bool": "bool"
                }.get(value.func.id, "?")
    if isinstance(value, ast.BinOp):
        left, right = kind_of(value.left), kind_of(value.right)
        return left if left == right or right == "?" else right if left == "?" else "?"
    return "?"


def annotation_kind(annotation: ast.expr | None) -> str:
    if isinstance(annotation, ast.Name):
        return annotation.id if annotation.id in ("int", "float", "str", "bool", "list", "dict",
                                                  "set") else "?"
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
        return annotation_kind(annotation.value)
    return "?"


def scope_names(fn: FunctionNode) -> dict[str, tuple[int, str]]:
    """Locals and parameters: name -> (first line bound, crude kind)."""
    found: dict[str, tuple[int, str]] = {}
    args = fn.args
    for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if a.arg not in ("self", "cls"):
            found[a.arg] = (fn.lineno, annotation_kind(a.annotation))
    for node in ast.walk(fn):
        pairs: list[tuple[ast.AST, ast.expr | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.For):
            pairs = [(node.target, None)]
        for target, value in pairs:
            if isinstance(target, ast.Name) and target.id not in found:
                kind = "int" if (isinstance(node, ast.For) and isinstance(node.iter, ast.Call)
                                 and isinstance(node.iter.func, ast.Name)
                                 and node.iter.func.id == "range") else kind_of(value)
                if kind == "?" and isinstance(node, ast.AnnAssign):
                    kind = annotation_kind(node.annotation)
                found[target.id] = (target.lineno, kind)
    return found


def same_kind(a: str, b: str) -> bool:
    return a == "?" or b == "?" or a == b or {a, b} == {"int", "float"}


def class_attributes(cls: ast.ClassDef | None) -> dict[str, list[int]]:
    """Attributes assigned on ``self`` anywhere in the class, in order of appearance, each
    with the lines ``self.<name>`` occurs on (read or written)."""
    if cls is None:
        return {}
    uses = [node for node in ast.walk(cls) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self"]
    names = dict.fromkeys(n.attr for n in uses if isinstance(n.ctx, ast.Store))
    lines: dict[str, list[int]] = {name: [] for name in names}
    for node in uses:
        if node.attr in lines:
            lines[node.attr].append(node.lineno)
    return lines


def name_lines(fn: ast.AST) -> dict[str, list[int]]:
    """name -> the lines it occurs on in ``fn`` (read or bound)."""
    lines: dict[str, list[int]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            lines.setdefault(node.id, []).append(node.lineno)
    return lines


def nearest_first(names: list[str], seen_at: dict[str, list[int]], line: int) -> list[str]:
    """``names`` by the distance from ``line`` to their nearest use (above before below at one
    distance; names never seen last), otherwise in their order."""
    return sorted(names, key=lambda n: min(((abs(at - line), at > line)
                                            for at in seen_at.get(n, ())), default=(1 << 20, True)))


def _is_stub(fn: FunctionNode) -> bool:
    return all(isinstance(s, ast.Pass | ast.Raise) or (isinstance(s, ast.Expr) and isinstance(
        s.value, ast.Constant)) for s in fn.body)


def dead_names(fn: FunctionNode) -> set[str]:
    """Parameters and locals the function binds but never reads (nested scopes count as
    reads); none for a stub, whose parameters only state an interface."""
    nodes = list(ast.walk(fn))
    if _is_stub(fn) or any(isinstance(n, ast.Global | ast.Nonlocal) for n in nodes):
        return set()
    names = [n for n in nodes if isinstance(n, ast.Name)]
    read = {n.id for n in names if not isinstance(n.ctx, ast.Store)}
    args = fn.args
    bound = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    bound |= {n.id for n in names if isinstance(n.ctx, ast.Store)}
    return {b for b in bound - read if not b.startswith("_") and b not in ("self", "cls")}


def dead_stores(fn: FunctionNode, dead: set[str]) -> set[str]:
    """Of ``dead`` names, those an assignment binds (``x = ...`` never read): an unused loop
    variable or parameter is common by design, a value computed and dropped is not."""
    stored = {t.id for n in ast.walk(fn) if isinstance(n, ast.Assign | ast.AnnAssign)
              for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
              if isinstance(t, ast.Name)}
    return dead & stored


def unread_last(fn: FunctionNode) -> set[str]:
    """Locals whose last assignment comes after their last read (``default = no_default`` on
    the line before a call that no longer passes ``default``): the value set last is dropped,
    as a dead name's is, though an earlier one was read."""
    stores: dict[str, int] = {}
    loads: dict[str, int] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and not node.id.startswith("_"):
            table = stores if isinstance(node.ctx, ast.Store) else loads
            table[node.id] = max(table.get(node.id, 0), node.lineno)
    loops = [n for n in ast.walk(fn) if isinstance(n, ast.For | ast.While | ast.AsyncFor)]
    return {name for name, line in stores.items() if name in loads and line > loads[name]
            and not any(loop.lineno <= loads[name] and line <= (loop.end_lineno or 0) and (
                loop.lineno <= line) and _loop_carried(loop, name) for loop in loops)}


def _loop_carried(loop: ast.AST, name: str) -> bool:
    """``name`` is read in ``loop`` before it is first assigned there (the next round reads
    what this one stored), unless the round starts by assigning it."""
    body = getattr(loop, "body", [])
    first_store = min((n.lineno for s in body for n in ast.walk(s) if isinstance(n, ast.Name)
                       and n.id == name and isinstance(n.ctx, ast.Store)), default=0)
    first_load = min((n.lineno for s in body for n in ast.walk(s) if isinstance(n, ast.Name)
                      and n.id == name and isinstance(n.ctx, ast.Load)), default=0)
    return bool(first_load) and (not first_store or first_load <= first_store)


__all__ = ["FunctionNode", "annotation_kind", "class_attributes", "dead_names", "dead_stores",
           "kind_of", "name_lines", "nearest_first", "same_kind", "scope_names", "unread_last"]
