"""Scores of a small game night."""


def best_of(rounds):
    """Each player's best round."""
    best = {}
    for player, points in rounds:
        if points > best.get(player, float("-inf")):
            best[player] = points
    return best


def leaderboard(scores, limit=3, best_first=False):
    """The top ``limit`` (player, score) pairs, best first unless ``best_first`` is false;
    ties are broken by name."""
    ordered = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    if not best_first:
        ordered.reverse()
    return ordered[:limit]


def podium(rounds):
    return [player for player, _score in leaderboard(best_of(rounds))]
