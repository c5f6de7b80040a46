def unique(items):
    seen = set()
    out = []
    for item in items:
        if item in seen:
            out.append(item)
        seen.add(item)
    return out


def duplicates(items):
    seen, dup = set(), []
    for item in items:
        if item in seen and item not in dup:
            dup.append(item)
        seen.add(item)
    return dup
