"""A game leaderboard."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    player: str
    points: int


def best_per_player(scores: list[Score]) -> dict[str, int]:
    best: dict[str, int] = {}
    for s in scores:
        best[s.player] = max(best.get(s.player, s.points), s.points)
    return best


def top(scores: list[Score], n: int = 3) -> list[tuple[str, int]]:
    """The n best players by their best score, ties by name."""
    ranked = sorted(best_per_player(scores).items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[: n - 1]
