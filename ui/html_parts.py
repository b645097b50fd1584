"""The pieces every HTML renderer of the chat app uses: escaping (html.escape on every piece of
document text before any tag of ours goes around it), paragraph anchors, document titles, and
highlighting spans sliced from the raw text before it is escaped (a highlight can never split an
entity)."""

from __future__ import annotations

from html import escape

from retrieval.index.records import Document

Documents = dict[str, Document]


def escaped(text: object) -> str:
    return escape(str(text), quote=True)


def paragraph_id(doc: str, paragraph: int) -> str:
    """The id of a paragraph in the article view; markers and source cards point at it."""
    return f"cited-{doc}-p{paragraph}"


def doc_title(documents: Documents, doc: str) -> str:
    d = documents.get(doc)
    return (d.meta.title if d and d.meta.title else doc) or "(untitled)"


def highlighted(text: str, start: int, end: int, spans: list[tuple[int, int]], strong: bool = False,
                 short: tuple[int, int] | None = None) -> str:
    """text[start:end], escaped, with each span (absolute offsets) inside <mark>, and the short
    answer `short` inside its sentence's mark, bold and in its own colour (all of a span when
    `strong`)."""
    out, cursor = [], start
    for s, e in sorted(spans):
        s, e = max(s, cursor), min(e, end)
        if s >= e:
            continue
        out.append(escaped(text[cursor:s]))
        if strong:
            out.append(f'<mark class="cited-short-span"><b>{escaped(text[s:e])}</b></mark>')
        elif short and s <= short[0] and short[1] <= e:
            out.append(f"<mark>{escaped(text[s:short[0]])}<mark class=\"cited-short-span\"><b>{escaped(text[short[0]:short[1]])}"
                       f"</b></mark>{escaped(text[short[1]:e])}</mark>")
        else:
            out.append(f"<mark>{escaped(text[s:e])}</mark>")
        cursor = e
    out.append(escaped(text[cursor:end]))
    return "".join(out)
