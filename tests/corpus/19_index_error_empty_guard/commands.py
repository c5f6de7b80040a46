"""A tiny command-line interpreter for a to-do list."""

TODO: list[str] = []


def do_add(args: list[str]) -> str:
    TODO.append(" ".join(args))
    return f"added #{len(TODO)}"


def do_list(args: list[str]) -> str:
    return "\n".join(f"{i}. {t}" for i, t in enumerate(TODO, 1)) or "(empty)"


COMMANDS = {"add": do_add, "list": do_list}


def execute(line: str) -> str | None:
    """Run one command line; None for a blank line, an error text for an unknown command."""
    words = line.split()
    name = words[0].lower()
    handler = COMMANDS.get(name)
    if handler is None:
        return f"unknown command: {name}"
    return handler(words[1:])
