"""Run the project's tests in the sandbox and read back what happened, test by test.

pytest writes a junit XML report into the (workspace) root; each failure becomes a
``TestOutcome`` with its node id, exception, message and the traceback frames inside the
project. A custom test command that is not pytest is judged by its exit status.
"""

from __future__ import annotations

import logging
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

from selfheal_local.config import Config
from selfheal_local.protocols import Sandbox
from selfheal_local.types import TestOutcome, TestReport

from .importpath import import_env
from .traceback import ParsedTraceback, parse_tracebacks, render_traceback, split_exception_line

log = logging.getLogger(__name__)

OUTPUT_TAIL = 20_000
PYTEST_FLAGS = ("-p", "no:cacheprovider", "--tb=native", "-q", "-o", "junit_family=xunit2",
                "--continue-on-collection-errors", "--rootdir=.")


def is_pytest(argv: Sequence[str]) -> bool:
    """True when argv runs pytest (``pytest``, ``py.test``, ``python -m pytest``)."""
    names = [PurePath(a).name for a in argv]
    return any(n in ("pytest", "py.test") or n.startswith("pytest-") for n in names)


def pytest_argv(root: Path, config: Config, junit_name: str, test_ids: Sequence[str] = (),
                extra_args: Sequence[str] = ()) -> list[str]:
    base = config.test_argv(root)
    if not is_pytest(base):
        return base
    # a parametrized test by its function: ids built from unordered data (a set holding None)
    # are renamed from run to run, and pytest stops at an id it cannot find
    selected = dict.fromkeys(function_id(t) for t in test_ids)
    return [*base, *PYTEST_FLAGS, *extra_args, f"--junitxml={junit_name}", *selected]


def function_id(test_id: str) -> str:
    """``tests/t.py::test_f[a-0]`` -> ``tests/t.py::test_f`` (the id without its parameters)."""
    return test_id.split("[", 1)[0] if "::" in test_id else test_id


def prepare_run(root: Path, config: Config, *, test_ids: Sequence[str] = (),
                extra_args: Sequence[str] = (), source_roots: Sequence[str] = (),
                env: dict[str, str] | None = None, test_limit_s: float | None = None,
                ) -> tuple[list[str], dict[str, str] | None, str]:
    """The command, its environment and its report's name for a test run in ``root`` (the
    hang guard written into ``root`` when a per-test limit is asked for)."""
    junit_name = f".selfheal-junit-{uuid.uuid4().hex[:10]}.xml"
    if test_limit_s and is_pytest(config.test_argv(root)):
        from .hangguard import guard_args, install, with_guard_path

        install(root)
        extra_args = [*guard_args(test_limit_s), *extra_args]
        env = with_guard_path(root, dict(env or {}))
    argv = pytest_argv(root, config, junit_name, test_ids, extra_args)
    if env and "PYTEST_PLUGINS" in env:
        from .plugins import with_xdist

        env = with_xdist(env, extra_args)
    return argv, import_env(root, tuple(source_roots), env), junit_name


