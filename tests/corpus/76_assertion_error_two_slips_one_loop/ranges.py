def count_in_range(xs, lo, hi):
    n = 0
    for i in range(1, len(xs)):
        if lo < xs[i] <= hi:
            n += 1
    return n
