"""selfheal-local's mutant screen: a pytest plugin run in a sandboxed workspace.

``fixers.screen`` copies this file beside a job (``mutants.json``) and runs the failing tests
with ``-p``; the answers go to ``result.jsonl`` in the same folder, one line per mutant, as
they come (a crash or a time-out keeps what was screened). Nothing in selfheal-local imports
this module: it runs only inside that pytest process, and imports only the standard library
and pytest.

Two ways to run a mutant: swap the mutated function's code into the live function objects
(cheap, in this process), or, for code that ran at import (module level, or a function called
while the tests were collected: tables, registries, decorators), run the mutated module again
in a forked child, where a module that failed to import is imported again, mutated.
"""
import ast
import bisect
import gc
import json
import os
import pathlib
import select
import signal
import sys
import time
import types

import pytest
from _pytest.runner import runtestprotocol

_DIR = os.path.dirname(os.path.abspath(__file__))  # written beside the job and its result


_RAN = set()  # (file, first line) of the code run from here to the end of collection: imports


def _profile(frame, event, arg):
    if event == "call":  # a module's own code as line 0: a def on its first line did not run
        code = frame.f_code
        _RAN.add((code.co_filename, 0 if code.co_name == "<module>" else code.co_firstlineno))


def pytest_load_initial_conftests(early_config, parser, args):
    """Before the conftests and test modules import anything: note what runs at import."""
    sys.setprofile(_profile)
    sys.dont_write_bytecode = False  # a throwaway workspace: children reuse what is compiled here


def pytest_collection_finish(session):
    sys.setprofile(None)


_UNCOLLECTED = []  # failing test modules that could not even be imported


def pytest_collectreport(report):
    if report.failed and report.nodeid and "::" not in report.nodeid:
        _UNCOLLECTED.append(os.path.abspath(report.nodeid))


def _items(node):
    if isinstance(node, pytest.Item):
        return [node]
    return [item for child in node.collect() for item in _items(child)]


def _recollected(session):
    """The failing tests collected again from their modules, imported afresh (a test module
    that took names from the mutated module at its import holds the old objects); None when
    one no longer imports, the old items when the new ones do not match them."""
    modules = {}
    for item in session.items:
        module = item.getparent(pytest.Module)
        if module is None:
            return session.items
        modules.setdefault(module.path, module)
    fresh = {}
    try:
        for path, module in modules.items():
            sys.modules.pop(module.obj.__name__, None)
            fresh.update((i.nodeid, i) for i in _items(pytest.Module.from_parent(session, path=path)))
    except BaseException:
        return None
    if any(item.nodeid not in fresh for item in session.items):
        return session.items
    return [fresh[item.nodeid] for item in session.items]


def _fresh_passed(session, limit):
    """In a child, once the mutated module ran afresh: the failing tests passed, to the first
    that fails, collected again (``_recollected``); a module that could not be collected
    before counts as one, passed when it is collected now and its tests pass (or skip, as a
    run of them would)."""
    got = 0
    for item in _recollected(session) or ():
        if not _passed(item, limit):
            return got
        got += 1
    if got < len(session.items):
        return got
    for path in _UNCOLLECTED:
        try:
            items = _items(pytest.Module.from_parent(session, path=pathlib.Path(path)))
        except BaseException:  # (``session.genitems`` would format the error first: slow)
            return got
        outcomes = [_outcome(item, limit) for item in items]
        if None in outcomes or "passed" not in outcomes:
            return got
        got += 1
    return got


class _Alarm(Exception):
    pass


def _raise(signum, frame):
    raise _Alarm("screen: test took too long")


def _chain(tree, qualname):
    """(def node, [enclosing class names]) for qualname, None when a function encloses it."""
    scopes, classes, node = [tree], [], None
    parts = qualname.split(".")
    for i, part in enumerate(parts):
        found = [n for s in scopes for n in getattr(s, "body", [])
                 if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                 and n.name == part]
        if not found:
            return None
        node = found[0]
        if i < len(parts) - 1:
            if not isinstance(node, ast.ClassDef):
                return None
            classes.append(part)
        scopes = [node]
    return (node, classes) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _compiled(path, text, starts, node, classes, splices):
    """The mutated function's code object, compiled at its own lines inside its classes."""
    begin = starts[node.lineno - 1]
    end = starts[node.end_lineno] if node.end_lineno < len(starts) else len(text)
    segment = text[begin:end]
    for s, e, new in sorted(splices, reverse=True):
        if not begin <= s <= e <= end:
            return None
        segment = segment[:s - begin] + new + segment[e - begin:]
    head = "".join("    " * i + "class " + c + ":\n" for i, c in enumerate(classes))
    pad = "\n" * (node.lineno - 1 - len(classes))
    module = compile(head + pad + segment, path, "exec", dont_inherit=True)
    stack = [module]
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                if const.co_name == node.name and const.co_firstlineno == node.lineno:
                    return const
                stack.append(const)
    return None


