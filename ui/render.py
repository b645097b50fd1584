"""HTML for the chat app: answers with citation markers, the sources panel, the article view.

Every piece of document text and every question goes through html.escape before any tag of ours
is put around it, and nothing else ever reaches the page: the app never relies on Gradio's
sanitizer (gr.HTML has none). Offsets are sliced from the raw text first, then escaped, so a
highlight can never split an entity.

All functions take the JSON of `Answer.to_json()` (what the /ask API returns), so the chat, the
API and the copy button work from one shape.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.index.records import Document, Paragraph
from ui.html_parts import Documents, doc_title, paragraph_id
from ui.html_parts import escaped as _e
from ui.html_parts import highlighted as _highlighted
from ui.render_checked import writer_label, written_html

# A document longer than this shows only the paragraphs around the cited ones in the article view.
MAX_ARTICLE_PARAGRAPHS = 400
ARTICLE_WINDOW = 12

def _section(section: list[str] | tuple[str, ...]) -> str:
    return " › ".join(section)


def _citations_by_n(answer: dict) -> dict[int, dict]:
    return {c["n"]: c for c in answer["citations"]}


# --- the chat --------------------------------------------------------------------------------


def question_html(question: str) -> str:
    return f'<span class="cited-question">{_e(question)}</span>'


def answer_html(answer: dict, documents: Documents, upto: int | None = None, unsupported: str = "flag") -> str:
    """The answer as chat content: each sentence followed by its clickable marker. `upto` shows
    only the first sentences, for streaming. An LLM's checked answer: written_html."""
    if answer.get("writer") == "llm":
        return read_as_html(answer) + about_html(answer, documents) + written_html(answer, unsupported)
    reading = read_as_html(answer) + about_html(answer, documents) + writer_label(answer)
    if answer["abstained"]:
        return reading + abstain_html(answer)
    citations = _citations_by_n(answer)
    short = answer.get("short_answer")
    parts = []
    for s in answer["sentences"][:upto]:
        c = citations[s["citation"]]
        where = f"{doc_title(documents, c['doc'])}, ¶{c['paragraph']}"
        inside = short and s["start"] <= short["start"] and short["end"] <= s["end"]
        spans = [(short["start"] - s["start"], short["end"] - s["start"])] if inside else []
        text = _highlighted(s["text"], 0, len(s["text"]), spans, strong=True)
        parts.append((s.get("level", 0),
                      f'<span class="cited-sentence">{text}</span>&nbsp;<a class="cited-marker" '
                      f'href="#{_e(paragraph_id(c["doc"], c["paragraph"]))}" title="{_e(where)}">[{c["n"]}]</a>'))
    lead = ""
    if short:  # the reader's short answer on its own line, above the sentence that holds it
        c = citations[short["citation"]]
        lead = (f'<div class="cited-short"><mark class="cited-short-span"><b>{_e(short["text"])}</b></mark>'
                f'&nbsp;<a class="cited-marker" href="#{_e(paragraph_id(c["doc"], c["paragraph"]))}">'
                f'[{c["n"]}]</a></div>')
    return f'{reading}<div class="cited-answer">{lead}{_laid_out(parts)}</div>'


def _laid_out(parts: list[tuple[int, str]]) -> str:
    """Sentences run on as a paragraph; an overview's section headings (level 1) and numbered
    points (level 2) each start a line, points indented, as in the article."""
    if all(level == 0 for level, _ in parts):
        return " ".join(html for _, html in parts)
    blocks: list[tuple[int, list[str]]] = []
    for i, (level, html) in enumerate(parts):
        if level == 0 and blocks and blocks[-1][0] == 0 and parts[i - 1][0] == 0:
            blocks[-1][1].append(html)
        else:
            blocks.append((level, [html]))
    kinds = {0: "cited-part-text", 1: "cited-part-heading", 2: "cited-part-point"}
    return "".join(f'<div class="{kinds[level]}">{" ".join(htmls)}</div>' for level, htmls in blocks)


def read_as_html(answer: dict) -> str:
    """How a follow-up was read, above its answer; a click puts it in the question box to edit."""
    reading = answer.get("interpreted_as")
    if not reading:
        return ""
    return (f'<div class="cited-read-as" role="button" tabindex="0" title="Edit this reading and ask again">'
            f'Read as: <span class="cited-read-as-text">{_e(reading)}</span> '
            '<span class="cited-read-as-edit" aria-hidden="true">✎</span></div>')


def about_html(answer: dict, documents: Documents) -> str:
    """Which document the answer (and the conversation it continues) is about, when the library
    holds several."""
    cited = answer.get("citations") or answer.get("passages") or []
    if len(documents) < 2 or not cited:
        return ""
    return f'<div class="cited-about">From <b>{_e(doc_title(documents, cited[0]["doc"]))}</b></div>'


