"""A playlist of tracks with durations."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Track:
    title: str
    seconds: int


class Playlist:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[Track] = []

    def add(self, title: str, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError("a track lasts at least one second")
        self.items.append(Track(title, seconds))

    def duration(self) -> int:
        return sum(track.seconds for track in self.itmes)

    def formatted(self) -> str:
        minutes, seconds = divmod(self.duration(), 60)
        return f"{self.name}: {len(self.items)} tracks, {minutes}:{seconds:02d}"
