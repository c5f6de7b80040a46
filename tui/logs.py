"""Library loggers that print on their own (transformers sets ``propagate = False`` and adds a
stderr handler when imported): while the TUI runs, their records go to the root logger like
everyone else's, so to the log file and never onto the screen. Put back as found on exit."""

from __future__ import annotations

import logging


def stream_only(handler: logging.Handler) -> bool:
    """A handler that writes to a terminal stream (a file handler is a stream handler too)."""
    return isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)


class LibraryLoggers:
    def __init__(self) -> None:
        self._adopted: dict[str, tuple[bool, list[logging.Handler]]] = {}

    def adopt(self) -> None:
        """Take over every named logger that prints to a stream instead of propagating.

        Cheap (a walk over the logger registry), so it can run again after a job that imported a
        library: a logger imported later is adopted then."""
        for name, logger in list(logging.root.manager.loggerDict.items()):
            if not isinstance(logger, logging.Logger) or name in self._adopted:
                continue
            streams = [h for h in logger.handlers if stream_only(h)]
            if logger.propagate and not streams:
                continue
            self._adopted[name] = (logger.propagate, streams)
            for handler in streams:
                logger.removeHandler(handler)
            logger.propagate = True

    def restore(self) -> None:
        for name, (propagate, streams) in self._adopted.items():
            logger = logging.getLogger(name)
            logger.propagate = propagate
            for handler in streams:
                if handler not in logger.handlers:
                    logger.addHandler(handler)
        self._adopted.clear()
