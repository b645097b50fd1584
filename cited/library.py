"""`cited.Library`: one index folder you can add articles to, ask, search and remove from. Every
door goes through it: the command line, the web app and its /ask, MCP and /v1/chat/completions
endpoints, the eval runner, and Python programs.

    from cited import Library

    library = Library.open(".cited/index")          # an index folder (made by the first add)
    library.add("article.pdf", ("notes.md", b"# Notes ..."))
    answer = library.ask("Who wrote the article?")
    print(answer.text)                              # Ali Atef [1]
    library.ask("And Iran's?", history=["What were Pakistan's motives?"]).interpreted_as
    # → "What were Iran's motives?"
    for n, passage in answer.citations:
        print(n, passage.doc, passage.paragraph, passage.start, passage.end)

Thread-safe: questions are answered from one consistent view of the index, which is replaced as
a whole (under a lock) when this library adds or removes a document, or when another process
(`cited ingest`, `cited remove`) has replaced the index on disk — noticed at the next question.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ingest.pipeline import IngestReport, ingest, remove_document
from ingest.sources import URL_TIMEOUT_S, Upload
from retrieval.answer.answerer import Answerer
from retrieval.answer.check import CheckedText, Checker
from retrieval.answer.records import Answer
from retrieval.answer.writer import LlmWriter, write_checked
from retrieval.base.errors import CitedError, IndexMissing, UnknownDocument
from retrieval.base.settings import Settings, is_milvus_uri
from retrieval.index.lazy_rows import DocumentsById
from retrieval.index.records import Document
from retrieval.index.stores import open_store
from retrieval.search.embed import Embedder, canonical_model_name
from retrieval.search.reader import loads_without_torch, reader_for
from retrieval.search.retriever import Passage, Retriever
from retrieval.search.verifier import verifier_for

log = logging.getLogger("cited")

# What add() takes: a file, folder or URL; an Upload; or an upload as (name, bytes).
Addable = str | Path | Upload | tuple[str, bytes]


@dataclass(frozen=True)
class View:
    """One consistent view of the index: an answerer and the documents it was loaded with. Every
    door asks through `ask` (the Library's, or a view's when the caller must show the answer with
    the documents of the same view)."""

    answerer: Answerer
    documents: Mapping[str, Document]  # parsed when one is asked for (lazy_rows.DocumentsById)

    @classmethod
    def of(cls, answerer: Answerer) -> "View":
        return cls(answerer, DocumentsById(answerer.retriever.index.documents))

    def ask(self, question: str, k: int | None = None, mode: str | None = None, doc: str | None = None,
            history: Sequence[str] = (), llm=None, on_text=None) -> Answer:
        """The answer; with `llm` (an LlmWriter), also what the LLM wrote from the same passages,
        each sentence checked (retrieval/answer/writer.py)."""
        answer = self.answerer.ask(question, k=k, mode=mode, doc=doc, history=history)
        if llm is None:
            return answer
        return write_checked(answer, llm, self.checker(), history, on_text)

    def search(self, question: str, k: int | None = None, mode: str | None = None,
               doc: str | None = None) -> list[Passage]:
        return self.retriever.search(question, k=k, mode=mode, doc=doc)

    def checker(self) -> Checker:
        """The check of sentences against this view's passages (retrieval/answer/check.py), with
        the verifier the settings name (loaded at the first check, then shared)."""
        settings = self.answerer.settings
        return Checker(self.retriever, verifier_for(settings.verifier, settings.encoder_runtime))

    def check(self, text: str, k: int | None = None, doc: str | None = None, on_sentence=None) -> CheckedText:
        """Any text checked against the article, sentence by sentence (Library.check)."""
        settings = self.answerer.settings
        sentences = self.checker().check_text(text, settings.max_check_chars, k=k, doc=doc, on_sentence=on_sentence)
        return CheckedText(tuple(sentences))

    @property
    def retriever(self) -> Retriever:
        """The loaded index and its search: for the evaluation and the benchmarks, which measure
        what is inside it; a door asks through ask, search and check."""
        return self.answerer.retriever


class Library:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self._view: View | None = None
        self._store = open_store(self.settings)
        self._on_disk: object = None
        self._lock = threading.Lock()
        self._writer = None  # the LLM writer, made at the first question when settings.llm is set

    @classmethod
    def open(cls, index_dir: str | Path | None = None, embedder: Embedder | None = None, **settings) -> "Library":
        """The library at `index_dir` (default: .cited/index or $CITED_INDEX); keyword arguments
        are Settings fields (model, k, mode, …). The folder need not exist until the first add.
        A Milvus URI (milvus:///path/file.db, http://host:19530) opens that store instead."""
        if isinstance(index_dir, str) and is_milvus_uri(index_dir):
            settings["store"], index_dir = index_dir, None
        return cls(Settings.from_env(index_dir=index_dir, **settings), embedder)

    @classmethod
    def with_bundled_article(cls, settings: Settings, embedder: Embedder | None = None,
                             quiet: bool = False) -> "Library":
        """The library at settings.index_dir (or settings.store), ingesting the bundled article first
        when there is no index yet, so a fresh clone answers at once (`cited ask`, `cited chat`,
        `cited eval`)."""
        library = cls(settings, embedder)
        if not library._store.exists():
            if not Path(settings.default_article).exists():  # installed without the repository's data/
                raise IndexMissing(library._store.location)
            if not quiet:
                print(f"No index at {library._store.location} yet: ingesting the bundled article …", file=sys.stderr)
            report = library.add(settings.default_article, progress=not quiet)
            if report.failed:
                raise report.failed[0]
            if not quiet:
                print(report.summary(), file=sys.stderr)
        library.view()  # load now: the first question should not pay for it
        return library

    @property
    def store(self):
        """Where the index lives (retrieval/index/stores.py): the folder store, or a Milvus store."""
        return self._store

    # -- reading ----------------------------------------------------------------------------------

    def view(self) -> View:
        """The loaded view, first reloaded if the index on disk was replaced since. An index that
        cannot be loaded (another model, damaged) leaves the old view serving, with a warning."""
        view = self._view
        if view is not None and self._store.stamp() == self._on_disk:
            return view
        with self._lock:
            stamp = self._store.stamp()
            if self._view is None:
                self._load()
            elif stamp != self._on_disk and stamp is not None:
                try:
                    self._load()
                except CitedError as e:
                    log.warning("The index on disk changed but cannot be loaded; still serving the one loaded "
                                "before: %s", e)
                    self._on_disk = stamp
            return self._view

    def _load(self) -> None:
        """Load the index on disk; the caller holds the lock."""
        stamp = self._store.stamp()  # before loading: a later write reloads again
        # Without an encoder yet, Retriever.load checks the index's model before loading one.
        # What of the loaded index is unchanged on disk is reused: after a small add, only its segment is read.
        previous = self._view.answerer.retriever.index if self._view is not None else None
        reading = (self.settings.reader, self.settings.encoder_runtime)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cited-load-reader") as loading:
            # The reader loads (its weights checked, its session made) while the index and the
            # encoder do: both wait mostly on hashing and onnxruntime, which let go of the GIL. Not
            # when it needs torch: transformers cannot be imported from two threads at once.
            reader = loading.submit(reader_for, *reading) if loads_without_torch(*reading) else None
            retriever = Retriever.load(self.settings, self._embedder, self._store, previous)
            self._embedder = retriever.embedder
            # The verifier takes part in answering only when the settings make it abstain.
            verifier = verifier_for(self.settings.verifier, self.settings.encoder_runtime) \
                if self.settings.verifier_abstain_below is not None else None
            answerer = Answerer(retriever, self.settings, reader.result() if reader else reader_for(*reading), verifier)
            self._view = View.of(answerer)
        self._on_disk = stamp

    def manifest(self) -> dict:
        """The index's manifest (model, counts, and each document's id, title, authors, date,
        source, paragraphs and chunks), read without loading the model."""
        return self._store.manifest()

    def documents(self) -> list[Document]:
        """The documents in the index, in the order they were added ([] when there is no index).
        Read from disk when nothing is loaded yet: listing never loads the model."""
        try:
            if self._view is None:
                return self._store.documents()
            return list(self.view().documents.values())
        except IndexMissing:
            return []

    def document(self, doc: str) -> Document:
        """One document, by its id or the path or URL it came from."""
        documents = self.documents()
        for d in documents:
            if doc in (d.id, d.meta.source):
                return d
        raise UnknownDocument(doc, [d.id for d in documents])

    def ask(self, question: str, k: int | None = None, mode: str | None = None, doc: str | None = None,
            history: Sequence[str] = (), on_text=None, view: View | None = None) -> Answer:
        """The answer, made of the article's sentences, each cited; or an abstention. `history`:
        the conversation's earlier questions, oldest first; a follow-up that leans on them is read
        as a standalone question, given back as `answer.interpreted_as`. With settings.llm, an LLM
        also writes the answer from the same passages (on_text gets each piece as it streams) and
        every sentence it wrote is checked: `answer.written`, `answer.writer`, `answer.notice`.
        `view`: the view to ask (default: the current one), for a caller that shows the answer
        with that view's documents."""
        return (view or self.view()).ask(question, k=k, mode=mode, doc=doc, history=history,
                                         llm=self.llm_writer() if self.settings.llm else None, on_text=on_text)

    def check(self, text: str, k: int | None = None, doc: str | None = None, on_sentence=None,
              view: View | None = None) -> CheckedText:
        """Each sentence of `text` checked against the article: supported (with the passage
        sentence that says it), contradicted (with the one that says otherwise) or not in it.
        `on_sentence(done, total)` follows a long text; `view` as for ask."""
        return (view or self.view()).check(text, k=k, doc=doc, on_sentence=on_sentence)

    def llm_writer(self) -> LlmWriter:
        """The writer for settings.llm (one client, reused)."""
        if self._writer is None:
            self._writer = LlmWriter(self.settings.llm, self.settings.llm_model, self.settings.llm_timeout)
        return self._writer

    def search(self, question: str, k: int | None = None, mode: str | None = None,
               doc: str | None = None) -> list[Passage]:
        """The top k passages with their citations (document, paragraph, offsets, score)."""
        return self.view().search(question, k=k, mode=mode, doc=doc)

    # -- writing ----------------------------------------------------------------------------------

    def add(self, *items: Addable, rebuild: bool = False, progress: bool = False,
            url_timeout: float = URL_TIMEOUT_S) -> IngestReport:
        """Ingest files, folders, URLs and uploads; returns the report (what was added, updated,
        skipped as already there, and each input that failed with its one-line error)."""
        inputs = [_as_input(item) for item in items]
        with self._lock:
            report = ingest(inputs, self.settings, embedder=self._embedder, rebuild=rebuild, progress=progress,
                            url_timeout=url_timeout)
            if report.added or report.updated:
                self._reload_after_write()
        return report

    def remove(self, doc: str) -> list[str]:
        """Take one document (its id, or the path or URL it came from) out; returns the ids left."""
        with self._lock:
            left = remove_document(self.settings, doc)
            self._reload_after_write()
        return left

    def warm(self):
        """Read a large index's files into the page cache in the background, so that a server's
        questions after a reboot soon take their warm time (retrieval/index/page_cache.py), or have
        Milvus load its collections; the thread, or None (a small index, or one larger than half
        the memory available)."""
        return self._store.warm()

    def compact(self):
        """Merge the segments small adds left and drop removed documents' rows: the index written
        whole once (retrieval/index/segments.py); what was merged (false if nothing)."""
        store = self._store
        with self._lock, store.lock():
            done = store.compact()
            if done:
                self._reload_after_write()
        return done

    def _reload_after_write(self) -> None:
        if self._view is not None or self._embedder is not None:
            self._load()

    def __repr__(self) -> str:
        return f"Library({self._store.location!r}, model={canonical_model_name(self.settings.model)!r})"


def _as_input(item: Addable) -> str | Upload:
    if isinstance(item, Upload):
        return item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], (bytes, bytearray)):
        return Upload(str(item[0]), bytes(item[1]))
    if isinstance(item, (str, Path)):
        return str(item)
    raise CitedError(f"Cannot add {item!r}: give a path, a URL, or an upload as (name, bytes).")
