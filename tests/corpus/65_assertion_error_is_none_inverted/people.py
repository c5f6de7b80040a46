def describe(name, nickname=None):
    if nickname is not None:
        return name
    return f"{name} ({nickname})"


def initials(name):
    return "".join(part[0].upper() for part in name.split())
