"""Configuration: defaults < the user's ``config.toml`` < ``[tool.selfheal]`` in the project < CLI.

Every path default is resolved here and nowhere else; importing this module reads nothing.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_PROTECTED = (
    "tests/**",
    "test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "conftest.py",
    "test_*.py",
    "*_test.py",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "tox.ini",
    "pytest.ini",
    "noxfile.py",
    ".selfheal/**",
)

DEFAULT_RUFF_SELECT = ("E9", "F", "B006", "B011", "E711", "E712", "E721", "E722", "PLE")
"""Rules used when the project does not configure ruff: real breakage, not style."""


def selfheal_home(env: dict[str, str] | None = None) -> Path:
    """The per-user data dir: ``$SELFHEAL_HOME`` or the platform's user data dir."""
    env = os.environ if env is None else env
    if env.get("SELFHEAL_HOME"):
        return Path(env["SELFHEAL_HOME"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("selfheal-local", appauthor=False))


DATA_LAYOUT = {
    "memory": "memory",  # the fix memory (LanceDB)
    "learned_rules": "memory/learned_rules.json",
    "pairs_dir": "pairs",
    "pairs": "pairs/success_pairs.jsonl",  # accepted fixes: what the nightly round trains on
    "compat_pairs": "success_pairs",  # the Saplings-compatible SuccessPairCollector's own
    "adapters": "adapters",  # trained adapters and their registry
    "training": "training",
    "training_runs": "training/runs",  # one JSON record per round
    "training_state": "training/state.json",
    "training_data": "training/data",
    "round_lock": "training/round.lock",
    "schedule": "training/schedule",  # the nightly scheduler's job store and lock
    "vllm_logs": "vllm",
}
"""Where each thing lives in the per-user data dir: the only place these names are written."""


class DataPaths:
    """The paths of one data dir: ``DATA_LAYOUT`` under ``home``, as attributes."""

    memory: Path
    learned_rules: Path
    pairs_dir: Path
    pairs: Path
    compat_pairs: Path
    adapters: Path
    training: Path
    training_runs: Path
    training_state: Path
    training_data: Path
    round_lock: Path
    schedule: Path
    vllm_logs: Path

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.home = Path(home)
        for name, rel in DATA_LAYOUT.items():
            setattr(self, name, self.home / rel)

    def __repr__(self) -> str:
        return f"DataPaths({str(self.home)!r})"


@dataclass(frozen=True)
class Config:
    """Everything a heal can be told. Field docstrings are the documentation."""

    test_command: tuple[str, ...] = ()
    """argv that runs the project's tests; empty means ``<python> -m pytest``."""
    python: str = ""
    """Interpreter for the project's tests; empty: the project's ``.venv`` if present, else ours."""
    protected: tuple[str, ...] = DEFAULT_PROTECTED
    """Glob patterns of files never edited (tests, conftest, config) unless ``allow_test_edits``."""
    allow_test_edits: bool = False
    """Let patches edit protected files (off: the tests are the oracle, not the patient)."""
    ruff_select: tuple[str, ...] = DEFAULT_RUFF_SELECT
    """ruff rules checked when the project has no ruff configuration of its own."""
    test_timeout_s: float = 300.0
    """Wall-clock limit of one test-suite run in the sandbox."""
    test_case_timeout_s: float = 60.0
    """Wall-clock limit of one test: past it the test fails on its own (``TestTimeout`` where it
    was, a hang or an endless loop) and the run goes on. Raise it for tests that are just slow."""
    validate_timeout_factor: float = 3.0
    """A candidate's test run may take this many times the baseline suite's own time ..."""
    validate_timeout_floor_s: float = 10.0
    """... plus this many seconds (never more than ``test_timeout_s``)."""
    validate_test_floor_s: float = 3.0
    """One test of a candidate may take ``validate_timeout_factor`` times the baseline's slowest
    test plus this many seconds (never more than ``test_case_timeout_s``): a candidate that
    leaves a test looping forever is told from one that fixed it in seconds."""
    lint: bool = False
    """Heal ruff's style findings even when the project does not configure ruff (``--lint``)."""
    max_steps: int = 25
    """Most heal steps (fix one finding, re-scan) in one ``heal``."""
    max_candidates: int = 24
    """Most candidates validated for one finding from rules and memory."""
    search_budget_s: float = 60.0
    """Time budget of the mutation search for one finding."""
    search_max_candidates: int = 200
    """Most mutants validated for one finding."""
    parallel: int = 0
    """Candidates validated at once; 0 means the CPU count."""
    max_retries: int = 3
    """Self-correction rounds for model patches."""
    samples: int = 3
    """Model samples per round (the first greedy, the rest with temperature)."""
    max_edit_growth: float = 3.0
    """A model edit may make a file at most this many times its size (plus 4 KB); else refused."""
    engine: str = "auto"
    """none | hf | vllm | auto (hf when ``model`` is a local directory, vllm when it is a URL)."""
    model: str = ""
    """Local model directory (hf, or vllm serve) or the URL of a running vLLM server."""
    load_in_4bit: bool = False
    """Embedded engine: load the base in 4-bit NF4 (bitsandbytes)."""
    use_model: bool = True
    """Ask the model at all (``--no-model`` switches it off)."""
    use_memory: bool = True
    """Replay and record fixes in the fix memory."""
    embedding_model: str = ""
    """Local sentence-transformers directory; empty: the bundled all-MiniLM-L6-v2."""
    recall_k: int = 5
    """Past fixes retrieved per diagnosis."""
    auto_apply_confidence: float = 0.0
    """TUI: apply validated patches at or above this confidence without asking (0 = off)."""
    commit: bool = False
    """Commit each applied heal when the project is a git repository (never pushes)."""
    commit_branch: str = ""
    """Branch for heal commits (e.g. ``selfheal/heals``); empty: the current branch."""
    memory_limit_mb: int = 2048
    """Address-space limit of each sandboxed command."""
    cpu_limit_s: int = 600
    """CPU-seconds limit of each sandboxed command."""
    file_size_limit_mb: int = 256
    """Largest file a sandboxed command may write."""
    process_limit: int = 256
    """Most processes a sandboxed command may have at once."""
    disk_limit_mb: int = 1024
    """Most a sandboxed command may add to its workspace; also the size of its private /tmp."""
    home: str = ""
    """Data dir override (``$SELFHEAL_HOME`` wins over the platform default; this wins over both)."""

    def home_dir(self) -> Path:
        return Path(self.home).expanduser() if self.home else selfheal_home()

    @property
    def paths(self) -> DataPaths:
        """The data dir's paths (``home_dir()`` resolved now)."""
        return DataPaths(self.home_dir())

    def python_for(self, project_root: Path) -> str:
        if self.python:
            return self.python
        for candidate in (".venv/bin/python", "venv/bin/python"):
            exe = project_root / candidate
            if exe.exists():
                return str(exe)
        return sys.executable

    def test_argv(self, project_root: Path) -> list[str]:
        if self.test_command:
            return list(self.test_command)
        return [self.python_for(project_root), "-m", "pytest"]

    def test_case_limit(self) -> float | None:
        """The per-test limit, when it is below the whole run's (else none: the run's decides)."""
        return self.test_case_timeout_s if self.test_case_timeout_s < self.test_timeout_s else None

    def workers(self) -> int:
        return self.parallel if self.parallel > 0 else max(1, os.cpu_count() or 1)

    def merged(self, overrides: dict[str, Any], origin: str = "overrides") -> Config:
        """A copy with ``overrides`` applied, each checked against the field's type."""
        return replace(self, **_coerce(overrides, origin))


_FIELDS = {f.name: f for f in fields(Config)}
_POSITIVE = frozenset({"test_timeout_s", "test_case_timeout_s", "validate_timeout_factor",
                       "validate_timeout_floor_s", "validate_test_floor_s", "max_steps", "memory_limit_mb", "cpu_limit_s",
                       "file_size_limit_mb", "process_limit", "disk_limit_mb", "max_edit_growth"})
"""Settings that are limits: zero or less is a mistake, not a way to switch something off."""


def _coerce(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise ConfigError(f"{origin}: unknown setting '{key}' (known: {known})")
        default = getattr(Config(), name)
        try:
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError
            elif isinstance(default, tuple):
                value = tuple(value.split() if isinstance(value, str) else value)
                if not all(isinstance(v, str) for v in value):
                    raise TypeError
            elif isinstance(default, float):
                if isinstance(value, bool):
                    raise TypeError
                value = float(value)
            elif isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError
            elif isinstance(default, str):
                if not isinstance(value, str):
                    raise TypeError
        except (TypeError, ValueError):
            raise ConfigError(
                f"{origin}: '{key}' must be {type(default).__name__}, got {value!r}"
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{origin}: '{key}' must be a finite number, got {value!r}")
        if name in _POSITIVE and not value > 0:
            raise ConfigError(f"{origin}: '{key}' must be more than 0, got {value!r}")
        out[name] = value
    return out


PROJECT_TIGHTEN_ONLY = ("test_timeout_s", "memory_limit_mb", "cpu_limit_s", "file_size_limit_mb",
                        "process_limit", "disk_limit_mb", "max_edit_growth")
"""Limits a project's own config may lower but never raise (a cloned project is untrusted);
only the user's ``config.toml`` or the command line can raise them."""
PROJECT_FORBIDDEN = {
    "home": "it would move your data dir",
    "model": "a URL there would send your code to another machine",
    "embedding_model": "it would load a model the project chose",
    "allow_test_edits": "it would let fixes edit the tests that prove them",
    "auto_apply_confidence": "it would apply fixes without asking you",
}
"""Settings a project's own config may not set at all, and why."""


_said: set[str] = set()


def _say_once(message: str, *args: Any) -> None:
    """A warning about the project's config, once per process (commands load it more than once)."""
    text = message % args
    if text not in _said:
        _said.add(text)
        log.warning("%s", text)


SYSTEM_PREFIXES = ("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/")
"""Where a project's own config may point its interpreter or test command outside itself."""


def _outside(program: str, project_root: Path) -> bool:
    """True for an absolute path outside the project and the system directories: the sandbox
    makes a program's tree (``<tree>/bin/program``) readable, so that would show the tests a
    directory of yours."""
    if not os.path.isabs(program) or program.startswith(SYSTEM_PREFIXES):
        return False
    try:
        Path(os.path.normpath(program)).parent.parent.relative_to(project_root.resolve())
    except ValueError:
        return True
    return False


def _trusted_project_table(table: dict[str, Any], base: Config, origin: str,
                           project_root: Path) -> dict[str, Any]:
    """The project's settings less what would loosen the sandbox or the proof, send code away,
    apply without asking, or move the data dir."""
    checked = _coerce(table, origin)
    for name, why in PROJECT_FORBIDDEN.items():
        if name in checked:
            del checked[name]
            _say_once("%s: '%s' ignored (%s): set it in your own config.toml or on the "
                        "command line", origin, name, why)
    for name in PROJECT_TIGHTEN_ONLY:
        if name in checked and checked[name] > getattr(base, name):
            _say_once("%s: '%s = %s' ignored: a project may lower its limits, not raise them "
                        "(using %s; raise it in your own config.toml)",
                        origin, name, checked[name], getattr(base, name))
            del checked[name]
    if checked.get("python") and not os.path.isabs(checked["python"]):
        checked["python"] = str(project_root.resolve() / checked["python"])
    for name, program in (("python", checked.get("python", "")),
                          ("test_command", (checked.get("test_command") or ("",))[0])):
        if program and _outside(program, project_root):
            del checked[name]
            _say_once("%s: '%s' ignored (%s is outside the project; the sandbox would show its "
                      "directory to the tests): set it in your own config.toml", origin, name,
                      program)
    if "protected" in checked:  # a project may protect more files, never fewer
        extra = tuple(p for p in checked["protected"] if p not in base.protected)
        checked["protected"] = base.protected + extra
    return checked


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}); fix or remove the file") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; fix or remove the file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc


def project_has_ruff_config(project_root: Path) -> bool:
    """True when the project configures ruff itself (then its own rule selection is used)."""
    if (project_root / "ruff.toml").is_file() or (project_root / ".ruff.toml").is_file():
        return True
    pyproject = project_root / "pyproject.toml"
    if pyproject.is_file():
        try:
            return "ruff" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            return False
    return False


def load_config(
    project_root: Path | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    env: dict[str, str] | None = None,
) -> Config:
    """Defaults < ``$SELFHEAL_HOME/config.toml`` < ``[tool.selfheal]`` < ``overrides``."""
    config = Config()
    user_file = selfheal_home(env) / "config.toml"
    if user_file.is_file():
        config = config.merged(_read_toml(user_file).get("selfheal", {}), str(user_file))
    if project_root is not None:
        pyproject = project_root / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("selfheal", {})
            if not isinstance(table, dict):
                raise ConfigError(f"{pyproject}: [tool.selfheal] must be a table")
            origin = f"{pyproject} [tool.selfheal]"
            config = replace(config, **_trusted_project_table(table, config, origin, project_root))
    if overrides:
        config = config.merged({k: v for k, v in overrides.items() if v is not None}, "options")
    if project_root is not None and not config.python:
        # fixed now: tests run in a workspace copy, where the project's own .venv is not copied
        config = replace(config, python=config.python_for(project_root))
    return config


__all__ = ["Config", "load_config", "selfheal_home", "project_has_ruff_config"]
