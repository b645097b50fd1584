"""The index folder: a versioned manifest.json, documents.jsonl, chunks.jsonl (and where each of
their lines is: documents.rows.json, chunks.rows), two FAISS files, and the BM25 of both (and,
for a part of APPROXIMATE_FROM passages or more, an approximate FAISS index of its passages);
then any segments (segments.py) added since, each a folder of the same files.

Written atomically: a whole index goes to a temporary sibling folder, which is then swapped in with
one rename, so a reader sees either the old index or the new one, never half of either (a segment
is written whole before the manifest that names it replaces the old one). The manifest lists the
documents that are live and the part (the folder itself, "", or a segment) holding each; rows of
any other document are dead and skipped on load. Every file's sha256 and size are in the
manifest, so damage is found and named on load (a file over 64 MB by its size: folder_read.py).
No pickle anywhere. Opening a folder: folder_read.py; its rows, parsed when asked for: lazy_rows.py.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import orjson

from retrieval.base.errors import IndexWriteFailed
from retrieval.base.files import sha256_file
from retrieval.index import atomic
from retrieval.index.atomic import (  # noqa: F401  (index_lock: the stores' writers take it from here)
    fsync,
    fsync_dir,
    index_lock,
    recover_interrupted_swap,
    remove_stale_temporaries,
)
from retrieval.index.lazy_rows import CHUNK_ROW, KIND_CODES, OTHER_KIND
from retrieval.index.records import Chunk, Document, Metadata, Paragraph
from retrieval.index.vector_files import write_approximate, write_flat_vectors

SCHEMA_VERSION = 2  # 2: segments; a version 1 folder is read as one without segments
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
CHUNK_VECTORS = "chunks.faiss"
SENTENCE_VECTORS = "sentences.faiss"
DATA_FILES = (DOCUMENTS, CHUNKS, CHUNK_VECTORS, SENTENCE_VECTORS)
# Where each line of the two JSON-lines files is, and what search needs of every chunk, so that
# opening a part parses no line (retrieval/index/lazy_rows.py). A part written before them has neither;
# its lines are then found by one scan when it is opened.
DOCUMENT_ROWS = "documents.rows.json"
CHUNK_ROWS = "chunks.rows"  # lazy_rows.CHUNK_ROW records, packed, little-endian
ROW_FILES = (DOCUMENT_ROWS, CHUNK_ROWS)
# BM25 of the chunks and of their sentences, as bm25s saves them (retrieval/index/lexical.py). An index
# written before they were stored has none; its BM25 is then built when it is opened.
BM25_FOLDERS = ("bm25-chunks", "bm25-sentences")
# A part of this many passages or more is also written with an approximate dense index, which a
# large library's questions search instead of scanning every passage (retrieval/search/dense.py).
APPROXIMATE_FROM = 200_000
CHUNK_IVF = "chunks.ivf"
SEGMENTS = "segments"  # the folder of the segments added since the index was last written whole


@dataclass
class IndexData:
    """Everything an index holds, in memory. Sentence vectors are in the order of
    chunks[0].sentences, chunks[1].sentences, …"""

    model: str
    dimension: int
    chunking: dict
    documents: list[Document]
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    created: str = ""
    extra: dict = field(default_factory=dict)
    parts: list["Part"] = field(default_factory=list)  # where it was read from (its stored BM25), if it was

    def document(self, doc_id: str) -> Document | None:
        ids = getattr(self.documents, "ids", None)  # lazily read documents: parse only the one asked
        if isinstance(ids, list):
            return self.documents[ids.index(doc_id)] if doc_id in ids else None
        return next((d for d in self.documents if d.id == doc_id), None)


@dataclass(frozen=True)
class Part:
    """One folder an index was read from (the index folder, or one of its segments): its files (as
    the manifest lists them: the same files if equal), how many chunk and sentence rows it stores,
    and which of them are live (None: all), in IndexData's order."""

    folder: Path
    files: dict
    documents: int  # live
    chunks: int
    sentences: int
    chunk_rows: np.ndarray | None = None
    sentence_rows: np.ndarray | None = None
    approximate: object = None  # its FAISS IVF of chunks.ivf (memory-mapped), if it has one

    def live(self) -> tuple[int, int, int]:
        """Its live documents, chunk rows and sentence rows: how many of IndexData's it holds."""
        return (self.documents, self.chunks if self.chunk_rows is None else len(self.chunk_rows),
                self.sentences if self.sentence_rows is None else len(self.sentence_rows))


# --- writing ---------------------------------------------------------------------------------


def write_index(path: Path, data: IndexData) -> None:
    path = Path(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if path.exists() and not path.is_dir():
            raise IndexWriteFailed(str(path), "it is a file, not an index folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        tmp.mkdir()
        _write_files(tmp, data)
        atomic.swap_in(tmp, path)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexWriteFailed(str(path), e.strerror or str(e)) from None


def _write_files(folder: Path, data: IndexData) -> None:
    files = write_data_files(folder, data)
    chunks_per_document = Counter(c.doc for c in data.chunks)  # one pass: a library has many documents
    sentences_per_document = Counter()
    for c in data.chunks:
        sentences_per_document[c.doc] += len(c.sentences)
    counts = {"chunks": len(data.chunks), "sentences": int(len(data.sentence_vectors))}
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "model": data.model,
        "dimension": data.dimension,
        "chunking": data.chunking,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {"documents": len(data.documents), **counts},
        "documents": [manifest_entry(d, chunks_per_document.get(d.id, 0), sentences_per_document.get(d.id, 0))
                      for d in data.documents],
        "files": files,
        "sizes": file_sizes(folder, files),
        "base": counts,  # rows stored in the folder itself, live or not
        "segments": [],
        **data.extra,
    }
    write_manifest(folder, manifest)


def write_manifest(folder: Path, manifest: dict) -> None:
    """manifest.json, replaced in one rename (a reader reads the old one or the new one). Written
    by orjson: a large library has a manifest of megabytes, which each add writes once and reads a
    few times (the json module was many times slower)."""
    tmp = folder / f".{MANIFEST}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "wb") as f:
            f.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / MANIFEST)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(folder)


