"""``PatchGenerator``: the Saplings-compatible API over our rules, analysis and sandbox.

It works on a code snippet and an error message (no project needed): the snippet becomes a
one-file throwaway project, the error a finding at the line it most likely comes from, and the
candidates of ruff and the rules are checked with ``validate_patch`` (parse, ruff's error
rules, and executing the module's top level in the sandbox).
"""

from __future__ import annotations

import ast
import asyncio
import functools
import logging
import tempfile
from pathlib import Path
from typing import Any

from selfheal_local.config import Config
from selfheal_local.errors import SelfHealError
from selfheal_local.project import Project
from selfheal_local.types import Finding, Patch, PatchStatus

log = logging.getLogger(__name__)

SNIPPET = "snippet.py"
_ERROR_RULES = ("E9", "F821", "F822", "F823", "F811", "F632", "F701", "F702", "F704", "F706")


def _split_error(error_message: str) -> tuple[str, str]:
    """(exception type, message) from an error line or the last such line of a traceback."""
    from selfheal_local.detect.traceback import split_exception_line

    for line in reversed(error_message.strip().splitlines()):
        exception_type, message = split_exception_line(line)
        if exception_type:
            return exception_type.rsplit(".", 1)[-1], message
    return "Exception", error_message.strip()


@functools.lru_cache(maxsize=256)
def _rule_name(code: str) -> str:
    """ruff's name of a rule (``F821`` -> ``undefined-name``)."""
    if not code or not code[0].isupper() or not any(c.isdigit() for c in code):
        return code or "syntax-error"
    from selfheal_local.detect.ruff import ruff_rule_info

    return str(ruff_rule_info(code).get("name") or code)



