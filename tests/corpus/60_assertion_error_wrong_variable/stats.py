def mean_excluding(values, outlier):
    kept = [v for v in values if v != outlier]
    if not kept:
        return 0.0
    return sum(kept) / len(values)


def spread(values):
    return max(values) - min(values)
