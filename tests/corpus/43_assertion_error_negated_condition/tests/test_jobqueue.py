import pytest

from jobqueue import JobQueue


def test_order():
    q = JobQueue()
    q.push("low", 9)
    q.push("urgent", 1)
    q.push("also-urgent", 1)
    assert q.peek() == "urgent"
    assert [q.pop(), q.pop(), q.pop()] == ["urgent", "also-urgent", "low"]
    assert q.peek() is None


def test_empty_pop():
    with pytest.raises(IndexError):
        JobQueue().pop()
