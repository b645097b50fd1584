"""How an answer reads in a terminal."""

from __future__ import annotations

import textwrap

from retrieval.answer import Answer


def format_answer(answer: Answer, width: int = 100) -> str:
    lines = [textwrap.fill(answer.text, width)]
    if answer.abstained:
        if answer.passages:
            p = answer.passages[0]
            lines.append(f"\n(Closest passage: {p.doc} ¶{p.paragraph}, score {p.score:.2f}; it does not answer this.)")
        return "\n".join(lines)
    lines.append("\nSources:")
    for n, p in answer.citations:
        where = f"{p.doc} ¶{p.paragraph}" + (f", p. {p.page}" if p.page else "")
        section = f" — {' › '.join(p.section)}" if p.section else ""
        lines.append(f"[{n}] {where}{section} (chars {p.start}–{p.end}, score {p.score:.2f})")
        lines.append(textwrap.indent(textwrap.fill(p.text, width - 4), "    "))
    return "\n".join(lines)