_LIVE = {}


def _live(path, node):
    """``node``'s function objects, found once per function (a walk over every object costs
    tens of milliseconds; the objects stay while mutants swap their code in and out)."""
    lines = {node.lineno, *(d.lineno for d in node.decorator_list)}
    key = (path, node.name, node.lineno)
    if key not in _LIVE:
        _LIVE[key] = [f for f in gc.get_objects() if isinstance(f, types.FunctionType)
                      and f.__code__.co_filename == path and f.__code__.co_name == node.name
                      and f.__code__.co_firstlineno in lines]
    return _LIVE[key]


def _outcome(item, limit):
    """"passed", "skipped" or None (failed, or out of time)."""
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        reports = runtestprotocol(item, nextitem=None, log=False)
    except BaseException:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if not all(r.passed or r.skipped for r in reports):
        return None
    return "passed" if any(r.when == "call" and r.passed for r in reports) else "skipped"


def _passed(item, limit):
    return _outcome(item, limit) == "passed"


def _swap(live, code):
    saved = [f.__code__ for f in live]
    try:
        for f in live:
            f.__code__ = code
    except ValueError:  # a closure that does not fit: put every one back
        for f, old in zip(live, saved, strict=True):
            f.__code__ = old
        return None
    return saved


def _ran_at_import(path, tree):
    """(the module loaded from ``path``, None when it is not loaded (its import failed),
    whether any of its code ran while the tests were collected, the line spans of its
    functions that did)."""
    module = next((mod for mod in list(sys.modules.values())
                   if os.path.abspath(getattr(mod, "__file__", None) or "-") == path), None)
    spans = [(node.lineno, node.end_lineno) for node in ast.walk(tree)
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
             and any((path, at) in _RAN for at in (node.lineno, *(
                 d.lineno for d in node.decorator_list)))]
    return module, any(file == path for file, _ in _RAN), spans


class _Mutated:
    """A finder and loader that imports the mutated text in place of one file."""

    def __init__(self, path, code):
        self.path, self.code = path, code
        stem = os.path.splitext(os.path.basename(path))[0]
        self.name = os.path.basename(os.path.dirname(path)) if stem == "__init__" else stem

    def find_spec(self, name, target=None, module=None):
        import importlib.machinery
        import importlib.util
        if name.rpartition(".")[2] != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, target)
        if spec is None or not spec.origin or os.path.abspath(spec.origin) != self.path:
            return None
        return importlib.util.spec_from_file_location(
            name, self.path, loader=self,
            submodule_search_locations=spec.submodule_search_locations)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(self.code, module.__dict__)


def _at_import(m, starts, ran, spans, module_level, tree):
    """Whether the mutant changes code that ran while the tests were collected (module level,
    a function called at import, a parameter's default value): only a fresh run of its module
    reaches that."""
    if not ran or not m["splices"]:
        return False
    if m["qualname"].startswith(module_level):
        return True
    line = bisect.bisect_right(starts, m["splices"][0][0])
    try:
        found = _chain(tree, m["qualname"])
    except (ValueError, TypeError):
        found = None
    if found is not None and line < found[0].body[0].lineno:
        return True
    return any(first <= line <= last for first, last in spans)