def abstain_html(answer: dict | None = None) -> str:
    """The article does not say: what it leaves open, and where it comes closest, set apart
    from an answer (no answer marker; the passage is labelled as not answering)."""
    abstention = (answer or {}).get("abstention") or {}
    said = abstention.get("not_said") or "The article does not say."
    c = abstention.get("closest")
    note = ('<div class="cited-abstain-note">No sentence in the article answers this closely enough. '
            "The nearest passages are beside the chat, for checking.</div>")
    if c:
        note = (f'<div class="cited-closest"><span class="cited-closest-label">Closest, not an answer:</span> '
                f'<a class="cited-closest-link" href="#{_e(paragraph_id(c["doc"], c["paragraph"]))}">¶{c["paragraph"]}</a>'
                f' — “{_e(c["text"])}”</div>')
    return (f'<div class="cited-abstain"><div class="cited-abstain-title">'
            f'<span class="cited-abstain-icon" aria-hidden="true">∅</span> {_e(said)}</div>{note}</div>')


def error_html(message: str) -> str:
    return f'<div class="cited-error"><span aria-hidden="true">⚠</span> {_e(message)}</div>'


def upload_ok_html(message: str) -> str:
    return f'<div class="cited-upload-ok"><span aria-hidden="true">✓</span> {_e(message)}</div>'


# --- the sources panel -----------------------------------------------------------------------


def sources_placeholder() -> str:
    return (
        '<div class="cited-sources"><div class="cited-panel-title">Sources</div>'
        '<p class="cited-muted">Ask a question: the paragraphs the answer is built from appear here, '
        "their supporting sentences highlighted. Click a marker [1] or a source to see it in the "
        "article.</p></div>"
    )


def sources_html(answer: dict, documents: Documents) -> str:
    head = (
        '<div class="cited-panel-head"><div><div class="cited-panel-title">Sources</div>'
        f'<div class="cited-panel-q">for “{_e(answer["question"])}”</div></div>'
        f'<button type="button" class="cited-copy" data-copy="{_e(answer_markdown(answer, documents))}" '
        'title="Copy the answer and its citations as Markdown">Copy answer</button></div>'
    )
    if answer["abstained"]:
        banner = (
            '<div class="cited-abstain-banner">The article does not say. The closest passages are '
            "below for checking; none of them answers the question.</div>"
        )
        cards = [_source_card(p, documents, None, []) for p in answer["passages"]]
        return (f'<div class="cited-sources cited-sources-abstained">{head}{banner}'
                f'<div class="cited-sources-list">{"".join(cards)}</div></div>')
    spans: dict[int, list[tuple[int, int]]] = {}
    for s in answer["sentences"]:
        spans.setdefault(s["citation"], []).append((s["start"], s["end"]))
    short = answer.get("short_answer")
    short_span = (short["start"], short["end"]) if short else None
    cards = [_source_card(c, documents, c["n"], spans.get(c["n"], []), short_span) for c in answer["citations"]]
    cited = {(c["doc"], c["start"]) for c in answer["citations"]}
    others = [p for p in answer["passages"] if (p["doc"], p["start"]) not in cited]
    if others:
        cards.append(
            f'<details class="cited-others"><summary>Other retrieved passages ({len(others)})</summary>'
            + "".join(_source_card(p, documents, None, []) for p in others)
            + "</details>"
        )
    return f'<div class="cited-sources">{head}<div class="cited-sources-list">{"".join(cards)}</div></div>'


def _source_card(c: dict, documents: Documents, n: int | None, spans: list[tuple[int, int]],
                 short: tuple[int, int] | None = None) -> str:
    doc = documents.get(c["doc"])
    paragraph = _paragraph(doc, c["paragraph"]) if doc else None
    if doc and paragraph:
        text = _highlighted(doc.text, paragraph.start, paragraph.end, spans, short=short)
    else:  # the document is gone from the index (removed since): show the cited text itself
        shift = c["start"]
        text = _highlighted(c["text"], 0, len(c["text"]), [(s - shift, e - shift) for s, e in spans],
                            short=(short[0] - shift, short[1] - shift) if short else None)
    meta = [f"¶{c['paragraph']}"]
    if c.get("section"):
        meta.append(f'<span class="cited-section">{_e(_section(c["section"]))}</span>')
    if c.get("page"):
        meta.append(f"p. {_e(c['page'])}")
    if c.get("rank"):  # rank 0: cited without being retrieved (an outline's points): no score
        meta.append(f"score {c['score']:.2f}")
    marker = f'<span class="cited-n">[{n}]</span>' if n is not None else ""
    return (
        f'<div class="cited-source" role="button" tabindex="0" title="Show this paragraph in the article" '
        f'data-target="{_e(paragraph_id(c["doc"], c["paragraph"]))}">'
        f'<div class="cited-source-head">{marker}<span class="cited-doc-title">{_e(doc_title(documents, c["doc"]))}</span></div>'
        f'<div class="cited-source-meta">{" · ".join(meta)}</div>'
        f'<div class="cited-source-text">{text}</div></div>'
    )


def _paragraph(doc: Document, n: int) -> Paragraph | None:
    return doc.paragraphs[n - 1] if 1 <= n <= len(doc.paragraphs) else None


