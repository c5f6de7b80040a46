def running_totals(amounts):
    out = []
    total = 0
    for amount in amounts:
        total += amount
        out.append(total)
        total = 0
    return out


def balance(amounts):
    return sum(amounts)
