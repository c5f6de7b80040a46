"""Saving and loading an inventory as CSV."""

import csv
import io

from .models import Inventory, Item


def to_csv(inventory: Inventory) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sku", "name", "price", "quantity"])
    for item in inventory.items.values():
        writer.writerow([item.sku, item.name, item.price, item.quantity])
    return buffer.getvalue()


def from_csv(text: str) -> Inventory:
    inventory = Inventory()
    for row in csv.DictReader(io.StringIO(text)):
        inventory.add(Item(row["sku"], row["name"], float(row["price"]), int(row["quantity"])))
    return inventory


def grouped_by_prefix(inventory: Inventory) -> dict[str, list[str]]:
    groups = defaultdict(list)
    for sku in sorted(inventory.items):
        groups[sku.split("-")[0]].append(sku)
    return dict(groups)
