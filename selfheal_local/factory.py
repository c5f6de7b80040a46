"""The one place where the parts are wired: sandbox, candidate sources, memory, engine,
adapter registry and trainer (``models`` and ``sandbox`` are imported here and in
``llm.engines`` only, inside the functions that build them)."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import Config, DataPaths, load_config
from .errors import BadInputError, ModelUnusable
from .project import Project
from .protocols import AdapterRegistry, CandidateSource, Engine, Sandbox, Trainer

log = logging.getLogger(__name__)


def make_sandbox(config: Config) -> Sandbox:
    """A sandbox with the limits of ``config`` (bubblewrap where it works)."""
    from sandbox import Limits
    from sandbox import Sandbox as _Sandbox

    limits = Limits(
        timeout_s=config.test_timeout_s,
        cpu_s=config.cpu_limit_s,
        memory_bytes=config.memory_limit_mb * 1024 * 1024,
        file_size_bytes=config.file_size_limit_mb * 1024 * 1024,
        processes=config.process_limit,
        disk_bytes=config.disk_limit_mb * 1024 * 1024,
    )
    return _Sandbox(limits=limits)


def make_memory(config: Config) -> tuple[Any, str | None]:
    """The fix memory, or (None, why) when it is switched off or unusable."""
    if not config.use_memory:
        return None, "memory switched off"
    from .memory import open_memory  # ours, light: LanceDB and the embedder load on first use

    try:
        memory = open_memory(config)
    except Exception as exc:
        return None, f"memory unavailable: {exc}"
    return (memory, None) if memory is not None else (None, "memory unavailable (see log)")


def make_engine_for(config: Config) -> tuple[Engine | None, str | None]:
    """The model engine, or (None, why) when no model is configured or it cannot start."""
    if not config.use_model or config.engine == "none":
        return None, "model switched off"
    if not config.model:
        return None, "no model configured: rules, memory and search only (set model = DIR or URL)"
    from selfheal_local.llm.engines import make_engine  # ours; the engines import models lazily

    try:
        return make_engine(config), None
    except Exception as exc:
        return None, f"model unavailable: {exc}"


def make_adapters(
    paths: DataPaths,
    *,
    engine: Engine | None = None,
    base_model: str | None = None,
    max_rank: int | None = None,
) -> AdapterRegistry:
    """The adapter registry of a data dir; raises models' ModelError when it is unreadable."""
    from models.adapters import AdapterManager

    return AdapterManager(model=engine, adapter_dir=paths.adapters, base_model=base_model,
                          max_rank=max_rank)


def try_adapters(config: Config, engine: Engine | None = None) -> AdapterRegistry | None:
    """``make_adapters`` for a heal: None (logged) when the registry cannot be opened."""
    try:
        return make_adapters(config.paths, engine=engine)
    except Exception as exc:  # without an engine nothing is routed: not worth a warning
        log.log(logging.WARNING if engine is not None else logging.DEBUG,
                "adapter registry unavailable: %s", exc)
        return None


def make_trainer(
    model: str,
    output_dir: str | Path,
    *,
    adapter_name: str,
    overrides: dict[str, Any] | None = None,
    lora_config: Any = None,
    on_step: Callable[[int, int, float | None], None] | None = None,
) -> Trainer:
    """A LoRA/QLoRA trainer on the local base ``model`` writing adapters into ``output_dir``."""
    from models.training import LoRaTrainer
    from models.training_config import LoRaConfig

    config = lora_config if lora_config is not None else LoRaConfig.from_dict(overrides or {})
    return LoRaTrainer(model, str(output_dir), config, adapter_name=adapter_name, on_step=on_step)


def model_error() -> type[Exception]:
    """The root error of ``models`` (what an engine, the registry or a trainer raises)."""
    try:
        from models.errors import ModelError
    except ImportError:  # no models package: nothing can raise it
        return _NeverRaised
    return ModelError


class _NeverRaised(Exception):
    pass


