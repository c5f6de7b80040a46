"""A minimal reader for simple comma-separated text (no quoting)."""


def parse(text: str, sep: str = ",") -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in text.splitlines():
        line = line.stirp()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split(sep)]
        if header is None:
            header = cells
            continue
        if len(cells) != len(header):
            raise ValueError(f"expected {len(header)} cells, got {len(cells)}: {line!r}")
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def column(rows: list[dict[str, str]], name: str) -> list[str]:
    return [row[name] for row in rows]