def file_sizes(folder: Path, files: dict) -> dict[str, int]:
    return {name: (folder / name).stat().st_size for name in files}


def write_data_files(folder: Path, data: IndexData) -> dict[str, str]:
    """A part's files (documents, chunks, vectors, BM25) in `folder`, synced; {name: sha256}."""
    _write_rows(folder, data)
    for name, vectors in ((CHUNK_VECTORS, data.chunk_vectors), (SENTENCE_VECTORS, data.sentence_vectors)):
        write_flat_vectors(folder / name, vectors, data.dimension)
    extra = [*ROW_FILES, *_write_bm25(folder, data)]
    if len(data.chunk_vectors) >= APPROXIMATE_FROM:
        write_approximate(folder / CHUNK_IVF, data.chunk_vectors, data.dimension)
        extra.append(CHUNK_IVF)
    for name in (*DATA_FILES, *extra):
        fsync(folder / name)
    return {name: sha256_file(folder / name) for name in (*DATA_FILES, *extra)}


def _write_rows(folder: Path, data: IndexData) -> None:
    """documents.jsonl and chunks.jsonl, one JSON line per row, and beside them where each line
    is (DOCUMENT_ROWS, CHUNK_ROWS) with what search needs of every chunk, so that opening the
    part parses no line (lazy_rows.py)."""
    ids, offsets, at = [d.id for d in data.documents], [], 0
    with open(folder / DOCUMENTS, "wb") as f:
        for d in data.documents:
            line = json.dumps(document_record(d), ensure_ascii=False).encode("utf-8")
            offsets.append((at, at + len(line)))
            f.write(line + b"\n")
            at += len(line) + 1
    code = {doc_id: i for i, doc_id in enumerate(ids)}
    rows = np.zeros(len(data.chunks), dtype=CHUNK_ROW)
    at = 0
    with open(folder / CHUNKS, "wb") as f:
        for i, c in enumerate(data.chunks):
            line = json.dumps(chunk_record(c), ensure_ascii=False).encode("utf-8")
            if c.doc not in code:  # a chunk whose document is not in this part: its id is listed after theirs
                code[c.doc] = len(ids)
                ids.append(c.doc)
            rows[i] = (at, at + len(line), code[c.doc], KIND_CODES.get(c.kind, OTHER_KIND), len(c.sentences))
            f.write(line + b"\n")
            at += len(line) + 1
    with open(folder / CHUNK_ROWS, "wb") as f:
        f.write(rows.tobytes())
    (folder / DOCUMENT_ROWS).write_bytes(orjson.dumps({"ids": ids, "lines": offsets}))


def document_record(d: Document) -> dict:
    return {
        "id": d.id,
        "format": d.format,
        "sha256": d.sha256,
        "meta": asdict(d.meta),
        "text": d.text,
        "paragraphs": [[p.n, p.start, p.end, p.kind, list(p.section), p.page] for p in d.paragraphs],
    }


def chunk_record(c: Chunk) -> dict:
    return {
        "doc": c.doc, "paragraph": c.paragraph, "start": c.start, "end": c.end, "text": c.text,
        "kind": c.kind, "section": list(c.section), "page": c.page, "sentences": [list(s) for s in c.sentences],
    }


def manifest_entry(d: Document, chunks: int, sentences: int, segment: str = "") -> dict:
    return {
        "id": d.id, "source": d.meta.source, "title": d.meta.title, "authors": list(d.meta.authors),
        "date": d.meta.date, "site": d.meta.site, "language": d.meta.language, "format": d.format, "sha256": d.sha256,
        "paragraphs": len(d.paragraphs), "chunks": chunks, "sentences": sentences, "segment": segment,
    }


def _write_bm25(folder: Path, data: IndexData) -> list[str]:
    """Both BM25 indexes, saved; the relative paths of their files."""
    from retrieval.index.lexical import Bm25Index

    texts = {
        BM25_FOLDERS[0]: [c.embed_text() for c in data.chunks],
        BM25_FOLDERS[1]: [c.embed_text(s) for c in data.chunks for s in c.sentence_texts()],
    }
    written = []
    for name, corpus in texts.items():
        Bm25Index(corpus).save(folder / name)
        written += sorted(str(p.relative_to(folder)) for p in (folder / name).glob("*") if p.is_file())
    return written


def document_from(r: dict) -> Document:
    paragraphs = tuple(
        Paragraph(n, start, end, kind, tuple(section), page) for n, start, end, kind, section, page in r["paragraphs"]
    )
    meta = r["meta"]
    meta = Metadata(
        title=meta.get("title", ""), authors=tuple(meta.get("authors", ())), date=meta.get("date", ""),
        site=meta.get("site", ""), source=meta.get("source", ""), language=meta.get("language", ""),
    )
    return Document(r["id"], r["text"], paragraphs, meta, r.get("format", "txt"), r.get("sha256", ""))


def chunk_from(r: dict) -> Chunk:
    return Chunk(
        r["doc"], int(r["paragraph"]), int(r["start"]), int(r["end"]), r["text"], r.get("kind", "text"),
        tuple(r.get("section", ())), r.get("page"), tuple((int(s), int(e)) for s, e in r.get("sentences", ())),
    )
