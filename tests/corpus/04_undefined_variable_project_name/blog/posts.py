"""Blog posts and their URLs."""

from dataclasses import dataclass


@dataclass
class Post:
    title: str
    body: str
    year: int

    @property
    def url(self) -> str:
        return f"/{self.year}/{slugify(self.title)}/"


def archive(posts: list[Post]) -> dict[int, list[str]]:
    """URLs grouped by year, newest year first."""
    out: dict[int, list[str]] = {}
    for post in sorted(posts, key=lambda p: -p.year):
        out.setdefault(post.year, []).append(post.url)
    return out