def _guess_line(code: str, exception_type: str, name: str) -> int:
    """The line a snippet's error most likely comes from (no traceback given)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return exc.lineno or 1
    nodes = sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    for node in nodes:
        if exception_type in ("NameError", "UnboundLocalError") and isinstance(node, ast.Name) \
                and node.id == name and isinstance(node.ctx, ast.Load):
            return node.lineno
        if exception_type == "AttributeError" and isinstance(node, ast.Attribute) and node.attr == name:
            return node.lineno
        if exception_type == "TypeError" and isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return node.lineno
    body = [n for n in nodes if isinstance(n, ast.stmt) and not isinstance(n, ast.FunctionDef | ast.ClassDef)]
    return body[0].lineno if body else 1


class PatchGenerator:
    """Generate, validate, apply and learn from patches (Saplings-compatible)."""

    def __init__(self, max_retries: int = 3, success_pair_collector: Any | None = None,
                 *, config: Config | None = None, sandbox: Any | None = None):
        self.max_retries = max_retries
        self.success_pair_collector = success_pair_collector
        self.config = config or Config(use_model=False, use_memory=False)
        self._sandbox = sandbox
        self.successes: list[Patch] = []
        self.history: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ helpers
    def _snippet_project(self, tmp: str, code: str) -> Project:
        (Path(tmp) / SNIPPET).write_text(code, encoding="utf-8")
        return Project(root=Path(tmp).resolve(), config=self.config)

    def _sandbox_for(self):
        if self._sandbox is None:
            from selfheal_local.factory import make_sandbox

            self._sandbox = make_sandbox(self.config)
        return self._sandbox

    def _finding(self, code: str, error_message: str) -> Finding:
        from selfheal_local.analyze import extract_details

        exception_type, message = _split_error(error_message)
        name, _details = extract_details(exception_type, message)
        line = _guess_line(code, exception_type, name)
        return Finding(source="traceback", file=SNIPPET, line=line, code=exception_type,
                       message=message, traceback=error_message)

    # ------------------------------------------------------------------ analysis
    def analyze_error(self, code_context: str, error_message: str) -> dict[str, Any]:
        """Type, pattern(s), the name involved, line and function of the error."""
        from selfheal_local.analyze import diagnose

        with tempfile.TemporaryDirectory(prefix="selfheal-snippet-") as tmp:
            project = self._snippet_project(tmp, code_context)
            diagnosis = diagnose(self._finding(code_context, error_message), project)
        info: dict[str, Any] = {
            "type": diagnosis.exception_type,
            "message": diagnosis.message,
            "patterns": [diagnosis.pattern],
            "pattern": diagnosis.pattern,
            "line": diagnosis.line,
            "function": diagnosis.function,
            "details": dict(diagnosis.details),
        }
        if diagnosis.name:
            info["name"] = diagnosis.name
            key = {"undefined_variable": "variable", "attribute_error": "attribute",
                   "import_error": "module", "key_error": "key"}.get(diagnosis.pattern)
            if key:
                info[key] = diagnosis.name
        return info

    def static_analyze(self, code: str) -> dict[str, Any]:
        """ruff's findings on ``code``: each with line, column, message, symbol and code."""
        from selfheal_local.detect.ruff import ruff_check_text

        with tempfile.TemporaryDirectory(prefix="selfheal-snippet-") as tmp:
            project = self._snippet_project(tmp, code)
            findings = ruff_check_text(code, SNIPPET, project)
        issues = [{"line": f.line, "column": f.column, "message": f.message,
                   "symbol": _rule_name(f.code), "code": f.code} for f in findings]
        return {"issues": issues, "valid": not any(i["code"] in ("invalid-syntax", "E999") for i in issues)}

    # ------------------------------------------------------------------ patches
    async def generate_patch(self, error_message: str, code_context: str) -> dict[str, Any]:
        """A validated patch for the snippet, or ``{"success": False, "error": why}``."""
        return await asyncio.to_thread(self._generate, error_message, code_context)

    def _generate(self, error_message: str, code_context: str) -> dict[str, Any]:
        from selfheal_local.analyze import diagnose
        from selfheal_local.factory import make_sources

        with tempfile.TemporaryDirectory(prefix="selfheal-snippet-") as tmp:
            project = self._snippet_project(tmp, code_context)
            diagnosis = diagnose(self._finding(code_context, error_message), project)
            tried: list[str] = []
            for source in make_sources(self.config):
                if source.name == "search":
                    continue  # a snippet has no tests to choose between mutants
                for candidate in source.propose(diagnosis, project):
                    if len(tried) >= max(1, self.max_retries) * 8:
                        break
                    patched = next((e.after for e in candidate.edits if e.path == SNIPPET), None)
                    if patched is None:
                        continue
                    ok, why = self.validate_patch(patched)
                    tried.append(f"{candidate.explanation}: {'ok' if ok else why}")
                    if ok:
                        patch = Patch(
                            original_code=code_context, patched_code=patched,
                            error=error_message, error_info=self.analyze_error(code_context, error_message),
                            status=PatchStatus.GENERATED,
                            metadata={"source": candidate.source, "explanation": candidate.explanation},
                            source=candidate.source, explanation=candidate.explanation,
                            confidence=candidate.confidence, pattern=diagnosis.pattern,
                        )
                        self.history.append({"error": error_message, "success": True})
                        return {"success": True, "patch": patch.to_dict()}
        self.history.append({"error": error_message, "success": False})
        reason = "; ".join(tried[-3:]) if tried else "no rule applies"
        return {"success": False, "error": f"no validated fix for {diagnosis.exception_type} "
                f"({diagnosis.pattern}): {reason}", "error_info": diagnosis.to_dict()}

    def validate_patch(self, patched_code: str) -> tuple[bool, str | None]:
        """Parse, ruff's error rules, then run the module's top level in the sandbox."""
        try:
            ast.parse(patched_code)
        except SyntaxError as exc:
            return False, f"SyntaxError: {exc.msg} (line {exc.lineno})"
        from selfheal_local.detect.ruff import ruff_check_text

        with tempfile.TemporaryDirectory(prefix="selfheal-snippet-") as tmp:
            project = self._snippet_project(tmp, patched_code)
            errors = ruff_check_text(patched_code, SNIPPET, project, select=_ERROR_RULES)
            if errors:
                first = errors[0]
                return False, f"line {first.line}: {first.message} ({first.code})"
            sandbox = self._sandbox_for()
            with sandbox.workspace(project.root) as ws:
                result = sandbox.run([project.config.python_for(ws), "-I", SNIPPET], cwd=ws, timeout_s=30)
            if result.timed_out:
                return False, "running the module timed out"
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["failed"])[-1]
                return False, f"running the module failed: {last}"
        return True, None

    def apply_patch(self, patch: Patch) -> bool:
        """Write a project patch through the journal; for a snippet, check and mark it applied."""
        try:
            root = patch.metadata.get("project_root")
            if patch.edits and root:
                from selfheal_local.journal import Journal

                Journal(Path(root)).apply(patch.edits, {"explanation": patch.explanation})
            else:
                ok, why = self.validate_patch(patch.patched_code)
                if not ok:
                    log.warning("not applying an invalid patch: %s", why)
                    return False
        except SelfHealError as exc:
            log.warning("apply failed: %s", exc)
            return False
        patch.status = PatchStatus.APPLIED
        return True

    def after_success(self, patch: Patch) -> None:
        """Remember a successful patch; hand it to the success-pair collector when there is one."""
        self.successes.append(patch)
        collector = self.success_pair_collector
        if collector is None:
            return
        coroutine = collector.collect_patch(patch)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(coroutine)
        else:
            loop.create_task(coroutine)

    def reset(self) -> None:
        """Forget the history and the successes of this generator."""
        self.successes.clear()
        self.history.clear()
