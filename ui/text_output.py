"""How an answer reads in a terminal."""

from __future__ import annotations

import textwrap

from retrieval.answer import Answer
from retrieval.records import Metadata


def byline(meta: Metadata | None) -> str:
    """"Title" by Author, date — how a citation names its document."""
    if meta is None or not meta.title:
        return ""
    authors = f" by {', '.join(meta.authors)}" if meta.authors else ""
    return f"“{meta.title}”{authors}" + (f", {meta.date}" if meta.date else "")


def format_answer(answer: Answer, width: int = 100, documents: dict[str, Metadata] | None = None) -> str:
    """The answer, then each cited paragraph under its document's title, number and section."""
    documents = documents or {}
    lines = [textwrap.fill(answer.text, width)]
    if answer.short_answer is not None:  # the reader's short answer first, then its cited sentence(s)
        lines.insert(0, f"{answer.short_answer.text} [{answer.short_answer.citation}]\n")
    if answer.abstained:
        if answer.passages:
            p = answer.passages[0]
            lines.append(f"\n(Closest passage: {p.doc} ¶{p.paragraph}, score {p.score:.2f}; it does not answer this.)")
        return "\n".join(lines)
    lines.append("\nSources:")
    for n, p in answer.citations:
        where = f"{p.doc} ¶{p.paragraph}" + (f", p. {p.page}" if p.page else "")
        section = f" — {' › '.join(p.section)}" if p.section else ""
        named = byline(documents.get(p.doc))
        lines.append(f"[{n}] {where}{section} (chars {p.start}–{p.end}, score {p.score:.2f})")
        if named:
            lines.append(f"    {named}")
        lines.append(textwrap.indent(textwrap.fill(p.text, width - 4), "    "))
    return "\n".join(lines)
