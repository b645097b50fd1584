"""`cited chat`: the Gradio app. A chat beside a sources panel and an article view, settings,
upload, and an API endpoint /ask that returns the JSON of `cited ask --json`.

Every session and the API share one Library (one Answerer, thread-safe). Nothing reaches the
network: analytics are off, the theme's fonts are bundled, SSR is off.
"""

import ipaddress
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from cited.errors import CitedError, EmptyQuestion  # noqa: E402
from cited.settings import MODES, Settings  # noqa: E402
from ingest.readers import SUPPORTED  # noqa: E402
from retrieval.answer import Answerer  # noqa: E402
from ui import render  # noqa: E402
from ui.assets import CSS, JS  # noqa: E402
from ui.library import MAX_K, Library  # noqa: E402

# Requests served at once. The encoder serializes itself and an answer takes a few tens of ms,
# so a handful of workers keeps the queue short under many clients without oversubscribing.
CONCURRENCY = 6
STREAM_PAUSE_S = 0.03  # between streamed sentences: visible, yet far below reading speed
UPLOAD_TYPES = sorted(SUPPORTED)
ALL_DOCUMENTS = ""


def build_app(settings: Settings, answerer: Answerer | None = None) -> gr.Blocks:
    if answerer is None:
        from ui.engine import open_answerer

        answerer = open_answerer(settings)
    library = Library(settings, answerer)
    documents = library.loaded.documents

    with gr.Blocks(title="cited", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        header = gr.HTML(render.header_html(documents), js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=380):
                chatbot = gr.Chatbot(
                    label="Chat", height=480, render_markdown=False, sanitize_html=True, elem_id="cited-chat",
                    feedback_options=None, buttons=[], placeholder="Ask a question about the article. Every answer is made "
                    "of the article's own sentences; each carries a marker [1] to the paragraph it comes from.",
                )
                question = gr.Textbox(
                    show_label=False, placeholder="Ask a question about the article …", submit_btn="Ask",
                    max_lines=4, autofocus=True, elem_id="cited-question",
                )
                examples = gr.Dataset(
                    components=[question], samples=[[q] for q in library.examples()], label="Examples",
                    samples_per_page=8, elem_id="cited-examples",
                )
                with gr.Accordion("Settings", open=False):
                    mode = gr.Radio(list(MODES), value=settings.mode, label="Retrieval mode",
                                    info="hybrid fuses dense (meaning) and BM25 (words)")
                    k = gr.Slider(1, MAX_K, value=settings.k, step=1, label="Passages to retrieve (k)")
                    doc = gr.Dropdown(_doc_choices(documents), value=ALL_DOCUMENTS, label="Document",
                                      visible=len(documents) > 1, elem_id="cited-doc")
                with gr.Accordion("Add a document", open=False):
                    upload = gr.File(
                        label=f".txt, .md, .html or .pdf, up to {settings.max_file_mb:g} MB",
                        file_types=UPLOAD_TYPES, type="filepath", elem_id="cited-upload",
                    )
                    upload_status = gr.HTML("", js_on_load=None, elem_id="cited-upload-status")
            with gr.Column(scale=4, min_width=360):
                sources = gr.HTML(render.sources_placeholder(), js_on_load=None, elem_id="cited-sources")
                article = gr.HTML(render.article_html(None, documents), js_on_load=None, elem_id="cited-article")
        turns = gr.State([])  # per message of the chat: its answer's JSON (None for questions)

        def respond(text, history, turns, k, mode, doc):
            history, turns = list(history or []), list(turns or [])
            try:
                answer, loaded = library.ask(text, k, mode, doc)
            except EmptyQuestion as e:
                gr.Warning(str(e))
                yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                return
            except CitedError as e:
                history += [_message("user", render.question_html(" ".join(str(text).split())[:300])),
                            _message("assistant", render.error_html(str(e)))]
                yield gr.skip(), history, turns + [None, None], gr.skip(), gr.skip()
                return
            docs = loaded.documents
            history.append(_message("user", render.question_html(answer["question"])))
            turns += [None, answer]
            steps = 1 if answer["abstained"] else max(1, len(answer["sentences"]))
            for shown in range(1, steps + 1):
                reply = _message("assistant", render.answer_html(answer, docs, upto=shown))
                if shown == 1:
                    yield ("", history + [reply], turns, render.sources_html(answer, docs),
                           render.article_html(answer, docs))
                else:
                    time.sleep(STREAM_PAUSE_S)
                    yield gr.skip(), history + [reply], gr.skip(), gr.skip(), gr.skip()

        def show_turn(turns, event: gr.SelectData):
            """A click on an earlier message shows that answer's sources and article view."""
            index = event.index if isinstance(event.index, int) else event.index[0]
            answer = next((a for a in (turns or [])[index : index + 2] if a), None)
            if answer is None:
                return gr.skip(), gr.skip()
            docs = library.loaded.documents
            return render.sources_html(answer, docs), render.article_html(answer, docs)

        def add_document(path, progress=gr.Progress(track_tqdm=True)):
            if not path:
                return (gr.skip(),) * 6
            progress(0.05, desc="Reading and indexing")
            try:
                message = library.add_upload(path)
            except CitedError as e:
                return render.error_html(str(e)), gr.skip(), gr.skip(), gr.skip(), gr.skip(), None
            finally:
                _remove_quietly(path)
            docs = library.loaded.documents
            return (
                render.upload_ok_html(message), gr.Dropdown(choices=_doc_choices(docs), visible=len(docs) > 1),
                gr.Dataset(samples=[[q] for q in library.examples()]), render.header_html(docs),
                render.article_html(None, docs), None,
            )

        def on_page_load():
            """A page opened after a `cited ingest` or `cited remove` shows the documents there are now."""
            docs = library.current().documents
            return (render.header_html(docs), gr.Dropdown(choices=_doc_choices(docs), visible=len(docs) > 1),
                    gr.Dataset(samples=[[q] for q in library.examples()]), render.article_html(None, docs))

        def ask(question: str, k: int = settings.k, mode: str = settings.mode, doc: str = "") -> dict:
            """Answer a question from the indexed article(s): the same JSON as `cited ask --json`."""
            try:
                return library.ask(question, k, mode, doc)[0]
            except CitedError as e:
                raise gr.Error(str(e), print_exception=False) from None

        chat_io = dict(inputs=[question, chatbot, turns, k, mode, doc],
                       outputs=[question, chatbot, turns, sources, article])
        question.submit(respond, **chat_io, show_progress="hidden", api_visibility="private")
        examples.click(lambda sample: sample[0], examples, question, show_progress="hidden",
                       api_visibility="private").then(respond, **chat_io, show_progress="hidden",
                                                      api_visibility="private")
        chatbot.select(show_turn, turns, [sources, article], show_progress="hidden",
                       api_visibility="private").then(None, js="() => window.citedFocusPending && window.citedFocusPending()")
        chatbot.clear(lambda: ([], render.sources_placeholder(), render.article_html(None, library.loaded.documents)),
                      None, [turns, sources, article], api_visibility="private")
        upload.upload(add_document, upload, [upload_status, doc, examples, header, article, upload],
                      concurrency_limit=1, api_visibility="private")
        demo.load(on_page_load, None, [header, doc, examples, article], show_progress="hidden",
                  api_visibility="private")
        gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def serve(settings: Settings, open_browser: bool = True) -> None:
    """Load the index (ingesting the bundled article if there is none) and serve until Ctrl-C."""
    # Uploads wait in Gradio's cache until ingested; by default that is /tmp/gradio, readable by
    # every user of the machine. A folder of our own (mode 0700), removed when the app stops.
    private = None
    try:
        if not os.environ.get("GRADIO_TEMP_DIR"):
            private = os.environ["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="cited-uploads-")
            _remove_on_sigterm(private)
        auth = parse_auth(settings.auth)
        warning = host_warning(settings.host, auth is not None)
        if warning:
            print(warning, file=sys.stderr)
        demo = build_app(settings)
        try:
            demo.launch(
                server_name=settings.host, server_port=settings.port, auth=auth, inbrowser=open_browser,
                share=False, ssr_mode=False, max_file_size=settings.max_file_bytes, footer_links=["api"],
                theme=gr.themes.Default(primary_hue="indigo"), css=CSS, js=JS,
            )
        except OSError:
            raise CitedError(
                f"Cannot listen on {settings.host}:{settings.port}: the port is taken, or the address is not "
                "this machine's. Pick another port with --port N (or $CITED_PORT), or check --host."
            ) from None
    finally:
        if private:
            shutil.rmtree(private, ignore_errors=True)


def _remove_on_sigterm(folder: str) -> None:
    """`kill` still ends the app at once (nothing is left to save: index writes are atomic), but
    first removes the folder; Ctrl-C goes through Gradio's own shutdown and serve()'s cleanup."""
    if threading.current_thread() is not threading.main_thread():
        return

    def remove_then_die(signum, frame) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, remove_then_die)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'user:password' (from --auth or $CITED_AUTH) → (user, password)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise CitedError("--auth (or CITED_AUTH) must be USER:PASSWORD, both non-empty.")
    return user, password


def host_warning(host: str, has_auth: bool) -> str | None:
    """A warning when the app listens beyond this machine."""
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    advice = "" if has_auth else " Add --auth USER:PASSWORD to require a login."
    return (f"warning: listening on {host}, not 127.0.0.1: anyone who can reach this machine "
            f"can ask questions and upload documents.{advice}")


def _message(role: str, content: str) -> dict:
    return {"role": role, "content": content}


def _doc_choices(documents: dict) -> list[tuple[str, str]]:
    return [("All documents", ALL_DOCUMENTS)] + [(render.doc_title(documents, d), d) for d in documents]


def _remove_quietly(path: str) -> None:
    """Gradio keeps a copy of each upload in its cache; the index has what it needs."""
    try:
        os.remove(path)
    except OSError:
        pass
