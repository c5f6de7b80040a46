"""``type_error`` rules for calls whose arguments do not fit the callee's signature.

The callee is found with ``ast`` by the name in the message (``f``, ``Cls.meth``,
``Cls.__init__``), in the failing file first and then anywhere in the project. A rule edits
the call site, the definition, or both ways as separate candidates; the tests choose.
"""

from __future__ import annotations

import ast
import itertools
import logging
import re
from dataclasses import dataclass

from selfheal_local.fixers.base import Site, given, rule
from selfheal_local.fixers.rules.typeerrors import _NUMERIC_HINT, _STR_HINT
from selfheal_local.fixers.textedit import (
    build_patches,
    closest_names,
    indent_of,
    insert_lines,
    names_in_scope,
    node_text,
    replace_spans,
    similarity,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

_MISSING = re.compile(r"(?P<function>[\w.<>]+)\(\) missing \d+ required (?:positional|keyword-only)"
                      r" arguments?: (?P<missing>.+)")
_TOO_MANY = re.compile(r"(?P<function>[\w.<>]+)\(\) takes (?:from \d+ to )?(?P<expected>\d+) "
                       r"positional arguments? but (?P<given>\d+) (?:was|were) given")
_MULTIPLE = re.compile(r"(?P<function>[\w.<>]+)\(\) got multiple values for argument "
                       r"'(?P<name>\w+)'")
Span = tuple[int, int, int, int, str]


@dataclass(frozen=True)
class Callee:
    """A function definition found for the name in an error message."""

    rel: str
    text: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: str = ""
    """Name of the class the function is defined in ('' for plain functions)."""

    @property
    def call_name(self) -> str:
        return self.owner if self.node.name == "__init__" else self.node.name

    @property
    def positional(self) -> list[str]:
        return [a.arg for a in self.node.args.posonlyargs + self.node.args.args]

    @property
    def decorators(self) -> set[str]:
        return {node_text(self.text, d) for d in self.node.decorator_list}

    def offset(self, call: ast.Call) -> int:
        """How many leading parameters the call fills implicitly (``self`` / ``cls``)."""
        if not self.owner or "staticmethod" in self.decorators:
            return 0
        unbound = (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                   and call.func.value.id == self.owner and self.node.name != "__init__")
        return 0 if unbound and "classmethod" not in self.decorators else 1


def find_callee(project: Project, function: str, prefer: str) -> Callee | None:
    """The definition of ``function`` (``name``, ``Cls.meth`` or ``Cls.__init__``)."""
    parts = function.split(".")
    short, owner = parts[-1], (parts[-2] if len(parts) > 1 else "")
    if short.startswith("<"):
        return None
    for rel, text, tree in project.parsed_files(first=prefer):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and (node.name == owner or not owner):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == short:
                        return Callee(rel, text, item, node.name)
            if not owner and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and node.name == short:
                return Callee(rel, text, node)
    return None


def calls_to(tree: ast.Module, line: int, name: str) -> list[ast.Call]:
    """Calls of ``name`` (plain or as an attribute) on ``line`` (anywhere when 0)."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and (n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")) == name
            and (not line or n.lineno <= line <= (n.end_lineno or n.lineno))]


def _calls_at(site: Site, callee: Callee) -> tuple[str, str, list[ast.Call]]:
    """The failing file, its text and the calls of the callee on the failing line.

    An unreadable call site has no calls: only the definition can change.
    """
    calls = calls_to(site.tree, site.line, callee.call_name) if site.tree else []
    return site.path, site.text, calls


def _context(site: Site, project: Project, regex: re.Pattern[str]):
    match = regex.search(site.message)
    if not match:
        return None
    callee = find_callee(project, match["function"], site.path)

    if callee is None:
        return None
    return match, callee, *_calls_at(site, callee)


# --- span helpers -------------------------------------------------------------------------

def _insert_at(at: tuple[int, int], new: str) -> Span:
    return (at[0], at[1], at[0], at[1], new)


def node_end(node: ast.AST) -> tuple[int, int]:
    return (node.end_lineno, node.end_col_offset)


def node_start(node: ast.AST) -> tuple[int, int]:
    return (node.lineno, node.col_offset)


def add_argument(call: ast.Call, source: str, *, positional: bool) -> Span:
    """Insert ``source`` into ``call``: after the positionals, or as the last argument."""
    if positional and call.args:
        return _insert_at(node_end(call.args[-1]), f", {source}")
    if positional and call.keywords:
        return _insert_at(node_start(call.keywords[0]), f"{source}, ")
    if call.args or call.keywords:
        return _insert_at(node_end(max(call.args + call.keywords, key=node_end)), f", {source}")
    return (call.end_lineno, call.end_col_offset - 1, call.end_lineno, call.end_col_offset - 1,
            source)


def drop_argument(call: ast.Call, node: ast.AST) -> Span:
    """Remove one argument (or keyword) from ``call`` with its separating comma."""
    items = sorted(call.args + call.keywords, key=node_start)
    index = next(i for i, item in enumerate(items) if item is node)
    if index > 0:
        return (*node_end(items[index - 1]), *node_end(node), "")
    if len(items) > 1:
        return (*node_start(node), *node_start(items[1]), "")
    return (*node_start(node), *node_end(node), "")


# --- missing arguments --------------------------------------------------------------------

def default_values(arg: ast.arg) -> list[str]:
    """Defaults to try for a parameter, likeliest first from its annotation and name."""
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
    name = arg.arg.lower()
    if annotation in ("int", "float") or (not annotation and _NUMERIC_HINT.search(name)):
        first = ["0.0" if annotation == "float" else "0"]
    elif annotation == "str" or (not annotation and _STR_HINT.search(name)):
        first = ['""']
    elif annotation == "bool" or name.startswith(("is_", "has_", "use_")):
        first = ["False"]
    else:
        first = []
    return list(dict.fromkeys(first + ["None", "0", '""']))


def _defaultable(callee: Callee, names: list[str]) -> list[ast.arg] | None:
    """The ``ast.arg`` of each missing name, when all of them can take a default."""
    args = callee.node.args
    positional = args.posonlyargs + args.args
    without = positional[: len(positional) - len(args.defaults)]
    wanted = [a for a in positional + args.kwonlyargs if a.arg in names]
    tail = [a.arg for a in without[len(without) - len([a for a in wanted if a in without]):]]
    if sorted(tail) != sorted(a.arg for a in wanted if a in without):
        return None  # a default before a parameter without one does not parse
    return wanted if len(wanted) == len(names) else None


def _supply_options(site: Site, callee: Callee, calls, missing) -> list[tuple[dict, str]]:
    rel, text, tree = site.path, site.text, site.tree
    options = []
    for call in calls:
        scope = {n: k for n, k in names_in_scope(tree, call.lineno).items()
                 if k in ("local", "param", "global") and n != callee.call_name}
        used = {node_text(text, a) for a in call.args + [k.value for k in call.keywords]}
        choices = []
        for name in missing:
            exact = [name] if name in scope else []
            near = closest_names(name, {n: k for n, k in scope.items() if n not in used},
                                 limit=2, cutoff=0.5)
            choices.append(list(dict.fromkeys(exact + near))[:2])
        kwonly = {a.arg for a in callee.node.args.kwonlyargs}
        for combo in itertools.islice(itertools.product(*choices), 4):
            positional = not call.keywords and len(call.args) + callee.offset(call) == \
                len(callee.positional) - len(missing)
            source = ", ".join(value if positional and name not in kwonly else f"{name}={value}"
                               for name, value in zip(missing, combo, strict=True))
            span = add_argument(call, source, positional=positional and not kwonly & set(missing))
            why = ", ".join(f"'{v}' for '{n}'" for n, v in zip(missing, combo, strict=True))
            options.append(({rel: replace_spans(text, [span])},
                            f"passed {why} to {callee.call_name}() (closest name in scope)"))
    return options


def _default_options(callee: Callee, missing: list[str]) -> list[tuple[dict, str]]:
    wanted = _defaultable(callee, missing)
    if not wanted:
        return []
    options = []
    for index in range(3):
        spans, said = [], []
        for arg in wanted:
            values = default_values(arg)
            value = values[min(index, len(values) - 1)]
            sep = " = " if arg.annotation is not None else "="
            spans.append(_insert_at(node_end(arg), f"{sep}{value}"))
            said.append(f"'{arg.arg}' the default {value}")
        options.append(({callee.rel: replace_spans(callee.text, spans)},
                        f"gave parameter {', '.join(said)} in {callee.call_name}()"))
    return options


@rule("type_error", needs="site")
@given(lambda site, project: _context(site, project, _MISSING))
def supply_missing_argument(site: Site, project: Project, found) -> list[Patch]:
    """``f(a)`` for ``def f(a, b)``: pass ``b`` from a close name in scope, or default it."""
    match, callee, rel, text, calls = found
    missing = re.findall(r"'(\w+)'", match["missing"])
    options = _supply_options(site, callee, calls, missing) if calls else []
    exact = [o for o in options if all(f"'{n}' for '{n}'" in o[1] for n in missing)]
    ordered = exact + _default_options(callee, missing) + [o for o in options if o not in exact]
    return build_patches(site, project, ordered, single=0.9, top=0.85)


# --- too many positional arguments --------------------------------------------------------

def _self_options(callee: Callee) -> list[tuple[dict, str]]:
    """A method defined without ``self``: add it, or make the method static."""
    params = callee.positional
    if not callee.owner or callee.decorators & {"staticmethod", "classmethod"} or \
            (params and params[0] in ("self", "cls")):
        return []
    args = callee.node.args
    first = (args.posonlyargs + args.args + args.kwonlyargs)[:1]
    if first:
        span = _insert_at(node_start(first[0]), "self, ")
    elif args.vararg:
        span = _insert_at((args.vararg.lineno, args.vararg.col_offset - 1), "self, ")
    else:
        line = callee.node.lineno
        raw = callee.text.splitlines()[line - 1]
        col = len(raw[: raw.index("(", raw.index(callee.node.name)) + 1].encode())
        span = _insert_at((line, col), "self")
    decorated = insert_lines(callee.text, callee.node.lineno - 1,
                             [f"{indent_of(callee.text, callee.node.lineno)}@staticmethod"])
    name = f"{callee.owner}.{callee.node.name}"
    return [({callee.rel: replace_spans(callee.text, [span])}, f"added 'self' to method {name}()"),
            ({callee.rel: decorated}, f"made {name}() a @staticmethod (it takes no self)")]


def _keyword_only_options(callee: Callee, rel, text, call, extra: int) -> list[tuple[dict, str]]:
    given = {k.arg for k in call.keywords}
    free = [a.arg for a in callee.node.args.kwonlyargs if a.arg not in given]
    if not free or extra > len(free) or extra > len(call.args):
        return []
    moved = call.args[len(call.args) - extra:]
    spans = [(*node_start(a), *node_start(a), f"{name}=") for a, name in zip(moved, free, strict=False)]
    said = ", ".join(f"'{name}'" for name in free[:extra])
    return [({rel: replace_spans(text, spans)},
             f"passed the extra argument{'s' if extra > 1 else ''} as keyword-only {said}")]


def _drop_options(callee: Callee, rel, text, call, extra: int) -> list[tuple[dict, str]]:
    args = [a for a in call.args if not isinstance(a, ast.Starred)]
    if extra != 1:
        return []  # one extra argument is a slip; several are a different call
    params = callee.positional[callee.offset(call):]

    def fit(item: tuple[int, ast.expr]) -> tuple[float, int]:
        index, arg = item
        src = node_text(text, arg)
        best = max((similarity(src, p) for p in params), default=0.0)
        return (best, -index)  # the least param-like argument first, later ones first

    return [({rel: replace_spans(text, [drop_argument(call, arg)])},
             f"dropped the extra argument '{node_text(text, arg)}' from the call to "
             f"{callee.call_name}()") for _, arg in sorted(enumerate(args), key=fit)]


def _new_parameter_option(callee: Callee, text: str, call: ast.Call) -> list[tuple[dict, str]]:
    args = callee.node.args
    last_arg = call.args[-1] if call.args else None
    name = last_arg.id if isinstance(last_arg, ast.Name) else "extra"
    if name in callee.positional or args.vararg or not (args.posonlyargs + args.args):
        return []
    anchor = (args.posonlyargs + args.args)[-1]
    new = f", {name}=None" if args.defaults else f", {name}"
    return [({callee.rel: replace_spans(callee.text, [_insert_at(node_end(anchor), new)])},
             f"added parameter '{name}' to {callee.call_name}() for the extra argument")]


@rule("type_error", needs="site")
@given(lambda site, project: _context(site, project, _TOO_MANY))
def fit_extra_arguments(site: Site, project: Project, found) -> list[Patch]:
    """``f(a, b, c)`` for ``def f(a, b)``: add self, pass by keyword, drop one, or add a param."""
    match, callee, rel, text, calls = found
    extra = int(match["given"]) - int(match["expected"])
    options = _self_options(callee)
    for call in calls:
        options += _keyword_only_options(callee, rel, text, call, extra)
    for call in calls:
        options += _drop_options(callee, rel, text, call, extra)
    for call in calls[:1]:
        options += _new_parameter_option(callee, text, call) if extra == 1 else []
    return build_patches(site, project, options, single=0.9, top=0.85)


# --- multiple values ----------------------------------------------------------------------

@rule("type_error", needs="site")
@given(lambda site, project: _context(site, project, _MULTIPLE))
def resolve_duplicate_argument(site: Site, project: Project, found) -> list[Patch]:
    """``f(1, a=2)`` for ``def f(a, b)``: the positional becomes a keyword, or one is dropped."""
    match, callee, rel, text, calls = found
    name = match["name"]
    options = []
    for call in calls:
        index = callee.positional.index(name) - callee.offset(call) \
            if name in callee.positional else -1
        keyword = next((k for k in call.keywords if k.arg == name), None)
        if not 0 <= index < len(call.args) or keyword is None:
            continue
        arg = call.args[index]
        src = node_text(text, arg)
        filled = set(callee.positional[: index + callee.offset(call)]) | \
            {k.arg for k in call.keywords}
        free = [p for p in callee.positional + [a.arg for a in callee.node.args.kwonlyargs]
                if p not in filled and p not in ("self", "cls")]
        if index == len(call.args) - 1:
            for param in sorted(free, key=lambda p: -similarity(src, p)):
                options.append(({rel: replace_spans(text, [(*node_start(arg), *node_start(arg),
                                                            f"{param}=")])},
                                f"passed '{src}' as keyword '{param}' ({name} is given by keyword)"))
        options.append(({rel: replace_spans(text, [drop_argument(call, keyword)])},
                        f"dropped the duplicate keyword '{name}=' from the call to "
                        f"{callee.call_name}()"))
        options.append(({rel: replace_spans(text, [drop_argument(call, arg)])},
                        f"dropped the positional '{src}' that also filled '{name}'"))
    return build_patches(site, project, options, single=0.9, top=0.85)

