"""Import rules: a missing import for an undefined name, and a wrong module or name in an import."""

from __future__ import annotations

import ast
import logging
import sys

from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Patch

from .base import rule
from .names import undefined_name
from .textedit import (
    add_import,
    build_patches,
    parse,
    target_file,
)

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


def _stdlib_modules() -> frozenset[str]:
    return frozenset(m for m in sys.stdlib_module_names if not m.startswith("_"))


def project_definitions(project: Project, name: str, exclude: str) -> list[str]:
    """Modules of the project that define ``name`` at top level (tests excluded)."""
    found = []
    for module, rel in sorted(project.modules.items()):
        if rel == exclude or project.is_protected(rel):
            continue
        try:
            tree = parse(project.read(rel))
        except Exception as exc:  # unreadable file: not a place to import from
            log.debug("skipping %s: %s", rel, exc)
            continue
        if tree is not None and name in top_level_names(tree):
            found.append(module)
    return found


def top_level_names(tree: ast.Module) -> set[str]:
    """Names a module defines at top level (defs, classes, assignments, imports)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def import_options(name: str, project: Project, rel: str) -> list[tuple[str, str]]:
    """``(import statement, why)`` for an undefined ``name``, likeliest first."""
    options: list[tuple[str, str]] = []
    for module in project_definitions(project, name, rel):
        options.append((f"from {module} import {name}", f"defined in the project's {module}"))
    if name in COMMON_NAMES:
        options.append((f"from {COMMON_NAMES[name]} import {name}", "a standard-library name"))
    if name in _stdlib_modules():
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


@rule("undefined_variable")
def add_missing_import(diagnosis: Diagnosis, project: Project) -> list[Patch]:
    """Import an undefined name from the stdlib or from the project module that defines it."""
    target = target_file(diagnosis, project)
    name = undefined_name(diagnosis)
    if target is None or not name.isidentifier():
        return []
    rel, text = target
    options = [
        ({rel: add_import(text, statement)}, f"added '{statement}' ({why})")
        for statement, why in import_options(name, project, rel)
    ]
    return build_patches(diagnosis, project, options, single=0.92, top=0.88)
