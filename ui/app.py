"""`cited chat`: the Gradio app. A chat beside a sources panel and an article view, settings,
upload; the API endpoints /ask and /search (also MCP tools with --mcp), and an OpenAI-compatible
/v1/chat/completions.

This module only lays out the components and wires them to the handlers (ui/handlers.py), which
are plain functions over one shared cited.Library. Nothing reaches the network: analytics are
off, the theme's fonts are bundled, SSR is off.
"""

import importlib.util
import ipaddress
import os
import shutil
import signal
import sys
import tempfile
import threading
from functools import partial

from cited.library import Library  # noqa: E402
from ingest.readers import KINDS_SHOWN, SUPPORTED  # noqa: E402
from retrieval.base.errors import CitedError  # noqa: E402
from retrieval.base.params import MAX_K, MODES  # noqa: E402
from retrieval.base.settings import Settings  # noqa: E402
from ui import handlers, render  # noqa: E402
from ui.api import api_functions  # noqa: E402
from ui.assets import CSS, JS  # noqa: E402
from ui.gradio_lib import gr  # noqa: E402
from ui.openai_api import routes as openai_routes  # noqa: E402

# Requests served at once. The encoder serializes itself and an answer takes a few tens of ms,
# so a handful of workers keeps the queue short under many clients without oversubscribing.
CONCURRENCY = 6
UPLOAD_TYPES = sorted(SUPPORTED)


def build_app(library: Library) -> gr.Blocks:
    settings = library.settings
    documents = library.view().documents

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
                    components=[question], samples=[[q] for q in handlers.examples(library)], label="Examples",
                    samples_per_page=8, elem_id="cited-examples",
                )
                with gr.Accordion("Settings", open=False):
                    mode = gr.Radio(list(MODES), value=settings.mode, label="Retrieval mode",
                                    info="hybrid fuses dense (meaning) and BM25 (words)")
                    k = gr.Slider(1, MAX_K, value=settings.k, step=1, label="Passages to retrieve (k)")
                    doc = gr.Dropdown(handlers.document_choices(documents), value=handlers.ALL_DOCUMENTS,
                                      label="Document", visible=len(documents) > 1, elem_id="cited-doc")
                with gr.Accordion("Check a text", open=False, elem_id="cited-check-panel"):
                    to_check = gr.Textbox(
                        show_label=False, lines=4, max_lines=12, elem_id="cited-check-text",
                        placeholder="Paste a text about the article (an AI's summary, a claim) to check each sentence "
                                    "against it …")
                    check_button = gr.Button("Check", size="sm", elem_id="cited-check-button")
                    checked = gr.HTML("", js_on_load=None, elem_id="cited-checked")
                with gr.Accordion("Add a document", open=False):
                    upload = gr.File(
                        label=f"{KINDS_SHOWN}, up to {settings.max_file_mb:g} MB",
                        file_types=UPLOAD_TYPES, type="filepath", elem_id="cited-upload",
                    )
                    upload_status = gr.HTML("", js_on_load=None, elem_id="cited-upload-status")
            with gr.Column(scale=4, min_width=360):
                sources = gr.HTML(render.sources_placeholder(), js_on_load=None, elem_id="cited-sources")
                article = gr.HTML(render.article_html(None, documents), js_on_load=None, elem_id="cited-article")
        turns = gr.State([])  # per message of the chat: its answer's JSON (None for questions)

        def respond(text, history, turns, k, mode, doc):
            yield from handlers.respond(library, text, history, turns, k, mode, doc)

        def show_turn(turns, event: gr.SelectData):
            return handlers.show_turn(library, turns, event.index)

        def add_document(path, progress=gr.Progress(track_tqdm=True)):
            if path:
                progress(0.05, desc="Reading and indexing")
            return handlers.add_document(library, path)

        private = dict(api_visibility="private")
        chat_io = dict(inputs=[question, chatbot, turns, k, mode, doc],
                       outputs=[question, chatbot, turns, sources, article])
        question.submit(respond, **chat_io, show_progress="hidden", **private)
        examples.click(lambda sample: sample[0], examples, question, show_progress="hidden", **private).then(
            respond, **chat_io, show_progress="hidden", **private)
        chatbot.select(show_turn, turns, [sources, article], show_progress="hidden", **private).then(
            None, js="() => window.citedFocusPending && window.citedFocusPending()")
        chatbot.clear(partial(handlers.clear_chat, library), None, [turns, sources, article], **private)
        upload.upload(add_document, upload, [upload_status, doc, examples, header, article, upload],
                      concurrency_limit=1, **private)
        check_io = dict(inputs=[to_check, doc], outputs=[checked, sources, article])
        check_button.click(partial(handlers.check_text, library), **check_io, **private)
        to_check.submit(partial(handlers.check_text, library), **check_io, **private)
        demo.load(partial(handlers.page_load, library), None, [header, doc, examples, article],
                  show_progress="hidden", **private)
        ask, search, check = api_functions(library)
        gr.api(ask, api_name="ask")
        gr.api(search, api_name="search")
        gr.api(check, api_name="check")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def serve(settings: Settings, open_browser: bool = True, mcp: bool = False) -> None:
    """Load the index (ingesting the bundled article if there is none) and serve until Ctrl-C."""
    # Uploads wait in Gradio's cache until ingested; by default that is /tmp/gradio, readable by
    # every user of the machine. A folder of our own (mode 0700), removed when the app stops.
    private = None
    try:
        if not os.environ.get("GRADIO_TEMP_DIR"):
            private = os.environ["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="cited-uploads-")
            _remove_on_sigterm(private)
        auth = parse_auth(settings.auth)
        if mcp and auth is not None:
            # Gradio's MCP endpoint does not ask for the login: with both, it would be a way round it.
            raise CitedError("--mcp cannot be combined with --auth: the MCP endpoint has no login. "
                             "Serve MCP on 127.0.0.1 without --auth, or drop --mcp.")
        if mcp and importlib.util.find_spec("mcp") is None:
            raise CitedError("--mcp needs the MCP extra: pip install 'cited[mcp]' (or run `make setup`).")
        warning = host_warning(settings.host, auth is not None)
        if warning:
            print(warning, file=sys.stderr)
        library = Library.with_bundled_article(settings)
        library.warm()  # a large index's files into the page cache, while the first questions come
        # The verifier (the first time: exported with torch) loads while the page opens, not at the first check.
        threading.Thread(target=_load_verifier, args=(library,), daemon=True, name="cited-load-verifier").start()
        demo = build_app(library)
        try:
            demo.launch(
                server_name=settings.host, server_port=settings.port, auth=auth, inbrowser=open_browser,
                share=False, ssr_mode=False, max_file_size=settings.max_file_bytes, footer_links=["api"],
                theme=gr.themes.Default(primary_hue="indigo"), css=CSS, js=JS, mcp_server=mcp,
                app_kwargs={"routes": openai_routes(library, auth)},
            )
        except OSError:
            raise CitedError(
                f"Cannot listen on {settings.host}:{settings.port}: the port is taken, or the address is not "
                "this machine's. Pick another port with --port N (or $CITED_PORT), or check --host."
            ) from None
    finally:
        if private:
            shutil.rmtree(private, ignore_errors=True)


def _load_verifier(library: Library) -> None:
    try:
        library.view().checker()
    except CitedError as e:  # shown again, in the panel, at the first check
        print(f"warning: {e}", file=sys.stderr)


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
