def digit_sum(n):
    total = 0
    for ch in abs(n):
        total += int(ch)
    return total


def is_even(n):
    return n % 2 == 0
