"""ingest(): files → documents → chunks → vectors → the index store (a folder, or Milvus),
incrementally: unchanged documents are never embedded again."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from ingest.chunking import chunk_document
from ingest.document import assemble
from ingest.language import detect
from ingest.sources import URL_TIMEOUT_S, Upload, document_id, expand_inputs, read_input, read_upload, source_of
from retrieval.base.errors import CitedError, DocumentError, EmptyDocument, IndexMismatch, IndexMissing, UnknownDocument
from retrieval.base.settings import Settings
from retrieval.index.interface import Held, Store, Stored, Update
from retrieval.index.records import Chunk, Document
from retrieval.index.stores import open_store
from retrieval.search.embed import Embedder, canonical_model_name, load_embedder

# Texts per call to the encoder; the progress bar moves once per call. Each call waits for its
# slowest batch, so not too few.
ENCODE_STEP = 512
# The bar appears only when embedding takes longer than this (seconds).
PROGRESS_DELAY_S = 0.5


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unchanged: no embedding done
    failed: list[CitedError] = field(default_factory=list)
    documents: int = 0  # in the index afterwards
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0  # texts sent through the encoder
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.skipped)} unchanged"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return (
            f"{', '.join(parts)}; index holds {self.documents} document(s), {self.chunks} chunks, "
            f"{self.sentences} sentences; {self.embedded} texts embedded; {self.seconds:.1f} s"
        )


def load_existing(store: Store, settings: Settings, model: str, rebuild: bool) -> Stored | None:
    """What the store holds (its documents, without chunks or vectors), or None for a new index."""
    if rebuild:
        return None
    try:
        existing = store.stored(expected_model=model)
    except IndexMissing:
        return None
    wanted = chunking_settings(settings)
    if existing.chunking != wanted:
        raise IndexMismatch(store.location, f"chunking {existing.chunking}, asked for {wanted}")
    return existing


def chunking_settings(settings: Settings) -> dict:
    return {"chunk_size": settings.chunk_size, "chunk_overlap": settings.chunk_overlap, "splitter": "paragraph+recursive"}


def ingest(
    inputs: list[str | Upload],
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: bool = False,
    url_timeout: float = URL_TIMEOUT_S,
) -> IngestReport:
    """Add or update documents in the index at settings.index_dir: files, folders and URLs named
    by strings, and Uploads (stored as "upload:NAME"). Bad inputs are reported in report.failed
    and the rest are still ingested; the index is written once, atomically. Two writers (a
    `cited ingest` and an upload in the chat) take turns, so neither loses the other's
    documents. A document is stored under its absolute path, URL or upload name, and ingesting the
    same source again updates it; bytes already in the index are skipped."""
    store = open_store(settings)
    with store.lock():
        return _ingest(store, inputs, settings, embedder, rebuild, progress, url_timeout)


def _ingest(store: Store, inputs, settings: Settings, embedder, rebuild: bool, progress: bool,
            url_timeout: float) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    model_name = embedder.name if embedder else canonical_model_name(settings.model)
    existing = load_existing(store, settings, model_name, rebuild)
    documents = list(existing.documents) if existing else []  # Held: id, source, sha256
    by_source = {d.source: d for d in documents}
    by_sha = {d.sha256: d for d in documents}

    uploads = [i for i in inputs if isinstance(i, Upload)]
    items, report.failed = expand_inputs([i for i in inputs if not isinstance(i, Upload)])
    fresh: list[Document] = []
    for item in uploads + items:
        try:
            if isinstance(item, Upload):
                reading = read_upload(item, settings.max_file_bytes)
            else:
                reading = read_input(item, settings.max_file_bytes, url_timeout)
        except DocumentError as e:
            report.failed.append(e)
            continue
        source = item.source if isinstance(item, Upload) else source_of(item)
        old = by_source.get(source)
        same = by_sha.get(reading.sha256)
        if same is not None and (old is None or old is same):  # these very bytes are indexed already
            report.skipped.append(same.id)
            continue
        taken = {d.id for d in documents if d is not old} | {d.id for d in fresh}
        doc_id = old.id if old is not None else document_id(source, taken)
        meta = replace(reading.meta, source=source)
        doc = assemble(doc_id, reading.blocks, meta, reading.format, reading.sha256)
        if not doc.meta.language and doc.text:  # captures know theirs already; the other formats are told here
            doc = replace(doc, meta=replace(doc.meta, language=detect(doc.text)))
        if not doc.paragraphs:
            report.failed.append(EmptyDocument(item.name if isinstance(item, Upload) else item))
            continue
        (report.updated if old is not None else report.added).append(doc_id)
        if old is not None:
            documents.remove(old)
        fresh.append(doc)
        by_source[source] = by_sha[doc.sha256] = Held.of(doc)

    if not fresh:  # nothing new: the index on disk stays exactly as it is
        if existing is not None:
            report.documents, report.chunks, report.sentences = len(existing.documents), existing.chunks, existing.sentences
        report.seconds = time.perf_counter() - started
        return report

    embedder = embedder or load_embedder(settings.model, settings.batch_size, settings.encoder_runtime)
    new_chunks: list[Chunk] = []

    def texts_per_document():
        # Only sentences go through the encoder; a chunk's vector is the mean of its sentences'
        # (as good for retrieval as encoding the chunk again, eval/README.md, and half the work).
        for doc in fresh:
            chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
            new_chunks.extend(chunks)
            yield [c.embed_text(s) for c in chunks for s in c.sentence_texts()]

    vectors = encode(embedder, texts_per_document(), progress)
    report.embedded = len(vectors)

    after = store.apply(Update(
        model=embedder.name, dimension=embedder.dimension, chunking=chunking_settings(settings), documents=fresh,
        chunks=new_chunks, chunk_vectors=pool_sentences(vectors, [len(c.sentences) for c in new_chunks]),
        sentence_vectors=vectors, removed={d.id for d in fresh}, rebuild=rebuild,
    ))
    report.documents, report.chunks, report.sentences = len(after.documents), after.chunks, after.sentences
    report.seconds = time.perf_counter() - started
    return report


def encode(
    embedder: Embedder, texts_per_document: Iterable[list[str]], progress: bool, delay: float = PROGRESS_DELAY_S
) -> np.ndarray:
    """Every document's texts through the encoder, in order, with a progress bar on stderr once it
    has taken `delay` s. The encoder works on one document while the iterable prepares the next:
    sentence splitting is Python on one core, the encoder keeps every core busy."""
    from tqdm import tqdm

    steps: list[Future] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cited-ingest") as encoder, tqdm(
        total=0, desc="embedding", unit="text", file=sys.stderr, disable=not progress, delay=delay,
        dynamic_ncols=True, leave=False,
    ) as bar:
        for texts in texts_per_document:
            bar.total += len(texts)
            for start in range(0, len(texts), ENCODE_STEP):
                step = texts[start : start + ENCODE_STEP]
                future = encoder.submit(embedder.encode, step)
                future.add_done_callback(lambda _, n=len(step): bar.update(n))
                steps.append(future)
        vectors = [future.result() for future in steps]
    return np.vstack(vectors) if vectors else np.zeros((0, embedder.dimension), dtype=np.float32)


def pool_sentences(sentence_vectors: np.ndarray, counts: list[int]) -> np.ndarray:
    """One unit vector per chunk: the normalized mean of its consecutive sentence vectors."""
    dimension = sentence_vectors.shape[1] if sentence_vectors.ndim == 2 else 0
    out = np.zeros((len(counts), dimension), dtype=np.float32)
    start = 0
    for row, n in enumerate(counts):
        if n:
            total = sentence_vectors[start : start + n].sum(axis=0)
            out[row] = total / max(float(np.linalg.norm(total)), 1e-12)
        start += n
    return out


def remove_document(settings: Settings, doc: str) -> list[str]:
    """Take one document (by id, or by the file path or URL it came from) out of the index; the
    ids of the documents left."""
    store = open_store(settings)
    with store.lock():
        existing = store.stored()
        target = next((d for d in existing.documents if d.id == doc), None) or next(
            (d for d in existing.documents if d.source in (doc, source_of(doc))), None
        )
        if target is None:
            raise UnknownDocument(doc, [d.id for d in existing.documents])
        after = store.apply(Update(existing.model, existing.dimension, existing.chunking, removed={target.id}))
    return [d.id for d in after.documents]
