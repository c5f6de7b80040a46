"""Read .env style files: KEY=value lines, comments and blank lines ignored."""


def parse_env(text: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise SyntaxError(f"line {number}: expected KEY=value")
        key, value = line.split("=")
        env[key.strip()] = value.strip().strip('"')
    return env


def render(env: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(env.items())) + "\n"
