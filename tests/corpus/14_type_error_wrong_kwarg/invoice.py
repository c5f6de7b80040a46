"""Invoice lines and totals with currency formatting."""

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_money(amount: float, currency: str = "EUR", decimals: int = 2) -> str:
    symbol = SYMBOLS.get(currency, currency + " ")
    return f"{symbol}{amount:,.{decimals}f}"


def line_total(quantity: int, unit_price: float) -> float:
    if quantity < 0:
        raise ValueError("negative quantity")
    return round(quantity * unit_price, 2)


def invoice_total(lines: list[tuple[int, float]], currency: str = "EUR") -> str:
    amount = sum(line_total(q, p) for q, p in lines)
    return format_money(amount, curency=currency)
