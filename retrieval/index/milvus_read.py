"""An index on Milvus as the retriever reads it, without reading it whole.

Opening reads the document list only: per committed document its seq, id, number of chunks and
sentences, and its layout (per chunk, its kind and number of sentences; milvus_rows.py packs it).
Rows are numbered as on the folder store (documents in the order they were added, each one's
chunks in order; sentences likewise), so a row and a Milvus id are one sum apart:
passage id = seq << CHUNK_BITS | i, sentence id = passage id << SENTENCE_BITS | j.

Chunks, document texts and vectors are fetched from Milvus when a question needs them: chunks a
document at a time (an answer reads a passage's neighbours and its section), the few documents
and sentence vectors an answer shows or checks, kept in small caches. What the client holds grows
with the corpus only by the layout: a few bytes per passage (ChunkColumns), never its text or
vectors.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.index.lazy_rows import ChunkColumns
from retrieval.index.records import Chunk, Document

CHUNK_BITS, SENTENCE_BITS = 20, 10  # passage id = seq << 20 | i; sentence id = passage id << 10 | j


@dataclass(frozen=True)
class Listing:
    """The committed documents, in the order they were added, and where each one's rows begin."""

    seqs: np.ndarray  # ascending
    ids: list[str]
    columns: ChunkColumns
    chunk_first: np.ndarray  # per document, its first chunk row (and the total at the end)
    sentence_starts: np.ndarray  # per chunk, its first sentence row

    @classmethod
    def of(cls, seqs: list[int], ids: list[str], kinds: list[np.ndarray], counts: list[np.ndarray]) -> Listing:
        sizes = np.array([len(k) for k in kinds], dtype=np.int64)
        doc = np.repeat(np.arange(len(ids), dtype=np.int32), sizes)
        kind = np.concatenate(kinds).astype(np.uint8) if kinds else np.zeros(0, np.uint8)
        sentences = np.concatenate(counts).astype(np.int32) if counts else np.zeros(0, np.int32)
        starts = np.cumsum(sentences, dtype=np.int64) - sentences
        return cls(np.array(seqs, dtype=np.int64), list(ids), ChunkColumns(doc, list(ids), kind, sentences),
                   np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), starts)

    @property
    def chunks(self) -> int:
        return int(self.chunk_first[-1])

    @property
    def sentences(self) -> int:
        return int(self.columns.sentences.sum())

    def document_of_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.chunk_first, rows, side="right") - 1

    def passage_ids(self, rows) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        d = self.document_of_rows(rows)
        return (self.seqs[d] << CHUNK_BITS) | (rows - self.chunk_first[d])

    def sentence_ids(self, rows) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        # A chunk without sentences shares its start with the next chunk: the last one is the one.
        chunk = np.searchsorted(self.sentence_starts, rows, side="right") - 1
        return (self.passage_ids(chunk) << SENTENCE_BITS) | (rows - self.sentence_starts[chunk])

    def passage_rows(self, ids) -> tuple[np.ndarray, np.ndarray]:
        """The rows of Milvus passage ids, and which ids have one (a row of a version this listing
        does not hold, written or superseded since it was read, has none)."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(self.seqs):
            return np.zeros(0, np.int64), np.zeros(len(ids), bool)
        seq, i = ids >> CHUNK_BITS, ids & ((1 << CHUNK_BITS) - 1)
        d = np.minimum(np.searchsorted(self.seqs, seq), len(self.seqs) - 1)
        ok = (self.seqs[d] == seq) & (i < self.chunk_first[d + 1] - self.chunk_first[d])
        return (self.chunk_first[d] + i)[ok], ok

    def sentence_rows(self, ids) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, dtype=np.int64)
        chunks, ok = self.passage_rows(ids >> SENTENCE_BITS)
        j = (ids & ((1 << SENTENCE_BITS) - 1))[ok]
        fits = j < self.columns.sentences[chunks]
        ok[np.flatnonzero(ok)[~fits]] = False
        return self.sentence_starts[chunks[fits]] + j[fits], ok


class _Cache:
    """The last `size` values fetched, by key; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size, self._values, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)


class MilvusChunks(Sequence):
    """The chunks, fetched a document at a time (`fetch(seqs)` → {seq: [Chunk, …]}) when one of
    them is asked for; `prefetch` fetches several documents in one call (a question's top
    passages)."""

    DOCUMENTS_CACHED = 256

    def __init__(self, listing: Listing, fetch: Callable[[list[int]], dict[int, list[Chunk]]]) -> None:
        self.listing, self._fetch, self._cache = listing, fetch, _Cache(self.DOCUMENTS_CACHED)
        self.columns = listing.columns

    def __len__(self) -> int:
        return self.listing.chunks

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        i = int(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"row {i} of {len(self)}")
        i %= len(self)
        d = int(self.listing.document_of_rows(np.array([i]))[0])
        return self._document(d)[i - int(self.listing.chunk_first[d])]

    def _document(self, d: int) -> list[Chunk]:
        seq = int(self.listing.seqs[d])
        chunks = self._cache.get(seq)
        if chunks is None:
            chunks = self._fetch([seq]).get(seq, [])
            self._cache.put(seq, chunks)
        return chunks

    def prefetch(self, rows) -> None:
        seqs = sorted({int(s) for s in self.listing.seqs[self.listing.document_of_rows(np.asarray(rows, np.int64))]})
        missing = [s for s in seqs if self._cache.get(s) is None]
        if missing:
            for seq, chunks in self._fetch(missing).items():
                self._cache.put(seq, chunks)

    def __eq__(self, other) -> bool:  # equal to a list of the same chunks (tests compare stores)
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None


class MilvusDocuments(Sequence):
    """The documents, each fetched (`fetch(seq)` → Document) when asked for; ids known without."""

    CACHED = 32

    def __init__(self, listing: Listing, fetch: Callable[[int], Document]) -> None:
        self.listing, self._fetch, self._cache = listing, fetch, _Cache(self.CACHED)
        self.ids = listing.ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        seq = int(self.listing.seqs[int(i)])
        document = self._cache.get(seq)
        if document is None:
            document = self._fetch(seq)
            self._cache.put(seq, document)
        return document

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None


class MilvusVectors:
    """A collection's dense vectors by row, fetched by id when asked for (`fetch(ids)` → array in
    the ids' order). Search does not read them: Milvus scores rows itself (MilvusStore.dense_scores);
    an answer reads a few sentences' to pair or check them."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, size: int, dimension: int, ids_of: Callable[[np.ndarray], np.ndarray],
                 fetch: Callable[[np.ndarray], np.ndarray]) -> None:
        self.shape = (size, dimension)
        self._ids_of, self._fetch = ids_of, fetch

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self[np.array([int(key) % len(self)])][0]
        rows = np.arange(len(self))[key] if isinstance(key, slice) else np.asarray(key, dtype=np.int64).reshape(-1)
        if not len(rows):
            return np.zeros((0, self.shape[1]), dtype=np.float32)
        return self._fetch(self._ids_of(rows))
