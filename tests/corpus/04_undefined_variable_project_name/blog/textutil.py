"""Text helpers shared by the blog."""

import re
import unicodedata


def slugify(title: str) -> str:
    """'Hello, World!' -> 'hello-world'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words)


def excerpt(body: str, length: int = 40) -> str:
    if len(body) <= length:
        return body
    return body[:length].rsplit(" ", 1)[0] + "…"
