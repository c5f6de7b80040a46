"""Invoices."""

from dataclasses import dataclass, field

from billing.tax import gross, rate_for


@dataclass
class Invoice:
    region: str
    lines: list[tuple[str, float]] = field(default_factory=list)

    def add(self, label: str, net: float) -> None:
        self.lines.append((label, net))

    def net(self) -> float:
        return round(sum(amount for _, amount in self.lines), 2)

    def total(self) -> float:
        return gross(self.net(), rate_for(self.region))
