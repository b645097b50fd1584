"""HTML for an LLM's answer: each sentence with the check's verdict (retrieval/answer/check.py),
the draft while it streams, and the answer in the extractive answer's shape for the sources panel.
Every piece of text is escaped (ui/html_parts.py)."""

from __future__ import annotations

from ui.html_parts import escaped as _e
from ui.html_parts import paragraph_id

VERDICT_LABELS = {"unsupported": "not supported by the article", "contradicted": "contradicted by the article",
                  "invalid citation": "cites a passage it was not given"}


def writer_label(answer: dict) -> str:
    """Whose answer the reader is looking at, when an LLM was asked to write one."""
    if answer.get("writer") == "llm":
        w = answer["written"]
        return (f'<div class="cited-writer cited-writer-llm">Written by <b>{_e(w["model"])}</b> from the passages · '
                f'each sentence checked against the article ({w["supported"]} of {len(w["sentences"])} supported)</div>')
    notice = answer.get("notice")
    if notice:
        return (f'<div class="cited-writer cited-writer-own"><span aria-hidden="true">ⓘ</span> {_e(notice)}</div>')
    return ""


def written_html(answer: dict, unsupported: str = "flag") -> str:
    """An LLM's answer, each sentence with its verdict: a supported one with its marker(s) and
    the passage sentence that supports it on hover; an unsupported one struck through and flagged
    with why (or removed, with `unsupported="remove"`)."""
    passages = answer["passages"]
    parts, removed = [], 0
    for s in answer["written"]["sentences"]:
        claim = _e(_without_markers(s["text"]))
        if s["verdict"] == "supported":
            sup = s["support"]
            title = f'¶{sup["paragraph"]}: “{sup["text"]}”'
            # A marker cited found itself (the sentence had none, or named a passage that does not
            # say it) is shown as cited's own.
            own, by = ("cited-marker cited-attributed", "attributed by cited: ") if s.get("attributed") else \
                ("cited-marker", "")
            marks = "".join(
                f'<a class="{own}" href="#{_e(paragraph_id(passages[n - 1]["doc"], passages[n - 1]["paragraph"]))}"'
                f' title="{_e(by + title)}">[{n}]</a>' for n in s["cited"])
            parts.append(f'<span class="cited-sentence cited-supported" title="{_e("Supported by " + title)}">'
                         f'{claim}</span>&nbsp;{marks}')
        elif s["verdict"] == "no answer":
            parts.append(f'<span class="cited-sentence">{claim}</span>')
        elif unsupported == "remove":
            removed += 1
        else:
            why = VERDICT_LABELS[s["verdict"]] + (f": {s['reason']}" if s["reason"] else "")
            parts.append(f'<span class="cited-sentence cited-unsupported" title="{_e(why)}"><s>{claim}</s></span>'
                         f'<span class="cited-flag">⚠ {_e(why)}</span>')
    note = (f'<div class="cited-removed">{removed} sentence{"s" if removed > 1 else ""} the article does not '
            "support removed.</div>") if removed else ""
    return f'{writer_label(answer)}<div class="cited-answer">{" ".join(parts)}</div>{note}'


def draft_html(answer_so_far: str) -> str:
    """The LLM's words as they stream in, marked as not yet checked."""
    return (f'<div class="cited-writer">Writing … each sentence is checked before it is shown as supported</div>'
            f'<div class="cited-draft">{_e(answer_so_far)}</div>')


def llm_view(answer: dict) -> dict:
    """An LLM-written answer in the extractive answer's shape, for the sources panel and the article
    view: its citations are the given passages its sentences name, its sentences the passage
    sentences that support them."""
    if answer.get("writer") != "llm":
        return answer
    passages = answer["passages"]
    named = sorted({n for s in answer["written"]["sentences"] for n in s["cited"] if 1 <= n <= len(passages)})
    sentences = [{**s["support"], "citation": s["support"]["citation"]}
                 for s in answer["written"]["sentences"] if s["verdict"] == "supported"]
    return {**answer, "citations": [{**passages[n - 1], "n": n} for n in named], "sentences": sentences,
            "answer": answer["written"]["text"], "short_answer": None}


def _without_markers(text: str) -> str:
    from retrieval.answer.check import markers

    return markers(text)[1]


# --- a text checked against the article (the chat's "Check a text" panel) -----------------------

CHECK_LABELS = {"supported": ("✓", "supported", "cited-supported"),
                "contradicted": ("✗", "contradicted", "cited-contradicted"),
                "unsupported": ("?", "not in the article", "cited-not-in-article")}


def checked_text_html(checked: dict, documents: dict) -> str:
    """Each sentence of a checked text with its verdict; a supported or contradicted one with the
    marker [n] of the article's paragraph that decides it and that paragraph's sentence, quoted."""
    from ui.html_parts import doc_title

    rows = []
    for n, s in enumerate(checked["sentences"], 1):
        mark, label, css = CHECK_LABELS.get(s["verdict"], ("·", s["verdict"], "cited-not-in-article"))
        detail = ""
        sup = s.get("support")
        if sup and s["verdict"] in ("supported", "contradicted"):
            where = f"{doc_title(documents, sup['doc'])}, ¶{sup['paragraph']}"
            verb = "says so" if s["verdict"] == "supported" else "says otherwise"
            detail = (f'<div class="cited-check-support"><a class="cited-marker" '
                      f'href="#{_e(paragraph_id(sup["doc"], sup["paragraph"]))}" title="{_e(where)}">[{n}]</a> '
                      f'{_e(where)} {verb}: “{_e(sup["text"])}”</div>')
        elif s.get("reason"):
            detail = f'<div class="cited-check-support">{_e(s["reason"])}</div>'
        rows.append(f'<div class="cited-check-row {css}"><span class="cited-check-verdict">{mark} {_e(label)}</span> '
                    f'<span class="cited-check-text">{_e(s["text"])}</span>{detail}</div>')
    counts = checked.get("counts", {})
    summary = ", ".join(f"{counts.get(v, 0)} {CHECK_LABELS[v][1]}" for v in CHECK_LABELS)
    return (f'<div class="cited-checked"><div class="cited-check-summary">{len(checked["sentences"])} sentence'
            f'{"s" if len(checked["sentences"]) != 1 else ""}: {_e(summary)}</div>{"".join(rows)}</div>')


def checked_view(checked: dict) -> dict:
    """A checked text in the answer's shape, for the sources panel and the article view: citation
    n is the paragraph that decides sentence n, its sentence highlighted."""
    citations, sentences = [], []
    for n, s in enumerate(checked["sentences"], 1):
        sup = s.get("support")
        if sup and s["verdict"] in ("supported", "contradicted"):
            citations.append({"n": n, "doc": sup["doc"], "paragraph": sup["paragraph"], "start": sup["start"],
                              "end": sup["end"], "text": sup["text"], "score": 0.0, "rank": 0, "section": [],
                              "page": None})
            sentences.append({**sup, "citation": n})
    return {"question": "the text checked", "answer": "", "abstained": False, "citations": citations,
            "sentences": sentences, "passages": [], "short_answer": None, "writer": "extractive"}
