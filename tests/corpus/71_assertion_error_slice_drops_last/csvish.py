def body_lines(text):
    lines = text.strip().splitlines()
    return lines[1:-1]


def header(text):
    return text.strip().splitlines()[0].split(",")
