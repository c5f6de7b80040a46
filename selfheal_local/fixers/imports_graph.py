"""The project's import graph: which project modules a file imports, and which project
functions a function calls.

Used to follow a failure from the module where it surfaces to the module where the fix
belongs (a value computed upstream, a function renamed in another module). Static and
best-effort: names are resolved through ``import``/``from … import`` statements, module-level
definitions, and method names of classes defined in the file or the modules it imports.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass

from selfheal_local.project import READ_ERRORS, Project

log = logging.getLogger(__name__)

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Binding:
    """A local name bound by an import: the project file it comes from and the attribute."""

    rel: str
    """Project-relative file of the module."""
    attr: str = ""
    """The imported name (``from m import attr``); "" when the name is the module itself."""


@dataclass(frozen=True)
class FunctionRef:
    """A function defined in the project: its file, qualified name and line span."""

    rel: str
    qualname: str
    start: int
    end: int


def _ref_of(rel: str, qualname: str, node: FunctionNode) -> FunctionRef:
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return FunctionRef(rel, qualname, start, node.end_lineno or node.lineno)


class ImportGraph:
    """Parsed project modules, their imports and the functions they define (cached)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._bindings: dict[str, dict[str, Binding]] = {}
        self._functions: dict[str, dict[str, FunctionNode]] = {}
        self._every: dict[str, list[tuple[str, FunctionNode]]] = {}

    def tree(self, rel: str) -> ast.Module | None:
        """The parsed module, or None when it cannot be read or parsed."""
        try:
            return self.project.tree(rel)
        except READ_ERRORS as exc:
            log.debug("cannot read %s: %s", rel, exc)
            return None


    def resolve_module(self, dotted: str) -> str | None:
        """The project file of a dotted module name, None when it is not a project module."""
        return self.project.modules.get(dotted)

    def _absolute(self, rel: str, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        parts = self.project.module_name(rel).split(".")
        if not rel.endswith("__init__.py"):
            parts = parts[:-1]
        parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
        return ".".join([p for p in parts if p] + ([module] if module else []))

    def bindings(self, rel: str) -> dict[str, Binding]:
        """Local names that ``rel`` binds to project modules or names from them."""
        if rel not in self._bindings:
            try:  # kept with the file's tree: every validation asks for the test modules'
                self._bindings[rel] = self.project.derived(
                    rel, "import_bindings", lambda tree: self._bindings_of(rel, tree))
            except READ_ERRORS as exc:
                log.debug("cannot read %s: %s", rel, exc)
                self._bindings[rel] = {}
        return self._bindings[rel]

    def _bindings_of(self, rel: str, tree: ast.Module | None) -> dict[str, Binding]:
        found: dict[str, Binding] = {}
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = self.resolve_module(alias.name)
                    if target and alias.asname:
                        found[alias.asname] = Binding(target)
                    elif target:
                        found[alias.name.split(".")[0]] = Binding(target)
            elif isinstance(node, ast.ImportFrom):
                base = self._absolute(rel, node.module, node.level)
                base_rel = self.resolve_module(base)
                for alias in node.names:
                    local = alias.asname or alias.name
                    sub = self.resolve_module(f"{base}.{alias.name}" if base else alias.name)
                    if sub:
                        found[local] = Binding(sub)
                    elif base_rel:
                        found[local] = Binding(base_rel, alias.name)
        return found

    def imported_modules(self, rel: str) -> list[str]:
        """Project files that ``rel`` imports, in first-seen order."""
        seen: list[str] = []
        for binding in self.bindings(rel).values():
            if binding.rel != rel and binding.rel not in seen:
                seen.append(binding.rel)
        return seen

    def imported_functions(self, rel: str) -> dict[str, FunctionNode]:
        """Local name -> def of each project function ``rel`` imports by name
        (``from .keys import hashkey``), for operators that read a callee's signature."""
        found: dict[str, FunctionNode] = {}
        for local, binding in self.bindings(rel).items():
            node = self.functions(binding.rel).get(binding.attr) if binding.attr else None
            if node is not None and binding.rel != rel:
                found[local] = node
        return found

    def functions(self, rel: str) -> dict[str, FunctionNode]:
        """Qualified name (``Cls.meth``) -> function node, for every function in ``rel`` (of
        a name defined in both branches of ``if PY3:``/``else:``, the first)."""
        if rel in self._functions:
            return self._functions[rel]
        found: dict[str, FunctionNode] = {}
        every: list[tuple[str, FunctionNode]] = []
        tree = self.tree(rel)

        def visit(body: list[ast.stmt], prefix: str) -> None:
            for node in body:
                if isinstance(node, FunctionNode):
                    found.setdefault(prefix + node.name, node)
                    every.append((prefix + node.name, node))
                    visit(node.body, f"{prefix}{node.name}.")
                elif isinstance(node, ast.ClassDef):
                    visit(node.body, f"{prefix}{node.name}.")
                elif isinstance(node, ast.If | ast.Try | ast.With):
                    visit(getattr(node, "body", []) + getattr(node, "orelse", []), prefix)

        visit(tree.body if tree else [], "")
        self._functions[rel], self._every[rel] = found, every
        return found

    def ref(self, rel: str, qualname: str) -> FunctionRef | None:
        node = self.functions(rel).get(qualname)
        return None if node is None else _ref_of(rel, qualname, node)

    def function_at(self, rel: str, line: int) -> FunctionRef | None:
        """The innermost function of ``rel`` whose span holds ``line`` (whichever of a name's
        conditional definitions it is)."""
        best: FunctionRef | None = None
        self.functions(rel)
        for qualname, node in self._every.get(rel, []):
            ref = _ref_of(rel, qualname, node)
            if ref.start <= line <= ref.end and (best is None or ref.start >= best.start):
                best = ref
        return best

    def _lookup(self, rel: str, name: str, depth: int = 0) -> list[FunctionRef]:
        """Functions a bare ``name`` refers to in ``rel`` (a class means its methods)."""
        funcs = self.functions(rel)
        if name in funcs:
            ref = self.ref(rel, name)
            return [ref] if ref else []
        methods = [self.ref(rel, q) for q in funcs if q.startswith(f"{name}.")]
        if methods:
            return [m for m in methods if m]
        binding = self.bindings(rel).get(name)
        if binding and binding.attr and depth < 3:
            return self._lookup(binding.rel, binding.attr, depth + 1)
        return []

    def _methods_named(self, rels: list[str], attr: str) -> list[FunctionRef]:
        found: list[FunctionRef] = []
        for rel in rels:
            for qualname in self.functions(rel):
                if "." in qualname and qualname.rsplit(".", 1)[1] == attr:
                    ref = self.ref(rel, qualname)
                    if ref:
                        found.append(ref)
        return found

    def callees(self, rel: str, node: ast.AST) -> list[FunctionRef]:
        """Project functions called inside ``node`` (a function of ``rel``), in source order."""
        out: list[FunctionRef] = []
        neighbours = [rel, *self.imported_modules(rel)]
        calls = sorted(
            (n for n in ast.walk(node) if isinstance(n, ast.Call)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for call in calls:
            func = call.func
            refs: list[FunctionRef] = []
            if isinstance(func, ast.Name):
                refs = self._lookup(rel, func.id)
            elif isinstance(func, ast.Attribute):
                owner = func.value
                binding = (
                    self.bindings(rel).get(owner.id) if isinstance(owner, ast.Name) else None
                )
                if binding and not binding.attr:
                    refs = self._lookup(binding.rel, func.attr)
                elif binding and binding.attr:
                    refs = self._lookup(binding.rel, f"{binding.attr}.{func.attr}")
                else:
                    refs = self._methods_named(neighbours, func.attr)
            for ref in refs:
                if ref not in out:
                    out.append(ref)
        return out


__all__ = ["Binding", "FunctionRef", "ImportGraph"]
