"""``selfheal tui [PATH]``: the main job, the Textual TUI against a project."""

from __future__ import annotations

import argparse

from .options import add_project_path, add_source_switches, overrides_from

NAME = "tui"
HELP = "the TUI: scan, heal, review every diff, accept / reject / undo, watch for changes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_project_path(p)
    add_source_switches(p)
    p.add_argument("--no-watch", action="store_true", help="do not re-scan when files change")
    p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                   help="show third-party warnings and model loading in the log panel "
                        "(they always go to the log file)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from selfheal_local.errors import BadInputError

    root = Path(args.path).expanduser()
    if not root.is_dir():
        raise BadInputError(f"{args.path} is not a directory; give the project's root")
    overrides = overrides_from(args)
    from selfheal_local.config import selfheal_home
    from tui import prefetch
    from tui.first_frame import FirstFrame
    from tui.layout import display_path

    # an apply cut short is rolled back, then ruff runs, while Textual loads; its findings
    # are drawn as they arrive, until the app takes the terminal
    frame = FirstFrame.for_terminal(display_path(root.resolve()))
    prefetch.start(root, overrides, show=frame.paint if frame is not None else None)
    log_file = selfheal_home() / "logs" / "tui.log"
    try:
        from tui.app import SelfHealApp

        app = SelfHealApp(root, overrides, watch=not args.no_watch,
                          verbose=bool(getattr(args, "verbose", 0)), log_file=log_file)
    except BaseException:
        if frame is not None:
            frame.release()
        raise
    if frame is not None:
        frame.claim()
    app.run()
    print(f"selfheal: the session's log is in {log_file}")
    # Quit is immediate: run() returns once the cancelled job has unwound (its sandboxed
    # processes killed, its workspace removed: asyncio joins the worker threads), and the
    # interpreter's own teardown of the memory's libraries (LanceDB's event-loop thread,
    # pyarrow) takes seconds on a loaded machine while writing nothing: skip it.
    import logging
    import os
    import sys

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
