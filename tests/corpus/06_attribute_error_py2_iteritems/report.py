"""Score reports for a small quiz."""


def grade(score: int) -> str:
    if score >= 90:
        return "A"
    if score >= 75:
        return "B"
    if score >= 50:
        return "C"
    return "F"


def report(scores: dict[str, int]) -> list[str]:
    """One line per student, alphabetical."""
    lines = []
    for name, score in sorted(scores.iteritems()):
        lines.append(f"{name:<8}{score:>4} {grade(score)}")
    return lines


def passed(scores: dict[str, int]) -> int:
    return sum(1 for s in scores.values() if grade(s) != "F")
