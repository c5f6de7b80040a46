"""Group and count words of a text."""

import string


def words(text: str) -> list[str]:
    cleaned = text.translate(str.maketrans("", "", string.punctuation))
    return [w.lower() for w in cleaned.split() if w]


def by_initial(text: str) -> dict[str, list[str]]:
    """Words grouped by their first letter, each group sorted and unique."""
    groups = defaultdict(set)
    for word in words(text):
        groups[word[0]].add(word)
    return {letter: sorted(group) for letter, group in sorted(groups.items())}


def longest(text: str) -> str:
    candidates = words(text)
    if not candidates:
        return ""
    return max(candidates, key=len)
