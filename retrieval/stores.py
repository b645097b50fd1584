"""Where an index lives, behind one small interface: the folder store (the default, store.py) or
Milvus (milvus_store.py, `--store milvus:///path.db` or `--store http://host:19530`).

Every store can: say whether it holds an index, give its manifest, list what it stores (the
documents, without their chunks or vectors: what ingest needs to decide what changed), read it
whole (IndexData, for search), apply an Update (documents added, replaced or removed: the store
writes what it must), hold the one writer's lock, give a stamp that changes with every write (so a
running server reloads), and, for a large index, propose each signal's top candidates for a
question (two-stage search, search.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import ContextManager, Protocol

import numpy as np

from cited.errors import IndexCorrupt
from cited.settings import is_milvus_uri
from retrieval.records import Chunk, Document
from retrieval import page_cache, segments, vector_rows
from retrieval.lazy_rows import chunk_columns
from retrieval.store import IndexData, index_lock, recover_interrupted_swap, write_index
from retrieval.store_reading import check_parts, read_documents, read_index, read_manifest
from retrieval.vector_rows import StackedRows


@dataclass(frozen=True)
class Held:
    """A stored document as a writer sees it: what ingest needs to tell a new document from a
    changed or an unchanged one."""

    id: str
    source: str
    sha256: str

    @classmethod
    def of(cls, d: Document) -> "Held":
        return cls(d.id, d.meta.source, d.sha256)


@dataclass(frozen=True)
class Stored:
    """What a store holds, short of texts, chunks and vectors."""

    documents: list[Held]
    model: str
    dimension: int
    chunking: dict
    chunks: int
    sentences: int


@dataclass
class Update:
    """One ingest's or remove's change: new documents (or new versions of stored ones, which
    replace them) with their chunks and vectors, in the documents' order; ids to take out; or, with
    rebuild, everything else out."""

    model: str
    dimension: int
    chunking: dict
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    chunk_vectors: np.ndarray | None = None
    sentence_vectors: np.ndarray | None = None
    removed: set[str] = field(default_factory=set)
    rebuild: bool = False

    @classmethod
    def whole(cls, data: IndexData) -> "Update":
        """The store's index replaced by `data`."""
        return cls(data.model, data.dimension, data.chunking, list(data.documents), list(data.chunks),
                   data.chunk_vectors, data.sentence_vectors, rebuild=True)

@dataclass(frozen=True)
class Candidates:
    """What a store's own search proposes for a question: chunk rows with their dense similarity,
    chunk rows with their BM25 score, and sentence rows with their BM25 score (rows of the
    IndexData the store read; best first)."""

    dense_rows: np.ndarray
    dense_scores: np.ndarray
    bm25_rows: np.ndarray
    bm25_scores: np.ndarray
    sentence_bm25_rows: np.ndarray
    sentence_bm25_scores: np.ndarray


@dataclass(frozen=True)
class Compacted:
    """What `cited compact` merged: segments, and passages of removed or replaced documents."""

    segments: int
    dead_passages: int

    def __bool__(self) -> bool:
        return bool(self.segments or self.dead_passages)


class Store(Protocol):
    location: str  # what a message names: the folder, or the store's URI

    def exists(self) -> bool: ...
    def manifest(self) -> dict: ...
    def stored(self, expected_model: str | None = None) -> Stored: ...
    def documents(self) -> list[Document]: ...
    # previous: this store's index as read before, whose unchanged parts a store may reuse.
    def read(self, expected_model: str | None = None, previous: IndexData | None = None) -> IndexData: ...
    def apply(self, update: Update) -> Stored: ...
    def lock(self) -> ContextManager: ...
    # Merge what incremental writes left (segments, dead rows) into one.
    def compact(self) -> Compacted: ...
    def stamp(self) -> object: ...
    # Read a large index into the page cache in the background (a server's first questions); the thread, or None.
    def warm(self) -> threading.Thread | None: ...
    # False: the store has no search of its own; the retriever searches in memory (FAISS, bm25s).
    def searches(self) -> bool: ...
    def candidates(self, vector: np.ndarray, text: str, k: int) -> Candidates: ...


