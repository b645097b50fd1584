"""What every door that holds a conversation shares (the web chat, `cited ask --chat` and
`--questions`): the document a follow-up stays with, and how a question names a document."""

from __future__ import annotations

import re

from retrieval.answer.followup import context_of, standalone
from retrieval.base.errors import CitedError


def conversation_document(text: str, answers: list[dict], asked: list[str], documents) -> str:
    """The document a follow-up stays with: the one the previous answer came from, when the library
    has several, the question leans on earlier ones and names no other document ("" for all)."""
    previous = next((a for a in reversed(answers) if not a["abstained"] and a["citations"]), None)
    if previous is None or len(documents) < 2 or not str(text or "").strip():
        return ""
    try:
        said = " ".join(str(text).split())
        leans = standalone(said, asked) != said or context_of(said, asked) is not None  # "Why did that happen?"
    except CitedError:
        return ""
    named = [d for d in documents if readable_name(documents[d]).lower() in str(text).lower()]
    here = previous["citations"][0]["doc"]
    return here if leans and not [d for d in named if d != here] else ""


def readable_name(d) -> str:
    """How a question names a document: its title, else its id as words ("warsaw-history" →
    "Warsaw history"), never a bare file id."""
    if d.meta.title:
        return d.meta.title
    words = re.sub(r"[-_]+", " ", d.id).strip()
    return words[:1].upper() + words[1:]
