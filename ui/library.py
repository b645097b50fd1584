"""What the web app serves from: one Answerer and its documents, shared by every session and the
/ask API, replaced as a whole (under a lock) when an upload adds a document, or when another
process (`cited ingest`, `cited remove`) has replaced the index on disk."""

from __future__ import annotations

import logging
import math
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cited.errors import CitedError, DocumentError, DocumentTooLarge, UnsupportedDocument
from cited.settings import MODES, Settings
from ingest.document import Document, sha256_bytes
from ingest.readers import SUPPORTED
from ingest.sources import UPLOAD_PREFIX
from retrieval.answer import Answerer
from retrieval.search import Retriever

MAX_K = 50
log = logging.getLogger("cited")

# Questions known to be answered well by the bundled article (see eval/); other documents get
# questions made from their own byline and headings.
BUNDLED_EXAMPLES = [
    "Who wrote the article?",
    "What share of Pakistan's population is Shiite?",
    "When are Pakistan's parliamentary elections?",
    "How does Israel figure in Iran's calculations?",
    "What is the boiling point of water?",
]


@dataclass(frozen=True)
class Loaded:
    """One consistent view: an answerer and the documents of the index it was loaded from."""

    answerer: Answerer
    documents: dict[str, Document]

    @classmethod
    def of(cls, answerer: Answerer) -> "Loaded":
        return cls(answerer, {d.id: d for d in answerer.retriever.index.documents})


class Library:
    def __init__(self, settings: Settings, answerer: Answerer) -> None:
        self.settings = settings
        self.loaded = Loaded.of(answerer)
        self._ingest_lock = threading.Lock()
        self._bundled_sha256 = _sha256_of(settings.default_article)
        self._on_disk = _index_stamp(settings.index_dir)

    def current(self) -> Loaded:
        """The loaded view, first reloaded if the index on disk was replaced since it was loaded.
        An index that cannot be loaded (another model, damaged) leaves the old view serving."""
        if _index_stamp(self.settings.index_dir) == self._on_disk:
            return self.loaded
        with self._ingest_lock:
            stamp = _index_stamp(self.settings.index_dir)
            if stamp != self._on_disk and stamp is not None:
                try:
                    self._reload()
                except CitedError as e:
                    log.warning("The index on disk changed but cannot be loaded; still serving the one loaded before: %s", e)
            self._on_disk = stamp
        return self.loaded

    def _reload(self) -> None:
        """Load the index on disk with the same encoder and settings; the caller holds the lock."""
        stamp = _index_stamp(self.settings.index_dir)  # before loading: a later write reloads again
        old = self.loaded.answerer
        self.loaded = Loaded.of(Answerer(Retriever.load(self.settings, old.retriever.embedder), old.settings))
        self._on_disk = stamp

    def ask(self, question: str, k: int | float | None = None, mode: str | None = None,
            doc: str | None = None) -> tuple[dict, Loaded]:
        """The answer's JSON (as `cited ask --json` prints it) and the view it was answered from."""
        loaded = self.current()  # one read: an upload may swap it meanwhile
        k = self.settings.k if k is None else k
        # The API takes whatever JSON a client sends: NaN and Infinity parse as floats.
        if not isinstance(k, (int, float)) or not math.isfinite(k) or int(k) != k or not 1 <= k <= MAX_K:
            raise CitedError(f"k must be a whole number from 1 to {MAX_K} (got {k!r}).")
        if mode not in (None, "", *MODES):
            raise CitedError(f"Unknown retrieval mode '{mode}': use one of {', '.join(MODES)}.")
        if doc is not None and not isinstance(doc, str):
            raise CitedError(f"doc must be a document id from `cited list`, or empty for all (got {doc!r}).")
        answer = loaded.answerer.ask(question, k=int(k), mode=mode or None, doc=doc or None)
        return answer.to_json(), loaded

    def add_upload(self, upload: str | Path, name: str | None = None) -> str:
        """Ingest one uploaded file into the index and reload; returns a one-line report. The
        uploaded name only gives the suffix and a cleaned stem, never a path."""
        upload = Path(upload)
        name = Path(name or upload.name).name
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            raise UnsupportedDocument(name, f"unsupported file type '{suffix or 'none'}'; upload a .txt, .md, .html or .pdf file.")
        try:
            size = upload.stat().st_size
            data = upload.read_bytes() if size <= self.settings.max_file_bytes else b""
        except OSError as e:
            raise DocumentError(name, f"cannot read the upload ({e.strerror or e}).") from None
        if size > self.settings.max_file_bytes:
            raise DocumentTooLarge(name, size, self.settings.max_file_bytes)
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-")[:60] or "upload"
        with self._ingest_lock:
            digest = sha256_bytes(data)
            same = next((d for d in self.loaded.documents.values() if d.sha256 == digest), None)
            if same is not None:
                return f"{name} is already in the index as {same.id}; nothing to do."
            report = self._ingest(data, stem + suffix)
            if report.failed:
                error = report.failed[0]
                why = error.why if isinstance(error, DocumentError) else str(error)
                raise DocumentError(name, why)
            self._reload()
        if report.updated:
            return f"Updated {', '.join(report.updated)} from {name}. {report.summary()}"
        return f"Added {name} as {', '.join(report.added)}. {report.summary()}"

    def _ingest(self, data: bytes, filename: str):
        from ingest.pipeline import ingest

        folder = Path(tempfile.mkdtemp(prefix="cited-upload-"))  # mode 0700: private to this user
        try:
            path = folder / filename
            path.write_bytes(data)
            embedder = self.loaded.answerer.retriever.embedder
            # Stored as "upload:NAME", not under its temporary path: a changed file uploaded again
            # under the same name replaces the earlier one.
            return ingest([str(path)], self.settings, embedder=embedder, progress=True,
                          source_names={str(path): UPLOAD_PREFIX + filename})
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def examples(self) -> list[str]:
        docs = list(self.loaded.documents.values())
        out: list[str] = []
        if any(d.sha256 == self._bundled_sha256 for d in docs):
            out += BUNDLED_EXAMPLES
        for d in docs:
            if d.sha256 == self._bundled_sha256:
                continue
            if d.meta.authors:
                out.append(f"Who wrote {d.meta.title or d.id}?")
            headings = [d.paragraph_text(p) for p in d.paragraphs if p.kind == "heading"]
            for heading in headings[:2]:
                topic = re.sub(r"^[\dIVXivx]+[.)]\s*", "", heading).strip()
                out.append(f"What does {d.meta.title or d.id} say about {topic}?")
            if not d.meta.authors and not headings:
                out.append(f"What is {d.meta.title or d.id} about?")
        return list(dict.fromkeys(out))[:8]


def _index_stamp(index_dir: Path) -> tuple[int, int] | None:
    """Which index is on disk: every write swaps in a new folder, so a new manifest file."""
    try:
        st = (Path(index_dir) / "manifest.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _sha256_of(path: Path) -> str:
    try:
        return sha256_bytes(Path(path).read_bytes())
    except OSError:
        return ""