def make_sources(
    config: Config,
    *,
    memory: Any = None,
    engine: Engine | None = None,
    adapters: AdapterRegistry | None = None,
) -> list[CandidateSource]:
    """Candidate sources, cheapest first: ruff, rules (built-in + learned), memory, search, model."""
    from .fixers import RuleSource

    sources: list[CandidateSource] = []
    try:
        from selfheal_local.fixers.rules.ruff_fix import RuffFixSource

        sources.append(RuffFixSource())
    except ImportError:
        log.debug("ruff fix source not available")
    sources.append(RuleSource())
    try:
        from .memory import LearnedRuleSource

        sources.append(LearnedRuleSource(config))
    except ImportError:
        log.debug("learned rules not available")
    except Exception as exc:
        log.warning("learned rules unavailable: %s", exc)
    if memory is not None:
        replay = getattr(memory, "replay_source", None)
        if callable(replay):
            sources.append(replay())
    try:
        from .fixers.search import SearchSource

        sources.append(SearchSource(config))
    except ImportError:
        log.debug("mutation search not available")
    if engine is not None:
        from selfheal_local.llm.source import ModelSource

        if adapters is None:
            adapters = try_adapters(config, engine)
        sources.append(ModelSource(engine, adapters=adapters, memory=memory, samples=config.samples))
    return sources


def check_test_command(project: Project, config: Config) -> None:
    """BadInputError when the test command cannot even start: then no fix could be proven."""
    argv = config.test_argv(project.root)
    exe = argv[0]
    if "/" in exe:
        path = Path(exe) if os.path.isabs(exe) else project.root / exe
        found = path.is_file() and os.access(path, os.X_OK)
    else:
        found = shutil.which(exe) is not None
    if not found:
        raise BadInputError(
            f"the test command {' '.join(argv)!r} cannot start: {exe!r} is not an executable "
            "here; fix test_command or python in [tool.selfheal]"
        )


def recover_on_open(root: Path) -> list[str]:
    """What every command that opens a project does first: roll back applies cut short (under
    the journal lock, so a heal applying in another process now is left alone) and remove the
    sandbox leftovers of runs whose process died. Returns notes for the person."""
    from .journal import Journal

    notes = []
    rolled = Journal(root).recover()
    if rolled:
        notes.append(f"rolled back {len(rolled)} interrupted apply(s): {', '.join(rolled)}")
    try:
        from sandbox import cleanup_stale

        removed = cleanup_stale()
    except Exception as exc:  # a leftover we cannot remove never stops the command
        log.warning("could not remove sandbox leftovers: %s", exc)
    else:
        if removed:
            log.info("removed %d sandbox leftover(s) of dead runs", len(removed))
    return notes


def open_healer(
    path: str | os.PathLike[str],
    overrides: dict[str, Any] | None = None,
    *,
    on_event: Callable[[Any], None] | None = None,
    sandbox: Sandbox | None = None,
    engine: Engine | None = None,
    memory: Any = None,
):
    """A ready Healer for the project at ``path`` (raises BadInputError for unusable input)."""
    from .service import Healer

    project = Project.open(path)
    config = load_config(project.root, overrides)
    project.config = config
    check_test_command(project, config)
    engine_notes: list[str] = []
    if engine is None:  # first: a model asked for that cannot be used stops before anything
        engine, why = make_engine_for(config)
        if why and config.use_model and config.engine != "none":
            if config.model:
                raise ModelUnusable(f"{why}; fix --model/--engine (or the model setting) or "
                                    "pass --no-model to heal without it")
            engine_notes.append(why)
    notes: list[str] = recover_on_open(project.root) + engine_notes
    sandbox = sandbox or make_sandbox(config)
    if sandbox.isolation == "none":
        notes.append("sandbox: no network isolation available (install bubblewrap)")
    if memory is None:
        memory, why = make_memory(config)
        if why and why != "memory switched off":
            notes.append(why)
    adapters = try_adapters(config, engine)
    sources = make_sources(config, memory=memory, engine=engine, adapters=adapters)
    return Healer(project, sandbox, sources=sources, memory=memory, engine=engine,
                  adapters=adapters, on_event=on_event, notes=notes)
