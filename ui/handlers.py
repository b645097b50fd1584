"""What the web app does when the reader acts: plain functions over a cited.Library, wired to the
components by ui/app.py. Each returns (or yields) the new values of its outputs, `gr.skip()` for
those it leaves alone, so each can be called and checked without a server
(tests/ui/test_handlers.py)."""

from __future__ import annotations

import os
import queue
import re
import threading
import time
from pathlib import Path

from cited.library import Library
from ingest.document import sha256_bytes
from ingest.pipeline import IngestReport
from ingest.sources import Upload
from retrieval.base.errors import CitedError, EmptyQuestion
from ui import render, render_checked
from ui.conversation import conversation_document, readable_name
from ui.gradio_lib import gr

STREAM_PAUSE_S = 0.03  # between streamed sentences: visible, yet far below reading speed
DRAFT_EVERY_S = 0.1  # an LLM's draft is redrawn at most this often as it streams
ALL_DOCUMENTS = ""

# Questions known to be answered well by the bundled article (see eval/); other documents get
# questions made from their own byline and headings.
BUNDLED_EXAMPLES = [
    "Who wrote the article?",
    "What share of Pakistan's population is Shiite?",
    "When are Pakistan's parliamentary elections?",
    "How does Israel figure in Iran's calculations?",
    "What is the boiling point of water?",
]


def respond(library: Library, text, history, turns, k, mode, doc):
    """A question from the chat box → (question box, chat, turns, sources, article), the answer's
    sentences streamed one at a time (with an LLM writer: its words as they arrive, then each
    sentence checked)."""
    history, turns = list(history or []), list(turns or [])
    asked = [a["question"] for a in turns if a]  # the conversation so far (cleared with the chat)
    try:
        view = library.view()  # one view for the answer and its documents: an upload may swap in another
        doc = doc or conversation_document(text, [a for a in turns if a], asked, view.documents)
        if library.settings.llm:
            answered = yield from _written(library, view, text, history, k, mode, doc, asked)
        else:
            answered = library.ask(text, k=k, mode=mode or None, doc=doc or None, history=asked, view=view)
        answer = answered.to_json()
    except EmptyQuestion as e:
        gr.Warning(str(e))
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return
    except CitedError as e:
        history += [_message("user", render.question_html(" ".join(str(text).split())[:300])),
                    _message("assistant", render.error_html(str(e)))]
        yield gr.skip(), history, turns + [None, None], gr.skip(), gr.skip()
        return
    docs = view.documents
    unsupported = library.settings.llm_unsupported
    history.append(_message("user", render.question_html(answer["question"])))
    turns += [None, answer]
    shown_answer = render_checked.llm_view(answer)
    steps = 1 if answer["abstained"] or answer["writer"] == "llm" else max(1, len(answer["sentences"]))
    for shown in range(1, steps + 1):
        reply = _message("assistant", render.answer_html(answer, docs, upto=shown, unsupported=unsupported))
        if shown == 1:
            yield ("", history + [reply], turns, render.sources_html(shown_answer, docs),
                   render.article_html(shown_answer, docs))
        else:
            time.sleep(STREAM_PAUSE_S)
            yield gr.skip(), history + [reply], gr.skip(), gr.skip(), gr.skip()


def _written(library: Library, view, text, history, k, mode, doc, asked):
    """Ask with the LLM writer in a thread, yielding its draft into the chat as it streams; returns
    the answer (or raises the CitedError the question caused)."""
    pieces: queue.Queue = queue.Queue()
    outcome: dict = {}

    def work():
        try:
            outcome["answer"] = library.ask(text, k=k, mode=mode or None, doc=doc or None, history=asked,
                                            on_text=pieces.put, view=view)
        except CitedError as e:
            outcome["error"] = e
        finally:
            pieces.put(None)

    threading.Thread(target=work, daemon=True).start()
    user = _message("user", render.question_html(" ".join(str(text).split())[:300]))
    so_far, last = "", 0.0
    while (piece := pieces.get()) is not None:
        so_far += piece
        if time.perf_counter() - last >= DRAFT_EVERY_S:
            last = time.perf_counter()
            yield gr.skip(), history + [user, _message("assistant", render_checked.draft_html(so_far))], \
                gr.skip(), gr.skip(), gr.skip()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def show_turn(library: Library, turns, index):
    """A click on an earlier message → (sources, article) of that message's answer."""
    index = index if isinstance(index, int) else index[0]
    answer = next((a for a in (turns or [])[index : index + 2] if a), None)
    if answer is None:
        return gr.skip(), gr.skip()
    docs = library.view().documents
    return render.sources_html(answer, docs), render.article_html(answer, docs)


