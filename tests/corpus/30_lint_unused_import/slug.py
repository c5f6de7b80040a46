"""Short unique slugs for uploaded files."""

import hashlib
import os
import re


def slug(name: str, content: bytes) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "file"
    digest = hashlib.sha256(content).hexdigest()[:8]
    return f"{stem}-{digest}"


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""
