"""Normalising the free-text tags people attach to notes."""


def normalise(tag):
    """Lower case, inner spaces as dashes, no surrounding blanks or '#'."""
    return "-".join(tag.strip().lstrip("#").lower().split())


def unique_tags(tags):
    """Normalised tags in first-seen order, each once, empty ones dropped."""
    seen = set()
    kept = []
    for raw in tags:
        tag = normalise(raw)
        if not tag:
            continue
        if tag not in seen:
            kept.append(tag)
    return kept


def tag_line(tags):
    return " ".join(f"#{tag}" for tag in unique_tags(tags))
