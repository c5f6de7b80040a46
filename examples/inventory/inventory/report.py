"""Human and machine readable stock reports."""

import os

from .models import Inventory


def summary_line(inventory: Inventory) -> str:
    count = len(inventory.items)
    return "Items in stock: " + count


def low_stock_report(inventory: Inventory, threshold: int = 5) -> list[str]:
    return [f"{item.sku}: {item.quantity} left" for item in inventory.low_stock(threshold)]


def export_json(inventory: Inventory) -> str:
    rows = [
        {"sku": i.sku, "name": i.name, "price": i.price, "quantity": i.quantity}
        for i in inventory.items.values()
    ]
    return json.dumps(rows, sort_keys=True)


def banner() -> str:
    return f"Stock report"
