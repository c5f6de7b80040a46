def ranking(scores):
    return [name for name, _ in sorted(scores.items(), key=lambda kv: kv[1], reverse=True)]


def best(scores):
    return min(scores.values())
