"""Counting votes with optional bonus points."""

from collections import Counter


def tally_votes(ballots: list[str]) -> Counter:
    return Counter(b.strip().lower() for b in ballots if b.strip())


def score(tally: dict[str, int], option: str, bonus: int = 0) -> int:
    """Votes for an option plus a bonus; an option nobody voted for has 0 votes."""
    return tally[option] + bonus


def winner(ballots: list[str]) -> str:
    tally = tally_votes(ballots)
    if not tally:
        return ""
    return max(sorted(tally), key=lambda o: score(tally, o))
