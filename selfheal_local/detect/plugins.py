"""The pytest plugins a project's tests load when they run under selfheal's own interpreter.

A project without a virtual environment of its own is tested with the interpreter selfheal runs
in, and pytest there auto-loads every plugin installed beside selfheal (hypothesis's alone takes
a second to import, on every run, before any test). Those are selfheal's dependencies, not the
project's: a plugin is loaded only when the project names it (its tests, conftest files or
configuration mention the plugin's module, distribution or entry-point name, or, for xdist, its
``-n`` option). xdist costs every run ~45 ms of imports (execnet): the validator adds it only to
the runs it passes ``-n`` (``with_xdist``). A project interpreter of its own (``python`` in
``[tool.selfheal]``, the project's ``.venv``) loads its plugins as always.

When a trimmed run shows what a missing plugin looks like (an unknown fixture, option or async
test), ``plugin_trouble`` says so and the scan runs again with every plugin, for the session.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

XDIST = ("xdist", "pytest-xdist", "pytest_xdist")
"""xdist's names: loaded when the project uses it, or for a run the validator gives ``-n``."""
_XDIST_OPTION = re.compile(r"(?<![\w-])(-n\s*(auto|logical|\d+)|--numprocesses|--dist\b)")
CONFIG_FILES = ("pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini", "setup.py",
                "requirements.txt", "requirements-dev.txt", "requirements-test.txt",
                "test-requirements.txt", "dev-requirements.txt")
TROUBLE = (
    re.compile(r"fixture '[\w.]+' not found"),
    re.compile(r"error: unrecognized arguments"),
    re.compile(r"async def functions are not natively supported"),
    re.compile(r"not found in `markers` configuration option"),
    re.compile(r"PluginValidationError|ImportError while loading conftest"),
)


def _ours(python: str) -> bool:
    """The test interpreter is the one selfheal runs in: the same ``bin`` directory, links
    unresolved (a virtual environment's python links to a base interpreter shared by many)."""
    return (os.path.isabs(python)
            and Path(os.path.abspath(python)).parent == Path(os.path.abspath(sys.executable)).parent)


def installed_plugins() -> list[tuple[set[str], str]]:
    """(names that mention it, module to load) for each pytest11 entry point installed here."""
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group="pytest11"):
        module = ep.value.split(":")[0].strip()
        dist = ep.dist.name if ep.dist is not None else ""
        names = {ep.name, module.split(".")[0], dist, dist.replace("-", "_")}
        if dist.startswith("pytest-"):
            names |= {dist[len("pytest-"):], dist[len("pytest-"):].replace("-", "_")}
        out.append(({n for n in names if len(n) >= 3}, module))
    return out


def _mentions(root: Path, files: Iterable[str]) -> str:
    """The text in which a project names the plugins its tests use."""
    chunks = []
    for rel in (*CONFIG_FILES, *files):
        try:
            chunks.append((root / rel).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return "\n".join(chunks)


def _is_test_file(rel: str) -> bool:
    name = os.path.basename(rel)
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def plugin_env(root: Path, python: str, python_files: Iterable[str]) -> dict[str, str]:
    """The environment that loads only the plugins the project uses ({} when the project's
    interpreter is its own)."""
    if not _ours(python):
        return {}
    text = _mentions(root, [f for f in python_files if _is_test_file(f)])
    keep = []
    for names, module in installed_plugins():
        if any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) for n in names) or (
                names & set(XDIST) and _XDIST_OPTION.search(text)):
            keep.append(module)
    return {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_PLUGINS": ",".join(keep)}


def with_xdist(env: dict[str, str], args: Iterable[str]) -> dict[str, str]:
    """``env`` for a run given ``args``: xdist added to a trimmed plugin list when they pass
    ``-n`` (every plugin loads anyway when ``env`` trims nothing)."""
    if "PYTEST_PLUGINS" not in env or not any(a == "-n" or a.startswith("-n") for a in args):
        return env
    loaded = [m for m in env["PYTEST_PLUGINS"].split(",") if m]
    more = [module for names, module in installed_plugins() if names & set(XDIST)]
    return {**env, "PYTEST_PLUGINS": ",".join(dict.fromkeys([*loaded, *more]))}


def plugin_trouble(output: str) -> bool:
    """A run's output shows a plugin the project needs was not loaded."""
    return any(pattern.search(output) for pattern in TROUBLE)


__all__ = ["plugin_env", "plugin_trouble", "with_xdist"]