def run_tests(
    root: Path,
    sandbox: Sandbox,
    config: Config,
    *,
    test_ids: Sequence[str] = (),
    timeout_s: float | None = None,
    cancel: threading.Event | None = None,
    extra_args: Sequence[str] = (),
    source_roots: Sequence[str] = (),
    env: dict[str, str] | None = None,
    test_limit_s: float | None = None,
    warm: Any = None,
) -> TestReport:
    """Run the suite (or ``test_ids``) in ``root`` inside the sandbox and report per test;
    setting ``cancel`` stops the run (it then reads as timed out). ``source_roots``: the
    project's import directories (``Project.source_roots``), put first on the tests' path;
    ``env``: more of the run's environment (``Project.test_env``); ``test_limit_s``: stop a
    single test past this many seconds as a failure of its own (``hangguard``); ``warm``: the
    sandbox's run started ahead in ``root`` for this command (see ``validation.warm``)."""
    argv, run_env, junit_name = prepare_run(root, config, test_ids=test_ids, extra_args=extra_args,
                                            source_roots=source_roots, env=env,
                                            test_limit_s=test_limit_s)
    limit = timeout_s if timeout_s is not None else config.test_timeout_s
    junit = root / junit_name
    try:
        # only a cancellable run passes ``cancel``: injected sandboxes need not take it
        extra: dict = {"cancel": cancel} if cancel is not None else {}
        if warm is not None:
            extra["prestarted"] = warm
        if run_env:
            extra["env"] = run_env
        result = sandbox.run(argv, cwd=root, timeout_s=limit, **extra)
        output = _tail(result.stdout + ("\n" + result.stderr if result.stderr else ""))
        xml_text = _read(junit) if is_pytest(argv) else None
    finally:
        junit.unlink(missing_ok=True)
    outcomes, collection = parse_junit(xml_text, root) if xml_text else ((), ())
    if not is_pytest(argv) and result.returncode != 0 and not result.timed_out:
        outcomes = (_command_failure(argv, output, root),)
    elif is_pytest(argv) and xml_text is None and result.returncode not in (0, 5):
        collection = _errors_without_report(output, root, result.timed_out)
    return TestReport(
        outcomes=tuple(outcomes),
        returncode=result.returncode,
        output=output,
        elapsed_s=result.elapsed_s,
        timed_out=result.timed_out,
        collection_errors=tuple(collection),
    )


def still_failing(report: TestReport, test_ids: Sequence[str]) -> tuple[str, ...]:
    """The ids in ``test_ids`` that did not pass in ``report``.

    An id without ``::`` (a module that could not be collected, or a conftest) passes once it
    is no collection error any more and nothing under it failed or went missing. A
    parametrized id absent from the run (renamed) passes when every test of its function
    ran and passed.
    """
    if report.timed_out:
        return tuple(test_ids)
    errors = {c.test_id for c in report.collection_errors}
    failed = report.failed
    ran = {o.test_id for o in report.outcomes}
    out = []
    for tid in test_ids:
        if "::" in tid and tid not in ran and "[" in tid:
            # renamed between runs: healed when its function ran and none of it failed
            siblings = [t for t in ran if function_id(t) == function_id(tid)]
            if not siblings or any(t not in report.passed for t in siblings):
                out.append(tid)
            continue
        if "::" in tid or not tid:
            if tid not in report.passed:
                out.append(tid)
            continue
        prefix = tid + "::"
        under = [t for t in ran if t.startswith(prefix)]
        if tid in errors or any(t in failed for t in under) or (
            not under and not _is_conftest(tid) and report.returncode not in (0, 5)
        ):
            out.append(tid)
    return tuple(out)


def _is_conftest(rel: str) -> bool:
    return PurePath(rel).name == "conftest.py"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _tail(text: str) -> str:
    return text if len(text) <= OUTPUT_TAIL else text[-OUTPUT_TAIL:]


def parse_junit(xml_text: str, root: Path) -> tuple[tuple[TestOutcome, ...], tuple[TestOutcome, ...]]:
    """``(outcomes, collection_errors)`` from pytest's junit XML."""
    try:
        tree = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        log.warning("unreadable junit report (%s); judging by exit status", exc)
        return (), ()
    outcomes: list[TestOutcome] = []
    collection: list[TestOutcome] = []
    for case in tree.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if not classname and problem is not None and problem.get("message") == "collection failure":
            collection.append(_outcome(_module_path(name, root), "error", problem, root))
            continue
        test_id = node_id(classname, name, root)
        took = _seconds(case.get("time"))
        if problem is not None:
            kind = "failed" if problem.tag == "failure" else "error"
            outcomes.append(replace(_outcome(test_id, kind, problem, root), duration_s=took))
        elif case.find("skipped") is not None:
            skipped = case.find("skipped")
            message = skipped.get("message", "") if skipped is not None else ""
            outcomes.append(TestOutcome(test_id=test_id, outcome="skipped", message=message))
        else:
            outcomes.append(TestOutcome(test_id=test_id, outcome="passed", duration_s=took))
    return tuple(outcomes), tuple(collection)


