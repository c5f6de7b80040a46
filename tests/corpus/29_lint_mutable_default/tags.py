"""Hashtag extraction."""

import re

HASHTAG = re.compile(r"#(\w+)")


def tag(text: str, tags: list[str] = []) -> list[str]:
    """Hashtags found in text, appended to tags."""
    for match in HASHTAG.finditer(text):
        name = match.group(1).lower()
        if name not in tags:
            tags.append(name)
    return tags


def top(texts: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for text in texts:
        for name in tag(text, []):
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: (-counts[n], n))