def clear_chat(library: Library):
    """The chat's clear button → (turns, sources, article)."""
    return [], render.sources_placeholder(), render.article_html(None, library.view().documents)


def add_document(library: Library, path):
    """An uploaded file → (status, document picker, examples, header, article, upload box). Its
    type, size and bytes are checked by ingest, once, like any other input."""
    if not path:
        return (gr.skip(),) * 6
    name = Path(path).name
    try:
        report = library.add(Upload(name, path=Path(path)), progress=True)
        if report.failed:
            raise report.failed[0]
    except CitedError as e:
        return render.error_html(str(e)), gr.skip(), gr.skip(), gr.skip(), gr.skip(), None
    finally:
        _remove_quietly(path)  # Gradio keeps a copy of each upload in its cache; the index has it now
    docs = library.view().documents
    return (
        render.upload_ok_html(upload_message(report, name)), document_picker(docs),
        gr.Dataset(samples=[[q] for q in examples(library)]), render.header_html(docs),
        render.article_html(None, docs), None,
    )


def check_text(library: Library, text, doc):
    """The "Check a text" panel → (its verdicts, sources, article): each sentence of the pasted
    text checked against the article, the paragraphs that decide them shown beside it."""
    try:
        view = library.view()
        checked = library.check(text, doc=doc or None, view=view).to_json()
    except CitedError as e:
        return render.error_html(str(e)), gr.skip(), gr.skip()
    shown = render_checked.checked_view(checked)
    return (render_checked.checked_text_html(checked, view.documents), render.sources_html(shown, view.documents),
            render.article_html(shown, view.documents))


def page_load(library: Library):
    """A page (re)opened → (header, document picker, examples, article) as the index is now,
    after any `cited ingest` or `cited remove` made elsewhere."""
    docs = library.view().documents
    return (render.header_html(docs), document_picker(docs), gr.Dataset(samples=[[q] for q in examples(library)]),
            render.article_html(None, docs))


def upload_message(report: IngestReport, name: str) -> str:
    if report.updated:
        return f"Updated {', '.join(report.updated)} from {name}. {report.summary()}"
    if report.added:
        return f"Added {name} as {', '.join(report.added)}. {report.summary()}"
    return f"{name} is already in the index as {', '.join(report.skipped)}; nothing to do."


def document_picker(documents: dict) -> gr.Dropdown:
    return gr.Dropdown(choices=document_choices(documents), visible=len(documents) > 1)


def document_choices(documents: dict) -> list[tuple[str, str]]:
    return [("All documents", ALL_DOCUMENTS)] + [(render.doc_title(documents, d), d) for d in documents]


def examples(library: Library) -> list[str]:
    """Example questions for the documents there are: the bundled article's own, and for others
    questions made from their byline and headings."""
    docs = library.documents()
    bundled = _sha256_of(library.settings.default_article)
    out: list[str] = []
    if any(d.sha256 == bundled for d in docs):
        out += BUNDLED_EXAMPLES
    for d in docs:
        if d.sha256 == bundled:
            continue
        name = readable_name(d)
        if d.meta.authors:
            out.append(f"Who wrote {name}?")
        headings = [d.paragraph_text(p) for p in d.paragraphs if p.kind == "heading"]
        for heading in headings[:2]:
            topic = re.sub(r"^[\dIVXivx]+[.)]\s*", "", heading).strip()
            out.append(f"What does {name} say about {topic}?")
        if not d.meta.authors and not headings:
            out.append(f"What is {name} about?")
    return list(dict.fromkeys(out))[:8]


def _message(role: str, content: str) -> dict:
    return {"role": role, "content": content}


def _sha256_of(path: Path) -> str:
    try:
        return sha256_bytes(Path(path).read_bytes())
    except OSError:
        return ""


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