class FolderStore:
    """The index folder of store.py. A small update to a large index is written as a segment
    (segments.py); any other is a whole, atomic rewrite of the folder, in which the kept
    documents' chunks and vectors are copied, never embedded again."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    def exists(self) -> bool:
        try:
            recover_interrupted_swap(self.path)  # an ingest killed mid-swap moved the index aside
            return self.path.exists()
        except OSError:
            return True  # cannot even look (no permission): loading the index names the problem

    def manifest(self) -> dict:
        return read_manifest(self.path)

    def stored(self, expected_model: str | None = None) -> Stored:
        """From the manifest alone (its files checked to be there): a large library's add reads
        no document."""
        return _stored(check_parts(self.path, expected_model=expected_model), self.location)

    def documents(self) -> list[Document]:
        return read_documents(self.path)

    def read(self, expected_model: str | None = None, previous: IndexData | None = None) -> IndexData:
        return read_index(self.path, expected_model=expected_model, previous=previous)

    def apply(self, update: Update) -> Stored:
        """Called under lock()."""
        new = IndexData(update.model, update.dimension, update.chunking, update.documents, update.chunks,
                        _or_empty(update.chunk_vectors, update.dimension),
                        _or_empty(update.sentence_vectors, update.dimension))
        if update.rebuild or not self.exists():
            write_index(self.path, new)
            return _stored(read_manifest(self.path), self.location)
        manifest = read_manifest(self.path)
        if segments.fits(manifest, update.documents, update.chunks, update.removed):
            return _stored(segments.append(self.path, manifest, new, update.removed), self.location)
        return self._rewrite(read_index(self.path), new, update.removed)

    def _rewrite(self, existing: IndexData, new: IndexData, removed: set[str]) -> Stored:
        """The whole index written again: the kept documents, then the new ones."""
        replaced = removed | {d.id for d in new.documents}
        documents = [d for d in existing.documents if d.id not in replaced]
        chunks, chunk_vectors, sentence_vectors = kept_rows(existing, {d.id for d in documents}, new.dimension)
        data = IndexData(
            model=new.model, dimension=new.dimension, chunking=new.chunking,
            documents=documents + new.documents, chunks=chunks + new.chunks,
            chunk_vectors=_stacked(chunk_vectors, new.chunk_vectors),
            sentence_vectors=_stacked(sentence_vectors, new.sentence_vectors),
            extra=existing.extra,
        )
        write_index(self.path, data)
        return _stored(read_manifest(self.path), self.location)

    def compact(self) -> Compacted:
        """The index written whole, its segments and dead rows merged in (nothing written if it
        has neither). Called under lock()."""
        existing = read_index(self.path)
        done = Compacted(len(existing.parts) - 1, sum(p.chunks for p in existing.parts) - len(existing.chunks))
        if done:
            empty = np.zeros((0, existing.dimension), dtype=np.float32)
            self._rewrite(existing, IndexData(existing.model, existing.dimension, existing.chunking, [], [],
                                              empty, empty), set())
        return done

    def write(self, data: IndexData) -> Stored:
        return self.apply(Update.whole(data))

    def lock(self) -> ContextManager:
        return index_lock(self.path)

    def warm(self) -> threading.Thread | None:
        return page_cache.warm(self.path) if self.path.is_dir() else None

    def stamp(self) -> tuple[int, int] | None:
        """Every write puts a new manifest file in place (a whole folder swapped in, or the
        manifest alone replaced after a segment), so a new inode."""
        try:
            st = (self.path / "manifest.json").stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def searches(self) -> bool:
        return False

    def candidates(self, vector: np.ndarray, text: str, k: int) -> Candidates:
        raise NotImplementedError("the folder store is searched in memory (retrieval/search.py)")


def _stacked(kept: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The kept rows, then the new ones, read as one without a copy (a compaction adds none)."""
    return StackedRows([*vector_rows.parts(kept), new]) if len(new) else kept


def _or_empty(vectors: np.ndarray | None, dimension: int) -> np.ndarray:
    return vectors if vectors is not None else np.zeros((0, dimension), dtype=np.float32)


def _stored(manifest: dict, location: str) -> Stored:
    """What a (checked) manifest says is stored."""
    try:
        counts = manifest.get("counts", {})
        held = [Held(str(e["id"]), str(e.get("source", "")), str(e.get("sha256", ""))) for e in manifest["documents"]]
        return Stored(held, str(manifest.get("model", "")), int(manifest.get("dimension", 0)),
                      manifest.get("chunking", {}), int(counts.get("chunks", 0)), int(counts.get("sentences", 0)))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise IndexCorrupt(location, f"manifest.json is unreadable: {type(e).__name__}") from None


def kept_rows(existing: IndexData | None, keep: set[str], dimension: int) -> tuple[list[Chunk], np.ndarray, np.ndarray]:
    """The chunks and vectors of the documents in `keep`: reused, never embedded again."""
    if existing is None:
        empty = np.zeros((0, dimension), dtype=np.float32)
        return [], empty, empty
    columns = chunk_columns(existing.chunks)
    kept = columns.of_documents(keep)
    if kept.all():  # every row kept: the arrays as they are, no copy
        return list(existing.chunks), existing.chunk_vectors, existing.sentence_vectors
    chunk_rows = np.flatnonzero(kept)
    sentence_rows = np.flatnonzero(np.repeat(kept, columns.sentences.astype(np.int64)))
    return ([existing.chunks[int(i)] for i in chunk_rows], vector_rows.rows_of(existing.chunk_vectors, chunk_rows),
            vector_rows.rows_of(existing.sentence_vectors, sentence_rows))


def open_store(settings) -> Store:
    """The store settings name: settings.store (a Milvus URI, checked by Settings) if set, else
    the folder index_dir."""
    if settings.store and is_milvus_uri(settings.store):
        from retrieval.milvus_store import MilvusStore

        return MilvusStore(settings.store)
    return FolderStore(settings.index_dir)
