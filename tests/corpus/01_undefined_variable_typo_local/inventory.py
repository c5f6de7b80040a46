"""A tiny stock ledger: items, quantities and order totals."""

from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    price: float
    quantity: int = 0


@dataclass
class Inventory:
    items: dict[str, Item] = field(default_factory=dict)

    def add(self, sku: str, price: float, quantity: int = 1) -> None:
        if sku in self.items:
            self.items[sku].quantity += quantity
        else:
            self.items[sku] = Item(sku, price, quantity)

    def remove(self, sku: str, quantity: int = 1) -> None:
        item = self.items[sku]
        if quantity > item.quantity:
            raise ValueError(f"only {item.quantity} of {sku} in stock")
        item.quantity -= quantity

    def value(self) -> float:
        return sum(item.price * item.quantity for item in self.items.values())


def order_total(inventory: Inventory, order: dict[str, int]) -> float:
    """Price of an order, using the inventory's prices."""
    total = 0.0
    for sku, quantity in order.items():
        total += inventory.items[sku].price * quantity
    return round(totl, 2)
