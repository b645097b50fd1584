"""The parameters of a question — k, mode, doc — checked in one place for every door (the command
line, the Python API, the web app, /ask, MCP, /v1/chat/completions, the settings' env vars)."""

from __future__ import annotations

import math

from retrieval.base.errors import InvalidDocumentArgument, InvalidK, UnknownMode

MODES = ("dense", "bm25", "hybrid")
MAX_K = 50


def check_k(k) -> int:
    """A whole number from 1 to MAX_K. JSON clients may send 5.0 (fine) or NaN, "5", True (not)."""
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) or int(k) != k:
        raise InvalidK(k, MAX_K)
    if not 1 <= k <= MAX_K:
        raise InvalidK(k, MAX_K)
    return int(k)


def check_mode(mode) -> str:
    if mode not in MODES:
        raise UnknownMode(mode, MODES)
    return mode


def check_doc(doc) -> str | None:
    """A document id, or None (also for "") for every document. Whether the id exists is the
    index's to say (UnknownDocument)."""
    if doc is None or doc == "":
        return None
    if not isinstance(doc, str):
        raise InvalidDocumentArgument(doc)
    return doc
