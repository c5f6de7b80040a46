def count_letters(text):
    n = 0
    for ch in text:
        if ch.isalpha() and ch.islower():
            n += 1
    return n


def count_digits(text):
    return sum(1 for ch in text if ch.isdigit())
