from shop.rates import parcel_rate


def shipping(items):
    weight = sum(item["kg"] * item["qty"] for item in items)
    return parcel_rate(weight)


def invoice_total(items):
    goods = sum(item["price"] * item["qty"] for item in items)
    return round(goods + shipping(items), 2)
