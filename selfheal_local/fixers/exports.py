"""What modules export: the names a project or standard-library module defines at top level.

Shared by the import rules (where to import a name from) and the attribute rules (what a
module owner has); it lives apart from both so neither rule module imports the other.
"""

from __future__ import annotations

import ast
import sys

from selfheal_local.fixers.module_names import defined_names, module_names
from selfheal_local.project import READ_ERRORS, Project

ABC_NAMES = frozenset({
    "Mapping", "MutableMapping", "Sequence", "MutableSequence", "Iterable", "Iterator",
    "Callable", "Set", "MutableSet", "Hashable", "Sized", "Container", "Generator",
    "Awaitable", "Coroutine", "AsyncIterable", "AsyncIterator", "KeysView", "ValuesView",
    "ItemsView", "MappingView", "Collection", "Reversible",
})
"""Names that moved from ``collections`` to ``collections.abc`` (removed from the former in 3.10)."""


def stdlib_modules() -> frozenset[str]:
    """Public top-level standard-library module names."""
    return frozenset(m for m in sys.stdlib_module_names if not m.startswith("_"))


def top_level_names(tree: ast.Module) -> set[str]:
    """Names a module defines at top level (defs, classes, assignments, imports; also those
    bound under ``if``/``try``/``with``)."""
    names: set[str] = set()
    defined_names(tree.body, names)
    return names


def project_definitions(project: Project, name: str, exclude: str) -> list[str]:
    """Modules of the project that define ``name`` at top level (tests excluded)."""
    modules = {rel: module for module, rel in project.modules.items()
               if rel != exclude and not project.is_protected(rel)}
    found = [modules[rel] for rel, _, tree in project.parsed_files(list(modules))
             if name in top_level_names(tree)]
    return sorted(found)


def module_attributes(project: Project, module: str) -> dict[str, str]:
    """Names a project module or a standard-library module exports."""
    if module in project.modules:
        try:
            tree = project.tree(project.modules[module])
        except READ_ERRORS:
            tree = None
        return dict.fromkeys(top_level_names(tree) if tree else (), "export")
    if module.split(".")[0] in sys.stdlib_module_names:
        # the name comes from test output: read the module's source, never import it
        return dict.fromkeys(module_names(module), "export")
    return {}
