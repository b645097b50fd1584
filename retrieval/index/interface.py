"""The interface every store keeps (the folder store, retrieval/index/stores.py; Milvus,
retrieval/index/milvus.py) and the records that cross it.

Every store can: say whether it holds an index, give its manifest, list what it stores (the
documents, without their chunks or vectors: what ingest needs to decide what changed), read it
whole (IndexData, for search), apply an Update (documents added, replaced or removed: the store
writes what it must), hold the one writer's lock, give a stamp that changes with every write (so a
running server reloads), and, for a large index, propose each signal's top candidates for a
question (two-stage search, retrieval/search/retriever.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import ContextManager, Protocol

import numpy as np

from retrieval.index.folder import IndexData
from retrieval.index.records import Chunk, Document


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
    # A store that searches: each signal's top k (of `doc` only, if given), and the question's
    # dense scores of given passages (chunk rows) and of their sentences (sentence rows, scores).
    def candidates(self, vector: np.ndarray, text: str, k: int, doc: str | None = None) -> Candidates: ...
    def dense_scores(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray: ...
    def sentence_scores(self, rows: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
