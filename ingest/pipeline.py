"""ingest(): files → documents → chunks → vectors → the index folder, incrementally and atomically."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cited.errors import CitedError, DocumentError, IndexMissing, NothingToIngest
from cited.settings import Settings
from ingest.chunking import Chunk, chunk_document
from ingest.document import Document, assemble
from ingest.embed import Embedder, canonical_model_name, load_embedder
from ingest.readers import SUPPORTED, Reading, read_bytes, read_file
from retrieval.store import IndexData, read_index, write_index

URL_TIMEOUT_S = 15


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unchanged: no embedding done
    failed: list[CitedError] = field(default_factory=list)
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0  # texts sent through the encoder
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.skipped)} unchanged"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return (
            f"{', '.join(parts)}; index holds {self.chunks} chunks, {self.sentences} sentences "
            f"({self.embedded} texts embedded in {self.seconds:.1f} s)"
        )


def expand_inputs(inputs: list[str]) -> list[str]:
    """Files, folders (recursively, by extension) and URLs, in a stable order."""
    out: list[str] = []
    for item in inputs:
        if re.match(r"^https?://", item):
            out.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
            if not found:
                raise NothingToIngest(item)
            out.extend(str(p) for p in found)
        else:
            out.append(item)
    return out


def read_input(item: str, settings: Settings) -> Reading:
    if re.match(r"^https?://", item):
        return read_url(item, settings.max_file_bytes)
    path = Path(item)
    if not path.exists():
        raise DocumentError(item, "no such file.")
    return read_file(path, settings.max_file_bytes)


def read_url(url: str, max_bytes: int, timeout: float = URL_TIMEOUT_S) -> Reading:
    request = urllib.request.Request(url, headers={"User-Agent": "cited/0.1 (article reader)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
            kind = response.headers.get_content_type()
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise DocumentError(url, f"could not fetch it ({reason}).") from None
    if len(data) > max_bytes:
        raise DocumentError(url, f"the page is over the {max_bytes / 1e6:.0f} MB limit.")
    suffix = ".pdf" if kind == "application/pdf" else ".txt" if kind == "text/plain" else ".html"
    return read_bytes(data, url, suffix)


def document_id(source: str, taken: set[str]) -> str:
    stem = Path(source.rstrip("/")).stem if not source.startswith("http") else source.rstrip("/").rsplit("/", 1)[-1]
    base = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60] or "document"
    doc_id, n = base, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    return doc_id


def load_existing(settings: Settings, model: str, rebuild: bool) -> IndexData | None:
    if rebuild:
        return None
    try:
        existing = read_index(settings.index_dir, expected_model=model)
    except IndexMissing:
        return None
    wanted = chunking_settings(settings)
    if existing.chunking != wanted:
        from cited.errors import IndexMismatch

        raise IndexMismatch(str(settings.index_dir), f"chunking {existing.chunking}, asked for {wanted}")
    return existing


def chunking_settings(settings: Settings) -> dict:
    return {"chunk_size": settings.chunk_size, "chunk_overlap": settings.chunk_overlap, "splitter": "paragraph+recursive"}


def ingest(
    inputs: list[str],
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: bool = False,
) -> IngestReport:
    """Add or update documents in the index at settings.index_dir. Bad inputs are reported in
    report.failed and the rest are still ingested; the index is written once, atomically."""
    started = time.perf_counter()
    report = IngestReport()
    model_name = embedder.name if embedder else canonical_model_name(settings.model)
    existing = load_existing(settings, model_name, rebuild)
    documents = list(existing.documents) if existing else []
    by_source = {d.meta.source: d for d in documents}

    fresh: list[Document] = []
    for item in expand_inputs(inputs):
        try:
            reading = read_input(item, settings)
        except DocumentError as e:
            report.failed.append(e)
            continue
        source = item if re.match(r"^https?://", item) else str(Path(item).resolve())
        old = by_source.get(source)
        if old is not None and old.sha256 == reading.sha256:
            report.skipped.append(old.id)
            continue
        taken = {d.id for d in documents if d is not old} | {d.id for d in fresh}
        doc_id = old.id if old is not None else document_id(source, taken)
        doc = assemble(doc_id, reading.blocks, reading.meta, reading.format, reading.sha256)
        if not doc.paragraphs:
            from cited.errors import EmptyDocument

            report.failed.append(EmptyDocument(source))
            continue
        (report.updated if old is not None else report.added).append(doc_id)
        if old is not None:
            documents.remove(old)
        fresh.append(doc)
        by_source[source] = doc

    if not fresh and existing is not None:
        report.chunks, report.sentences = len(existing.chunks), len(existing.sentence_vectors)
        report.seconds = time.perf_counter() - started
        return report
    if not fresh and not documents:
        report.seconds = time.perf_counter() - started
        return report

    embedder = embedder or load_embedder(settings.model, settings.batch_size)
    kept = _kept_vectors(existing, {d.id for d in documents}, embedder.dimension)
    new_chunks = [c for d in fresh for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)]
    texts = [c.embed_text() for c in new_chunks] + [
        c.embed_text(s) for c in new_chunks for s in c.sentence_texts()
    ]
    vectors = embedder.encode(texts, progress=progress)
    report.embedded = len(texts)

    chunks = kept[0] + new_chunks
    chunk_vectors = np.vstack([kept[1], vectors[: len(new_chunks)]])
    sentence_vectors = np.vstack([kept[2], vectors[len(new_chunks) :]])
    data = IndexData(
        model=embedder.name, dimension=embedder.dimension, chunking=chunking_settings(settings),
        documents=documents + fresh, chunks=chunks, chunk_vectors=chunk_vectors, sentence_vectors=sentence_vectors,
    )
    write_index(settings.index_dir, data)
    report.chunks, report.sentences = len(chunks), len(sentence_vectors)
    report.seconds = time.perf_counter() - started
    return report


def _kept_vectors(
    existing: IndexData | None, keep: set[str], dimension: int
) -> tuple[list[Chunk], np.ndarray, np.ndarray]:
    """The chunks and vectors of documents that stay as they are: reused, never re-embedded."""
    if existing is None:
        empty = np.zeros((0, dimension), dtype=np.float32)
        return [], empty, empty
    chunks, chunk_rows, sentence_rows = [], [], []
    cursor = 0
    for i, c in enumerate(existing.chunks):
        n = len(c.sentences)
        if c.doc in keep:
            chunks.append(c)
            chunk_rows.append(i)
            sentence_rows.extend(range(cursor, cursor + n))
        cursor += n
    return chunks, existing.chunk_vectors[chunk_rows], existing.sentence_vectors[sentence_rows]


def remove_document(settings: Settings, doc_id: str) -> IndexData:
    from cited.errors import UnknownDocument

    existing = read_index(settings.index_dir)
    if existing.document(doc_id) is None:
        raise UnknownDocument(doc_id, [d.id for d in existing.documents])
    keep = {d.id for d in existing.documents if d.id != doc_id}
    chunks, chunk_vectors, sentence_vectors = _kept_vectors(existing, keep, existing.dimension)
    data = IndexData(
        model=existing.model, dimension=existing.dimension, chunking=existing.chunking,
        documents=[d for d in existing.documents if d.id != doc_id], chunks=chunks,
        chunk_vectors=chunk_vectors, sentence_vectors=sentence_vectors,
    )
    write_index(settings.index_dir, data)
    return data
