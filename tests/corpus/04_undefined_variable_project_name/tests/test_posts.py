from blog.posts import Post, archive
from blog.textutil import excerpt


def test_url():
    assert Post("Hello, World!", "", 2024).url == "/2024/hello-world/"


def test_archive():
    posts = [Post("Old news", "", 2020), Post("Café opening", "", 2023)]
    assert archive(posts) == {2023: ["/2023/cafe-opening/"], 2020: ["/2020/old-news/"]}


def test_excerpt():
    assert excerpt("short") == "short"
