"""Binary trees as nested dicts: {'value': v, 'left': ..., 'right': ...}."""


def make(values: list[int]) -> dict | None:
    """A balanced tree from sorted values."""
    if not values:
        return None
    mid = len(values) // 2
    return {"value": values[mid], "left": make(values[:mid]), "right": make(values[mid + 1 :])}


def depth(node: dict | None) -> int:
    return 1 + max(depth(node and node["left"]), depth(node and node["right"]))


def in_order(node: dict | None) -> list[int]:
    if node is None:
        return []
    return in_order(node["left"]) + [node["value"]] + in_order(node["right"])
