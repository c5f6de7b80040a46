"""A renamed variant of a corpus case: the same bug shape under other names.

    python bench/rename_variant.py CASE_DIR OUT_DIR

Every name the project defines (modules, packages, functions, classes, parameters, local
variables, ``self.`` attributes) gets another name, consistently across the sources and the
tests; test functions keep their ``test_`` prefix. Names from the standard library, builtins and
third-party modules are left alone, and so is every attribute that is not the project's own.
The case's reference fix (``[[fix]]`` in case.toml) is renamed the same way, so a variant can be
checked: broken before, healed by its renamed reference fix.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import io
import keyword
import re
import shutil
import sys
import tokenize
from pathlib import Path

IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".selfheal", ".ruff_cache", "*.pyc")
KEEP = set(dir(builtins)) | set(keyword.kwlist) | {"self", "cls", "pytest", "conftest", "tests",
                                                   "__init__", "main"}
# a project attribute named like a method of a builtin type (``items``, ``add``) would be
# renamed on dicts and sets too: such names stay
KEEP |= {n for t in (dict, list, str, set, int, float, tuple, bytes, object) for n in dir(t)}
WORDS = ("alpha", "bravo", "delta", "gamma", "kappa", "sigma", "omega", "theta", "zeta")


def _modules(root: Path) -> dict[str, Path]:
    """Project module/package names (the first part of their import path) to their path."""
    out: dict[str, Path] = {}
    for path in root.iterdir():
        if path.suffix == ".py" and path.stem not in KEEP:
            out[path.stem] = path
        elif path.is_dir() and (path / "__init__.py").exists() and path.name not in KEEP:
            out[path.name] = path
            for sub in path.rglob("*.py"):
                if sub.stem != "__init__":
                    out.setdefault(sub.stem, sub)
    return out


def _defined(trees: list[ast.AST], modules: set[str]) -> tuple[set[str], set[str]]:
    """(names the project defines, those of them that are attributes: methods, self.x).

    Left out: names imported from outside the project, names used inside f-strings (a whole
    token here) and keyword names of calls to anything the project does not define."""
    names: set[str] = set()
    attrs: set[str] = set()
    keep: set[str] = set()
    functions: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
                functions.add(node.name)
                for child in getattr(node, "body", []):
                    if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                        attrs.add(child.name)
            if isinstance(node, ast.ClassDef):
                for child in node.body:
                    targets = child.targets if isinstance(child, ast.Assign) else \
                        [child.target] if isinstance(child, ast.AnnAssign) else []
                    attrs |= {t.id for t in targets if isinstance(t, ast.Name)}
            if isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                names.add(node.attr)
                attrs.add(node.attr)
            elif isinstance(node, ast.ImportFrom):
                if (node.module or "").split(".")[0] not in modules and not node.level:
                    keep |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Import):
                keep |= {(a.asname or a.name).split(".")[0] for a in node.names
                         if a.name.split(".")[0] not in modules}
            elif isinstance(node, ast.JoinedStr):
                keep |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                keep |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = node.func.id if isinstance(node.func, ast.Name) else \
                    node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if callee not in functions:
                    keep |= {k.arg for k in node.keywords if k.arg}
    return names - keep, attrs


def new_name(name: str, taken: set[str], like: str = "") -> str:
    """Another name for ``name``: its words reversed and a word added (``test_`` kept); the word
    of ``like`` when given (a misspelling keeps its likeness to the name it misspells)."""
    prefix = "test_" if name.startswith("test_") else ""
    core = name[len(prefix):]
    lead = "_" * (len(core) - len(core.lstrip("_")))
    parts = [p for p in core.strip("_").split("_") if p] or [core]
    word = WORDS[sum(map(ord, like or name)) % len(WORDS)]
    candidate = prefix + lead + "_".join([*reversed(parts), word])
    while candidate in taken or keyword.iskeyword(candidate):
        candidate += "_x"
    return candidate


def plan(root: Path) -> tuple[dict[str, str], set[str]]:
    """The renaming for the project at ``root`` and the attribute names it may touch."""
    trees = []
    for path in root.rglob("*.py"):
        try:
            trees.append(ast.parse(path.read_text(encoding="utf-8")))
        except SyntaxError:
            continue  # a syntax-error case: its names still come from the other files
    modules = _modules(root)
    names, attrs = _defined(trees, set(modules))
    names |= set(modules)
    names = {n for n in names if n not in KEEP and not (n.startswith("__") and n.endswith("__"))
             and n not in sys.stdlib_module_names}
    taken = set(names)
    mapping: dict[str, str] = {}
    for name in sorted(names):
        mapping[name] = new_name(name, taken)
        taken.add(mapping[name])
    # a name used but never defined (a typo, the bug of the case) is renamed like its closest
    # defined name, so that the variant's typo is as close to its target as the original's
    for name in sorted(_undefined(trees) - names - KEEP - set(modules)):
        like = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
        if like:
            mapping[name] = new_name(name, taken, like=like[0])
            taken.add(mapping[name])
    return mapping, attrs | set(modules)


def _undefined(trees: list[ast.AST]) -> set[str]:
    """Names loaded somewhere in the project and bound by no import (candidates for typos of
    defined names)."""
    imported = {(a.asname or a.name).split(".")[0] for tree in trees for n in ast.walk(tree)
                if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    bound = {n.id for tree in trees for n in ast.walk(tree)
             if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {n.arg for tree in trees for n in ast.walk(tree) if isinstance(n, ast.arg)}
    bound |= {n.name for tree in trees for n in ast.walk(tree)
              if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    return {n.id for tree in trees for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - imported - bound


def rename_source(text: str, mapping: dict[str, str], attrs: set[str]) -> str:
    """``text`` with every mapped NAME token renamed (after a dot only when it is an attribute
    the project defines)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return rename_snippet(text, mapping, attrs)
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    prev = None
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string in mapping:
            after_dot = prev is not None and prev.type == tokenize.OP and prev.string == "."
            if not after_dot or tok.string in attrs:
                edits.append((tok.start[0], tok.start[1], tok.end[1], mapping[tok.string]))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            prev = tok
    for row, start, end, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def rename_snippet(text: str, mapping: dict[str, str], attrs: set[str]) -> str:
    """The same renaming for a fragment that does not tokenize on its own (an open bracket)."""
    def sub(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in mapping or (match.group(1) == "." and name not in attrs):
            return match.group(0)
        return match.group(1) + mapping[name]
    return re.sub(r"(\.?)\b([A-Za-z_]\w*)\b", sub, text)


def make_variant(case: Path, out: Path) -> dict[str, str]:
    """Write the renamed copy of ``case`` to ``out``; returns the mapping used."""
    mapping, attrs = plan(case)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(case, out, ignore=IGNORED)
    for path in sorted(out.rglob("*.py"), key=lambda p: len(p.parts), reverse=True):
        path.write_text(rename_source(path.read_text(encoding="utf-8"), mapping, attrs),
                        encoding="utf-8")
        stem = path.stem
        if stem in mapping and path.name != "__init__.py":
            path.rename(path.with_name(mapping[stem] + ".py"))
    for path in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                       reverse=True):
        if path.name in mapping and (path / "__init__.py").exists():
            path.rename(path.with_name(mapping[path.name]))
    toml = out / "case.toml"
    if toml.exists():
        toml.write_text(_rename_case_toml(toml.read_text(encoding="utf-8"), mapping, attrs),
                        encoding="utf-8")
    return mapping


def rename_path(rel: str, mapping: dict[str, str]) -> str:
    parts = rel.split("/")
    out = [mapping.get(p, p) for p in parts[:-1]]
    stem, dot, ext = parts[-1].rpartition(".")
    out.append(f"{mapping.get(stem, stem)}{dot}{ext}" if dot else mapping.get(parts[-1], parts[-1]))
    return "/".join(out)


def _rename_case_toml(text: str, mapping: dict[str, str], attrs: set[str]) -> str:
    import tomllib

    meta = tomllib.loads(text)
    lines = [f"pattern = {meta.get('pattern', 'exception')!r}".replace("'", '"'),
             f"class = {meta.get('class', 'rule')!r}".replace("'", '"')]
    for fix in meta.get("fix", []):
        lines += ["", "[[fix]]", f"file = {_toml_str(rename_path(fix['file'], mapping))}",
                  f"broken = {_toml_str(rename_snippet(fix['broken'], mapping, attrs))}",
                  f"fixed = {_toml_str(rename_snippet(fix['fixed'], mapping, attrs))}"]
    return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    mapping = make_variant(Path(sys.argv[1]), Path(sys.argv[2]))
    for old, new in sorted(mapping.items()):
        print(f"{old} -> {new}")
