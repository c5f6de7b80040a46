def extension(filename):
    dot = filename.find(".")
    if dot <= 0:
        return ""
    return filename[dot + 1:]


def stem(filename):
    return filename.split("/")[-1]
