"""The security suite: every test here is an attack, and is marked ``security``."""

from __future__ import annotations

import uuid

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/security/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.security)


@pytest.fixture
def token() -> str:
    return f"selfheal-sec-{uuid.uuid4().hex}"
