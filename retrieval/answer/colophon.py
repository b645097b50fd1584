"""Questions about the page rather than the article's matter — who wrote it, who published it, how
long it takes to read — answered from the paragraph that says so: the byline's author line, or
the colophon (the "site" and "length" paragraphs ingest writes after the last one:
ingest/document.py). Similarity cannot be trusted to find them: "Egyptian Center for Strategic
Studies" says nothing of publishing, and "Who wrote this piece on the de-escalation?" is closer
to the sentences about the de-escalation than to "Ali Atef". So the question's form decides, as
overview.py's does for questions about the whole article."""

from __future__ import annotations

import re

from retrieval.search.retriever import Retriever

AUTHOR, SITE, LENGTH = "author", "site", "length"
COLOPHON_KINDS = (SITE, LENGTH)  # written by ingest after the article: they answer nothing else

# "Who published it?", "Which think tank put this article out?", "What site is this piece from?" —
# the page itself, by a pronoun or its name; not "Who published the novel?" (what the article is
# about) nor "When was it published?" (the date's paragraph answers that).
_THE_PAGE = (r"(?:(?:this|the|that)\s+(?:[\w’'-]+\s+){0,2}?(?:article|piece|text|report|analysis|paper|page|story|essay|"
             r"post|study)|it|this)")  # "the ECSS article", "this short piece"
_ASKS_FOR_PUBLISHER = re.compile(
    rf"^(?!.*\bwhen\b).*\b(?:who|which|what)\b.*(?:\b(?:publish(?:ed|es|ing)?|put\s+out|posted)\s+{_THE_PAGE}\b|"
    rf"\bput\s+{_THE_PAGE}\s+out\b|\bpublisher\s+of\s+{_THE_PAGE}\b|"
    r"\b(?:site|website|outlet|publication|newspaper|magazine|organi[sz]ation|think\s*tank)\s+is\s+"
    rf"{_THE_PAGE}\s+from\b)"
    r"|^\s*who\s+(?:is\s+the\s+publisher|published)\s*[?.!]*$", re.I)
# "Who wrote this piece on …?", "who is the author of the article" — the page, named; not "Who
# wrote the letter?" (what the article is about).
_ASKS_FOR_AUTHOR = re.compile(
    r"^\W*(?:(?:so|and|ok|okay)\W+)*who\s+(?:wrote|authored|penned|(?:is|was)\s+the\s+(?:author|writer)\s+of)\s+"
    rf"{_THE_PAGE}\b"
    r"|^\W*who\s+(?:is|was)\s+the\s+(?:author|writer)\s*[?.!]*$", re.I)
# "How long does it take to read?", "What's the reading time?", "Is it a long read?" — not "How
# long did it take Iran to respond?".
_ASKS_FOR_LENGTH = re.compile(
    r"\bhow\s+long\b[^?]*\bto\s+read\b|\breading\s+time\b|\b(long|short|quick)\s+read\b|"
    r"\bhow\s+many\s+min(?:ute)?s?\b[^?]*\bread\b|"
    r"\bhow\s+long\s+(?:is|was)\s+(?:it|this|the\s+(?:article|piece|text|story|report|analysis))\s*[?.!]*$", re.I)


def colophon_asked(question: str) -> str | None:
    """AUTHOR, SITE or LENGTH when the question asks who wrote or published the page, or how long
    it takes to read; None for any other question."""
    if _ASKS_FOR_LENGTH.search(question):
        return LENGTH
    if _ASKS_FOR_AUTHOR.search(question):
        return AUTHOR
    if _ASKS_FOR_PUBLISHER.search(question):
        return SITE
    return None


def colophon_row(retriever: Retriever, doc: str, kind: str) -> int | None:
    """The chunk row of the document's paragraph of that kind; None when ingest found none."""
    return next((row for row in map(int, retriever.rows_for(doc)) if retriever.chunks[row].kind == kind), None)