# --- the article view ------------------------------------------------------------------------


def article_docs(answer: dict | None, documents: Documents) -> list[str]:
    """The documents to show: those the answer cites (or, for an abstention, the nearest
    passage's), else the first document of the index."""
    if answer:
        cited = answer["citations"] or answer["passages"][:1]
        ids = list(dict.fromkeys(c["doc"] for c in cited if c["doc"] in documents))
        if ids:
            return ids
    return list(documents)[:1]


def article_html(answer: dict | None, documents: Documents) -> str:
    ids = article_docs(answer, documents)
    if not ids:
        return '<div class="cited-article"><p class="cited-muted">The index has no documents yet.</p></div>'
    citations = answer["citations"] if answer and not answer["abstained"] else []
    badges: dict[tuple[str, int], list[int]] = {}
    for c in citations:
        badges.setdefault((c["doc"], c["paragraph"]), []).append(c["n"])
    spans: dict[str, list[tuple[int, int]]] = {}
    for s in answer["sentences"] if answer else []:
        spans.setdefault(s["doc"], []).append((s["start"], s["end"]))
    body = "".join(_article(documents[d], badges, spans.get(d, [])) for d in ids)
    return (
        '<div class="cited-article"><div class="cited-panel-title">Article</div>'
        f'<div class="cited-article-scroll">{body}</div></div>'
    )


def _article(doc: Document, badges: dict[tuple[str, int], list[int]], spans: list[tuple[int, int]]) -> str:
    meta = []
    if doc.meta.authors:
        meta.append("by " + ", ".join(doc.meta.authors))
    if doc.meta.date:
        meta.append(doc.meta.date)
    meta.append(f"{len(doc.paragraphs)} paragraphs")
    if doc.meta.source:
        meta.append(doc.meta.source if doc.meta.source.startswith("http") else Path(doc.meta.source).name)
    shown = _shown_paragraphs(doc, {n for (d, n) in badges if d == doc.id})
    rows, previous = [], 0
    for p in doc.paragraphs:
        if p.n not in shown:
            continue
        if p.n != previous + 1:
            rows.append(f'<div class="cited-gap">… ¶{previous + 1}–{p.n - 1} not shown …</div>')
        previous = p.n
        hit = badges.get((doc.id, p.n))
        classes = f"cited-para cited-kind-{_e(p.kind)}" + (" cited-hit" if hit else "")
        badge = "".join(f'<span class="cited-badge">[{n}]</span>' for n in hit or [])
        rows.append(
            f'<div id="{_e(paragraph_id(doc.id, p.n))}" class="{classes}"><span class="cited-pn">¶{p.n}</span>'
            f'<span class="cited-ptext">{_highlighted(doc.text, p.start, p.end, spans)}</span>{badge}</div>'
        )
    if previous < len(doc.paragraphs):
        rows.append(f'<div class="cited-gap">… ¶{previous + 1}–{len(doc.paragraphs)} not shown …</div>')
    return (
        f'<article class="cited-doc" data-doc="{_e(doc.id)}"><div class="cited-doc-meta">'
        f'<strong>{_e(doc.id)}</strong> · {_e(" · ".join(meta))}</div>{"".join(rows)}</article>'
    )


def _shown_paragraphs(doc: Document, cited: set[int]) -> set[int]:
    """Every paragraph of a normal article; of a very long one, a window around each cited one."""
    if len(doc.paragraphs) <= MAX_ARTICLE_PARAGRAPHS:
        return {p.n for p in doc.paragraphs}
    centres = cited or {1}
    return {n for c in centres for n in range(c - ARTICLE_WINDOW, c + ARTICLE_WINDOW + 1)}


# --- header and plain text -------------------------------------------------------------------


def header_html(documents: Documents) -> str:
    if len(documents) == 1:
        d = next(iter(documents.values()))
        by = f" — {', '.join(d.meta.authors)}" if d.meta.authors else ""
        loaded = f"Asking <em>{_e(doc_title(documents, d.id))}</em>{_e(by)}"
    else:
        loaded = f"Asking {len(documents)} documents"
    whose = "the article's" if len(documents) == 1 else "the documents'"
    return (
        '<div class="cited-header"><span class="cited-brand">cited</span>'
        f'<span class="cited-loaded">{loaded}. Answers are {whose} own sentences, each cited '
        "to its paragraph.</span></div>"
    )


def answer_markdown(answer: dict, documents: Documents) -> str:
    """The answer with its citations as plain text that reads as Markdown (for the copy button)."""
    lines = [f"**Q:** {answer['question']}", "", answer["answer"]]
    if answer["citations"]:
        lines.append("")
    for c in answer["citations"]:
        where = f"{doc_title(documents, c['doc'])}, ¶{c['paragraph']}"
        if c.get("section"):
            where += f" ({_section(c['section'])})"
        lines.append(f"[{c['n']}] {where}: “{c['text']}”")
    return "\n".join(lines)
