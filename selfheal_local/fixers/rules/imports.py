"""Import rules: a missing import for an undefined name, and a wrong module or name in an import."""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, given, matching, rule
from selfheal_local.fixers.exports import (
    ABC_NAMES,
    module_attributes,
    project_definitions,
    stdlib_modules,
    top_level_names,
)
from selfheal_local.fixers.module_names import defined_names
from selfheal_local.fixers.rules.names import undefined_name
from selfheal_local.fixers.textedit import (
    add_import,
    build_patches,
    closest_names,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

COMMON_NAMES: dict[str, str] = {
    "defaultdict": "collections", "Counter": "collections", "OrderedDict": "collections",
    "namedtuple": "collections", "deque": "collections", "ChainMap": "collections",
    "Path": "pathlib", "PurePath": "pathlib", "PurePosixPath": "pathlib",
    "dataclass": "dataclasses", "field": "dataclasses", "asdict": "dataclasses",
    "replace": "dataclasses", "fields": "dataclasses",
    "datetime": "datetime", "date": "datetime", "timedelta": "datetime", "timezone": "datetime",
    "Decimal": "decimal", "Fraction": "fractions",
    "partial": "functools", "reduce": "functools", "lru_cache": "functools", "wraps": "functools",
    "cache": "functools", "cached_property": "functools", "total_ordering": "functools",
    "chain": "itertools", "groupby": "itertools", "islice": "itertools", "product": "itertools",
    "permutations": "itertools", "combinations": "itertools", "count": "itertools",
    "Enum": "enum", "IntEnum": "enum", "StrEnum": "enum", "auto": "enum",
    "Any": "typing", "Optional": "typing", "Union": "typing", "List": "typing", "Dict": "typing",
    "Tuple": "typing", "Callable": "typing", "Iterable": "typing", "Iterator": "typing",
    "TypeVar": "typing", "Protocol": "typing", "NamedTuple": "typing", "TypedDict": "typing",
    "ABC": "abc", "abstractmethod": "abc",
    "contextmanager": "contextlib", "suppress": "contextlib",
    "deepcopy": "copy", "pprint": "pprint", "sleep": "time", "perf_counter": "time",
    "sqrt": "math", "floor": "math", "ceil": "math", "pi": "math", "inf": "math",
    "randint": "random", "choice": "random", "shuffle": "random",
    "dedent": "textwrap", "attrgetter": "operator", "itemgetter": "operator",
    "StringIO": "io", "BytesIO": "io", "mean": "statistics", "median": "statistics",
    "uuid4": "uuid", "urlparse": "urllib.parse", "urlencode": "urllib.parse",
    "heappush": "heapq", "heappop": "heapq", "bisect_left": "bisect", "bisect_right": "bisect",
    "insort": "bisect", "Thread": "threading", "Lock": "threading", "Queue": "queue",
}
"""Names people use without their module: ``defaultdict`` -> ``from collections import defaultdict``."""

COMMON_ALIASES: dict[str, str] = {"dt": "import datetime as dt", "np": "import numpy as np",
                                  "pd": "import pandas as pd", "ET": "import xml.etree.ElementTree as ET"}


def _project_imports(name: str, project: Project, rel: str, companions: tuple[str, ...] = (),
                     *, defining: bool = False) -> list[tuple[str, str]]:
    """Imports of ``name`` from the project module that defines it: the defining module before a
    package this file belongs to (importing one's own package from inside it is circular), and
    the relative form first where the file imports its siblings relatively. ``companions``:
    other names undefined in the file; those the same module defines are imported with ``name``
    in one statement first (one deleted import line often took several names with it: fixing
    one name at a time leaves the module failing on the next, so no single fix passes).
    ``defining``: only modules that define ``name`` themselves, not ones that import it."""
    own = project.module_name(rel)
    package = own.rsplit(".", 1)[0] if "." in own else ""
    tree = project.tree(rel)
    relative = tree is not None and any(isinstance(node, ast.ImportFrom) and node.level
                                        for node in tree.body)
    modules = sorted((m for m in project_definitions(project, name, rel)
                      if not defining or _defines(project, m, name)),
                     key=lambda module: own.startswith(module + "."))
    options = []
    for module in modules:
        source = module
        if relative and package and module.startswith(package + ".") and not own.startswith(
                module + "."):
            source = f".{module[len(package) + 1:]}"  # the file's own style only
        more = _defined_in(project, module, companions)
        if more:
            options.append((f"from {source} import {', '.join([name, *more])}",
                            f"defined in the project's {module}; "
                            f"{', '.join(more)} {'is' if len(more) == 1 else 'are'} "
                            "undefined here too"))
        options.append((f"from {source} import {name}", f"defined in the project's {module}"))
    return options


def _defined_in(project: Project, module: str, names: tuple[str, ...]) -> list[str]:
    if not names or module not in project.modules:
        return []
    tree = project.tree(project.modules[module])
    defined = top_level_names(tree) if tree is not None else set()
    return [n for n in names if n in defined]


def undefined_elsewhere(text: str, rel: str, project: Project, name: str) -> tuple[str, ...]:
    """The other names ruff finds undefined in the file (its F821), in order of first use."""
    from selfheal_local.detect.ruff import ruff_check_text
    from selfheal_local.detect.scan import undefined_name as named
    from selfheal_local.errors import SelfHealError

    try:
        found = ruff_check_text(text, rel, project, select=["F821"])
    except SelfHealError:
        return ()
    names = dict.fromkeys(named(f) for f in found)
    return tuple(n for n in names if n != name and n.isidentifier())


def import_options(name: str, project: Project, rel: str,
                   companions: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``(import statement, why)`` for an undefined ``name``, likeliest first (``companions``:
    see ``_project_imports``)."""
    options = _project_imports(name, project, rel, companions)
    if name in COMMON_NAMES:
        options.append((f"from {COMMON_NAMES[name]} import {name}", "a standard-library name"))
    if name in stdlib_modules():
        options.append((f"import {name}", "a standard-library module"))
    own = project.module_name(rel)
    for module in project.modules:
        if module.split(".")[-1] == name and module != own:
            statement = f"import {module}" if "." not in module else \
                f"from {module.rsplit('.', 1)[0]} import {name}"
            options.append((statement, "a module of the project"))
    if name in COMMON_ALIASES:
        options.append((COMMON_ALIASES[name], "the usual alias"))
    return options


@rule("undefined_variable", needs="text")
def add_missing_import(site: Site, project: Project) -> list[Patch]:
    """Import an undefined name from the stdlib or from the project module that defines it."""
    rel, text, name = site.path, site.text, undefined_name(site.diagnosis)
    if not name.isidentifier():
        return []
    place = sorted_like(text, rel, project)
    companions = undefined_elsewhere(text, rel, project, name)
    options = [
        ({rel: place(add_import(text, statement))}, f"added '{statement}' ({why})")
        for statement, why in import_options(name, project, rel, companions)
    ]
    return build_patches(site, project, options, single=0.92, top=0.88)


def sorted_like(text: str, rel: str, project: Project):  # noqa: ANN201 - str -> str
    """What places an added import where the project's import sorting (ruff's I001, with the
    project's settings) wants it: when the file's imports were sorted before, they stay sorted;
    otherwise the text is left as it is."""
    from selfheal_local.detect.ruff import ruff_fix_text
    from selfheal_local.errors import SelfHealError

    def unchanged(after: str) -> str:
        return after

    try:
        if ruff_fix_text(text, rel, project, select=["I001"]) != text:
            return unchanged
    except SelfHealError:
        return unchanged

    def place(after: str) -> str:
        try:
            return ruff_fix_text(after, rel, project, select=["I001"]) or after
        except SelfHealError:
            return after

    return place


_NO_MODULE = re.compile(r"No module named '?(?P<module>[\w.]+)'?")
_CANNOT_IMPORT = re.compile(
    r"cannot import name '(?P<name>[\w.]+)' from (?:partially initialized module )?"
    r"'(?P<module>[\w.]+)'"
)


def _imports(tree: ast.Module, line: int) -> list[ast.Import | ast.ImportFrom]:
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    on_line = [n for n in nodes if n.lineno <= line <= (n.end_lineno or n.lineno)]
    return on_line or nodes


def _rename_in_statement(text: str, node: ast.stmt, old: str, new: str) -> str:
    """Replace the first whole-word ``old`` in the source of one import statement."""
    lines = text.splitlines(keepends=True)
    segment = "".join(lines[node.lineno - 1: node.end_lineno])
    fixed = re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w])", new, segment, count=1)
    return "".join(lines[: node.lineno - 1]) + fixed + "".join(lines[node.end_lineno:])


def known_modules(project: Project) -> dict[str, str]:
    """Importable module names: the standard library's and the project's."""
    names = dict.fromkeys(stdlib_modules(), "module")
    names.update(dict.fromkeys(project.modules, "module"))
    return names


@rule("import_error")
@given(matching(_NO_MODULE))
def closest_module(site: Site, project: Project, match: re.Match[str]) -> list[Patch]:
    """``import statistic`` -> ``import statistics`` (closest stdlib or project module)."""
    rel, text, tree = site.path, site.text, site.tree
    missing = match["module"]
    options = []
    for node in _imports(tree, site.line):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) \
            else [node.module or ""]
        for module in modules:
            if module != missing and not missing.startswith(module + "."):
                continue
            plain = isinstance(node, ast.Import) and "." not in missing and all(
                a.asname is None for a in node.names if a.name == missing)
            for candidate in closest_names(missing, known_modules(project), limit=3, cutoff=0.7):
                new = text
                if plain and "." not in candidate:  # `import statistic` ... `statistic.median`
                    new = replace_spans(text, _rename_uses(text, tree, missing, candidate))
                options.append(({rel: _rename_in_statement(new, node, missing, candidate)},
                                f"imported '{candidate}' instead of the missing '{missing}' "
                                f"(closest module name)"))
    return build_patches(site, project, options, single=0.9, top=0.85)


def _rename_uses(text: str, tree: ast.Module, old: str, new: str) -> list[tuple]:
    return [(n.lineno, n.col_offset, n.end_lineno, n.end_col_offset, new) for n in ast.walk(tree)
            if isinstance(n, ast.Name) and n.id == old]


@rule("import_error")
@given(matching(_CANNOT_IMPORT))
def closest_imported_name(site: Site, project: Project, match: re.Match[str]) -> list[Patch]:
    """``from collections import OrderDict`` -> ``OrderedDict``; moved names go to their new home."""
    rel, text, tree = site.path, site.text, site.tree
    name, module = match["name"], match["module"]

    options = []
    for node in _imports(tree, site.line):
        if not isinstance(node, ast.ImportFrom) or not any(a.name == name for a in node.names):
            continue
        alias = next(a for a in node.names if a.name == name)
        if module == "collections" and name in ABC_NAMES and len(node.names) == 1:
            moved = _rename_in_statement(text, node, "collections", "collections.abc")
            options.append(({rel: moved}, f"'{name}' moved to collections.abc (Python 3.10)"))
        exports = module_attributes(project, node.module or module)
        for candidate in closest_names(name, exports, limit=3, cutoff=0.6):
            new = text
            if alias.asname is None:
                new = replace_spans(text, _rename_uses(text, tree, name, candidate))
            new = _rename_in_statement(new, node, name, candidate)
            options.append(({rel: new}, f"imported '{candidate}' from {node.module} instead of "
                                        f"'{name}' (closest name it defines)"))
    return build_patches(site, project, options, single=0.9, top=0.85)


@rule("import_error", needs="site")
@given(matching(_CANNOT_IMPORT))
def restore_reexport(site: Site, project: Project, match: re.Match[str]) -> list[Patch]:
    """``from pkg import Error`` fails because ``pkg`` no longer imports ``Error`` from the module
    that defines it (a removed re-export): import it there again. The failing import is often in
    a test, which is never edited; the package is."""
    name, module = match["name"], match["module"]
    target = project.modules.get(module)
    if target is None or project.is_protected(target) or not name.isidentifier():
        return []
    text = project.read(target)
    place = sorted_like(text, target, project)
    # listed in ``__all__``, or else a redundant alias: an explicit re-export, not an unused import
    listed = re.search(rf"__all__\s*[:=][^\]\)]*['\"]{re.escape(name)}['\"]", text)
    alias = "" if listed else f" as {name}"
    options = [({target: place(add_import(text, statement + alias))},
                f"added '{statement}{alias}' to {target} ({why}; {module} no longer imported it)")
               for statement, why in _project_imports(name, project, target, defining=True)]
    # after a closest-name fix of the importing line: a typo there is the likelier slip
    return build_patches(site, project, options, single=0.8, top=0.75)


def _defines(project: Project, module: str, name: str) -> bool:
    """``module`` binds ``name`` by a def, a class or an assignment, not only by importing it (a
    module that imports the missing name would make a restored import circular)."""
    tree = project.tree(project.modules[module]) if module in project.modules else None
    names: set[str] = set()
    if tree is not None:
        defined_names(tree.body, names, imports=False)
    return name in names
