"""Aggregate order lines exported as 'sku;qty' text."""


def parse_lines(text: str) -> list[tuple[str, str]]:
    pairs = []
    for raw in text.splitlines():
        raw = raw.strip()
        if raw:
            sku, qty = raw.split(";")
            pairs.append((sku.strip(), qty.strip()))
    return pairs


def totals_by_sku(text: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for sku, qty in parse_lines(text):
        totals[sku] = totals.get(sku, 0) + qty
    return totals


def busiest(text: str) -> str:
    totals = totals_by_sku(text)
    return max(totals, key=totals.get) if totals else ""
