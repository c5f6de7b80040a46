"""Pairing people for a round-robin tournament."""


def pairings(players: list[str]) -> list[tuple[str, str]]:
    """Every unordered pair once, in a stable order."""
    result = []
    for i, left in enumerate(players):
        for right in players[i + 1 :]:
            result.append((left, right)
    return result


def rounds(players: list[str]) -> int:
    n = len(players)
    return n - 1 if n % 2 == 0 else n
