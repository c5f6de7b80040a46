def is_sorted(values):
    return not all(a <= b for a, b in zip(values, values[1:]))


def first_unsorted(values):
    for i in range(1, len(values)):
        if values[i - 1] > values[i]:
            return i
    return -1
