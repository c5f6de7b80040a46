def word_count(lines):
    n = 0
    for line in lines:
        n = len(line.split())
    return n


def longest(lines):
    return max(lines, key=len) if lines else ""
