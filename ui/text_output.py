"""How an answer reads in a terminal."""

from __future__ import annotations

import textwrap

from retrieval.answer.records import Answer
from retrieval.index.records import Metadata


def byline(meta: Metadata | None) -> str:
    """"Title" by Author, date — how a citation names its document."""
    if meta is None or not meta.title:
        return ""
    authors = f" by {', '.join(meta.authors)}" if meta.authors else ""
    return f"“{meta.title}”{authors}" + (f", {meta.date}" if meta.date else "")


VERDICT_MARKS = {"supported": "✓", "contradicted": "✗", "unsupported": "?", "invalid citation": "✗", "no answer": "·"}
VERDICT_WORDS = {"supported": "supported", "contradicted": "contradicted", "unsupported": "not in the article"}


def format_written(answer: Answer, width: int = 100, unsupported: str = "flag") -> str:
    """An LLM's answer, one checked sentence per line: ✓ supported, ✗ contradicted or an invalid citation, ? not
    in the article, each not supported with why."""
    written = answer.written
    lines = [f"Written by {written.model}, each sentence checked against the article:"]
    removed = 0
    for s in written.sentences:
        if not s.supported and s.verdict != "no answer" and unsupported == "remove":
            removed += 1
            continue
        why = f"  ({s.verdict}: {s.reason})" if s.reason and not s.supported else \
            (f"  (attributed by cited to [{s.cited[0]}])" if s.attributed else "")
        lines.append(textwrap.fill(f"{VERDICT_MARKS[s.verdict]} {s.text}{why}", width, subsequent_indent="  "))
    if removed:
        lines.append(f"({removed} sentence{'s' if removed > 1 else ''} the article does not support removed.)")
    return "\n".join(lines)


def format_answer(answer: Answer, width: int = 100, documents: dict[str, Metadata] | None = None,
                  unsupported: str = "flag") -> str:
    """The answer, then each cited paragraph under its document's title, number and section."""
    documents = documents or {}
    lines = [format_written(answer, width, unsupported) if answer.writer == "llm" else _fill(answer.text, width)]
    if answer.short_answer is not None:  # the reader's short answer first, then its cited sentence(s)
        lines.insert(0, f"{answer.short_answer.text} [{answer.short_answer.citation}]\n")
    if answer.notice:  # what went wrong (the LLM did not answer) before any answer
        lines.insert(0, f"note: {answer.notice}\n")
    if answer.interpreted_as:  # a follow-up, as it was read
        lines.insert(0, f"Read as: {answer.interpreted_as}\n")
    if answer.abstained:
        if answer.closest:
            s = answer.closest[0]
            lines.append(f"\n({s.doc} ¶{s.paragraph}, chars {s.start}–{s.end}: shown for checking; it does not "
                         "answer the question.)")
        elif answer.passages:
            p = answer.passages[0]
            lines.append(f"\n(Closest passage: {p.doc} ¶{p.paragraph}, score {p.score:.2f}; it does not answer this.)")
        return "\n".join(lines)
    lines.append("\nSources:")
    for n, p in answer.shown_citations():
        where = f"{p.doc} ¶{p.paragraph}" + (f", p. {p.page}" if p.page else "")
        section = f" — {' › '.join(p.section)}" if p.section else ""
        named = byline(documents.get(p.doc))
        # Rank 0: cited without being retrieved (an outline's points), so it has no score to show.
        score = f", score {p.score:.2f}" if p.rank else ""
        lines.append(f"[{n}] {where}{section} (chars {p.start}–{p.end}{score})")
        if named:
            lines.append(f"    {named}")
        lines.append(textwrap.indent(textwrap.fill(p.text, width - 4), "    "))
    return "\n".join(lines)


def _fill(text: str, width: int) -> str:
    """Wrapped line by line: an overview keeps its one part per line, points indented."""
    out, hanging = [], "   " if "\n" in text else ""
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip())]
        out.append(textwrap.fill(line.strip(), width, initial_indent=indent, subsequent_indent=indent + hanging))
    return "\n".join(out)


def format_document(d, width: int = 100) -> str:
    """A document as it was indexed: its metadata, then each paragraph with its number, kind and
    section, so a reader can see what cited kept of a page before trusting its answers."""
    authors = ", ".join(d.meta.authors) or "—"
    lines = [f"{d.id} — {d.meta.title or '(untitled)'}",
             f"  author {authors}; date {d.meta.date or '—'}" + (f"; site {d.meta.site}" if d.meta.site else "")
             + (f"; language {d.meta.language}" if d.meta.language else ""),
             f"  {d.format} from {d.meta.source}",
             f"  {len(d.paragraphs)} paragraphs, {len(d.text):,} characters indexed", ""]
    section: tuple[str, ...] = ()
    for p in d.paragraphs:
        text = d.paragraph_text(p)
        if p.kind == "heading":
            lines += ["", f"¶{p.n}  § {text}"]
            section = p.section
            continue
        label = f"[{p.kind}] " if p.kind != "text" else ""
        page = f" (p. {p.page})" if p.page else ""
        if p.section != section and p.kind == "text" and p.section:
            lines.append(f"      ({' › '.join(p.section)})")
            section = p.section
        lines.append(textwrap.fill(f"¶{p.n}{page}  {label}{text}", width, subsequent_indent="      "))
    return "\n".join(lines)


def format_checked(checked, width: int = 100, documents: dict[str, Metadata] | None = None) -> str:
    """A checked text, one sentence per line with its verdict, and under it the paragraph and the
    sentence that decide it (`cited check`)."""
    lines = []
    for s in checked.sentences:
        lines.append(textwrap.fill(f"{VERDICT_MARKS[s.verdict]} {VERDICT_WORDS.get(s.verdict, s.verdict)}: {s.text}",
                                   width, subsequent_indent="    "))
        if s.support is not None and s.verdict != "unsupported":
            named = byline((documents or {}).get(s.support.doc))
            where = f"{s.support.doc} ¶{s.support.paragraph}" + (f", {named}" if named else "")
            lines.append(textwrap.fill(f"{where}: “{s.support.text}”", width, initial_indent="    ",
                                       subsequent_indent="    "))
        elif s.reason:
            lines.append(textwrap.fill(s.reason, width, initial_indent="    ", subsequent_indent="    "))
    counts = checked.to_json()["counts"]
    lines.append(f"\n{len(checked.sentences)} sentence{'s' if len(checked.sentences) != 1 else ''}: "
                 + ", ".join(f"{n} {VERDICT_WORDS[v]}" for v, n in counts.items()))
    return "\n".join(lines)