def _reloaded(session, module, path, text, starts, splices, found, limit):
    """Failing tests passed (to the first that fails) in a forked child that swaps the
    mutated function in and runs the mutated module again in its own namespace, as a fresh
    import would; the child's changes die with it."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        got = 0
        try:
            swapped = found and _compiled(path, text, starts, *found, splices)
            for s, e, new in sorted(splices, reverse=True):
                text = text[:s] + new + text[e:]
            code = compile(text, path, "exec", dont_inherit=True)
            if swapped:
                _swap(_live(path, found[0]), swapped)
            signal.setitimer(signal.ITIMER_REAL, 4 * limit)
            if module is not None:
                exec(code, module.__dict__)
            else:  # its import failed: the failing test modules import it again, mutated
                sys.meta_path.insert(0, _Mutated(path, code))
            signal.setitimer(signal.ITIMER_REAL, 0)
            got = _fresh_passed(session, limit)
        except BaseException:
            pass
        os.write(write, str(got).encode())
        os._exit(0)
    os.close(write)
    try:
        tests = len(session.items) + 20 * len(_UNCOLLECTED)
        ready, _, _ = select.select([read], [], [], limit * (tests + 4) + 1)
        got = int(os.read(read, 32) or b"0") if ready else 0
    except (OSError, ValueError):
        got = 0
    finally:
        os.close(read)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
    return got


def starts_of(text):
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _by_swap(session, m, file, limit):
    """Failing tests passed (to the first that fails) with the mutated function's code
    swapped into its live function objects, then swapped back; None when it cannot be."""
    path = os.path.abspath(m["rel"])
    text, starts, tree = file[:3]
    try:
        found = _chain(tree, m["qualname"])
        code = found and _compiled(path, text, starts, *found, m["splices"])
        live = _live(path, found[0]) if code else []
    except (SyntaxError, ValueError, TypeError):
        return None
    saved = _swap(live, code) if live else None
    if saved is None:
        return None
    try:
        got = 0
        for item in session.items:
            if not _passed(item, limit):
                break
            got += 1
    finally:
        for f, old in zip(live, saved, strict=True):
            f.__code__ = old
    return got


def _by_fresh_run(session, m, file, module, module_level, limit):
    path = os.path.abspath(m["rel"])
    text, starts, tree = file[:3]
    try:
        found = None if m["qualname"].startswith(module_level) else _chain(tree, m["qualname"])
    except (SyntaxError, ValueError, TypeError):
        found = None
    return _reloaded(session, module, path, text, starts, m["splices"], found, limit)


def _files(mutants, module_level):
    """Each mutated file's (text, line starts, tree, module, ran at import, spans of its
    functions that ran), and the mutants of code that ran at import."""
    files, fresh = {}, []
    for m in mutants:
        path = os.path.abspath(m["rel"])
        if path not in files:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            tree = ast.parse(text)
            files[path] = (text, starts_of(text), tree, *_ran_at_import(path, tree))
        _text, starts, tree, module, ran, spans = files[path]
        if hasattr(os, "fork") and _at_import(m, starts, ran, spans, module_level, tree):
            fresh.append((m, module))
    return files, fresh


def pytest_runtestloop(session):
    with open(os.path.join(_DIR, "mutants.json"), encoding="utf-8") as handle:
        job = json.load(handle)
    signal.signal(signal.SIGALRM, _raise)
    began = time.monotonic()
    baseline = sum(_passed(item, job["deadline_s"]) for item in session.items)
    took = (time.monotonic() - began) / max(1, len(session.items))
    limit = max(job["least_s"], 5 * took)
    files, fresh = _files(job["mutants"], job["module_level"])
    # a swap cannot clear a module that failed at import: then only fresh runs screen
    swap_until = job["deadline_s"] * (0.6 if fresh else 1.0) if session.items else 0
    total = len(session.items) + len(_UNCOLLECTED)
    got_by_key = {}
    with open(os.path.join(_DIR, "result.jsonl"), "w", encoding="utf-8") as result:
        result.write(json.dumps({"total": total, "baseline": baseline}) + "\n")

        def record(key, got):
            if got is not None and got > got_by_key.get(key, -1):
                got_by_key[key] = got
                result.write(json.dumps({"key": key, "passed": got}) + "\n")
                result.flush()  # what was screened before a crash or a time-out still counts

        for m in job["mutants"]:  # only a mutant that passes them all is promoted
            if time.monotonic() - began > swap_until:
                break
            record(m["key"], _by_swap(session, m, files[os.path.abspath(m["rel"])], limit))
        for m, module in fresh:  # code run at import: a fresh run of the module, in a child
            if time.monotonic() - began > job["deadline_s"]:
                break
            if got_by_key.get(m["key"], -1) < total:
                record(m["key"], _by_fresh_run(session, m, files[os.path.abspath(m["rel"])],
                                               module, job["module_level"], limit))
    return True
