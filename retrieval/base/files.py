"""File hashing: every file cited checks (index files, model weights, exports) by its sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(file: Path) -> str:
    h = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