def _seconds(text: str | None) -> float:
    """junit's ``time`` attribute (0.0 when missing or not a finite number)."""
    try:
        value = float(text or 0)
    except ValueError:
        return 0.0
    return value if 0 <= value < float("inf") else 0.0


def _outcome(test_id: str, kind: str, element: ET.Element, root: Path) -> TestOutcome:
    text = element.text or ""
    parsed = _last(parse_tracebacks(text, root))
    exc_type, message = _exception_of(parsed, element.get("message", ""))
    frames = parsed.project_frames if parsed else ()
    traceback = render_traceback(parsed) if parsed else text.strip()
    return TestOutcome(
        test_id=test_id, outcome=kind, exception_type=exc_type, message=message,
        traceback=traceback, frames=frames,
    )


def _last(parsed: list[ParsedTraceback]) -> ParsedTraceback | None:
    return parsed[-1] if parsed else None


def _exception_of(parsed: ParsedTraceback | None, junit_message: str) -> tuple[str, str]:
    if parsed and parsed.exception_type:
        return parsed.exception_type, parsed.message
    exc_type, message = split_exception_line(junit_message.splitlines()[0] if junit_message else "")
    if exc_type:
        return exc_type, message
    if junit_message.lstrip().startswith("assert"):
        return "AssertionError", junit_message.strip()
    return "", junit_message.strip()


def node_id(classname: str, name: str, root: Path) -> str:
    """pytest node id from junit's dotted ``classname`` + ``name`` (the file found on disk)."""
    parts = [p for p in classname.split(".") if p]
    for i in range(len(parts), 0, -1):
        candidate = "/".join(parts[:i]) + ".py"
        if (root / candidate).is_file():
            return "::".join([candidate, *parts[i:], name])
    if not parts:
        return name
    return "::".join(["/".join(parts) + ".py", name])


def _module_path(dotted: str, root: Path) -> str:
    parts = [p for p in dotted.split(".") if p]
    for i in range(len(parts), 0, -1):
        candidate = "/".join(parts[:i]) + ".py"
        if (root / candidate).is_file():
            return candidate
        if (root / "/".join(parts[:i])).is_dir() and i == len(parts):
            return "/".join(parts)
    return "/".join(parts) + ".py" if parts else dotted


def _errors_without_report(output: str, root: Path, timed_out: bool) -> tuple[TestOutcome, ...]:
    """pytest stopped before writing its report (a broken conftest, bad options): say why."""
    if timed_out:
        return ()
    parsed = _last(parse_tracebacks(output, root))
    if parsed is None:
        lines = [ln for ln in output.splitlines() if ln.strip()]
        message = next((ln for ln in lines if "error" in ln.lower()), lines[-1] if lines else "")
        if "No module named pytest" in output:  # the project's own interpreter lacks it
            message = (f"{message.strip()}: install pytest into the interpreter that runs the "
                       "tests (its `-m pip install pytest`), or set `python` in your config.toml")
        return (TestOutcome(test_id="", outcome="error", message=message.strip(), traceback=output),)
    target = parsed.target
    return (
        TestOutcome(
            test_id=target.file if target else "", outcome="error",
            exception_type=parsed.exception_type, message=parsed.message,
            traceback=render_traceback(parsed), frames=parsed.project_frames,
        ),
    )


def _command_failure(argv: Sequence[str], output: str, root: Path) -> TestOutcome:
    parsed = _last(parse_tracebacks(output, root))
    lines = [ln for ln in output.splitlines() if ln.strip()]
    return TestOutcome(
        test_id=" ".join(argv),
        outcome="failed",
        exception_type=parsed.exception_type if parsed else "",
        message=parsed.message if parsed else (lines[-1].strip() if lines else ""),
        traceback=render_traceback(parsed) if parsed else output[-4000:],
        frames=parsed.project_frames if parsed else (),
    )


__all__ = ["function_id", "is_pytest", "node_id", "parse_junit", "pytest_argv", "run_tests", "still_failing"]
