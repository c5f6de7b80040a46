HEAVY_KG = 20


def parcel_rate(weight):
    if weight <= 5:
        return 4.0
    if weight <= HEAVY_KG:
        return 4.0 + (weight - 5) * 0.5
    return 4.0 + (HEAVY_KG - 5) * 0.5 + (weight + HEAVY_KG) * 0.8
