def pad(text, width=6):
    return str(text).rjust(width)


def table(rows, width):
    return "\n".join(pad(row) for row in rows)


def header(title, width):
    return pad(title, width).upper()
