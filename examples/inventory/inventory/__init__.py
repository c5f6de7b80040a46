"""A small stock-keeping library: items, an inventory, pricing rules and reports."""

from .models import Inventory, Item

__all__ = ["Inventory", "Item"]
