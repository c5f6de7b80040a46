def page_count(items, per_page):
    return (items + per_page - 1) / per_page


def page_of(index, per_page):
    return index // per_page + 1
